"""An update from the staff form to signers' mailboxes, over real HTTP and a real SMTP server;
a one-click unsubscribe from the List-Unsubscribe header; the next update skips that mailbox."""

from __future__ import annotations

import pytest
import requests
from conftest import STAFF_PASSWORD, body_text

TIMEOUT = 10


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url, MAIL_FROM="Campaigns <campaigns@omct.example>")


def _log_in(http: requests.Session, base: str, email: str) -> None:
    answer = http.post(
        f"{base}/staff/login", data={"email": email, "password": STAFF_PASSWORD}, timeout=TIMEOUT
    )
    assert answer.status_code == 200 and answer.url.startswith(f"{base}/staff/")


def _send(http: requests.Session, base: str, slug: str, subjects: dict[str, str], **extra):
    form = {"action": "send", "audience": "petition", "outcome": "", "when": "now", **extra}
    for lang, subject in subjects.items():
        form[f"text_{lang}-subject"] = subject
        form[f"text_{lang}-body"] = f"{subject}: **the minister answered**."
    return http.post(f"{base}/staff/petitions/{slug}/updates/new", data=form, timeout=TIMEOUT)


def test_an_update_reaches_opted_in_signers_and_one_click_unsubscribes(
    app, live_server, smtp_server, run_worker, make_petition, make_signature, make_user
):
    petition = make_petition(locales=("en", "fr"))
    make_signature(petition, email="marie@example.org", locale="fr", newsletter=True)
    make_signature(petition, email="john@example.org", locale="en", newsletter=True)
    make_signature(petition, email="quiet@example.org", locale="en", newsletter=False)
    make_signature(petition, email="pending@example.org", newsletter=True, confirmed=False)
    admin = make_user("admin")
    base = live_server.url
    with requests.Session() as http:
        _log_in(http, base, admin.email)
        compose = http.get(f"{base}/staff/petitions/{petition.slug}/updates/new", timeout=10)
        assert compose.status_code == 200
        assert 'data-recipients="petition-fr">1<' in compose.text
        assert 'data-recipients="petition-en">1<' in compose.text

        # Nothing at all: a translated error, 422, nothing queued.
        refused = _send(http, base, petition.slug, {})
        assert refused.status_code == 422
        assert "Write a subject and a text in at least one language" in refused.text

        sent = _send(http, base, petition.slug, {"en": "Good news", "fr": "Bonne nouvelle"})
        assert sent.status_code == 200 and sent.url.endswith("/updates")
        run_worker()
        received = {m["To"]: m for m in smtp_server.inbox.messages}
        assert set(received) == {"marie@example.org", "john@example.org"}
        assert received["marie@example.org"]["Subject"] == "Bonne nouvelle"
        assert received["john@example.org"]["Subject"] == "Good news"
        for message in received.values():
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            link = message["List-Unsubscribe"].strip("<>")
            assert link.startswith(f"{base}/") and "/unsubscribe/" in link
            assert link in body_text(message)
        french = body_text(received["marie@example.org"])
        assert "vous avez signé « Petition" in french and "demandé à être tenu informé" in french
        assert "Organisation" in french  # the organisation's name

        progress = http.get(f"{base}/staff/petitions/{petition.slug}/updates", timeout=10)
        assert "<progress" in progress.text
        assert 'data-count="sent">2<' in progress.text

    # The mail provider's button: a POST with no cookie, no Origin, no token but the link's.
    link = received["john@example.org"]["List-Unsubscribe"].strip("<>")
    clicked = requests.post(
        link,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )
    assert clicked.status_code == 200

    smtp_server.inbox.messages.clear()
    with requests.Session() as http:
        _log_in(http, base, admin.email)
        assert _send(http, base, petition.slug, {"en": "More news"}).status_code == 200
        progress = http.get(f"{base}/staff/petitions/{petition.slug}/updates", timeout=10)
        assert 'data-count="unsubscribed">1<' in progress.text
    run_worker()
    assert [m["To"] for m in smtp_server.inbox.messages] == ["marie@example.org"]
    [message] = smtp_server.inbox.messages
    # French was not written this time: English, with the notice in French.
    assert message["Subject"] == "More news"
    assert "disponible" in body_text(message)
