"""Each page of the statements listing is its own page for search engines; the feed does not
pretend to page."""

from __future__ import annotations

import re

import pytest

from campaign.config import LOCALES
from campaign.statements.listing import PAGE_SIZE


def _links(page: str, rel: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<link [^>]*>", page):
        if f'rel="{rel}"' in tag:
            href = re.search(r'href="([^"]+)"', tag).group(1).replace("&amp;", "&")
            lang = re.search(r'hreflang="([^"]+)"', tag)
            found[lang.group(1) if lang else rel] = href
    return found


@pytest.fixture
def two_pages(make_statement):
    for _ in range(PAGE_SIZE + 1):
        make_statement()


def test_page_two_is_its_own_canonical_page_in_every_language(client, two_pages):
    page = client.get("/fr/statements?page=2").get_data(as_text=True)

    assert _links(page, "canonical") == {"canonical": "http://localhost/fr/statements?page=2"}
    alternates = _links(page, "alternate")
    for lang in LOCALES:
        assert alternates[lang] == f"http://localhost/{lang}/statements?page=2"
    assert alternates["x-default"] == "http://localhost/en/statements?page=2"


def test_page_one_and_filters_keep_the_plain_listing_as_canonical(client, two_pages):
    for url in ("/fr/statements", "/fr/statements?page=1", "/fr/statements?kind=statement"):
        page = client.get(url).get_data(as_text=True)
        assert _links(page, "canonical") == {"canonical": "http://localhost/fr/statements"}


def test_the_feed_advertised_by_a_later_page_does_not_claim_to_page(client, two_pages):
    page = client.get("/en/statements?page=2").get_data(as_text=True)
    feed_links = [href for href in re.findall(r'href="([^"]*feed\.atom[^"]*)"', page)]
    assert feed_links
    assert all("page=" not in href for href in feed_links)

    feed = client.get("/en/statements/feed.atom?page=2").get_data(as_text=True)
    assert "page=" not in feed
    assert 'rel="next"' not in feed
