"""Reading and moving around: the skip link, focus you can see, printing a statement."""

from __future__ import annotations

from playwright.sync_api import expect

from browser.pages import PETITION, STATEMENT


def test_the_first_tab_offers_the_skip_link_and_it_leads_to_the_content(browsing, demo):
    page = browsing.new_page(locale="ar")
    page.goto(f"/ar/petitions/{PETITION}")
    skip = page.locator(".skip-link")
    assert not skip.is_visible() or skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0, "the focused skip link shows on screen"
    # The focus ring is drawn: an outline around what has the focus.
    assert skip.evaluate("link => getComputedStyle(link).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_a_statement_prints_as_a_clean_text(browsing, demo):
    page = browsing.new_page()
    page.goto(f"/en/statements/{STATEMENT}")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".layout__actions", "form"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".statement .prose")).to_be_visible()
    assert page.locator("body").evaluate("body => getComputedStyle(body).color") == "rgb(0, 0, 0)"
    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()
