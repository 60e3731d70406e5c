"""Erasure requests, the retention purge and the audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaign.audit import record_event
from campaign.extensions import db
from campaign.mail.addresses import InvalidAddress
from campaign.models import AuditEvent, OutboxEmail, Petition, Signature, utcnow
from campaign.privacy.erasure import erase_mailbox, months_before, preview_erasure, purge
from campaign.web.i18n import organisation_name

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def count(petition_id: int) -> int:
    return db.session.get(Petition, petition_id).signature_count


def rows(petition_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Signature).where(Signature.petition_id == petition_id)
    )


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_removes_every_signature_of_an_address(app, session, make_petition, make_signature):
    first, second, third = make_petition(), make_petition(), make_petition()
    make_signature(first, email="Maria@Example.org")  # confirmed: counted
    make_signature(second, email="maria@example.org", confirmed=False)  # pending: not counted
    make_signature(first, email="someone.else@example.org")
    make_signature(third, email="someone.else@example.org")
    session.add(
        OutboxEmail(
            kind="confirm_signature",
            to_address="Maria@Example.org",
            subject="s",
            text_body="t",
            html_body="h",
            locale="en",
        )
    )
    session.commit()
    assert (count(first.id), count(second.id)) == (2, 0)

    result = erase_mailbox(
        session, "  MARIA@example.ORG ", actor_id=None, origin="abc", secret_key="k"
    )
    session.commit()
    assert (result.confirmed, result.pending, result.petitions, result.emails) == (1, 1, 2, 1)
    assert (count(first.id), count(second.id), count(third.id)) == (1, 0, 1)
    assert (rows(first.id), rows(second.id), rows(third.id)) == (1, 0, 1)
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    event = session.scalars(select(AuditEvent)).one()
    assert event.action == "erasure" and event.origin == "abc"
    assert event.details == {
        "confirmed": 1,
        "pending": 1,
        "petitions": 2,
        "endorsements": 0,
        "emails": 1,
        "wall_posts": 0,
        "confirmation_queued": False,
    }
    assert "maria" not in json.dumps(event.details).lower()

    again = erase_mailbox(session, "maria@example.org", actor_id=None, origin=None, secret_key="k")
    assert (again.confirmed, again.pending) == (0, 0)


def test_erasure_never_drives_a_counter_below_zero(session, make_petition, make_signature):
    petition = make_petition()
    make_signature(petition, email="x@example.org")
    db.session.get(Petition, petition.id).signature_count = 0  # a counter that drifted
    session.commit()
    erase_mailbox(session, "x@example.org", actor_id=None, origin=None, secret_key="k")
    session.commit()
    assert count(petition.id) == 0


def test_erasure_refuses_what_is_not_an_address(session):
    with pytest.raises(InvalidAddress):
        erase_mailbox(session, "not an address", actor_id=None, origin=None, secret_key="k")


def test_the_preview_lists_what_would_be_erased_per_petition_and_changes_nothing(
    session, make_petition, make_signature
):
    first, second = make_petition(), make_petition()
    make_signature(first, email="Maria@Example.org")
    make_signature(second, email="maria@example.org", confirmed=False)
    make_signature(second, email="other@example.org")
    preview = preview_erasure(session, " MARIA@example.org", secret_key="k")
    assert preview.found_anything
    shares = {share.petition.id: (share.confirmed, share.pending) for share in preview.petitions}
    assert shares == {first.id: (1, 0), second.id: (0, 1)}
    assert (preview.endorsements, preview.emails) == (0, 0)
    assert (rows(first.id), rows(second.id), count(first.id)) == (1, 2, 1)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert not preview_erasure(session, "nobody@example.org", secret_key="k").found_anything
    with pytest.raises(InvalidAddress):
        preview_erasure(session, "not an address", secret_key="k")


def test_erasure_emails_the_person_in_their_language_and_nothing_when_nothing_was_found(
    session, make_petition, make_signature
):
    petition, later = make_petition(), make_petition()
    make_signature(petition, email="amal@example.org", locale="fr", created_at=NOW)
    make_signature(later, email="amal@example.org", locale="ar", created_at=NOW + timedelta(days=1))
    result = erase_mailbox(
        session,
        "amal@example.org",
        actor_id=None,
        origin=None,
        organisation=organisation_name,
        secret_key="k",
    )
    session.commit()
    assert result.confirmation_queued and result.confirmed == 2
    [email] = session.scalars(select(OutboxEmail)).all()
    assert email.kind == "erasure_confirmation" and email.to_address == "amal@example.org"
    assert email.locale == "ar" and "مسح" in email.subject  # the latest signature's language
    nothing = erase_mailbox(
        session,
        "nobody@example.org",
        actor_id=None,
        origin=None,
        organisation=organisation_name,
        secret_key="k",
    )
    session.commit()
    assert not nothing.found_anything and not nothing.confirmation_queued
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 1
    assert not preview_erasure(session, "nobody@example.org", secret_key="k").found_anything


def test_the_erasure_email_is_delivered_then_forgotten(
    app, session, make_petition, make_signature, smtp_server, run_worker
):
    app.config["MAIL_URL"] = smtp_server.url
    make_signature(make_petition(), email="gone@example.org", locale="es")
    erase_mailbox(
        session,
        "gone@example.org",
        actor_id=None,
        origin=None,
        organisation=organisation_name,
        secret_key="k",
    )
    session.commit()
    run_worker()
    [message] = smtp_server.inbox.to("gone@example.org")
    assert "borrado" in message["Subject"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0  # no trace left
    assert not preview_erasure(session, "gone@example.org", secret_key="k").found_anything


def test_erasure_over_http_shows_first_then_erases_on_confirmation(
    app, client, make_user, log_in, make_petition, make_signature
):
    petition = make_petition()
    make_signature(petition, email="asker@example.org", locale="fr")
    admin = make_user("admin")
    log_in(client, admin)
    invalid = client.post("/staff/erasure", data={"email": "asker at example"})
    assert invalid.status_code == 422
    assert 'value="asker at example"' in invalid.get_data(as_text=True)
    nothing = client.post("/staff/erasure", data={"email": "nobody@example.org"})
    assert nothing.status_code == 200
    html = nothing.get_data(as_text=True)
    assert "Nothing is stored for this address" in html and "Erased" not in html
    shown = client.post("/staff/erasure", data={"email": "asker@example.org"})
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "Nothing has been erased yet" in html and petition.slug in html
    assert 'action="/staff/erasure/confirm"' in html
    with app.app_context():
        assert count(petition.id) == 1  # shown, not erased
    refused = client.post("/staff/erasure/confirm", data={"email": "asker@example.org"})
    assert refused.status_code == 422
    assert "Tick the box to confirm" in refused.get_data(as_text=True)
    done = client.post(
        "/staff/erasure/confirm", data={"email": "asker@example.org", "confirm": "y"}
    )
    assert done.status_code == 303
    page = client.get("/staff/erasure").get_data(as_text=True)
    assert "Erased" in page and "asker@example.org" not in page
    assert "sent an email confirming the erasure" in page
    assert "Erased" not in client.get("/staff/erasure").get_data(as_text=True)  # shown once
    with client.session_transaction() as session:
        assert "asker" not in json.dumps(dict(session))
    with app.app_context():
        assert count(petition.id) == 0
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erasure")).one()
        assert event.actor_id == admin.id and event.details["confirmed"] == 1
        [email] = db.session.scalars(select(OutboxEmail)).all()
        assert email.locale == "fr" and email.kind == "erasure_confirmation"


# --- purge -------------------------------------------------------------------------------------


def test_months_before_counts_calendar_months():
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )
    assert months_before(NOW, 0) == NOW


@pytest.fixture
def history(app, make_petition, make_signature):
    """Pending signatures old and new; a petition closed long ago, one closed recently."""
    with app.app_context():
        live = make_petition(status="open")
        long_closed = make_petition(status="closed")
        recently_closed = make_petition(status="closed")
        db.session.get(Petition, long_closed.id).closed_at = NOW - timedelta(days=400)
        db.session.get(Petition, recently_closed.id).closed_at = NOW - timedelta(days=30)
        db.session.commit()
    old = NOW - timedelta(days=45)
    ids = {
        "old_pending": make_signature(live, confirmed=False, created_at=old),
        "new_pending": make_signature(live, confirmed=False, created_at=NOW - timedelta(days=5)),
        "old_confirmed": make_signature(live, created_at=old),
        "archived_1": make_signature(long_closed, name="Ahmed", country="EG", created_at=old),
        "archived_2": make_signature(long_closed, name="Beatriz", country="BR", created_at=old),
        "recent_closed": make_signature(recently_closed, name="Chen", created_at=old),
    }
    return live, long_closed, recently_closed, ids


def test_purge_deletes_old_pending_and_anonymises_long_closed_petitions(session, history):
    live, long_closed, recently_closed, ids = history
    before = {p.id: count(p.id) for p in (live, long_closed, recently_closed)}
    kept = session.get(Signature, ids["archived_1"])
    kept_dates = (kept.created_at, kept.confirmed_at, kept.country)
    session.expire_all()

    result = purge(session, now=NOW, pending_days=30, closed_months=12)
    session.commit()
    assert (result.pending_deleted, result.anonymised) == (1, 2)
    assert session.get(Signature, ids["old_pending"]) is None
    assert session.get(Signature, ids["new_pending"]) is not None
    assert session.get(Signature, ids["old_confirmed"]).name != "erased"
    assert session.get(Signature, ids["recent_closed"]).name == "Chen"
    erased = [session.get(Signature, ids[key]) for key in ("archived_1", "archived_2")]
    assert [s.name for s in erased] == ["erased", "erased"]
    assert len({s.email for s in erased}) == 2
    for signature in erased:
        assert signature.email == signature.email_normalized
        assert signature.email.endswith("@erased.invalid")
        assert "ahmed" not in signature.email.lower()
    assert (erased[0].created_at, erased[0].confirmed_at, erased[0].country) == kept_dates
    assert erased[1].country == "BR"
    assert {p.id: count(p.id) for p in (live, long_closed, recently_closed)} == before

    event = session.scalars(select(AuditEvent)).one()
    assert event.action == "purge" and event.actor_id is None
    assert event.details == {
        "pending_deleted": 1,
        "anonymised": 2,
        "wall_deleted": 0,
        "wall_anonymised": 0,
        "pending_days": 30,
        "closed_months": 12,
        "via": "cli",
    }
    again = purge(session, now=NOW, pending_days=30, closed_months=12)
    assert (again.pending_deleted, again.anonymised) == (0, 0)


def test_petitions_past_their_deadline_count_as_closed(session, make_petition, make_signature):
    petition = make_petition(status="open", closes_in=timedelta(days=-500))
    signature_id = make_signature(petition, name="Dana")
    purge(session, now=utcnow(), pending_days=30, closed_months=12)
    session.commit()
    assert session.get(Signature, signature_id).name == "erased"


def test_purge_command(app, runner, history):
    _live, long_closed, _recent, ids = history
    result = runner.invoke(args=["purge", "--pending-days", "30", "--closed-months", "12"])
    assert result.exit_code == 0, result.output
    assert "anonymised 2 signatures" in result.output
    with app.app_context():
        assert db.session.get(Signature, ids["archived_1"]).name == "erased"
        assert count(long_closed.id) == 2
    assert runner.invoke(args=["purge", "--pending-days", "-1"]).exit_code != 0


def test_closing_a_petition_records_when(app, client, make_user, log_in, make_petition):
    petition = make_petition(status="open")
    log_in(client, make_user("admin"))
    client.post(
        f"/staff/petitions/{petition.slug}/status", data={"status": "closed", "confirm": "yes"}
    )
    with app.app_context():
        closed_at = db.session.get(Petition, petition.id).closed_at
    assert closed_at is not None and abs(utcnow() - closed_at) < timedelta(minutes=1)


# --- the audit log -----------------------------------------------------------------------------


@pytest.fixture
def events(app, make_user):
    admin = make_user("admin", email="boss@staff.example.org")
    exporter = make_user("exporter", email="exp@staff.example.org")
    with app.app_context():
        for i in range(60):
            event = record_event(db.session, "login", actor_id=exporter.id)
            event.created_at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i)
        record_event(db.session, "export", actor_id=exporter.id, details={"rows": 7})
        record_event(db.session, "purge", details={"anonymised": 3, "via": "cli"})
        db.session.commit()
    return admin, exporter


def test_audit_log_lists_and_filters_events(client, log_in, events):
    admin, exporter = events
    log_in(client, admin)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "62 events" in page and "Page 1 of 2" in page
    assert page.count("<tr>") == 51  # header + 50 rows
    assert 'rel="next" href="/staff/audit?page=2"' in page
    second = client.get("/staff/audit?page=2").get_data(as_text=True)
    assert second.count("<tr>") == 13
    exports = client.get("/staff/audit?action=export").get_data(as_text=True)
    assert "1 event" in exports and "Signatures exported" in exports and "exp@staff" in exports
    nobody = client.get("/staff/audit?actor=none").get_data(as_text=True)
    assert "1 event" in nobody and "Retention purge" in nobody
    by_exporter = client.get(f"/staff/audit?actor={exporter.id}&page=2").get_data(as_text=True)
    assert "61 events" in by_exporter
    assert f'href="/staff/audit?page=1&amp;actor={exporter.id}"' in by_exporter
    one_day = client.get("/staff/audit?action=login&date_from=2026-01-02&date_to=2026-01-02")
    assert "24 events" in one_day.get_data(as_text=True)
    bad = client.get("/staff/audit?date_from=not-a-date")
    assert bad.status_code == 422
    assert client.get("/staff/audit?page=999").status_code == 200  # clamped to the last page


def test_no_audit_page_shows_a_client_address(app, client, make_user, log_in):
    admin = make_user("admin")
    client.post("/staff/login", data={"email": admin.email, "password": "wrong password"})
    log_in(client, admin)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "Failed login" in page and "127.0.0.1" not in page
