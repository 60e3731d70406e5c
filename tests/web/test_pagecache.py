"""The per-process cache of public pages and counters (campaign.web.pagecache)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from flask import Flask, make_response
from sqlalchemy import event, func, select, update
from webhook_support import subscribe_to_confirmations

from campaign.extensions import db
from campaign.models import Petition, Signature, Statement, StatementText, WebhookDelivery
from campaign.petitions.signing import confirmation_token
from campaign.text import markdown
from campaign.web import pagecache
from campaign.web.pagecache import PageCache


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


def expired_entry() -> tuple[Clock, PageCache]:
    """A cache whose entry "key" (b"old") just expired, and the one request that found it so
    now making it afresh."""
    clock = Clock()
    cache = PageCache(2, clock=clock)
    cache.put("key", b"old")
    clock.now += 2.1
    assert cache.get("key") is None
    return clock, cache


def test_an_expired_entry_is_made_afresh_once_and_the_old_one_served_meanwhile():
    _clock, cache = expired_entry()
    assert [cache.get("key") for _ in range(3)] == [b"old"] * 3
    cache.put("key", b"new")
    assert cache.get("key") == b"new"


def test_an_abandoned_refresh_forgets_the_old_entry():
    _clock, cache = expired_entry()
    cache.abandon("key")
    assert cache.get("key") is None
    assert cache.get("key") is None, "nothing is left to serve while the next one renders"


def test_a_refresh_stuck_for_a_lifetime_is_taken_over():
    clock, cache = expired_entry()
    clock.now += 1.9
    assert cache.get("key") == b"old"
    clock.now += 0.2
    assert cache.get("key") is None


def test_a_new_count_makes_entries_stale_and_a_change_deletes_them():
    clock = Clock()
    counts, countless = PageCache(10, clock=clock), PageCache(10, clock=clock, shows_counts=False)
    for cache in (counts, countless):
        cache.put("key", b"old")
        cache.count_changed()
    assert countless.get("key") == b"old"
    assert len(counts) == 0
    assert counts.get("key") is None and counts.get("key") == b"old"
    counts.clear()
    assert counts.get("key") is None and counts.get("key") is None


def test_a_crowd_arriving_at_an_expiry_costs_one_render():
    """While one request renders the expired page, the others are answered the page as it was,
    instead of every thread rendering the same page at once."""
    app = Flask(__name__)
    app.config["PAGE_CACHE_SECONDS"] = 2
    pagecache.init_app(app)
    clock = app.extensions["pagecache"].clock = Clock()
    renders, entered, release = [], threading.Event(), threading.Event()

    @app.get("/page")
    @pagecache.cached_page()
    def page():
        renders.append(None)
        if len(renders) == 2:
            entered.set()
            assert release.wait(10)
        response = make_response(f"render {len(renders)}")
        response.cache_control.public = True
        return response

    assert app.test_client().get("/page").data == b"render 1"
    clock.now += 2.1
    with ThreadPoolExecutor(1) as pool:
        refreshing = pool.submit(lambda: app.test_client().get("/page").data)
        assert entered.wait(10)
        meanwhile = [app.test_client().get("/page").data for _ in range(5)]
        release.set()
        assert refreshing.result(10) == b"render 2"
    assert meanwhile == [b"render 1"] * 5
    assert app.test_client().get("/page").data == b"render 2"
    assert len(renders) == 2


def test_a_page_that_fails_to_render_afresh_is_not_served_old():
    app = Flask(__name__)
    app.config["PAGE_CACHE_SECONDS"] = 2
    pagecache.init_app(app)
    clock = app.extensions["pagecache"].clock = Clock()
    answers = iter([200, 404, 200])

    @app.get("/page")
    @pagecache.cached_page()
    def page():
        response = make_response("page", next(answers))
        response.cache_control.public = True
        return response

    client = app.test_client()
    assert client.get("/page").status_code == 200
    clock.now += 2.1
    assert client.get("/page").status_code == 404
    assert client.get("/page").status_code == 200


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
    assert client.post(page_url, data=form).status_code == 200
    with app.app_context():
        signature = db.session.scalars(
            select(Signature).where(Signature.petition_id == petition.id)
        ).one()
        token = confirmation_token(app.config["SECRET_KEY"], signature)
    # Signing (a pending row and an email) changes no public figure: the caches stay (the page
    # and the counter; the petition, the pause switch and the check-your-email page's layout
    # kept for the next signer, which show no count).
    assert len(app.extensions["pagecache"]) == 2
    assert len(app.extensions["pagecache.countless"]) == 3
    assert client.post(f"/en/confirm/{token}").status_code == 200
    # The new count empties what shows counts, and only that: the others are still kept, and
    # so are the confirmed page's layout (its counter is filled in per visitor) and the receipt
    # email's.
    assert len(app.extensions["pagecache"]) == 0
    assert len(app.extensions["pagecache.countless"]) == 5

    assert api_count(client, petition.slug) == 1
    assert b"<strong>1</strong>" in client.get(page_url).data


def test_a_confirmation_told_to_a_webhook_empties_no_more_than_one_that_is_not(
    app, client, clock, make_petition, make_signature
):
    """The delivery a confirmation queues for a subscribed endpoint shows on no page: were it
    taken for a change, every confirmation would empty every cache of its process."""
    subscribe_to_confirmations(app)
    petition = make_petition(signature_count=0)
    with app.app_context():
        signature = db.session.get(Signature, make_signature(petition, confirmed=False))
        token = confirmation_token(app.config["SECRET_KEY"], signature)
    assert b"<strong>0</strong>" in client.get(f"/en/petitions/{petition.slug}").data
    kept = set(app.extensions["pagecache.countless"]._entries)
    assert kept
    assert client.post(f"/en/confirm/{token}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    # As without an endpoint (above): what shows no count is kept.
    assert kept <= set(app.extensions["pagecache.countless"]._entries)


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


# --- every public page ----------------------------------------------------------------------------


@pytest.fixture
def count_queries(app):
    """The number of SQL statements sent while the returned context runs."""

    @contextmanager
    def counting():
        sent = []

        def record(*_args):
            sent.append(1)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield sent
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def public_site(make_campaign, make_petition, make_statement):
    """A published campaign with an open petition and a statement, each in English and French."""
    campaign = make_campaign(locales=("en", "fr"))
    petition = make_petition(campaign=campaign, locales=("en", "fr"))
    statement = make_statement(
        locales=("en", "fr"), campaigns=[campaign], petitions=[petition], countries=("MX",)
    )
    return campaign, petition, statement


PUBLIC_PAGES = (
    "/en/",
    "/en/campaigns/{campaign}",
    "/en/statements",
    "/en/statements?country=MX&kind=statement",
    "/en/statements/{statement}",
    "/en/statements/feed.atom",
    "/en/statements/feed.atom?country=MX",
    "/sitemap.xml",
    "/en/developers",
    "/en/privacy",
)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_is_served_from_the_cache(
    app, client, clock, public_site, count_queries, path
):
    campaign, _petition, statement = public_site
    url = path.format(campaign=campaign.slug, statement=statement.slug)
    first = client.get(url)
    assert first.status_code == 200
    assert "public" in first.headers["Cache-Control"]
    assert len(app.extensions["pagecache"]) == 1
    with count_queries() as sent:
        again = client.get(url)
    assert again.status_code == 200
    assert again.data == first.data
    assert sent == []


def _visitor(app):
    """A visitor without cookies, beside the staff member's client."""
    return app.test_client()


