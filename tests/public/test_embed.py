"""The embeddable widget: framable (and only it), works without script, keeps the sign flow
inside the frame, and loads in a plain page served by another server."""

from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from conftest import free_port
from helpers import csp_directives

from campaign.extensions import db
from campaign.models import Petition, Signature

ALL = ("en", "fr", "es", "ar")


def framable(response) -> bool:
    return (
        csp_directives(response).get("frame-ancestors") == "*"
        and "X-Frame-Options" not in response.headers
    )


def not_framable(response) -> bool:
    return (
        csp_directives(response).get("frame-ancestors") == "'none'"
        and response.headers.get("X-Frame-Options") == "DENY"
    )


@pytest.fixture
def petition(make_campaign, make_petition):
    return make_petition(campaign=make_campaign(locales=ALL), locales=ALL, signature_count=7)


# --- the widget -----------------------------------------------------------------------------


def test_widget_may_be_framed_by_any_site(client, petition):
    response = client.get(f"/embed/petitions/{petition.slug}?lang=en")
    assert response.status_code == 200
    assert framable(response)
    assert response.cache_control.public


@pytest.mark.parametrize("lang", ALL)
def test_widget_speaks_the_language_asked_for(client, petition, lang):
    response = client.get(f"/embed/petitions/{petition.slug}", query_string={"lang": lang})
    html = response.get_data(as_text=True)
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}"' in html
    assert f"Petition 1 [{lang}]" in html
    assert "Accept-Language" not in response.headers.get("Vary", "")


def test_widget_without_lang_follows_the_browser(client, petition):
    response = client.get(
        f"/embed/petitions/{petition.slug}", headers={"Accept-Language": "es-MX,es;q=0.9"}
    )
    assert '<html lang="es" dir="ltr"' in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]
    odd = client.get(f"/embed/petitions/{petition.slug}?lang=klingon")
    assert odd.status_code == 200 and '<html lang="en"' in odd.get_data(as_text=True)


def test_widget_holds_counter_sign_form_and_share_links_without_inline_script(client, petition):
    html = client.get(f"/embed/petitions/{petition.slug}?lang=fr").get_data(as_text=True)
    form = re.search(r'<form class="sign-form"[^>]*>', html).group(0)
    assert f'action="/fr/petitions/{petition.slug}"' in form and 'target="_self"' in form
    assert '<input id="src" name="src" type="hidden" value="embed">' in html
    assert f'data-counter-api="/api/v1/petitions/{petition.slug}?lang=fr"' in html
    assert 'aria-live="polite"' in html
    assert 'class="share"' in html and "https://wa.me/?text=" in html
    assert '<script src="/static/js/embed.js" defer></script>' in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script
    assert "style=" not in html and "<style" not in html


def test_widget_of_closed_petition_has_no_form(client, make_petition):
    closed = make_petition(status="closed")
    html = client.get(f"/embed/petitions/{closed.slug}").get_data(as_text=True)
    assert "sign-form" not in html and "This petition is closed" in html


def test_widget_of_unknown_petition_is_a_404_that_cannot_be_framed(client):
    response = client.get("/embed/petitions/nope")
    assert response.status_code == 404 and not_framable(response)


SIGNER = {"name": "Ann", "email": "ann@example.org", "country": "FR", "consent": "y"}


def test_signing_in_the_widget_stays_in_the_frame(app, client, petition):
    response = client.post(f"/ar/petitions/{petition.slug}", data={**SIGNER, "src": "embed"})
    assert response.status_code == 303
    target = response.headers["Location"]
    assert target == f"/embed/petitions/{petition.slug}/check-your-email?lang=ar"
    assert framable(response)
    page = client.get(target)
    assert page.status_code == 200 and framable(page)
    html = page.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html and 'class="share"' in html
    with app.app_context():
        signature = db.session.scalars(db.select(Signature)).one()
        assert signature.source_channel == "embed" and signature.locale == "ar"


def test_widget_form_errors_are_shown_inside_the_frame(client, petition):
    response = client.post(
        f"/en/petitions/{petition.slug}", data={"name": "", "email": "x", "src": "embed"}
    )
    assert response.status_code == 422 and framable(response)
    html = response.get_data(as_text=True)
    assert 'class="embed"' in html and 'class="error-summary"' in html
    assert '<input id="src" name="src" type="hidden" value="embed">' in html
    assert 'value="x"' in html  # what was typed is kept


def test_the_same_errors_outside_the_widget_are_not_framable(client, petition):
    response = client.post(f"/en/petitions/{petition.slug}", data={"name": "", "email": "x"})
    assert response.status_code == 422 and not_framable(response)
    assert 'class="embed"' not in response.get_data(as_text=True)


