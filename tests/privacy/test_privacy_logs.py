"""Signers' names and email addresses never reach a log, a URL or another site: every log record
of a whole sign / deliver / confirm / invalidate flow is searched, with SQL logging on and a crash
carrying personal data in its statement; the privacy page says what is kept and for how long."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import body_text
from flask_babel import force_locale, gettext
from helpers import confirm_link, sign_fields
from sqlalchemy import text

from campaign import create_app
from campaign.config import LOCALES
from campaign.extensions import db

NAME = "Zanele Privacy-Mthembu"
EMAIL = "zanele.private@example.org"
MAILBOX = "zaneleprivate"  # the local part as the normalised key keeps it


class Collector(logging.Handler):
    """Every record, formatted as a log file would show it (message and traceback)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # aiosmtpd is the test's mail server, standing in for the provider's: not ours.
        if not record.name.startswith("mail.log"):
            self.lines.append(self.format(record))


@pytest.fixture
def logs():
    collector = Collector()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    # SQL logging on, as an operator chasing a problem would turn it on.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    yield collector
    root.removeHandler(collector)
    root.setLevel(previous)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)


def _leaks(lines: list[str]) -> list[str]:
    return [
        line
        for line in lines
        if EMAIL.lower() in line.lower() or "Zanele" in line or "Mthembu" in line
    ]


def test_a_whole_flow_logs_no_name_and_no_email(logs, make_app, make_petition, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    client = app.test_client()
    petition = make_petition()

    @app.get("/crash")
    def crash():
        # An unexpected failure whose SQL carries personal data (the name is too long).
        db.session.execute(
            text(
                "INSERT INTO signatures (petition_id, name, email, email_normalized, country, "
                "locale, consent_text, consented_at, newsletter, created_at, emails_sent) "
                "VALUES (:p, :name, :email, :email, 'FR', 'en', 'x', CURRENT_TIMESTAMP, "
                "false, CURRENT_TIMESTAMP, 0)"
            ),
            {"p": petition.id, "name": NAME * 10, "email": EMAIL},
        )
        db.session.commit()
        return "not reached"

    signed = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(name=NAME, email=EMAIL))
    refused = client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(name=NAME, email=EMAIL, country="XX")
    )
    again = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(name=NAME, email=EMAIL))
    worker = app.test_cli_runner().invoke(args=["worker", "--once"])
    link = confirm_link(body_text(smtp_server.inbox.to(EMAIL)[0]))
    path = link.removeprefix(app.config["BASE_URL"])
    opened = client.get(path)
    confirmed = client.post(path)
    crashed = client.get("/crash")
    invalidated = app.test_cli_runner().invoke(
        args=["signatures", "invalidate", "--domain", "example.org", "--yes"]
    )

    assert (signed.status_code, refused.status_code, again.status_code) == (200, 422, 200)
    assert worker.exit_code == 0
    assert (opened.status_code, confirmed.status_code, crashed.status_code) == (200, 200, 500)
    assert invalidated.exit_code == 0 and "deleted 1 signatures" in invalidated.output
    assert any("INSERT INTO signatures" in line for line in logs.lines), "SQL was not logged"
    assert any("unhandled error" in line for line in logs.lines), "the crash was not logged"
    assert _leaks(logs.lines) == []
    # Nor in any address: the answer to a signing is the page itself, kept by no cache.
    for response in (signed, again):
        assert "Location" not in response.headers
        assert "no-store" in response.headers["Cache-Control"]
        assert MAILBOX not in response.get_data(as_text=True)


def test_the_leak_search_would_find_a_leak(logs):
    """Guard for the test above."""
    logging.getLogger("campaign.test").info("signed by %s <%s>", NAME, EMAIL)
    assert len(_leaks(logs.lines)) == 1


def test_pages_load_nothing_from_other_sites(client, make_petition):
    petition = make_petition()
    page = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    for attribute, url in re.findall(r'\b(src|href)="([^"]+)"', page):
        if attribute == "src":
            assert url.startswith("/"), f"loaded from elsewhere: {url}"
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert stylesheets and all(url.startswith("/static/") for url in stylesheets)


@pytest.mark.parametrize("lang", LOCALES)
def test_the_privacy_page_in_every_language(app, client, lang):
    response = client.get(f"/{lang}/privacy")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    with app.test_request_context(), force_locale(lang):
        title = gettext("Your data and your privacy")
    assert title in page
    assert response.cache_control.public


