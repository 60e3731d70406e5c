"""Live counters: the markup static/js/counter.js reads, and the API answers it relies on."""

from __future__ import annotations

import re

import pytest
from sharing_support import sign_and_confirm

from campaign.extensions import db
from campaign.models import Petition

ALL = ("en", "fr", "es", "ar")


@pytest.fixture
def petition(make_campaign, make_petition):
    return make_petition(
        campaign=make_campaign(locales=ALL), locales=ALL, goal=20000, signature_count=12345
    )


def counter_attributes(html: str) -> dict[str, str]:
    tag = re.search(r'<div class="counter"([^>]*)>', html).group(1)
    return dict(re.findall(r'(data-[\w-]+)="([^"]*)"', tag))


@pytest.mark.parametrize("lang", ALL)
def test_petition_counter_polls_the_api_in_the_page_language(client, petition, lang):
    html = client.get(f"/{lang}/petitions/{petition.slug}").get_data(as_text=True)
    attributes = counter_attributes(html)
    assert attributes == {
        "data-counter-slug": petition.slug,
        "data-lang": lang,
        "data-counter-count": "12345",
        "data-counter-api": f"/api/v1/petitions/{petition.slug}?lang={lang}",
    }
    assert '<p class="visually-hidden" aria-live="polite" data-counter-announce></p>' in html
    assert '<script src="/static/js/counter.js" defer></script>' in html
    # What the script will write is what the page shows now: same number, same formatting.
    api = client.get(attributes["data-counter-api"]).get_json()
    shown = re.search(r"data-counter-text><strong>([^<]+)</strong>", html).group(1)
    assert api["signature_count_display"] == shown
    assert shown in api["signature_count_text"]


def test_counters_on_campaign_and_confirmation_pages_are_live(app, client, petition):
    html = client.get(f"/en/campaigns/{petition.campaign.slug}").get_data(as_text=True)
    assert counter_attributes(html)["data-counter-slug"] == petition.slug
    assert '<script src="/static/js/counter.js" defer></script>' in html
    confirmed, _ = sign_and_confirm(app, client, petition)
    assert counter_attributes(confirmed)["data-counter-count"] == "12346"


def test_a_new_confirmation_changes_the_etag_the_counter_sends_back(app, client, petition):
    url = f"/api/v1/petitions/{petition.slug}?lang=en"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    sign_and_confirm(app, client, petition)
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["signature_count_display"] == "12,346"
    with app.app_context():
        assert db.session.get(Petition, petition.id).signature_count == 12346


def test_counter_script_is_progressive_enhancement(client):
    with client.get("/static/js/counter.js") as response:
        script = response.get_data(as_text=True)
    assert response.status_code == 200
    for needle in (
        "If-None-Match",
        "prefers-reduced-motion",
        "data-counter-api",
        "signature_count_text",
        "document.hidden",
    ):
        assert needle in script, needle