def test_widget_form_from_another_site_is_refused(client, petition):
    response = client.post(
        f"/en/petitions/{petition.slug}",
        data={**SIGNER, "src": "embed"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403 and not_framable(response)


# --- everything else refuses to be framed ---------------------------------------------------


def test_every_other_response_refuses_framing(app, client, petition):
    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/boom-for-test", view_func=boom)
    slug = petition.slug
    urls = [
        "/",
        "/en/",
        f"/en/campaigns/{petition.campaign.slug}",
        f"/fr/petitions/{slug}",
        f"/fr/petitions/{slug}?src=embed",
        f"/en/petitions/{slug}/check-your-email",
        f"/en/petitions/{slug}/preview.png",
        f"/en/petitions/{slug}/qr.svg",
        f"/en/petitions/{slug}/qr.png",
        f"/en/petitions/{slug}/embed-code",
        f"/en/petitions/{slug}/share/mastodon?instance=nope",
        f"/en/petitions/{slug}/share/mastodon?instance=mastodon.social",
        "/en/developers",
        "/en/confirm/not-a-token",
        "/api/v1/petitions",
        f"/api/v1/petitions/{slug}",
        "/api/v1/petitions?lang=xx",
        "/api/v1/petitions/nope",
        "/api/v1/openapi.json",
        "/healthz",
        "/static/css/site.css",
        "/xx/petitions/nope",
        "/en/nope",
        "/embed/petitions/nope",
        "/boom-for-test",
    ]
    statuses = set()
    for url in urls:
        with client.get(url) as response:
            statuses.add(response.status_code)
            assert not_framable(response), (url, response.status_code, response.headers)
    post = client.post("/api/v1/petitions")
    assert post.status_code == 405 and not_framable(post)
    assert {200, 302, 303, 400, 404, 500} <= statuses


# --- the snippet for staff ---------------------------------------------------------------


def test_embed_code_page_gives_the_snippet_and_is_never_cached(app, client, petition):
    with app.app_context():
        found = db.session.get(Petition, petition.id)
        next(t for t in found.texts if t.locale == "en").title = 'Say "no" to <torture>'
        db.session.commit()
    response = client.get(f"/en/petitions/{petition.slug}/embed-code")
    assert response.status_code == 200
    assert response.cache_control.no_store
    assert response.headers["X-Robots-Tag"] == "noindex"
    html = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex">' in html
    snippet = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    widget = f"http://localhost/embed/petitions/{petition.slug}?lang=en"
    assert f"&lt;iframe src=&#34;{widget}&#34;" in snippet
    assert "title=&#34;Say &amp;#34;no&amp;#34; to &amp;lt;torture&amp;gt;&#34;" in snippet
    assert "height=&#34;640&#34;" in snippet  # a fixed height where no script runs
    assert "&lt;script src=&#34;http://localhost/static/js/embed-host.js&#34; async&gt;" in snippet


def test_scripts_for_the_frame_and_the_host_page_are_served(client):
    with client.get("/static/js/embed.js") as response:
        embed = response.get_data(as_text=True)
    with client.get("/static/js/embed-host.js") as response:
        host = response.get_data(as_text=True)
    assert "campaign-embed-height" in embed and "postMessage" in embed
    assert "campaign-embed-height" in host and "event.origin !== origin" in host
    assert "contentWindow === event.source" in host


# --- a real page on another server embeds the widget ----------------------------------------


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the signature of the base class)
        pass


@pytest.fixture
def host_site(tmp_path):
    """A plain static web server on another port: the partner's website."""
    port = free_port()
    server = ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(QuietHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_widget_embedded_in_a_page_from_another_port(app, petition, live_server, host_site):
    folder, host_url = host_site
    widget = f"{live_server.url}/embed/petitions/{petition.slug}?lang=fr"
    (folder / "index.html").write_text(
        "<!doctype html><html><head><title>Partner</title></head><body>"
        f'<iframe src="{widget}" title="petition" width="100%" height="640"></iframe>'
        f'<script src="{live_server.url}/static/js/embed-host.js" async></script>'
        "</body></html>",
        encoding="utf-8",
    )
    page = requests.get(f"{host_url}/index.html", timeout=5)
    assert page.status_code == 200
    frame_src = re.search(r'<iframe src="([^"]+)"', page.text).group(1)
    assert frame_src.startswith(live_server.url) and not host_url.startswith(live_server.url)

    # What the browser does for the frame: fetch it as a cross-site iframe, check framing.
    framed = requests.get(
        frame_src,
        headers={"Referer": f"{host_url}/index.html", "Sec-Fetch-Dest": "iframe"},
        timeout=5,
    )
    assert framed.status_code == 200
    assert framable(framed)
    assert "X-Frame-Options" not in framed.headers
    assert '<html lang="fr"' in framed.text
    assert requests.get(f"{live_server.url}/static/js/embed-host.js", timeout=5).ok

    # Submitting the widget's form: the frame's document is ours, so its origin is ours.
    action = re.search(r'<form class="sign-form" method="post" action="([^"]+)"', framed.text)
    signed = requests.post(
        live_server.url + action.group(1),
        data={**SIGNER, "src": "embed"},
        headers={"Origin": live_server.url, "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
        timeout=5,
    )
    assert signed.status_code == 303
    thanks = requests.get(live_server.url + signed.headers["Location"], timeout=5)
    assert thanks.status_code == 200
    assert framable(thanks)

    # The rest of the site stays out of other sites' frames.
    page = requests.get(f"{live_server.url}/fr/petitions/{petition.slug}", timeout=5)
    assert not_framable(page)
