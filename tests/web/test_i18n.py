"""Four languages: URL prefixes, negotiation, direction, plural forms, fallbacks, emails."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from campaign.config import LOCALES, ROOT
from campaign.extensions import db
from campaign.models import OutboxEmail

ALL = ("en", "fr", "es", "ar")


def english_interface_strings(locale: str) -> list[str]:
    """English msgids whose translation differs from the English: none may show on the page."""
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        cat = read_po(po, locale=locale)
    strings = []
    for entry in cat:
        if not entry.id or isinstance(entry.id, tuple) or "%(" in entry.id or "<" in entry.id:
            continue
        if len(entry.id.split()) >= 2 and entry.string and entry.string != entry.id:
            strings.append(entry.id)
    return strings


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.replace("&#39;", "'").replace("&amp;", "&").split())


@pytest.fixture
def petition_all_languages(make_petition, make_campaign):
    return make_petition(campaign=make_campaign(locales=ALL), locales=ALL)


def public_pages(petition):
    return [
        "/{lang}/",
        f"/{{lang}}/campaigns/{petition.campaign.slug}",
        f"/{{lang}}/petitions/{petition.slug}",
        f"/{{lang}}/petitions/{petition.slug}/check-your-email",
    ]


@pytest.mark.parametrize("lang", ALL)
def test_every_public_page_speaks_the_language_of_its_prefix(client, petition_all_languages, lang):
    for template in public_pages(petition_all_languages):
        response = client.get(template.format(lang=lang))
        assert response.status_code == 200, template
        html = response.get_data(as_text=True)
        direction = "rtl" if lang == "ar" else "ltr"
        assert f'<html lang="{lang}" dir="{direction}">' in html
        assert f'<link rel="canonical" href="http://localhost/{lang}/' in html
        for other in ALL:
            assert f'hreflang="{other}"' in html
        if lang != "en":
            text = visible_text(html)
            leftovers = [s for s in english_interface_strings(lang) if s in text]
            assert not leftovers, f"{template} in {lang} shows English: {leftovers}"


@pytest.mark.parametrize("lang", ["fr", "es", "ar"])
def test_translated_page_title(app, client, lang, petition_all_languages):
    slug = petition_all_languages.slug
    html = client.get(f"/{lang}/petitions/{slug}/check-your-email").get_data(as_text=True)
    with app.test_request_context(), force_locale(lang):
        expected = gettext("Check your email")
    assert expected != "Check your email"
    assert f"<title>{expected} ·" in html


def test_root_negotiates_from_accept_language(client):
    for header, expected in [
        ("es-MX,es;q=0.9", "/es/"),
        ("ar", "/ar/"),
        ("fr-CH, fr;q=0.9, en;q=0.8", "/fr/"),
        ("de-DE", "/en/"),
    ]:
        response = client.get("/", headers={"Accept-Language": header})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(expected)
        assert "Accept-Language" in response.headers["Vary"]


def test_language_switcher_stays_on_the_same_page(client, petition_all_languages):
    slug = petition_all_languages.slug
    html = client.get(f"/es/petitions/{slug}").get_data(as_text=True)
    for lang in ALL:
        assert f'href="/{lang}/petitions/{slug}"' in html


def test_missing_translation_falls_back_with_a_notice(client, make_petition):
    petition = make_petition(locales=("en",))
    html = client.get(f"/fr/petitions/{petition.slug}").get_data(as_text=True)
    assert "[en]" in html  # the English text is shown, not a blank page
    assert 'lang="en"' in html  # and marked as English for screen readers
    assert "pas encore disponible" in html


PLURAL_WORDS = {
    # the counter's noun after 0, 1, 2, 3, 11 and 100 signatures
    "en": ["signatures", "signature", "signatures", "signatures", "signatures", "signatures"],
    "fr": ["signature", "signature", "signatures", "signatures", "signatures", "signatures"],
    "es": ["firmas", "firma", "firmas", "firmas", "firmas", "firmas"],
    # Arabic: zero, one, two (dual), few (3-10), many (11-99), other (100+)
    "ar": ["توقيع", "توقيع", "توقيعان", "توقيعات", "توقيعًا", "توقيع"],
}


@pytest.mark.parametrize("lang", ALL)
def test_plural_forms(app, lang):
    counts = (0, 1, 2, 3, 11, 100)
    with app.test_request_context(), force_locale(lang):
        forms = [
            ngettext(
                "<strong>%(formatted)s</strong> signature",
                "<strong>%(formatted)s</strong> signatures",
                n,
                formatted=str(n),
            )
            for n in counts
        ]
    expected = [
        f"<strong>{n}</strong> {word}" for n, word in zip(counts, PLURAL_WORDS[lang], strict=True)
    ]
    assert forms == expected


def test_numbers_are_formatted_for_the_locale(client, make_petition):
    petition = make_petition(locales=ALL, goal=20000, signature_count=12345)
    fr = client.get(f"/fr/petitions/{petition.slug}").get_data(as_text=True)
    en = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    assert "<strong>12,345</strong>" in en
    assert "<strong>12\u202f345</strong>" in fr


def test_country_names_are_localised(client, make_petition):
    petition = make_petition(locales=ALL)
    assert ">Allemagne<" in client.get(f"/fr/petitions/{petition.slug}").get_data(as_text=True)
    assert ">Alemania<" in client.get(f"/es/petitions/{petition.slug}").get_data(as_text=True)
    assert ">ألمانيا<" in client.get(f"/ar/petitions/{petition.slug}").get_data(as_text=True)


def test_signer_in_arabic_gets_an_arabic_email_linking_to_arabic_pages(app, client, make_petition):
    petition = make_petition(locales=ALL)
    response = client.post(
        f"/ar/petitions/{petition.slug}",
        data={"name": "ليلى", "email": "layla@example.org", "country": "EG", "consent": "y"},
    )
    assert response.status_code == 200
    assert 'lang="ar"' in response.get_data(as_text=True)
    with app.app_context():
        email = db.session.scalars(db.select(OutboxEmail)).one()
        assert email.locale == "ar"
        assert 'lang="ar" dir="rtl"' in email.html_body
        link = re.search(r"http://localhost(/ar/confirm/\S+)", email.text_body).group(1)
        assert "تأكيد" in email.subject or "توقيع" in email.subject
    page = client.get(link)
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.get_data(as_text=True)


def test_locales_constant_matches_the_catalogues():
    for lang in LOCALES[1:]:
        assert (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").exists()
