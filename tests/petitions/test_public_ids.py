"""Links name a signature by its random public id, never by its sequential id: whoever signs
twice must not learn from their own links how many people signed in between. Token payloads
are signed, not encrypted, so these tests read them as anyone could."""

from __future__ import annotations

import base64
import json
import os.path
import re

import pytest
import requests
from helpers import confirm_link_in, sign_fields, signatures
from sharing_support import hidden_fields, referral_code_in

from campaign.models import Signature
from campaign.models.signatures import PUBLIC_ID_LENGTH
from campaign.web.tokens import Purpose, make_lasting_token, make_token

TIMEOUT = 10


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


@pytest.fixture
def http() -> requests.Session:
    with requests.Session() as session:
        yield session


def payload_of(token: str) -> object:
    """What an itsdangerous token carries, read without the key, as anyone holding it can."""
    data = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def signature_of(app, email: str) -> Signature:
    return next(s for s in signatures(app) if s.email == email)


def sign_over_http(http, base: str, slug: str, email: str, **link: str) -> None:
    """Follow a (shared) link to the petition and send its form, as a browser does."""
    page = http.get(f"{base}/en/petitions/{slug}", params=link, timeout=TIMEOUT)
    assert page.status_code == 200
    signed = http.post(
        f"{base}/en/petitions/{slug}",
        data={**sign_fields(email=email), **hidden_fields(page.text)},
        timeout=TIMEOUT,
    )
    assert signed.status_code == 200 and 'name="resend"' in signed.text


def confirm_by_email(http, smtp_server, run_worker, email: str) -> tuple[str, str]:
    """Deliver the outbox, open the link emailed to `email` and press its button: (the token,
    the referral code on the confirmed page)."""
    run_worker()
    message = next(m for m in smtp_server.inbox.messages if m["To"] == email)
    link = confirm_link_in(message)
    assert http.get(link, timeout=TIMEOUT).status_code == 200
    confirmed = http.post(link, timeout=TIMEOUT)
    assert confirmed.status_code == 200
    assert "Your signature counts" in confirmed.text
    return link.rsplit("/", 1)[1], referral_code_in(confirmed.text)


def test_links_of_consecutive_signers_name_unrelated_random_ids(
    app, live_server, smtp_server, http, run_worker, make_petition
):
    petition = make_petition()
    base, slug = live_server.url, petition.slug

    sign_over_http(http, base, slug, "ann@example.org")
    ann_token, ann_code = confirm_by_email(http, smtp_server, run_worker, "ann@example.org")
    # Ben signs right after, through the personal link Ann shared.
    sign_over_http(http, base, slug, "ben@example.org", src="copy", ref=ann_code)
    ben_token, ben_code = confirm_by_email(http, smtp_server, run_worker, "ben@example.org")

    ann, ben = signature_of(app, "ann@example.org"), signature_of(app, "ben@example.org")
    assert ben.id == ann.id + 1  # consecutive rows...
    assert ann.is_confirmed and ben.is_confirmed
    assert ben.referrer_id == ann.id and ben.source_channel == "copy"
    for signature, token, code in ((ann, ann_token, ann_code), (ben, ben_token, ben_code)):
        # ...whose links name only their public ids: no number anyone could count on.
        assert payload_of(token) == signature.public_id
        assert payload_of(code) == signature.public_id
        assert len(signature.public_id) == PUBLIC_ID_LENGTH
        assert not re.fullmatch(r"\d+", signature.public_id)
    # Unrelated: not one shared leading character more than chance would give.
    shared = len(os.path.commonprefix([ann.public_id, ben.public_id]))
    assert shared < 4, (ann.public_id, ben.public_id)
    assert ann_code != ben_code and ann_token != ben_token


def test_a_confirmation_link_naming_a_sequential_id_is_refused_clearly(
    app, client, make_petition, make_signature
):
    """Links sent before public ids existed named the row's id: they get the page of a broken
    link, which says how to get a new one, and confirm nothing."""
    petition = make_petition()
    signature_id = make_signature(petition, confirmed=False)
    secret = app.config["SECRET_KEY"]
    old = make_token(secret, Purpose.CONFIRM_SIGNATURE, signature_id)
    public_id = signatures(app)[0].public_id
    # The public id in place of the old link's payload, under its signature: a forgery.
    payload = base64.urlsafe_b64encode(json.dumps(public_id).encode()).decode().rstrip("=")
    forged = ".".join([payload, *old.split(".")[1:]])

    for token in (old, forged):
        for response in (client.get(f"/en/confirm/{token}"), client.post(f"/en/confirm/{token}")):
            assert response.status_code == 400
            page = response.get_data(as_text=True)
            assert "This link does not work" in page
            assert "sign the petition again to receive a new one" in page
    [signature] = signatures(app)
    assert signature.confirmed_at is None


def test_a_referral_code_naming_a_sequential_id_is_ignored(
    app, client, make_petition, make_signature
):
    petition = make_petition()
    referrer_id = make_signature(petition, confirmed=True)
    old = make_lasting_token(app.config["SECRET_KEY"], Purpose.REFERRAL, referrer_id)

    page = client.get(f"/en/petitions/{petition.slug}", query_string={"src": "x", "ref": old})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert hidden_fields(html) == {"src": "x"} and old not in html
    signed = client.post(
        f"/en/petitions/{petition.slug}",
        data={**sign_fields(email="cat@example.org"), "src": "x", "ref": old},
    )

    assert signed.status_code == 200
    cat = signature_of(app, "cat@example.org")
    assert cat.source_channel == "x" and cat.referrer_id is None
