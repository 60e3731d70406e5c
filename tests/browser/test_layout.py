"""Phones: no page scrolls sideways, and the sign button shows without scrolling."""

from __future__ import annotations

import pytest

from browser.pages import PETITION, open_visit, public_pages
from browser.support import PHONE

SMALL_PHONE = {"width": 320, "height": 568}


@pytest.mark.parametrize(
    ("lang", "viewport"), [("en", PHONE), ("ar", PHONE), ("fr", SMALL_PHONE)], ids=str
)
def test_no_page_scrolls_sideways_on_a_phone(browsing, app, demo, lang, viewport):
    page = browsing.new_page(viewport=viewport, locale=lang)
    too_wide = []
    for visit in public_pages(app, lang):
        open_visit(page, browsing, visit)
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            too_wide.append(f"{visit.name} ({visit.path}): {scroll_width} > {inner_width}")
    assert not too_wide, "pages wider than the phone:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_the_sign_button_shows_without_scrolling_on_a_phone(browsing, demo, lang):
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/petitions/{PETITION}")
    assert page.evaluate("() => window.scrollY") == 0
    box = page.locator(".sign-form button[type=submit]").bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"], f"the sign button ends at {box}"
    # The ask comes before the form.
    ask = page.locator("h1").bounding_box()
    assert ask["y"] + ask["height"] <= box["y"]
