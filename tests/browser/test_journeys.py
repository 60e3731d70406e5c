"""The supporter's journey in a real browser: sign, read the email, confirm, see the count grow."""

from __future__ import annotations

import pytest
from helpers import signature_count, signatures
from playwright.sync_api import expect

from browser.support import (
    PHONE,
    confirmation_link,
    path_of,
    shown_count,
    sign_with_keyboard,
    sign_with_pointer,
    translated,
    wait_for_mail,
)
from campaign.models import Petition, Signature

SLUG = "end-impunity-for-torture"


def petition_id(app) -> int:
    from sqlalchemy import select

    from campaign.extensions import db

    with app.app_context():
        return db.session.scalar(select(Petition.id).where(Petition.slug == SLUG))


def confirm_from_email(page, smtp_server, run_worker, address: str, lang: str) -> None:
    run_worker()
    message = wait_for_mail(smtp_server.inbox, address)
    link = confirmation_link(message)
    assert path_of(link).startswith(f"/{lang}/confirm/")
    page.goto(path_of(link))
    page.locator("form button[type=submit]").click()


@pytest.mark.parametrize(("lang", "keyboard"), [("en", True), ("ar", False)])
def test_sign_confirm_and_see_the_count_grow(
    browsing, app, demo, smtp_server, run_worker, lang, keyboard
):
    pid = petition_id(app)
    before = signature_count(app, pid)
    page = browsing.new_page(locale=lang)
    page.goto(f"/{lang}/petitions/{SLUG}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert shown_count(page) == before

    address = f"journey-{lang}@example.org"
    if keyboard:
        sign_with_keyboard(page, name="Amina Diallo", email=address, country_name="France")
    else:
        sign_with_pointer(page, name="أمينة ديالو", email=address, country="JO")
    page.wait_for_selector("[data-resend]")
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Check your email"))
    [signature] = signatures(app, Signature.email == address)
    assert signature.locale == lang
    assert signature.country == ("FR" if keyboard else "JO")
    assert signature.confirmed_at is None

    confirm_from_email(page, smtp_server, run_worker, address, lang)
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Your signature counts"))
    assert shown_count(page) == before + 1
    assert signature_count(app, pid) == before + 1

    page.goto(f"/{lang}/petitions/{SLUG}")
    assert shown_count(page) == before + 1


def test_journey_without_javascript(browsing, app, demo, smtp_server, run_worker):
    pid = petition_id(app)
    before = signature_count(app, pid)
    page = browsing.new_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"/en/petitions/{SLUG}")

    # An invalid form comes back with its error summary and keeps what was typed.
    browsing.expect_status(422, f"/en/petitions/{SLUG}")
    page.locator("#name").fill("Jo Bloggs")
    page.locator(".sign-form button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert page.locator("#name").input_value() == "Jo Bloggs"
    links = summary.locator("a")
    assert links.count() == 3  # email, country, consent
    links.first.click()
    assert page.evaluate("() => document.activeElement.id") == "email"

    sign_with_pointer(page, name="Jo Bloggs", email="jo@example.org", country="GB")
    page.wait_for_selector("[data-resend]")
    confirm_from_email(page, smtp_server, run_worker, "jo@example.org", "en")
    expect(page.locator("h1")).to_have_text("Your signature counts")
    assert shown_count(page) == before + 1
    # The share panel works without scripts: plain links and a field to copy by hand.
    assert page.locator(".share__network").count() >= 7
    assert "ref=" in page.locator("#share-copy").input_value()
    page.goto(f"/en/petitions/{SLUG}")
    assert shown_count(page) == before + 1


def test_a_refused_form_puts_the_focus_on_its_error_summary(browsing, demo):
    page = browsing.new_page(locale="ar")
    browsing.expect_status(422, f"/ar/petitions/{SLUG}")
    page.goto(f"/ar/petitions/{SLUG}")
    page.locator("#email").fill("not an address")
    page.locator(".sign-form button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    # Each problem links to its field, and the field says what is wrong with it.
    assert summary.locator("a").count() == 4
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert page.locator("#email").get_attribute("aria-describedby") == "email-hint email-error"
    assert page.locator("#email").input_value() == "not an address"
