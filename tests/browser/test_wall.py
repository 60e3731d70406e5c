"""The wall of support in a browser: posting a photo from a phone in English and Arabic, the
wall read and reported without JavaScript, and the moderation queue (axe-clean)."""

from __future__ import annotations

import re

import pytest
from conftest import body_text
from playwright.sync_api import Page, expect
from sqlalchemy import select
from wall_support import WALL_CONFIRM_LINK, photo

from browser.pages import CAMPAIGN
from browser.support import PHONE, describe_violations, run_axe, translated, wait_for_mail
from browser.test_staff import log_in
from campaign.extensions import db
from campaign.models import SupporterMessage

MESSAGES = {"en": "Hats on: torture must end.", "ar": "قبعتي ضد التعذيب، في كل مكان."}


def _approve(app, message: str) -> None:
    from campaign.models import utcnow

    with app.app_context():
        post = db.session.scalars(
            select(SupporterMessage).where(SupporterMessage.message == message)
        ).one()
        post.status, post.approved_at = "approved", utcnow()
        db.session.commit()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_posting_a_photo_from_a_phone(browsing, app, demo, smtp_server, run_worker, lang):
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/campaigns/{CAMPAIGN}")
    page.locator("[data-wall-preview] a.button--primary").click()
    page.wait_for_url(f"**/{lang}/campaigns/{CAMPAIGN}/wall/new")
    address = f"wall-{lang}@example.org"
    page.locator("#display_name").fill("Amina")
    page.locator("#email").fill(address)
    page.locator("#country").select_option("JO")
    page.locator("#message").fill(MESSAGES[lang])
    # The words are taken to be in the page's language until the supporter says otherwise.
    expect(page.locator("#message_language")).to_have_value(lang)
    page.locator("#photo").set_input_files(
        {"name": "hat.jpg", "mimeType": "image/jpeg", "buffer": photo((1200, 1600), gps=True)}
    )
    page.locator("#consent").check()
    # Nothing runs off the side of a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator(".wall-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Check your email"))
    assert address not in page.url

    run_worker()
    [link] = WALL_CONFIRM_LINK.findall(body_text(wait_for_mail(smtp_server.inbox, address)))
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Your message is confirmed"))

    _approve(app, MESSAGES[lang])
    page.goto(f"/{lang}/campaigns/{CAMPAIGN}/wall")
    post = page.locator(".wall-post").first
    expect(post.locator("blockquote")).to_have_text(MESSAGES[lang])
    assert post.locator("blockquote").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    image = post.locator("img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 360
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_wall_without_javascript(browsing, app, demo):
    page = browsing.new_page(viewport=PHONE, locale="fr", java_script_enabled=False)
    page.goto(f"/fr/campaigns/{CAMPAIGN}/wall")
    posts = page.locator(".wall-post")
    expect(posts).to_have_count(12)
    images = page.locator(".wall-post img")
    images.first.scroll_into_view_if_needed()
    expect(images.first).to_be_visible()
    languages = {posts.nth(n).locator("blockquote").get_attribute("lang") for n in range(12)}
    assert languages == {"en", "fr", "es", "ar"}

    report = posts.first.locator(".wall-post__report")
    expect(report.locator("form")).to_be_hidden()
    report.locator("summary").click()
    report.locator("input[value=abusive]").check()
    report.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(translated(app, "fr", "Thank you for telling us"))


def _violations(page: Page, name: str) -> list[str]:
    found = run_axe(page)
    return [describe_violations(name, found)] if found else []


def test_the_moderation_queue(browsing, app, demo, make_user, smtp_server, run_worker):
    admin = make_user("admin")
    page = browsing.new_page(bypass_csp=True)
    log_in(page, admin.email)
    page.goto("/staff/wall")
    reviews = page.locator("[data-review]")
    expect(reviews).to_have_count(2)
    for n in range(2):
        image = reviews.nth(n).locator("img")
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.naturalWidth") > 0
    problems = _violations(page, "staff wall")

    waiting = reviews.first.locator("blockquote").inner_text()
    reviews.first.locator("form[action$='/approve'] button").click()
    expect(page.locator("[data-review]")).to_have_count(1)
    refused = page.locator("[data-review]").first
    refused.locator("textarea[name=reason]").fill("Please send a photo of a hat.")
    refused.locator("form[action$='/reject'] button").click()
    expect(page.locator("[data-review]")).to_have_count(0)
    run_worker()
    assert any("Please send a photo of a hat." in body_text(m) for m in smtp_server.inbox.messages)

    page.goto("/staff/wall?state=approved")
    expect(page.locator("[data-review]")).to_have_count(13)
    problems += _violations(page, "staff wall approved")
    page.goto(f"/en/campaigns/{CAMPAIGN}/wall")
    expect(page.locator(".wall-post blockquote").first).to_have_text(
        re.compile(re.escape(waiting.strip()))
    )
    assert not problems, "accessibility violations:\n" + "\n".join(problems)
