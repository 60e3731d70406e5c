"""The staff page for floods: who signs fast, counting and invalidating signatures in bulk,
pausing signing on a petition or everywhere; each leaves an audit event."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from helpers import sign_fields
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import AuditEvent, Campaign, Petition, Signature, User, utcnow
from campaign.web.pseudonyms import address_hash

SECRET = "test-secret-key-" + "x" * 32
BOT = address_hash(SECRET, "203.0.113.66")


@pytest.fixture
def flooded(app, make_petition, make_signature):
    petition = make_petition()
    make_signature(petition, email="ann@example.org", ip_hash=address_hash(SECRET, "1.1.1.1"))
    for n in range(4):
        make_signature(petition, email=f"b{n}@throwaway.example", ip_hash=BOT)
    make_signature(petition, email="b9@throwaway.example", ip_hash=BOT, confirmed=False)
    return petition


def counter(app, petition) -> int:
    with app.app_context():
        return db.session.get(Petition, petition.id).signature_count


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return list(rows)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_page_lists_fast_addresses_and_domains(app, client, flooded, make_user, log_in):
    log_in(client, make_user("admin"))
    page = text_of(client.get(f"/staff/petitions/{flooded.slug}/signing?hour=3&day=50"))
    assert BOT in page
    assert "<code>throwaway.example</code>" in page
    assert "<code>example.org</code>" not in page  # one signer there: not listed
    assert "ann@" not in page and "b1@" not in page  # never an address
    assert "Nothing above the threshold." in page  # the day window asks for 50
    assert f"/staff/petitions/{flooded.slug}/signing?ip_hash={BOT}#invalidate" in page
    assert 'action="/staff/petitions/' in page and "/signing/invalidate" in page


def test_exporters_see_the_speeds_but_cannot_invalidate_or_pause(
    app, client, flooded, make_user, log_in
):
    log_in(client, make_user("exporter"))
    page = text_of(client.get(f"/staff/petitions/{flooded.slug}/signing?hour=3"))
    assert BOT in page
    assert "/signing/invalidate" not in page
    assert "/signing/pause" not in page


def test_count_first_then_invalidate_with_confirmation(app, client, flooded, make_user, log_in):
    admin = make_user("admin")
    log_in(client, admin)
    url = f"/staff/petitions/{flooded.slug}/signing/invalidate"
    criteria = {"email_domain": "throwaway.example"}

    counted = client.post(url, data={**criteria, "action": "preview"})
    unconfirmed = client.post(url, data={**criteria, "action": "invalidate"})
    assert counted.status_code == 200
    assert "5 signatures match: 4 confirmed, 1 unconfirmed." in text_of(counted)
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm" in text_of(unconfirmed)
    assert counter(app, flooded) == 5

    done = client.post(url, data={**criteria, "action": "invalidate", "confirm": "y"})
    assert done.status_code == 303
    assert counter(app, flooded) == 1
    with app.app_context():
        assert db.session.scalars(select(Signature.email)).all() == ["ann@example.org"]
    shown = text_of(client.get(done.headers["Location"]))
    assert "Signatures invalidated" in shown
    [event] = events(app, "signatures_invalidated")
    assert event.actor_id == admin.id
    assert event.origin == address_hash(SECRET, "127.0.0.1")
    assert event.details["criteria"] == {
        "petition": flooded.slug,
        "email_domain": "throwaway.example",
    }
    assert (event.details["confirmed"], event.details["pending"]) == (4, 1)
    audit = text_of(client.get("/staff/audit"))
    assert "Signatures invalidated" in audit


def test_invalidating_by_hashed_address_and_dates(app, client, flooded, make_user, log_in):
    log_in(client, make_user("admin"))
    now = utcnow()
    response = client.post(
        f"/staff/petitions/{flooded.slug}/signing/invalidate",
        data={
            "ip_hash": BOT,
            "created_from": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "created_until": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "action": "invalidate",
            "confirm": "y",
        },
    )
    assert response.status_code == 303
    assert counter(app, flooded) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give a domain, a hashed address or dates"),
        ({"email_domain": "not a domain"}, "Enter a domain name like throwaway.example"),
        ({"ip_hash": "203.0.113.66"}, "A hashed address is 32 characters"),
        (
            {"created_from": "2030-01-02T00:00", "created_until": "2030-01-01T00:00"},
            "The end must come after the start",
        ),
    ],
)
def test_bad_criteria_are_explained(app, client, flooded, make_user, log_in, data, message):
    log_in(client, make_user("admin"))
    response = client.post(
        f"/staff/petitions/{flooded.slug}/signing/invalidate",
        data={**data, "action": "invalidate", "confirm": "y"},
    )
    assert response.status_code == 422
    assert message in text_of(response)
    assert counter(app, flooded) == 5


def test_a_campaigner_pauses_and_resumes_their_petition(
    app, client, make_petition, make_user, log_in
):
    petition = make_petition()
    campaigner = make_user("campaigner")
    with app.app_context():
        campaign = db.session.get(Campaign, petition.campaign_id)
        campaign.members.append(db.session.get(User, campaigner.id))
        db.session.commit()
    log_in(client, campaigner)
    public = app.test_client()

    paused = client.post(f"/staff/petitions/{petition.slug}/signing/pause")
    assert paused.status_code == 303
    assert "Signing is paused on this petition." in text_of(client.get(paused.headers["Location"]))
    assert public.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 503
    assert "Signing paused" in text_of(client.get(f"/staff/petitions/{petition.slug}"))

    assert client.post(f"/staff/petitions/{petition.slug}/signing/resume").status_code == 303
    assert public.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200
    [paused_event] = events(app, "signing_paused")
    [resumed_event] = events(app, "signing_resumed")
    assert paused_event.actor_id == resumed_event.actor_id == campaigner.id
    assert paused_event.details == {"petition": petition.slug}


def test_an_admin_pauses_signing_everywhere_from_the_dashboard(
    app, client, make_petition, make_user, log_in
):
    petition = make_petition()
    log_in(client, make_user("admin"))
    assert "Pause signing everywhere" in text_of(client.get("/staff/"))

    # A site-wide pause asks first, on a page of its own; the second POST pauses.
    asked = client.post("/staff/signing/pause")
    assert asked.status_code == 200
    assert 'name="confirm" value="yes"' in asked.get_data(as_text=True)
    assert "Signing is paused everywhere." not in text_of(client.get("/staff/"))
    assert client.post("/staff/signing/pause", data={"confirm": "yes"}).status_code == 303
    dashboard = text_of(client.get("/staff/"))
    assert "Signing is paused everywhere." in dashboard
    assert (
        app.test_client().post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code
        == 503
    )

    assert client.post("/staff/signing/resume").status_code == 303
    assert [e.details for e in events(app, "signing_paused")] == [{"scope": "everywhere"}]
    assert len(events(app, "signing_resumed")) == 1


def test_the_dashboard_says_when_the_setting_holds_the_pause(make_app, make_user, log_in):
    app = make_app(SIGNING_PAUSED=True)
    client = app.test_client()
    log_in(client, make_user("admin"))
    page = text_of(client.get("/staff/"))
    assert "Signing is paused everywhere." in page
    assert "The SIGNING_PAUSED setting holds it" in page
    assert "/staff/signing/resume" not in page