def _campaign_form(slug: str, **texts) -> dict:
    form = {"slug": slug, "default_locale": "en", "hashtag": "#StopTorture", "action": "save"}
    for locale, (title, body) in texts.items():
        form[f"text_{locale}-title"] = title
        form[f"text_{locale}-summary"] = f"Summary {locale}"
        form[f"text_{locale}-body"] = body
    return form


def _statement_form(slug: str, **texts) -> dict:
    form = {
        "slug": slug,
        "kind": "statement",
        "published_on": "2026-03-01",
        "default_locale": "en",
        "countries": ["MX"],
        "topics": ["human-rights-defenders"],
        "signatories": "",
        "action": "save",
    }
    for locale, (title, excerpt, body) in texts.items():
        form[f"text_{locale}-title"] = title
        form[f"text_{locale}-excerpt"] = excerpt
        form[f"text_{locale}-body"] = body
    return form


def test_a_campaign_edited_by_staff_shows_at_once_on_its_cached_pages(
    app, client, clock, public_site, make_user, log_in, count_queries
):
    campaign, _petition, _statement = public_site
    visitor = _visitor(app)
    pages = ["/en/", f"/en/campaigns/{campaign.slug}"]
    for url in pages:
        visitor.get(url)
        with count_queries() as sent:
            assert b"Campaign 1 [en]" in visitor.get(url).data
        assert sent == []  # kept

    log_in(client, make_user("admin"))
    form = _campaign_form(
        campaign.slug, en=("Stop torture now", "A *new* appeal"), fr=("Campaign 1 [fr]", "Corps")
    )
    assert client.post(f"/staff/campaigns/{campaign.slug}", data=form).status_code == 303

    assert b"Stop torture now" in visitor.get("/en/").data
    page = visitor.get(f"/en/campaigns/{campaign.slug}").data
    assert b"Stop torture now" in page and b"A <em>new</em> appeal" in page


