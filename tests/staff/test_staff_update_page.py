"""Each update's own page: its texts, audience, status, schedule and progress; a scheduled
update not yet started can be cancelled (audited) and the worker then never queues it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import AuditEvent, OutboxEmail, Petition, Update, utcnow
from campaign.updates.cancelling import AlreadyStarted, cancel_update
from campaign.updates.composing import UpdateDraft, create_update
from campaign.updates.queuing import queue_due_updates

TEXTS = {"en": ("Good news", "We **won**."), "ar": ("أخبار سارة", "لقد **انتصرنا**.")}


@pytest.fixture
def petition(make_petition, make_signature):
    petition = make_petition(locales=("en", "ar"))
    make_signature(petition, email="ann@example.org", newsletter=True)
    make_signature(petition, email="samir@example.org", locale="ar", newsletter=True)
    return petition


@pytest.fixture
def staff(app, make_user, log_in):
    client = app.test_client()
    log_in(client, make_user("admin"))
    return client


def _update(app, petition, *, send_in: timedelta | None) -> int:
    with app.app_context():
        now = utcnow()
        draft = UpdateDraft(TEXTS, send_at=now + send_in if send_in else None, outcome="victory")
        item = create_update(
            db.session, db.session.get(Petition, petition.id), draft, now=now, created_by_id=None
        )
        db.session.commit()
        return item.id


def _status(app, update_id: int) -> str:
    with app.app_context():
        return db.session.get(Update, update_id).status


def _emails(app, update_id: int) -> int:
    with app.app_context():
        query = select(OutboxEmail.id).where(OutboxEmail.update_id == update_id)
        return len(db.session.scalars(query).all())


def test_a_scheduled_update_shows_its_texts_and_can_be_cancelled(app, staff, petition):
    update_id = _update(app, petition, send_in=timedelta(hours=2))
    base = f"/staff/petitions/{petition.slug}/updates"
    listing = staff.get(base).get_data(as_text=True)
    assert f'href="{base}/{update_id}"' in listing

    page = staff.get(f"{base}/{update_id}").get_data(as_text=True)
    assert 'data-update-status="scheduled"' in page
    assert "Signers of this petition who asked to be kept informed" in page
    assert "Victory" in page
    assert '<article class="panel" lang="ar" dir="rtl" data-update-text="ar">' in page
    assert "أخبار سارة" in page and "<strong>انتصرنا</strong>" in page
    assert "We <strong>won</strong>." in page
    assert f'action="{base}/{update_id}/cancel"' in page
    assert "<progress" not in page

    cancelled = staff.post(f"{base}/{update_id}/cancel")
    assert cancelled.status_code == 303
    assert cancelled.headers["Location"] == f"{base}/{update_id}"
    page = staff.get(f"{base}/{update_id}").get_data(as_text=True)
    assert "The update is cancelled: nobody will receive it." in page
    assert 'data-update-status="cancelled"' in page and "/cancel" not in page
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "update_cancelled")
        ).all()
        assert event.details == {"update_id": update_id, "petition": petition.slug}

    # Due now, but cancelled: the worker queues nothing, ever.
    with app.app_context():
        assert queue_due_updates(db.session, utcnow() + timedelta(hours=3)) == 0
    assert _emails(app, update_id) == 0

    again = staff.post(f"{base}/{update_id}/cancel")
    assert again.status_code == 409


def test_an_update_on_its_way_shows_progress_and_cannot_be_cancelled(
    app, staff, petition, run_worker
):
    update_id = _update(app, petition, send_in=None)
    run_worker()  # queues the update, then delivers (no SMTP in tests: the dev mailbox)
    assert _status(app, update_id) == "queued"
    base = f"/staff/petitions/{petition.slug}/updates/{update_id}"
    page = staff.get(base).get_data(as_text=True)
    assert 'data-update-status="queued"' in page
    assert "<progress" in page and 'data-count="queued">2<' in page
    assert "/cancel" not in page

    with staff.session_transaction() as session:
        session["lang"] = "fr"
    refused = staff.post(f"{base}/cancel")
    assert refused.status_code == 409
    assert "Il est trop tard pour annuler cette nouvelle" in refused.get_data(as_text=True)
    assert _status(app, update_id) == "queued"
    assert _emails(app, update_id) == 2


def test_cancelling_loses_to_a_worker_that_started(app, petition):
    update_id = _update(app, petition, send_in=None)
    with app.app_context():
        item = db.session.get(Update, update_id)
        assert queue_due_updates(db.session, utcnow()) == 2
        with pytest.raises(AlreadyStarted):
            cancel_update(db.session, item, actor_id=None, origin=None)


def test_an_update_of_another_petition_is_not_found(app, staff, petition, make_petition):
    update_id = _update(app, petition, send_in=timedelta(hours=1))
    other = make_petition()
    assert staff.get(f"/staff/petitions/{other.slug}/updates/{update_id}").status_code == 404
    assert (
        staff.post(f"/staff/petitions/{other.slug}/updates/{update_id}/cancel").status_code == 404
    )
    assert _status(app, update_id) == "scheduled"


def test_a_time_to_send_is_typed_and_shown_on_the_organisations_clock(
    make_app, petition, make_user, log_in
):
    # As Settings gives them from the environment's ORGANISATION_TIMEZONE.
    zurich = make_app(ORGANISATION_TIMEZONE="Europe/Zurich", BABEL_DEFAULT_TIMEZONE="Europe/Zurich")
    staff = zurich.test_client()
    log_in(staff, make_user("admin"))
    base = f"/staff/petitions/{petition.slug}/updates"
    form = staff.get(f"{base}/new").get_data(as_text=True)
    assert "on the clock of Europe/Zurich" in form

    answer = staff.post(
        f"{base}/new",
        data={
            "action": "send",
            "audience": "petition",
            "outcome": "",
            "when": "later",
            "send_at": "2030-06-01T09:00",
            "text_en-subject": "Good news",
            "text_en-body": "We **won**.",
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with zurich.app_context():
        item = db.session.scalars(select(Update)).one()
        # Summer time in Zurich is two hours ahead of UTC.
        assert item.send_at.isoformat() == "2030-06-01T07:00:00+00:00"
    listing = staff.get(base).get_data(as_text=True)
    assert "Jun 1, 2030, 9:00:00" in listing and "(Europe/Zurich)" in listing
    page = staff.get(f"{base}/{item.id}").get_data(as_text=True)
    assert "Send at (Europe/Zurich)" in page
    assert "Jun 1, 2030, 9:00:00" in page
