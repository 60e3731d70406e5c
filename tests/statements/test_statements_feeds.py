"""The Atom feed of the listing (for any filter) and the site map."""

from __future__ import annotations

from datetime import date, datetime
from xml.etree import ElementTree as ET

import pytest

from campaign.config import LOCALES

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def parse_feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 (our own response)
    assert feed.tag == f"{ATOM}feed"
    return feed


def rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value  # Atom dates carry their offset
    return parsed


def test_feed_is_valid_atom_with_entries_newest_first(client, make_statement):
    older = make_statement(
        published_on=date(2024, 5, 1),
        countries=("EG",),
        texts={"en": ("Open letter", "Letter excerpt", "Letter **body**")},
    )
    newer = make_statement(
        published_on=date(2025, 1, 19),
        countries=("RU",),
        texts={"en": ("Arson in Nazran", "Arson excerpt", "Arson body")},
    )
    feed = parse_feed(client, "/en/statements/feed.atom")
    assert feed.get(XML_LANG) == "en"
    assert feed.findtext(f"{ATOM}id")
    assert feed.findtext(f"{ATOM}title")
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    rfc3339(feed.findtext(f"{ATOM}updated"))
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://localhost/en/statements/feed.atom"
    assert links["alternate"] == "http://localhost/en/statements"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Russia: Arson in Nazran",
        "Egypt: Open letter",
    ]
    first = entries[0]
    url = f"http://localhost/en/statements/{newer.slug}"
    assert first.findtext(f"{ATOM}id") == url
    assert first.find(f"{ATOM}link").get("href") == url
    assert first.find(f"{ATOM}link").get("rel") == "alternate"
    assert rfc3339(first.findtext(f"{ATOM}published")).date() == date(2025, 1, 19)
    rfc3339(first.findtext(f"{ATOM}updated"))
    assert first.findtext(f"{ATOM}summary") == "Arson excerpt"
    content = entries[1].find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text.strip() == "<p>Letter <strong>body</strong></p>"
    assert older.slug in entries[1].findtext(f"{ATOM}id")


def test_feed_follows_the_listing_filters(client, make_statement):
    mexico = make_statement(countries=("MX",), kind="urgent_intervention")
    make_statement(countries=("MX",), kind="statement")
    make_statement(countries=("CO",), kind="urgent_intervention")
    feed = parse_feed(client, "/en/statements/feed.atom?country=MX&kind=urgent_intervention")
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert ids == [f"http://localhost/en/statements/{mexico.slug}"]
    self_link = next(x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self")
    assert self_link.get("href") == (
        "http://localhost/en/statements/feed.atom?country=MX&kind=urgent_intervention"
    )


def test_feed_entries_carry_their_language(client, make_statement):
    make_statement(texts={"es": ("Amenazas en el Valle del Cauca", "", "")}, countries=("CO",))
    feed = parse_feed(client, "/fr/statements/feed.atom")
    entry = feed.find(f"{ATOM}entry")
    assert entry.get(XML_LANG) == "es"
    title = entry.findtext(f"{ATOM}title")
    assert title.startswith("Colombie") and title.endswith(": Amenazas en el Valle del Cauca")


def test_feed_escapes_markup_in_texts(client, make_statement):
    make_statement(texts={"en": ("A <b>bold</b> & risky title", "x < y", "<script>x</script>")})
    feed = parse_feed(client, "/en/statements/feed.atom")
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title").endswith("A <b>bold</b> & risky title")
    assert entry.findtext(f"{ATOM}summary") == "x < y"
    assert "<script>" not in entry.findtext(f"{ATOM}content")


def test_empty_feed_is_still_valid_atom(client):
    feed = parse_feed(client, "/en/statements/feed.atom?year=1999")
    assert feed.findall(f"{ATOM}entry") == []
    rfc3339(feed.findtext(f"{ATOM}updated"))


def test_drafts_never_reach_the_feed(client, make_statement):
    draft = make_statement(status="draft")
    assert draft.slug.encode() not in client.get("/en/statements/feed.atom").data


@pytest.mark.parametrize("query", ["kind=xyz", "country=ZZZ", "year=abc", "topic=nope"])
def test_feed_with_unknown_filter_values_is_400(client, query):
    assert client.get(f"/en/statements/feed.atom?{query}").status_code == 400


def test_sitemap_lists_every_public_page_in_every_language(
    client, make_campaign, make_petition, make_statement
):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    draft_petition = make_petition(campaign=campaign, status="draft")
    hidden_campaign = make_campaign(status="draft")
    statement = make_statement()
    draft_statement = make_statement(status="draft")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    urlset = ET.fromstring(response.data)  # noqa: S314 (our own response)
    assert urlset.tag == f"{SITEMAP}urlset"
    entries = {
        url.findtext(f"{SITEMAP}loc"): {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in urlset.findall(f"{SITEMAP}url")
    }
    public_paths = [
        "/{lang}/",
        "/{lang}/statements",
        "/{lang}/privacy",
        f"/{{lang}}/campaigns/{campaign.slug}",
        f"/{{lang}}/petitions/{petition.slug}",
        f"/{{lang}}/statements/{statement.slug}",
    ]
    expected = {
        f"http://localhost{path.format(lang=lang)}" for path in public_paths for lang in LOCALES
    }
    assert set(entries) == expected
    for path in public_paths:
        alternates = {lang: f"http://localhost{path.format(lang=lang)}" for lang in LOCALES}
        for lang in LOCALES:
            # The same alternates as the page's own <link> tags, x-default included.
            assert entries[alternates[lang]] == {**alternates, "x-default": alternates["en"]}
    for hidden in (draft_petition.slug, hidden_campaign.slug, draft_statement.slug):
        assert hidden.encode() not in response.data


def test_sitemap_pages_answer_200(client, make_petition, make_statement):
    make_petition()
    make_statement()
    urlset = ET.fromstring(client.get("/sitemap.xml").data)  # noqa: S314 (our own response)
    for loc in urlset.iter(f"{SITEMAP}loc"):
        path = loc.text.removeprefix("http://localhost")
        assert client.get(path).status_code == 200, path