def test_a_statement_and_its_new_translation_show_at_once_on_their_cached_pages(
    app, client, clock, make_statement, make_user, log_in, count_queries
):
    statement = make_statement(locales=("en",))
    visitor = _visitor(app)
    urls = {
        "listing": "/en/statements",
        "page": f"/en/statements/{statement.slug}",
        "feed": "/en/statements/feed.atom",
        "french": f"/fr/statements/{statement.slug}",
    }
    for url in urls.values():
        assert visitor.get(url).status_code == 200
    with count_queries() as sent:
        assert b"Statement 1 [en]" in visitor.get(urls["french"]).data  # the fallback
    assert sent == []  # kept

    log_in(client, make_user("admin"))
    form = _statement_form(
        statement.slug,
        en=("Free the defenders", "Now", "They must be *released*"),
        fr=("Liberez les defenseurs", "Maintenant", "Ils doivent etre *liberes*"),
    )
    assert client.post(f"/staff/statements/{statement.slug}", data=form).status_code == 303

    assert b"Free the defenders" in visitor.get(urls["listing"]).data
    page = visitor.get(urls["page"]).data
    assert b"Free the defenders" in page and b"<em>released</em>" in page
    assert b"&lt;em&gt;released&lt;/em&gt;" in visitor.get(urls["feed"]).data
    french = visitor.get(urls["french"]).data
    assert b"Liberez les defenseurs" in french and b"<em>liberes</em>" in french


def test_a_change_made_elsewhere_shows_once_the_lifetime_is_over(
    app, client, clock, make_statement
):
    """Another worker process commits the change: this one's entry lives out its lifetime."""
    statement = make_statement()
    url = f"/en/statements/{statement.slug}"
    assert b"Statement 1 [en]" in client.get(url).data
    texts = StatementText.__table__
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            update(texts).where(texts.c.statement_id == statement.id).values(title="Renamed")
        )
    clock.now += app.config["PAGE_CACHE_SECONDS"] - 0.5
    assert b"Statement 1 [en]" in client.get(url).data
    clock.now += 1
    assert b"Renamed" in client.get(url).data


def test_languages_never_share_an_entry_on_any_page(client, clock, public_site):
    campaign, _petition, statement = public_site
    paths = ("/{lang}/campaigns/{campaign}", "/{lang}/statements/{statement}", "/{lang}/")
    for path in paths:
        for lang in ("en", "fr", "en"):
            url = path.format(lang=lang, campaign=campaign.slug, statement=statement.slug)
            page = client.get(url).data
            other = "fr" if lang == "en" else "en"
            assert f'lang="{lang}"'.encode() in page and f"[{lang}]".encode() in page
            assert f"[{other}]".encode() not in page


