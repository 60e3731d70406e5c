"""The per-process cache of public pages and counters (campaign.pagecache)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from campaign.extensions import db
from campaign.models import Petition, Signature
from campaign.pagecache import PageCache
from campaign.signing import confirmation_token


class Clock:
    """A clock the test moves by hand, so expiry is tested without sleeping."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock()
    app.extensions["pagecache"].clock = clock
    return clock


def set_count_behind_the_cache(app, petition_id: int, count: int) -> None:
    """Change the stored count through a bare connection, which the cache never hears about
    (as when another worker process or server confirms a signature)."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            update(Petition.__table__)
            .where(Petition.__table__.c.id == petition_id)
            .values(signature_count=count)
        )


def api_count(client, slug: str, **params) -> int:
    response = client.get(f"/api/v1/petitions/{slug}", query_string=params)
    assert response.status_code == 200
    return response.get_json()["signature_count"]


# --- the cache itself ---------------------------------------------------------------------------


def test_an_entry_lives_for_its_lifetime_and_no_longer():
    clock = Clock()
    cache = PageCache(2, clock=clock)
    cache.put("key", b"body")
    clock.now += 1.9
    assert cache.get("key") == b"body"
    clock.now += 0.2
    assert cache.get("key") is None
    assert len(cache) == 0


def test_a_lifetime_of_zero_turns_caching_off():
    cache = PageCache(0, clock=Clock())
    cache.put("key", b"body")
    assert cache.get("key") is None


# --- through the app ------------------------------------------------------------------------------


def test_a_page_is_served_from_the_cache_within_its_lifetime(app, client, clock, make_petition):
    petition = make_petition(signature_count=3)
    url = f"/en/petitions/{petition.slug}"
    first = client.get(url)
    assert b"<strong>3</strong>" in first.data

    set_count_behind_the_cache(app, petition.id, 41)
    clock.now += app.config["PAGE_CACHE_SECONDS"] - 0.5
    again = client.get(url)
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert api_count(client, petition.slug) == 41  # first API request: not cached yet
    set_count_behind_the_cache(app, petition.id, 42)
    assert api_count(client, petition.slug) == 41


def test_a_page_is_rendered_again_once_its_lifetime_is_over(app, client, clock, make_petition):
    petition = make_petition(signature_count=3)
    url = f"/en/petitions/{petition.slug}"
    client.get(url)
    assert api_count(client, petition.slug) == 3
    set_count_behind_the_cache(app, petition.id, 41)

    clock.now += app.config["PAGE_CACHE_SECONDS"] + 0.1
    assert b"<strong>41</strong>" in client.get(url).data
    assert api_count(client, petition.slug) == 41


def test_a_cached_page_answers_a_conditional_request_with_304(client, clock, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    etag = client.get(url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""


def test_languages_never_share_an_entry(client, clock, make_petition):
    petition = make_petition(locales=("en", "fr"))
    english = client.get(f"/en/petitions/{petition.slug}")
    french = client.get(f"/fr/petitions/{petition.slug}")
    assert b'lang="en"' in english.data and b"[en]" in english.data
    assert b'lang="fr"' in french.data and b"[fr]" in french.data

    def title(lang: str) -> str:
        response = client.get(f"/api/v1/petitions/{petition.slug}", query_string={"lang": lang})
        return response.get_json()["title"]

    assert title("en").endswith("[en]")
    assert title("fr").endswith("[fr]")
    assert title("en").endswith("[en]")


def test_post_and_invalid_forms_are_never_cached(client, clock, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    client.get(url)
    refused = client.post(url, data={"name": "", "email": "not an address"})
    assert refused.status_code == 422
    assert b"error-summary" in refused.data
    page = client.get(url)
    assert page.status_code == 200
    assert b"error-summary" not in page.data


def test_a_missing_page_is_not_cached(client, clock, make_petition):
    assert client.get("/en/petitions/petition-1").status_code == 404
    assert client.get("/api/v1/petitions/petition-1").status_code == 404
    petition = make_petition()
    assert petition.slug == "petition-1"
    assert client.get("/en/petitions/petition-1").status_code == 200
    assert client.get("/api/v1/petitions/petition-1").status_code == 200


def test_a_visitor_with_a_cookie_never_gets_a_cached_page(app, client, clock, make_petition):
    petition = make_petition(signature_count=3)
    url = f"/en/petitions/{petition.slug}"
    client.get(url)
    set_count_behind_the_cache(app, petition.id, 41)
    client.set_cookie("session", "anything")
    assert b"<strong>41</strong>" in client.get(url).data


def test_the_count_is_fresh_right_after_a_confirmation_in_this_process(
    app, client, clock, make_petition
):
    petition = make_petition(signature_count=0)
    page_url = f"/en/petitions/{petition.slug}"
    assert api_count(client, petition.slug) == 0
    assert b"<strong>0</strong>" in client.get(page_url).data

    form = {"name": "Ann Example", "email": "ann@example.org", "country": "FR", "consent": "y"}
    assert client.post(page_url, data=form).status_code == 303
    with app.app_context():
        signature = db.session.scalars(
            select(Signature).where(Signature.petition_id == petition.id)
        ).one()
        token = confirmation_token(app.config["SECRET_KEY"], signature)
    # Signing (a pending row and an email) changes no public figure: the caches stay (the page
    # and the counter; the petition and the pause switch kept for the next signer, which show
    # no count).
    assert len(app.extensions["pagecache"]) == 2
    assert len(app.extensions["pagecache.countless"]) == 2
    assert client.post(f"/en/confirm/{token}").status_code == 200
    # The new count empties what shows counts, and only that: the petition and the switch are
    # still kept, and so is the confirmed page's layout (its counter is filled in per visitor).
    assert len(app.extensions["pagecache"]) == 0
    assert len(app.extensions["pagecache.countless"]) == 3

    assert api_count(client, petition.slug) == 1
    assert b"<strong>1</strong>" in client.get(page_url).data


def test_a_crowd_of_confirmations_refreshes_the_count_at_most_once_a_second(
    app, client, clock, make_petition, make_signature
):
    petition = make_petition(signature_count=0)
    page_url = f"/en/petitions/{petition.slug}"
    with app.app_context():
        tokens = [
            confirmation_token(
                app.config["SECRET_KEY"],
                db.session.get(Signature, make_signature(petition, confirmed=False)),
            )
            for _ in range(3)
        ]
    assert b"<strong>0</strong>" in client.get(page_url).data

    assert client.post(f"/en/confirm/{tokens[0]}").status_code == 200
    assert b"<strong>1</strong>" in client.get(page_url).data
    assert api_count(client, petition.slug) == 1
    # A moment later: the page stays as it was rendered, not rendered for every confirmation.
    clock.now += 0.5
    assert client.post(f"/en/confirm/{tokens[1]}").status_code == 200
    assert b"<strong>1</strong>" in client.get(page_url).data
    assert api_count(client, petition.slug) == 1
    # A second after the last refresh, the next confirmation refreshes it.
    clock.now += 0.5
    assert client.post(f"/en/confirm/{tokens[2]}").status_code == 200
    assert b"<strong>3</strong>" in client.get(page_url).data
    assert api_count(client, petition.slug) == 3


def test_a_page_made_for_a_share_link_is_never_kept_nor_served_from_the_cache(
    client, clock, make_petition
):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    plain = client.get(url)
    assert b'value="facebook"' not in plain.data

    shared = client.get(url, query_string={"src": "facebook"})
    assert b'value="facebook"' in shared.data
    assert "private" in shared.headers["Cache-Control"]
    assert b'value="facebook"' not in client.get(url).data
