"""Every public page describes itself to search engines and link previews: a meta description,
OpenGraph and Twitter tags with an image, and og:locale in the language of the text shown."""

from __future__ import annotations

import re

import pytest


def _meta(page: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<meta [^>]*>", page):
        key = re.search(r'(?:name|property)="([^"]+)"', tag)
        content = re.search(r'content="([^"]*)"', tag)
        if key and content:
            found.setdefault(key.group(1), content.group(1))
    return found


@pytest.fixture
def site(make_campaign, make_petition, make_statement):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    empty_campaign = make_campaign()
    statement = make_statement()
    return campaign, petition, empty_campaign, statement


PAGES = (
    "/{lang}/",
    "/{lang}/campaigns/{campaign}",
    "/{lang}/campaigns/{empty_campaign}",
    "/{lang}/petitions/{petition}",
    "/{lang}/statements",
    "/{lang}/statements/{statement}",
    "/{lang}/privacy",
    "/{lang}/developers",
)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_has_a_description_and_a_preview_with_an_image(client, site, path, lang):
    campaign, petition, empty_campaign, statement = site
    url = path.format(
        lang=lang,
        campaign=campaign.slug,
        empty_campaign=empty_campaign.slug,
        petition=petition.slug,
        statement=statement.slug,
    )
    page = client.get(url).get_data(as_text=True)

    meta = _meta(page)
    for key in ("description", "og:title", "og:description", "og:url", "og:image", "og:locale"):
        assert meta.get(key), f"{url} lacks {key}"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:url"].startswith("http://localhost/")
    assert meta["og:image"].startswith("http://localhost/")
    assert page.count('name="description"') == 1
    image = client.get(meta["og:image"].removeprefix("http://localhost"))
    assert image.status_code == 200
    assert image.mimetype == "image/png"


def test_the_site_card_is_in_the_page_language(client):
    english = client.get("/en/card.png")
    arabic = client.get("/ar/card.png")

    assert english.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert english.headers["ETag"] != arabic.headers["ETag"]
    again = client.get("/en/card.png", headers={"If-None-Match": english.headers["ETag"]})
    assert again.status_code == 304


def test_og_locale_follows_the_text_shown_not_the_address(client, make_petition):
    english_only = make_petition(locales=("en",))

    page = client.get(f"/ar/petitions/{english_only.slug}").get_data(as_text=True)

    assert _meta(page)["og:locale"] == "en_GB"


def test_a_translated_petition_says_its_own_language(client, make_petition):
    petition = make_petition(locales=("en", "ar"))

    page = client.get(f"/ar/petitions/{petition.slug}").get_data(as_text=True)

    assert _meta(page)["og:locale"] == "ar_AR"


def test_staff_pages_carry_no_preview(client):
    page = client.get("/staff/login").get_data(as_text=True)

    assert "og:title" not in page
