"""The suppression list in the workspace: administrators add an address for a campaign or for
everything, see figures per reason, look one address up and lift a suppression; the audit log
keeps reasons, scopes and counts, never the address; no page lists addresses."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import AuditEvent, Suppression
from campaign.updates.audience import recipients_per_language

ADDRESS = "Ann.Example+news@gmail.com"
KEY = "annexample@gmail.com"
ESPANOL_INVALID = "Escribe una dirección de correo electrónico como nombre@example.org"


@pytest.fixture
def admin_client(app, make_user, log_in):
    client = app.test_client()
    log_in(client, make_user("admin"))
    return client


def _add(client, *, email=ADDRESS, reason="complaint", scope="all", lang=None):
    if lang:
        with client.session_transaction() as session:
            session["lang"] = lang
    data = {"add-email": email, "add-reason": reason, "add-scope": scope}
    return client.post("/staff/suppressions", data=data)


def _rows(app) -> list[tuple[str, str, int, str]]:
    with app.app_context():
        found = db.session.scalars(select(Suppression).order_by(Suppression.id)).all()
        return [(r.email_key, r.scope, r.scope_id, r.reason) for r in found]


def _events(app, action: str) -> list[dict]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return [event.details for event in db.session.scalars(query)]


def test_an_address_added_for_one_campaign_gets_no_updates_from_it(
    app, admin_client, make_petition, make_signature
):
    petition = make_petition()
    make_signature(petition, email="annexample@gmail.com", newsletter=True)
    other = make_petition()
    make_signature(other, email="annexample@gmail.com", newsletter=True)

    answer = _add(admin_client, scope=str(petition.campaign_id))
    assert answer.status_code == 303 and answer.headers["Location"] == "/staff/suppressions"
    assert _rows(app) == [(KEY, "campaign", petition.campaign_id, "complaint")]
    with app.app_context():
        assert recipients_per_language(db.session, petition, campaign_wide=False) == {}
        assert recipients_per_language(db.session, other, campaign_wide=False) == {"en": 1}

    page = admin_client.get("/staff/suppressions").get_data(as_text=True)
    assert "The address will get no more updates." in page
    assert 'data-reason="complaint">1<' in page and 'data-reason="unsubscribed">0<' in page
    assert "annexample" not in page.lower()

    again = _add(admin_client, email="annexample@googlemail.com", scope=str(petition.campaign_id))
    assert again.status_code == 303
    assert "already suppressed" in admin_client.get("/staff/suppressions").get_data(as_text=True)
    assert len(_rows(app)) == 1

    details = _events(app, "suppressions_added")
    assert details == [
        {
            "source": "staff",
            "reason": "complaint",
            "scope": "campaign",
            "scope_id": petition.campaign_id,
            "added": added,
            "already": 1 - added,
        }
        for added in (1, 0)
    ]
    assert "example" not in str(details)


def test_staff_reason_suppresses_from_everything(app, admin_client):
    assert _add(admin_client, email="ben@example.org", reason="staff").status_code == 303
    assert _rows(app) == [("ben@example.org", "all", 0, "staff")]


def test_looking_up_shows_how_an_address_is_suppressed_and_removing_lifts_it(
    app, admin_client, make_petition
):
    petition = make_petition()
    _add(admin_client, scope=str(petition.campaign_id))
    _add(admin_client, reason="staff")

    found = admin_client.post("/staff/suppressions/lookup", data={"lookup-email": KEY})
    assert found.status_code == 200
    page = found.get_data(as_text=True)
    assert 'data-suppressions="2"' in page
    assert "No updates at all" in page and "Added by staff" in page
    assert f"Campaign {petition.campaign.slug.split('-')[1]} [en]" in page
    ids = re.findall(r'data-suppression="(\d+)"', page)
    assert len(ids) == 2

    removed = admin_client.post(f"/staff/suppressions/{ids[0]}/remove")
    assert removed.status_code == 303
    assert _rows(app) == [(KEY, "campaign", petition.campaign_id, "complaint")]
    assert _events(app, "suppression_removed") == [
        {"reason": "staff", "scope": "all", "scope_id": 0}
    ]
    assert admin_client.post(f"/staff/suppressions/{ids[0]}/remove").status_code == 404

    nothing = admin_client.post(
        "/staff/suppressions/lookup", data={"lookup-email": "zoe@example.org"}
    )
    assert nothing.status_code == 200
    assert 'data-suppressions="0"' in nothing.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not an address"}, "Saisissez une adresse e-mail du type nom@example.org"),
        ({"email": ""}, "Saisissez une adresse e-mail"),
        ({"reason": "unsubscribed"}, "Choisissez un motif dans la liste"),
        ({"reason": "whim"}, "Choisissez un motif dans la liste"),
        ({"scope": "99999"}, "Choisissez tout ou une campagne dans la liste"),
    ],
)
def test_bad_input_is_refused_with_a_translated_error(app, admin_client, fields, message):
    answer = _add(admin_client, lang="fr", **fields)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert _rows(app) == []
    assert _events(app, "suppressions_added") == []


def test_an_invalid_address_is_refused_by_the_lookup(admin_client):
    with admin_client.session_transaction() as session:
        session["lang"] = "es"
    answer = admin_client.post(
        "/staff/suppressions/lookup", data={"lookup-email": "carl@@example.org"}
    )
    assert answer.status_code == 422
    assert ESPANOL_INVALID in answer.get_data(as_text=True)
