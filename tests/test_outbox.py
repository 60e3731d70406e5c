"""The outbox worker against a real SMTP server: down, refusing, back up, and two workers."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta

import pytest
from helpers import count, outbox, sign_fields
from sqlalchemy import update

from campaign.extensions import db
from campaign.mailer import SmtpConnection, SmtpSettings
from campaign.models import OutboxEmail, Signature, utcnow
from campaign.outbox import (
    FIRST_RETRY,
    LEASE,
    LONGEST_RETRY,
    MAX_ATTEMPTS,
    claim_due,
    deliver_batch,
    retry_delay,
)


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


@pytest.fixture
def sign(client, make_petition):
    """Sign a fresh petition over HTTP once per address given; return the petition."""

    def run(*emails: str):
        petition = make_petition()
        for email in emails or ("ann@example.org",):
            response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=email))
            assert response.status_code == 303
        return petition

    return run


def _set(app, **values) -> None:
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(**values))
        db.session.commit()


def test_retry_delay_doubles_up_to_six_hours():
    assert retry_delay(1) == FIRST_RETRY == timedelta(seconds=30)
    assert retry_delay(2) == timedelta(minutes=1)
    assert retry_delay(3) == timedelta(minutes=2)
    assert retry_delay(4) == timedelta(minutes=4)
    assert retry_delay(10) == timedelta(seconds=30 * 2**9)
    assert retry_delay(11) == LONGEST_RETRY == timedelta(hours=6)
    assert retry_delay(50) == LONGEST_RETRY


def test_smtp_down_loses_nothing_and_the_email_goes_out_once_it_is_back(
    app, smtp_server, sign, run_worker
):
    smtp_server.stop()
    sign("ann@example.org")  # signing does not need SMTP: 303 checked in the fixture
    assert count(app, Signature) == 1

    before = utcnow()
    run_worker()

    [email] = outbox(app)
    assert email.status == "pending"
    assert email.attempts == 1
    assert "cannot reach the SMTP server" in email.last_error
    assert email.leased_until is None
    assert before + FIRST_RETRY <= email.next_attempt_at <= utcnow() + FIRST_RETRY
    assert email.sent_at is None

    # Not due yet: a worker run now leaves it alone.
    run_worker()
    assert outbox(app)[0].attempts == 1

    # Still down when due again: the delay doubles.
    _set(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    before = utcnow()
    run_worker()
    [email] = outbox(app)
    assert (email.status, email.attempts) == ("pending", 2)
    assert before + retry_delay(2) <= email.next_attempt_at <= utcnow() + retry_delay(2)

    smtp_server.start()
    run_worker()
    assert smtp_server.inbox.messages == [], "back up, but the email is not due yet"

    _set(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    run_worker()
    run_worker()

    [message] = smtp_server.inbox.messages
    assert message["To"] == "ann@example.org"
    [email] = outbox(app)
    assert (email.status, email.attempts, email.last_error) == ("sent", 3, None)
    assert email.sent_at is not None
    assert email.leased_until is None


def test_a_permanent_refusal_marks_the_email_failed(app, smtp_server, sign, run_worker):
    sign("nobody@example.org")
    smtp_server.inbox.refuse_with = "550 no such user"

    run_worker()

    [email] = outbox(app)
    assert email.status == "failed"
    assert email.attempts == 1
    assert "550" in email.last_error
    assert smtp_server.inbox.messages == []

    smtp_server.inbox.refuse_with = None
    _set(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    run_worker()
    assert smtp_server.inbox.messages == [], "a failed email is never retried"


def test_a_temporary_refusal_is_retried(app, smtp_server, sign, run_worker):
    sign("busy@example.org")
    smtp_server.inbox.refuse_with = "451 try again later"

    run_worker()

    [email] = outbox(app)
    assert (email.status, email.attempts) == ("pending", 1)
    assert "451" in email.last_error
    assert email.next_attempt_at > utcnow()

    smtp_server.inbox.refuse_with = None
    _set(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    run_worker()
    assert len(smtp_server.inbox.messages) == 1
    assert outbox(app)[0].status == "sent"


def test_the_worker_gives_up_after_max_attempts(app, smtp_server, sign, run_worker):
    sign("ann@example.org")
    smtp_server.stop()
    _set(app, attempts=MAX_ATTEMPTS - 1)

    run_worker()

    [email] = outbox(app)
    assert (email.status, email.attempts) == ("failed", MAX_ATTEMPTS)
    assert email.last_error


def test_one_worker_run_delivers_every_due_email_once(app, smtp_server, sign, run_worker):
    addresses = [f"signer{i}@example.org" for i in range(12)]
    sign(*addresses)

    run_worker()
    run_worker()

    assert sorted(m["To"] for m in smtp_server.inbox.messages) == sorted(addresses)
    assert count(app, OutboxEmail, OutboxEmail.status == "sent") == 12


def test_two_workers_at_once_never_send_the_same_email_twice(app, smtp_server, sign):
    addresses = [f"signer{i}@example.org" for i in range(30)]
    sign(*addresses)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context(), SmtpConnection(SmtpSettings.from_url(smtp_server.url)) as smtp:
                barrier.wait(timeout=30)
                while deliver_batch(
                    db.session, smtp, sender="t@example.org", domain="example.org", limit=4
                ).handled:
                    pass
        except BaseException as exc:  # noqa: BLE001  (re-raised in the test's thread)
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert not errors, errors
    received = sorted(m["To"] for m in smtp_server.inbox.messages)
    assert received == sorted(addresses)
    assert {(e.status, e.attempts) for e in outbox(app)} == {("sent", 1)}


def test_a_leased_email_is_not_claimed_again_until_the_lease_runs_out(app, sign):
    sign("ann@example.org", "bob@example.org")

    with app.app_context():
        now = utcnow()
        first = claim_due(db.session, now=now, limit=10)
        assert len(first) == 2
        assert all(e.leased_until == now + LEASE for e in first)
        assert claim_due(db.session, now=now + LEASE - timedelta(seconds=1), limit=10) == []
        again = claim_due(db.session, now=now + LEASE + timedelta(seconds=1), limit=10)
        assert sorted(e.id for e in again) == sorted(e.id for e in first)


def test_an_email_leased_by_a_killed_worker_is_delivered_once_the_lease_runs_out(
    app, smtp_server, sign, run_worker
):
    sign("ann@example.org")
    with app.app_context():
        [claimed] = claim_due(db.session, now=utcnow(), limit=10)  # then the worker "dies"
        assert claimed.leased_until > utcnow()

    run_worker()
    assert smtp_server.inbox.messages == [], "another worker must respect the lease"
    assert outbox(app)[0].status == "pending"

    _set(app, leased_until=utcnow() - timedelta(seconds=1))
    run_worker()
    run_worker()

    assert [m["To"] for m in smtp_server.inbox.messages] == ["ann@example.org"]
    [email] = outbox(app)
    assert (email.status, email.attempts) == ("sent", 1)


def test_the_worker_without_smtp_in_development_marks_emails_for_the_mailbox(
    make_app, make_petition, run_worker
):
    dev = make_app(MAIL_URL=None)
    assert dev.config["DEV_MAILBOX"] is True
    petition = make_petition()
    dev_client = dev.test_client()
    assert dev_client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 303

    run_worker(dev)

    [email] = outbox(dev)
    assert (email.status, email.attempts) == ("sent", 1)
    mailbox = dev_client.get(f"/dev/mailbox/{email.id}")
    assert mailbox.status_code == 200
    assert b"/en/confirm/" in mailbox.get_data()


def test_worker_puts_back_the_signal_handlers_it_installs(run_worker):
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    run_worker()
    assert {sig: signal.getsignal(sig) for sig in before} == before