def test_a_staff_preview_is_never_served_from_the_cache_nor_stored(
    app, client, clock, make_campaign, make_statement, make_user, log_in
):
    preview = make_campaign(status="preview")
    draft = make_statement(status="draft")
    published = make_campaign()
    log_in(client, make_user("admin"))
    visitor = _visitor(app)
    cache = app.extensions["pagecache"]

    assert visitor.get(f"/en/campaigns/{published.slug}").status_code == 200
    assert len(cache) == 1
    for url in (f"/en/campaigns/{preview.slug}", f"/en/statements/{draft.slug}"):
        assert client.get(url).status_code == 200
        assert visitor.get(url).status_code == 404
    # Logged-in staff on public pages: rendered for them, never stored.
    assert client.get(f"/en/campaigns/{published.slug}").status_code == 200
    assert client.get("/en/statements").status_code == 200
    assert len(cache) == 1


def test_the_listing_keys_on_its_reading_of_the_filters(client, clock, make_statement):
    make_statement(countries=("MX",))
    cache_size = lambda: len(client.application.extensions["pagecache"])  # noqa: E731
    same = (
        "/en/statements?country=MX",
        "/en/statements?country=mx",
        "/en/statements?country=MX&utm_source=x",
        "/en/statements?country=MX&page=1",
    )
    for url in same:
        assert client.get(url).status_code == 200
    assert cache_size() == 1
    # Free-text searches and refused values are answered, never kept.
    assert client.get("/en/statements?q=torture").status_code == 200
    assert client.get("/en/statements?country=ZZ").status_code == 400
    assert client.get("/en/statements/feed.atom?q=torture").status_code == 200
    assert cache_size() == 1


def test_a_full_cache_forgets_its_oldest_entry_only(monkeypatch):
    monkeypatch.setattr(pagecache, "MAX_ENTRIES", 3)
    cache = PageCache(10, clock=Clock())
    for key in ("a", "b", "c", "d"):
        cache.put(key, key)
    assert len(cache) == 3
    assert cache.get("a") is None
    assert [cache.get(k) for k in ("b", "c", "d")] == ["b", "c", "d"]


# --- Markdown rendered when saved -----------------------------------------------------------------


class CountingParser:
    def __init__(self, parser):
        self.parser = parser
        self.calls = 0

    def render(self, source):
        self.calls += 1
        return self.parser.render(source)


def test_markdown_is_rendered_when_saved_and_never_per_request(
    app, client, monkeypatch, make_campaign, make_petition, make_statement
):
    app.extensions["pagecache"].seconds = 0  # every request renders its page
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    statement = make_statement(texts={"en": ("Title", "Excerpt", "Read *this*")})
    with app.app_context():
        text = db.session.get(Statement, statement.id).text_for("en")
        assert text.body_html == "<p>Read <em>this</em></p>\n"
        assert text.body_html_rules == markdown.RULES

    counting = CountingParser(markdown._parser)
    monkeypatch.setattr(markdown, "_parser", counting)
    for url in (
        f"/en/campaigns/{campaign.slug}",
        f"/en/petitions/{petition.slug}",
        f"/en/statements/{statement.slug}",
        "/en/statements/feed.atom",
    ):
        assert client.get(url).status_code == 200
    assert b"Read <em>this</em>" in client.get(f"/en/statements/{statement.slug}").data
    assert counting.calls == 0


def test_text_rendered_under_other_rules_is_never_served_and_is_refreshed(
    app, client, runner, monkeypatch, make_statement
):
    app.extensions["pagecache"].seconds = 0
    statement = make_statement(texts={"en": ("Title", "Excerpt", "Read *this*")})
    texts = StatementText.__table__
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            update(texts)
            .where(texts.c.statement_id == statement.id)
            .values(body_html="<p>old rules</p>", body_html_rules="0" * 16)
        )
    page = client.get(f"/en/statements/{statement.slug}").data
    assert b"old rules" not in page and b"Read <em>this</em>" in page

    result = runner.invoke(args=["markdown", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1 texts rendered again" in result.output
    counting = CountingParser(markdown._parser)
    monkeypatch.setattr(markdown, "_parser", counting)
    assert b"Read <em>this</em>" in client.get(f"/en/statements/{statement.slug}").data
    assert counting.calls == 0
