"""Mail health: the workers' heartbeats and the outbox's queue, as the staff dashboard's banner
and /readyz show them; a real worker process stopped and started against a real SMTP sink."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import sign_fields
from processes import process_env, wait_for, worker
from sqlalchemy import select, update

from campaign import create_app
from campaign.extensions import db
from campaign.mail.health import HEARTBEAT_EVERY, Heartbeat, mail_health
from campaign.models import OutboxEmail, WorkerHeartbeat, utcnow

LATE = timedelta(minutes=5)
SILENT = timedelta(minutes=1)


@pytest.fixture
def app(make_app):
    # Mail leaves through a worker here, as in production, not through the development mailbox.
    return make_app(DEV_MAILBOX=False)


@pytest.fixture
def sign(client, make_petition):
    def run(*emails: str) -> None:
        petition = make_petition()
        for email in emails:
            response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=email))
            assert response.status_code == 200

    return run


def _age_outbox(app, by: timedelta) -> None:
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(created_at=utcnow() - by))
        db.session.commit()


def test_health_counts_the_queue_by_kind_and_its_oldest_email(app, session, sign):
    sign("ann@example.org", "bob@example.org")
    _age_outbox(app, timedelta(minutes=6))
    now = utcnow()

    health = mail_health(session, now=now, late_after=LATE, silent_after=SILENT)

    [queue] = health.queues
    assert (queue.kind, queue.pending) == ("confirm_signature", 2)
    assert health.pending == 2
    assert timedelta(minutes=6) <= health.oldest_age < timedelta(minutes=7)
    assert health.late
    assert health.worker_missing, "no worker has ever run"
    later = mail_health(
        session, now=now - timedelta(minutes=2), late_after=LATE, silent_after=SILENT
    )
    assert not later.late, "four minutes is not late yet"


def test_an_empty_outbox_is_never_late(session):
    health = mail_health(session, now=utcnow(), late_after=LATE, silent_after=SILENT)
    assert (health.pending, health.oldest_age, health.late) == (0, None, False)


def test_the_heartbeat_says_when_the_worker_last_ran_and_why_it_failed(session):
    start = utcnow()
    beat = Heartbeat("host:1")
    beat.start(session, start)
    beat.succeeded(session, start + timedelta(seconds=1))  # the first loop's end: written
    beat.succeeded(session, start + timedelta(seconds=2))  # nothing new to say
    session.expire_all()
    row = session.get(WorkerHeartbeat, "host:1")
    assert row.last_loop_at == row.last_success_at == start + timedelta(seconds=1)

    beat.failed(session, start + timedelta(seconds=2), "OperationalError")
    beat.succeeded(session, start + timedelta(seconds=3))  # recovered: written at once
    session.expire_all()
    row = session.get(WorkerHeartbeat, "host:1")
    assert row.last_error_kind == "OperationalError"
    assert row.last_error_at == start + timedelta(seconds=2)
    assert row.last_success_at == row.last_loop_at == start + timedelta(seconds=3)

    idle = start + timedelta(seconds=3) + HEARTBEAT_EVERY
    beat.succeeded(session, idle)
    session.expire_all()
    assert session.get(WorkerHeartbeat, "host:1").last_loop_at == idle

    seen = mail_health(session, now=idle + SILENT, late_after=LATE, silent_after=SILENT)
    assert not seen.worker_missing
    assert seen.last_error_kind == "OperationalError"
    gone = mail_health(
        session, now=idle + SILENT + timedelta(seconds=1), late_after=LATE, silent_after=SILENT
    )
    assert gone.worker_missing


def test_a_starting_worker_forgets_workers_gone_for_a_week(session):
    start = utcnow()
    Heartbeat("old:1").start(session, start - timedelta(days=8))
    Heartbeat("recent:2").start(session, start - timedelta(days=1))
    Heartbeat("new:3").start(session, start)
    assert set(session.scalars(select(WorkerHeartbeat.worker))) == {"recent:2", "new:3"}


def test_readyz_answers_503_with_a_reason_when_mail_is_late(app, client, sign):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok" and answer.json["mail"]["pending"] == 0
    assert answer.headers["Cache-Control"] == "no-store"

    sign("ann@example.org")
    _age_outbox(app, timedelta(minutes=6))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["reason"] == "mail is late"
    assert answer.json["mail"]["pending"] == 1
    assert answer.json["mail"]["oldest_pending_seconds"] >= 360
    assert "ann@example.org" not in answer.get_data(as_text=True)
    assert answer.headers["Retry-After"]
    # Liveness does not care about mail.
    assert client.get("/healthz").status_code == 200


def test_readyz_answers_503_when_the_database_does_not(tmp_path):
    from conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path}/missing/folder/db.sqlite3"))
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {
        "status": "unavailable",
        "reason": "database unreachable",
        "database": "down",
    }


def test_the_banner_is_for_admins_and_names_the_queue(app, client, sign, make_user, log_in):
    admin, campaigner = make_user("admin"), make_user("campaigner")
    log_in(client, admin)
    page = client.get("/staff/").get_data(as_text=True)
    assert 'data-worker-missing="1"' in page, "no worker has ever run"
    assert "No email worker has run in the last minute" in page

    with app.app_context():
        Heartbeat().start(db.session, utcnow())
    assert "mail-health" not in client.get("/staff/").get_data(as_text=True)

    sign("ann@example.org", "bob@example.org")
    _age_outbox(app, timedelta(minutes=7))
    page = client.get("/staff/").get_data(as_text=True)
    assert 'data-mail-late="1"' in page and 'data-worker-missing="0"' in page
    assert "2 emails are waiting to be sent." in page
    assert "The oldest has waited 7 minutes." in page

    other = app.test_client()
    log_in(other, campaigner)
    assert "mail-health" not in other.get("/staff/").get_data(as_text=True)


def test_a_stopped_worker_shows_until_a_worker_runs_again(
    make_app, migrated_database, make_petition, make_user, log_in, smtp_server
):
    # The threshold lowered to a second, so the emails signed below are late at once.
    app = make_app(MAIL_URL=smtp_server.url, MAIL_LATE_AFTER=1)
    client = app.test_client()
    log_in(client, make_user("admin"))
    env = process_env(migrated_database, MAIL_URL=smtp_server.url)
    petition = make_petition()

    with worker(env, "--interval", "0.1"):
        wait_for(lambda: client.get("/readyz").json["mail"]["worker_seen"], message="no heartbeat")
    # The worker is stopped; a supporter signs.
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    assert response.status_code == 200

    wait_for(lambda: client.get("/readyz").status_code == 503, message="/readyz stayed ready")
    assert client.get("/readyz").json["reason"] == "mail is late"
    page = client.get("/staff/").get_data(as_text=True)
    assert 'data-mail-late="1"' in page and 'data-mail-pending="1"' in page
    assert smtp_server.inbox.messages == []

    with worker(env, "--interval", "0.1"):
        wait_for(lambda: client.get("/readyz").status_code == 200, message="/readyz stayed 503")
        wait_for(lambda: "mail-health" not in client.get("/staff/").get_data(as_text=True))
    [message] = smtp_server.inbox.messages
    assert message["To"] == "ann@example.org"


def test_the_worker_records_why_delivery_failed_and_when_it_worked(
    make_app, smtp_server, make_petition, run_worker
):
    app = make_app(MAIL_URL=smtp_server.url)
    petition = make_petition()
    client = app.test_client()
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200
    smtp_server.stop()

    run_worker(app)

    with app.app_context():
        [row] = db.session.scalars(select(WorkerHeartbeat)).all()
        assert row.last_error_kind == "TemporaryFailure"
        assert row.last_success_at is None
        failed_at = row.last_error_at

    smtp_server.start()
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(next_attempt_at=utcnow()))
        db.session.commit()
    run_worker(app)

    with app.app_context():
        [row] = db.session.scalars(select(WorkerHeartbeat)).all()
        assert row.last_success_at is not None
        assert row.last_success_at >= row.started_at
        assert row.last_error_at is None or row.last_error_at <= failed_at


def test_the_development_mailbox_needs_no_worker_so_mail_is_never_late(
    make_app, make_petition, make_user, log_in
):
    app = make_app(DEV_MAILBOX=True)
    client = app.test_client()
    petition = make_petition()
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200
    _age_outbox(app, timedelta(hours=1))

    log_in(client, make_user("admin"))
    assert "mail-health" not in client.get("/staff/").get_data(as_text=True)
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["mail"]["pending"] == 1
