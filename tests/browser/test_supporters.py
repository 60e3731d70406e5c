"""What a supporter on a phone sees around signing, in English and Arabic: the closing date, the
menu, the answer to a signing with its "send again" button, the next steps once confirmed, the
copy button, the country guessed from the browser, and the widget on a narrow frame."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import signatures
from playwright.sync_api import expect
from sqlalchemy import select, update

from browser.pages import CAMPAIGN, PETITION
from browser.support import (
    PHONE,
    confirmation_link,
    path_of,
    sign_with_pointer,
    translated,
    wait_for_mail,
)
from campaign.extensions import db
from campaign.models import Campaign, Petition, Signature, utcnow

LANGS = ["en", "ar"]
OTHER_PETITION = "protect-human-rights-defenders"


def _set_petition(app, slug: str, **values) -> None:
    with app.app_context():
        db.session.execute(update(Petition).where(Petition.slug == slug).values(**values))
        db.session.commit()


def _in_view(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        """el => { const r = el.getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight; }"""
    )


@pytest.mark.parametrize("lang", LANGS)
def test_a_petition_says_when_it_closes_and_when_it_closed(browsing, app, demo, lang):
    _set_petition(app, PETITION, closes_at=utcnow() + timedelta(days=3, hours=1))
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/petitions/{PETITION}")
    closing = page.locator("[data-closing]")
    expect(closing).to_be_visible()
    assert closing.locator("time").get_attribute("datetime")
    soon = closing.locator(".closing__soon")
    expect(soon).to_be_visible()
    assert "3" in soon.inner_text()
    assert _in_view(page, "[data-closing]"), "the date shows beside the count, above the form"

    ended = utcnow() - timedelta(days=2)
    _set_petition(app, OTHER_PETITION, status="closed", closed_at=ended)
    page.goto(f"/{lang}/petitions/{OTHER_PETITION}")
    closed = page.locator(".closed [data-closing]")
    expect(closed).to_be_visible()
    expect(closed).to_contain_text(translated(app, lang, "Closed on %(date)s").split("%")[0])


@pytest.mark.parametrize("lang", LANGS)
def test_the_menu_opens_on_a_phone_without_script(browsing, demo, lang):
    page = browsing.new_page(viewport=PHONE, locale=lang, java_script_enabled=False)
    page.goto(f"/{lang}/")
    expect(page.locator(".site-nav")).to_be_hidden()
    statements_link = page.locator(".site-menu__nav a").nth(1)
    expect(statements_link).to_be_hidden()
    page.locator(".site-menu__toggle").click()
    expect(statements_link).to_be_visible()
    statements_link.click()
    page.wait_for_url(f"**/{lang}/statements")


@pytest.mark.parametrize("lang", LANGS)
def test_sign_the_petition_lands_on_its_title(browsing, app, demo, lang):
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/campaigns/{CAMPAIGN}")
    page.locator(".hero__action a").click()
    page.wait_for_url(f"**/{lang}/petitions/{PETITION}#petition")
    assert _in_view(page, ".petition__ask"), "the petition's title is in view"
    expect(page.locator("#name")).to_be_in_viewport()


@pytest.mark.parametrize("lang", LANGS)
def test_check_your_email_sends_again_and_shares_no_i_signed(
    browsing, app, demo, smtp_server, run_worker, lang
):
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/petitions/{PETITION}")
    address = f"again-{lang}@example.org"
    sign_with_pointer(page, name="Amina Diallo", email=address, country="JO")
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Check your email"))
    assert address not in page.url and "again" not in page.url
    share_text = page.locator("[data-share]").get_attribute("data-share-text")
    assert "signed" not in share_text and "وقّعتُ" not in share_text
    expect(page.locator("[data-sign-again]")).to_be_visible()

    page.locator("[data-resend] button").click()
    expect(page.locator("[data-sent-again]")).to_be_visible()
    assert address not in page.url
    run_worker()
    kinds = [m["Subject"] for m in smtp_server.inbox.to(address)]
    assert len(kinds) == 2, kinds

    page.locator("[data-sign-again]").click()
    expect(page.locator("#email")).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_the_confirmed_page_offers_next_steps(browsing, app, demo, smtp_server, run_worker, lang):
    with app.app_context():
        db.session.execute(
            update(Campaign)
            .where(Campaign.slug == CAMPAIGN)
            .values(donation_url="https://give.example.org/omct")
        )
        db.session.commit()
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/petitions/{PETITION}")
    address = f"next-{lang}@example.org"
    sign_with_pointer(page, name="Amina Diallo", email=address, country="JO")
    page.wait_for_selector("[data-resend]")
    run_worker()
    page.goto(path_of(confirmation_link(wait_for_mail(smtp_server.inbox, address))))
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Your signature counts"))

    steps = page.locator("[data-next-steps]")
    expect(steps.locator(f'[data-next-petitions] a[href*="{OTHER_PETITION}"]')).to_be_visible()
    expect(steps.locator("[data-next-statements] a").first).to_be_visible()
    assert steps.locator("[data-donate]").get_attribute("href") == "https://give.example.org/omct"

    steps.locator("[data-updates-opt-in] button").click()
    expect(page.locator("[data-updates-opted-in]")).to_be_visible()
    expect(page.locator("[data-updates-opt-in]")).to_have_count(0)
    [signature] = signatures(app, Signature.email == address)
    assert signature.newsletter is True


@pytest.mark.parametrize("lang", LANGS)
def test_the_copy_button_says_link_copied(browsing, app, demo, lang):
    context = browsing.new_context(
        viewport=PHONE, locale=lang, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.goto(f"/{lang}/petitions/{PETITION}")
    button = page.locator("[data-share-actions] button").first
    expect(button).to_have_text(translated(app, lang, "Copy link"))
    button.click()
    copied = translated(app, lang, "Link copied")
    expect(button).to_have_text(copied)
    status = page.locator(".share__status")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).to_have_text(copied)
    assert page.evaluate("() => navigator.clipboard.readText()").endswith("?src=copy")


@pytest.mark.parametrize(
    ("locale", "lang", "country"), [("fr-FR", "en", "FR"), ("ar-JO", "ar", "JO")]
)
def test_the_country_follows_the_browsers_language(browsing, demo, locale, lang, country):
    page = browsing.new_page(viewport=PHONE, locale=locale)
    page.goto(f"/{lang}/petitions/{PETITION}")
    expect(page.locator("#country")).to_have_value(country)
    page.locator("#country").select_option("BE")
    expect(page.locator("#country")).to_have_value("BE")


@pytest.mark.parametrize("lang", LANGS)
def test_the_widget_is_compact_on_a_phone(browsing, app, demo, lang):
    page = browsing.new_page(viewport={"width": 390, "height": 844}, locale=lang)
    page.goto(f"/embed/petitions/{PETITION}?lang={lang}")
    height = page.evaluate("() => Math.ceil(document.body.getBoundingClientRect().height)")
    assert height < 700, height
    share = page.locator(".embed__share")
    assert share.evaluate("details => details.open") is False
    expect(page.locator(".share__networks")).to_be_hidden()
    share.locator("summary").click()
    expect(page.locator(".share__networks")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(Petition.status).where(Petition.slug == PETITION)) == "open"