def test_the_privacy_page_says_what_is_kept_and_for_how_long(make_app):
    app = make_app(
        PURGE_PENDING_DAYS=21,
        PURGE_CLOSED_MONTHS=9,
        SECURITY_CONTACT="security@ngo.example",
        PRIVACY_CONTACT="privacy@ngo.example",
    )
    page = app.test_client().get("/en/privacy").get_data(as_text=True)
    for kept in ("Your name and country", "Your email address", "keyed hash", "consent sentence"):
        assert kept in page
    assert "deleted after 21 days" in page
    assert "erased 9 months later" in page
    assert "privacy@ngo.example" in page and "security@ngo.example" in page
    assert "No analytics" in page


def test_the_privacy_page_is_linked_from_every_page_and_the_sign_form(client, make_petition):
    petition = make_petition()
    for path in ("/fr/", f"/fr/petitions/{petition.slug}", f"/embed/petitions/{petition.slug}"):
        assert 'href="/fr/privacy"' in client.get(path, headers={"Accept-Language": "fr"}).get_data(
            as_text=True
        ), path
    form = re.search(
        r'<form class="sign-form".*?</form>',
        client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True),
        re.S,
    ).group(0)
    assert 'href="/en/privacy"' in form


def test_security_txt_names_the_contact(make_app, client):
    assert client.get("/.well-known/security.txt").status_code == 404  # no contact configured
    app = make_app(SECURITY_CONTACT="security@ngo.example")
    response = app.test_client().get("/.well-known/security.txt")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Contact: mailto:security@ngo.example" in body
    assert re.search(r"^Expires: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body, re.M)
    assert "Preferred-Languages: en, fr, es, ar" in body
    expires = datetime.fromisoformat(re.search(r"^Expires: (.+)$", body, re.M).group(1))
    # RFC 9116: less than a year ahead, and clearly so (not a year minus the microseconds).
    assert timedelta(days=30) < expires - datetime.now(UTC) < timedelta(days=364)


@pytest.mark.parametrize("contact", [None, "https://ngo.example/report"])
def test_production_without_a_security_contact_warns_and_names_the_sender(
    monkeypatch, tmp_path, caplog, contact
):
    monkeypatch.setenv("CAMPAIGN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 4)
    monkeypatch.setenv("MAIL_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("MAIL_FROM", "Campaigns <campaigns@ngo.example>")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    if contact:
        monkeypatch.setenv("SECURITY_CONTACT", contact)
    with caplog.at_level(logging.WARNING, logger="campaign"):
        app = create_app()
    try:
        body = app.test_client().get("/.well-known/security.txt").get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()
    warned = [r for r in caplog.records if "SECURITY_CONTACT" in r.getMessage()]
    if contact:
        assert not warned
        assert f"Contact: {contact}\n" in body
    else:
        assert [r.levelno for r in warned] == [logging.WARNING]
        assert "Contact: mailto:campaigns@ngo.example\n" in body


def test_the_staff_side_logs_no_name_and_no_email(
    logs, app, client, make_petition, make_signature, make_user, tmp_path
):
    from conftest import STAFF_PASSWORD

    petition = make_petition(status="closed")
    make_signature(petition, name=NAME, email=EMAIL)
    admin = make_user("admin")
    staff = app.test_client()

    logged_in = staff.post("/staff/login", data={"email": admin.email, "password": STAFF_PASSWORD})
    failed = app.test_client().post(
        "/staff/login", data={"email": EMAIL, "password": "wrong password"}
    )
    with staff.post(
        f"/staff/petitions/{petition.slug}/export", data={"preset": "records"}
    ) as exported:
        csv = exported.get_data(as_text=True)
    cli_export = app.test_cli_runner().invoke(
        args=["export", petition.slug, "--out", str(tmp_path / "out.csv")]
    )
    erased = staff.post("/staff/erasure/confirm", data={"email": EMAIL, "confirm": "y"})
    purged = app.test_cli_runner().invoke(args=["purge"])

    assert logged_in.status_code == 303 and failed.status_code == 422
    assert NAME in csv and EMAIL in csv  # the export itself has them: that is its job
    assert cli_export.exit_code == 0, cli_export.output
    assert erased.status_code == 303 and purged.exit_code == 0
    assert _leaks(logs.lines) == []
