"""The unsubscribe link of updates, over real HTTP: a GET changes nothing, the page's form
suppresses what the person chose, a mail provider's one-click POST (RFC 8058) unsubscribes with
no cookie, no token field and no Origin, and broken links answer a clear page."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from helpers import count

from campaign.extensions import db
from campaign.mail.suppressions import unsubscribe_url
from campaign.models import Signature, Suppression
from campaign.web.tokens import Purpose, make_lasting_token

TIMEOUT = 10
UPDATE_ID = 7


@pytest.fixture
def signer(app, make_petition, make_signature):
    """An English signer's public id, their petition and its campaign."""
    petition = make_petition()
    signature_id = make_signature(petition, email="ann@example.org", locale="en")
    with app.app_context():
        public_id = db.session.get(Signature, signature_id).public_id
    return public_id, petition


def link_for(app, public_id: str, lang: str = "en") -> str:
    with app.app_context():
        return unsubscribe_url(
            app.config["SECRET_KEY"], public_id=public_id, update_id=UPDATE_ID, lang=lang
        )


def suppressions(app) -> list[tuple[str, str, int, str, int | None]]:
    with app.app_context():
        rows = db.session.scalars(db.select(Suppression).order_by(Suppression.id)).all()
        return [(r.email_key, r.scope, r.scope_id, r.reason, r.update_id) for r in rows]


def test_the_link_is_absolute_and_names_no_address(app, live_server, signer):
    public_id, _ = signer
    link = link_for(app, public_id)
    assert link.startswith(f"{live_server.url}/en/unsubscribe/")
    token = link.rsplit("/", 1)[1]
    data = token.split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    assert payload == [public_id, UPDATE_ID]
    assert "ann@example.org" not in link and "ann%40example.org" not in link


def test_a_one_click_post_without_cookie_or_origin_unsubscribes_from_the_campaign(
    app, live_server, signer
):
    public_id, petition = signer
    # As a mail provider sends it: a bare POST, no cookie, no Origin, no token field.
    answer = requests.post(
        link_for(app, public_id),
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert suppressions(app) == [
        ("ann@example.org", "campaign", petition.campaign_id, "unsubscribed", UPDATE_ID)
    ]
    # A second one (providers retry) changes nothing and still answers 200.
    again = requests.post(
        link_for(app, public_id), data={"List-Unsubscribe": "One-Click"}, timeout=TIMEOUT
    )
    assert again.status_code == 200
    assert count(app, Suppression) == 1


def test_a_get_shows_the_choice_and_changes_nothing(app, live_server, signer):
    public_id, _ = signer
    page = requests.get(link_for(app, public_id), timeout=TIMEOUT)
    assert page.status_code == 200
    assert 'name="scope" value="campaign"' in page.text
    assert 'name="scope" value="all"' in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    assert count(app, Suppression) == 0


@pytest.mark.parametrize(("choice", "scope"), [("campaign", "campaign"), ("all", "all")])
def test_the_form_suppresses_what_the_person_chose(app, live_server, signer, choice, scope):
    public_id, petition = signer
    link = link_for(app, public_id)
    answer = requests.post(
        link, data={"scope": choice}, headers={"Origin": live_server.url}, timeout=TIMEOUT
    )
    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.text
    scope_id = petition.campaign_id if scope == "campaign" else 0
    assert suppressions(app) == [("ann@example.org", scope, scope_id, "unsubscribed", UPDATE_ID)]


def test_a_post_from_another_site_is_refused(app, live_server, signer):
    public_id, _ = signer
    answer = requests.post(
        link_for(app, public_id),
        data={"scope": "all"},
        headers={"Origin": "https://evil.example"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 403
    assert count(app, Suppression) == 0


def test_an_unknown_choice_is_refused_and_suppresses_nothing(app, live_server, signer):
    public_id, _ = signer
    answer = requests.post(link_for(app, public_id), data={"scope": "world"}, timeout=TIMEOUT)
    assert answer.status_code == 422
    assert count(app, Suppression) == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tampered_link_answers_a_clear_page(app, live_server, signer, method):
    public_id, _ = signer
    link = link_for(app, public_id)
    answer = requests.request(
        method, link[:-3] + "AAA", data="List-Unsubscribe=One-Click", timeout=TIMEOUT
    )
    assert answer.status_code == 400
    assert "This link does not work" in answer.text
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in answer.headers["Cache-Control"]
    assert count(app, Suppression) == 0


def test_a_token_of_another_purpose_is_refused(app, live_server, signer):
    public_id, _ = signer
    token = make_lasting_token(app.config["SECRET_KEY"], Purpose.REFERRAL, [public_id, UPDATE_ID])
    answer = requests.post(
        f"{live_server.url}/en/unsubscribe/{token}",
        data="List-Unsubscribe=One-Click",
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400


@pytest.mark.parametrize("payload", [["x", "7"], "x", ["x", True], [1, 2, 3]])
def test_a_genuine_token_of_the_wrong_shape_is_refused(app, live_server, payload):
    token = make_lasting_token(app.config["SECRET_KEY"], Purpose.UNSUBSCRIBE, payload)
    answer = requests.get(f"{live_server.url}/en/unsubscribe/{token}", timeout=TIMEOUT)
    assert answer.status_code == 400


def test_the_link_of_an_erased_signature_says_so(app, live_server, signer):
    public_id, _ = signer
    link = link_for(app, public_id)
    with app.app_context():
        db.session.execute(db.delete(Signature).where(Signature.public_id == public_id))
        db.session.commit()
    answer = requests.post(link, data="List-Unsubscribe=One-Click", timeout=TIMEOUT)
    assert answer.status_code == 404
    assert "has been erased" in answer.text
    assert count(app, Suppression) == 0


@pytest.mark.parametrize(
    ("lang", "title", "direction"),
    [
        ("fr", "Ne plus recevoir de nouvelles", "ltr"),
        ("es", "Dejar de recibir novedades", "ltr"),
        ("ar", "إيقاف تلقي المستجدات", "rtl"),
    ],
)
def test_the_page_speaks_the_link_language(app, live_server, signer, lang, title, direction):
    public_id, _ = signer
    page = requests.get(link_for(app, public_id, lang), timeout=TIMEOUT)
    assert title in page.text
    assert f'dir="{direction}"' in page.text
    done = requests.post(link_for(app, public_id, lang), data={"scope": "all"}, timeout=TIMEOUT)
    assert done.status_code == 200
    assert f'lang="{lang}"' in done.text
