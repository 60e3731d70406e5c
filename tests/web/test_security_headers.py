"""Security headers and cookies on every response: every route in the URL map, every error page,
files and feeds; no inline script or style anywhere; public pages cacheable and cookie-free."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from conftest import base_config
from helpers import csp_directives, sign_fields
from processes import gunicorn, process_env
from security_support import assert_secure_headers, build_site, every_route

from campaign import create_app
from campaign.config import ROOT
from campaign.extensions import db

# Pages other sites may frame: the widget and its answers.
FRAMABLE = {"embed.petition", "embed.check_email"}


@pytest.fixture
def site(app, client, make_petition, make_statement):
    return build_site(app, client, make_petition, make_statement)


def test_every_route_in_the_url_map_answers_with_the_security_headers(app, client, site):
    routes = every_route(app, site)
    endpoints = {endpoint for endpoint, _method, _path in routes}
    # The walk really covers the site: pages, forms, files, feeds, API, widget, health.
    assert {
        "public.petition",
        "public.confirm",
        "public.privacy",
        "statements.endorse",
        "statements.feed",
        "outreach.qr_code_svg",
        "outreach.preview_image",
        "api.get_petition",
        "embed.petition",
        "health.healthz",
        "sitemap.sitemap",
        "static",
        "devmail.inbox",
        "wellknown.security",
        "staff.login",
        "staff.export",
        "staff.signing",
        "uploads.uploaded",
    } <= endpoints
    statuses = set()
    for endpoint, method, path in routes:
        response = client.open(path, method=method, data={} if method == "POST" else None)
        statuses.add(response.status_code)
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        framed = endpoint in FRAMABLE
        token = "/confirm/" in path or "/password/reset/" in path or "/invitation/" in path
        assert_secure_headers(response, framed=framed, token=token)
        response.close()  # static files are streamed from an open file
    assert {200, 302, 404, 422} <= statuses  # redirects, empty forms, security.txt unset


def test_error_pages_carry_the_headers_too(make_app, make_petition):
    app = make_app()
    petition = make_petition()

    @app.get("/boom")
    def boom():
        raise RuntimeError("something broke")

    client = app.test_client()
    not_found = client.get("/en/no-such-page")
    wrong_method = client.put("/en/")
    broken = client.get("/boom")
    too_large = client.post(f"/en/petitions/{petition.slug}", data={"name": "a" * (20 * 1024)})
    api_missing = client.get("/api/v1/petitions/none")

    assert not_found.status_code == 404
    assert wrong_method.status_code == 405
    assert broken.status_code == 500
    assert b"Something went wrong" in broken.data
    assert b"something broke" not in broken.data
    assert too_large.status_code == 413
    assert api_missing.status_code == 404 and api_missing.is_json
    for response in (not_found, wrong_method, broken, too_large, api_missing):
        assert_secure_headers(response)


def test_a_petition_page_allows_https_form_targets_only_for_its_share_form(client, site):
    petition = client.get(f"/en/petitions/{site.petition_slug}")
    home = client.get("/en/")
    privacy = client.get("/en/privacy")
    mastodon = client.get(f"/en/petitions/{site.petition_slug}/share/mastodon?instance=x")

    # The share panel's Mastodon form redirects to the visitor's server; form-action covers
    # that redirect, so only pages with the form may send forms to other https sites.
    assert 'class="share__mastodon"' in petition.get_data(as_text=True)
    assert csp_directives(petition)["form-action"] == "'self' https:"
    assert mastodon.status_code == 400
    assert csp_directives(mastodon)["form-action"] == "'self' https:"
    assert csp_directives(home)["form-action"] == "'self'"
    assert csp_directives(privacy)["form-action"] == "'self'"


def test_token_pages_send_no_referrer(client, site):
    for path in (
        f"/en/confirm/{site.confirm_token}",
        f"/en/endorsements/confirm/{site.endorsement_token}",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/en/").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("trusted_proxies", "base_url", "headers", "hsts"),
    [
        (0, "https://localhost", {}, True),
        (0, "http://localhost", {}, False),
        (0, "http://localhost", {"X-Forwarded-Proto": "https"}, False),
        (1, "http://localhost", {"X-Forwarded-Proto": "https"}, True),
        (1, "http://localhost", {}, False),
    ],
)
def test_hsts_only_over_https_as_far_as_trusted_proxies_say(
    make_app, trusted_proxies, base_url, headers, hsts
):
    app = make_app(TRUSTED_PROXIES=trusted_proxies)
    response = app.test_client().get("/en/", base_url=base_url, headers=headers)
    assert response.status_code == 200
    if hsts:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    else:
        assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/en", "/fr?q=1", "/staff"])
def test_the_trailing_slash_redirect_goes_to_base_url_whatever_the_host_header(make_app, path):
    app = make_app(BASE_URL="https://petitions.example.org")
    response = app.test_client().get(path, headers={"Host": "evil.example"})
    assert response.status_code == 308
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc) == ("https", "petitions.example.org")
    assert location.path == urlsplit(path).path + "/"
    assert location.query == urlsplit(path).query


def test_gunicorn_trusts_no_forwarded_scheme_without_trusted_proxies(migrated_database):
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"}
    with gunicorn(process_env(migrated_database)) as url:
        plain = requests.get(f"{url}/en/", headers=forged, timeout=10)
    assert plain.status_code == 200
    assert "Strict-Transport-Security" not in plain.headers
    # The control: behind one trusted proxy the app itself reads the proxy's X-Forwarded-Proto.
    with gunicorn(process_env(migrated_database, TRUSTED_PROXIES="1")) as url:
        proxied = requests.get(f"{url}/en/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_public_pages_are_cacheable_and_set_no_cookie(client, site):
    pages = [
        "/en/",
        f"/en/campaigns/{site.campaign_slug}",
        f"/en/petitions/{site.petition_slug}",
        f"/en/petitions/{site.petition_slug}/check-your-email",
        f"/en/statements/{site.statement_slug}",
        "/en/statements",
        "/en/privacy",
        f"/embed/petitions/{site.petition_slug}?lang=en",
        f"/api/v1/petitions/{site.petition_slug}",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "Set-Cookie" not in response.headers, page
        assert response.cache_control.public, page
        assert 0 < response.cache_control.max_age <= 60, page
        assert "Cookie" not in response.vary, page
    # Signing is a POST that sets no cookie either: the forgery check needs none.
    signed = client.post(
        f"/en/petitions/{site.petition_slug}", data=sign_fields(email="b@example.org")
    )
    assert signed.status_code == 200
    assert "Set-Cookie" not in signed.headers


def _production_app(monkeypatch, tmp_path):
    monkeypatch.setenv("CAMPAIGN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 4)
    monkeypatch.setenv("MAIL_URL", "smtp://127.0.0.1:2525")
    url = f"sqlite:///{tmp_path / 'production.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return create_app()


def test_production_cookies_are_host_only_secure_httponly_and_lax(monkeypatch, tmp_path):
    app = _production_app(monkeypatch, tmp_path)
    try:

        @app.get("/remember")
        def remember():
            from flask import session

            session["seen"] = True
            return "ok"

        response = app.test_client().get("/remember", base_url="https://localhost")
        [cookie] = response.headers.getlist("Set-Cookie")
        assert cookie.startswith("__Host-session=")
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite", "path"} <= attributes
        assert "domain" not in attributes  # __Host- cookies must not name a domain
        assert "SameSite=Lax" in cookie and "Path=/" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_development_config_still_keeps_cookies_httponly_and_lax(migrated_database):
    app = create_app(base_config(migrated_database))
    try:
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        with app.app_context():
            db.engine.dispose()


PAGE_TEMPLATES = [
    path
    for path in sorted((ROOT / "templates").rglob("*.html"))
    if "email" not in path.relative_to(ROOT / "templates").parts
]


@pytest.mark.parametrize("template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_templates_hold_no_inline_script_or_style(template):
    source = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert "<style" not in source
    assert not re.search(r"\sstyle\s*=", source), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", source), "event handler attribute"
    assert "javascript:" not in source.lower()


def test_the_template_scan_covers_pages_and_macros():
    names = {str(p.relative_to(ROOT / "templates")) for p in PAGE_TEMPLATES}
    assert {"base.html", "public/petition.html", "_macros/sign.html", "devmail/inbox.html"} <= names
    assert not any(name.startswith("email/") for name in names)


def test_pages_kept_for_everyone_keep_the_share_forms_policy(app, client, site):
    """The page cache and the pages filled in per signer replay HTML rendered earlier: the
    policy that HTML needs comes with it, or the Mastodon form stops working from the second
    visitor on."""
    petition = f"/en/petitions/{site.petition_slug}"
    pages = [client.get(petition) for _ in range(2)]
    signed = [client.post(petition, data=sign_fields(email=f"s{i}@example.org")) for i in range(2)]
    for response in pages + signed:
        assert 'class="share__mastodon"' in response.get_data(as_text=True)
        assert csp_directives(response)["form-action"] == "'self' https:"
