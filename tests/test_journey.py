"""The supporter's whole journey over real HTTP, with the real worker and a real SMTP server."""

from __future__ import annotations

import pytest
import requests
from helpers import confirm_link_in, count, outbox, sign_fields, signatures

from campaign.models import OutboxEmail, Signature

TIMEOUT = 10


@pytest.fixture
def app(make_app, smtp_server):
    """The app delivers to the loopback SMTP server (built before live_server starts it)."""
    return make_app(MAIL_URL=smtp_server.url, MAIL_FROM="Campaigns <campaigns@omct.example>")


@pytest.fixture
def http() -> requests.Session:
    with requests.Session() as session:
        yield session


def api_count(http: requests.Session, base: str, slug: str) -> int:
    response = http.get(f"{base}/api/v1/petitions/{slug}", timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()["signature_count"]


def test_sign_confirm_and_count_once(
    app, live_server, smtp_server, http, run_worker, make_petition
):
    petition = make_petition(signature_count=41)
    base, slug = live_server.url, petition.slug
    assert api_count(http, base, slug) == 41

    page = http.get(f"{base}/en/petitions/{slug}", timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Sign the petition" in page.text
    assert f'action="/en/petitions/{slug}"' in page.text

    signed = http.post(
        f"{base}/en/petitions/{slug}",
        data=sign_fields(name="Amina Diallo", email="amina@example.org"),
        timeout=TIMEOUT,
    )
    # The answer is the page itself: it carries the "send again" button's token.
    assert signed.history == []
    assert signed.status_code == 200
    assert 'name="resend"' in signed.text
    assert "Check your email" in signed.text
    assert count(app, Signature) == 1
    assert smtp_server.inbox.messages == [], "nothing is sent before the worker runs"

    run_worker()

    [message] = smtp_server.inbox.messages
    assert message["To"] == "amina@example.org"
    assert message["From"] == "Campaigns <campaigns@omct.example>"  # as MAIL_FROM names it
    assert message["Subject"] == f"Confirm your signature: Petition {slug.split('-')[1]} [en]"
    assert message["Message-ID"].endswith("@omct.example>")
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    link = confirm_link_in(message)
    assert link.startswith(f"{base}/en/confirm/")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{link}"' in html
    [email] = outbox(app)
    assert (email.status, email.attempts) == ("sent", 1)

    # The link opens a page whose button posts: following it (as a mail scanner would)
    # changes nothing.
    landing = http.get(link, timeout=TIMEOUT)
    assert landing.status_code == 200
    assert "Confirm my signature" in landing.text
    assert 'method="post"' in landing.text
    assert landing.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in landing.headers["Cache-Control"]
    assert api_count(http, base, slug) == 41
    assert signatures(app)[0].confirmed_at is None

    confirmed = http.post(link, timeout=TIMEOUT)
    assert confirmed.status_code == 200
    assert "Your signature counts" in confirmed.text
    assert "42" in confirmed.text
    assert api_count(http, base, slug) == 42

    again = http.post(link, timeout=TIMEOUT)
    assert again.status_code == 200
    assert "Your signature counts" in again.text
    assert api_count(http, base, slug) == 42
    revisit = http.get(link, timeout=TIMEOUT)
    assert revisit.status_code == 200
    assert "You have already confirmed your signature" in revisit.text
    assert "Confirm my signature" not in revisit.text

    assert count(app, Signature, Signature.confirmed_at.is_not(None)) == 1
    run_worker()
    # Confirming sends the signer's receipt, once however many clicks.
    assert len(smtp_server.inbox.messages) == 2, "confirming sends the receipt alone"
    assert smtp_server.inbox.messages[1]["Subject"].startswith("Your signature counts")


def test_the_journey_in_french_sends_a_french_email_with_a_french_link(
    app, live_server, smtp_server, http, run_worker, make_petition
):
    petition = make_petition(locales=("en", "fr"))
    base = live_server.url

    signed = http.post(
        f"{base}/fr/petitions/{petition.slug}",
        data=sign_fields(email="lea@example.org"),
        timeout=TIMEOUT,
    )
    assert signed.status_code == 200 and "Consultez votre messagerie" in signed.text
    run_worker()

    [message] = smtp_server.inbox.messages
    assert message["Subject"].startswith("Confirmez votre signature")
    assert "[fr]" in message["Subject"]
    link = confirm_link_in(message)
    assert link.startswith(f"{base}/fr/confirm/")
    confirmed = http.post(link, timeout=TIMEOUT)
    assert confirmed.status_code == 200
    assert "Votre signature compte" in confirmed.text
    assert api_count(http, base, petition.slug) == 1
    # The confirmation link and then the receipt, both in French.
    assert count(app, OutboxEmail, OutboxEmail.locale == "fr") == 2
