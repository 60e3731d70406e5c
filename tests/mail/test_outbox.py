"""The outbox worker against a real SMTP server: down, refusing, back up, and two workers."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from conftest import Inbox, SmtpServer
from helpers import count, outbox, sign_fields
from processes import process_env, wait_for, worker
from sqlalchemy import event, select, text, update

from campaign.extensions import db
from campaign.mail.mailer import SmtpConnection, SmtpSettings
from campaign.mail.outbox import (
    FIRST_RETRY,
    LEASE,
    LONGEST_RETRY,
    MAX_ATTEMPTS,
    claim_due,
    deliver_batch,
    retry_delay,
)
from campaign.models import OutboxEmail, Signature, utcnow


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
            assert response.status_code == 200
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


def test_a_leased_email_does_not_hide_the_free_ones_behind_it(app, sign):
    sign("dead@example.org", "ann@example.org", "bob@example.org")
    with app.app_context():
        now = utcnow()
        held, *free = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
        # The oldest email is first in line, and a worker that died holds its lease.
        held.leased_until = now + LEASE
        db.session.commit()
        held_id, free_ids = held.id, [e.id for e in free]

        first = claim_due(db.session, now=now, limit=1)
        second = claim_due(db.session, now=now, limit=1)

        assert [e.id for e in first + second] == free_ids
        assert claim_due(db.session, now=now, limit=1) == []
        assert db.session.get(OutboxEmail, held_id).leased_until == now + LEASE


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
    assert dev_client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200

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


# --- real processes: SMTP stopped mid-batch, a worker killed mid-delivery -------------------


class SlowInbox(Inbox):
    """An SMTP sink that takes `delay` seconds to answer each DATA, like a busy relay."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay
        self.arrivals: list[float] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        answer = await super().handle_DATA(server, session, envelope)
        self.arrivals.append(time.time())
        return answer


@pytest.fixture
def slow_smtp():
    server = SmtpServer()
    server.inbox = SlowInbox(delay=0.25)
    server.start()
    yield server
    server.stop()


def _received(server) -> Counter:
    return Counter(m["To"] for m in server.inbox.messages)


def _sign_many(client, petition, n: int) -> list[str]:
    addresses = [f"signer{i}@example.org" for i in range(n)]
    for address in addresses:
        response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=address))
        assert response.status_code == 200
    return addresses


def test_smtp_stopped_mid_batch_and_started_again_loses_nothing(
    make_app, migrated_database, make_petition, slow_smtp
):
    app = make_app()
    addresses = _sign_many(app.test_client(), make_petition(), 10)
    env = process_env(migrated_database, MAIL_URL=slow_smtp.url)

    with worker(env, "--interval", "0.1") as running:
        wait_for(lambda: len(slow_smtp.inbox.messages) >= 3, message="nothing delivered")
        slow_smtp.stop()
        # The worker meets a dead server: every email not yet sent waits for a retry.
        wait_for(
            lambda: (
                not outbox(app, OutboxEmail.status == "pending", OutboxEmail.attempts == 0)
                and not outbox(app, OutboxEmail.leased_until.is_not(None))
            ),
            message="the worker did not notice the server was down",
        )
        delivered_before = len(slow_smtp.inbox.messages)
        waiting = outbox(app, OutboxEmail.status == "pending")
        assert len(waiting) == 10 - delivered_before > 0
        assert all("SMTP" in e.last_error or "connection" in e.last_error for e in waiting)
        assert all(e.next_attempt_at > utcnow() for e in waiting)
        assert count(app, OutboxEmail) == 10

        slow_smtp.start()
        _set(app, next_attempt_at=utcnow())  # as if the backoff had passed
        wait_for(lambda: set(_received(slow_smtp)) == set(addresses), message="not all sent")
        wait_for(lambda: count(app, OutboxEmail, OutboxEmail.status == "sent") == 10)
        assert running.poll() is None, "the worker died instead of retrying"

    received = _received(slow_smtp)
    assert set(received) == set(addresses)
    assert sum(received.values()) - len(addresses) <= 1  # at most the one in flight, twice


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_at_most_one(
    make_app, migrated_database, make_petition, slow_smtp
):
    app = make_app()
    addresses = _sign_many(app.test_client(), make_petition(), 12)
    lease = 2
    env = process_env(migrated_database, MAIL_URL=slow_smtp.url, OUTBOX_LEASE_SECONDS=str(lease))

    with worker(env, "--interval", "0.1") as first:
        wait_for(lambda: len(slow_smtp.inbox.messages) >= 3, message="nothing delivered")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    killed_at = time.time()
    held = outbox(app, OutboxEmail.status == "pending")
    assert held, "the killed worker had nothing in hand"
    assert all(e.leased_until is not None for e in held)
    lease_end = max(e.leased_until for e in held).timestamp()
    assert lease_end - killed_at <= lease
    delivered_by_first = len(slow_smtp.inbox.arrivals)

    with worker(env, "--interval", "0.1"):
        wait_for(lambda: set(_received(slow_smtp)) == set(addresses), message="emails lost")
        wait_for(lambda: count(app, OutboxEmail, OutboxEmail.status == "sent") == 12)

    # The second worker respected the dead one's lease before taking its emails over.
    taken_over = slow_smtp.inbox.arrivals[delivered_by_first:]
    assert taken_over and min(taken_over) >= lease_end - 0.5
    received = _received(slow_smtp)
    assert sum(received.values()) - len(addresses) <= 1  # only the one in flight, if any
    assert {e.status for e in outbox(app)} == {"sent"}


def test_the_lease_is_configurable(make_app):
    from campaign.config import ConfigError, Settings

    assert make_app().config["OUTBOX_LEASE_SECONDS"] == LEASE.total_seconds() == 300
    assert Settings.from_environ({"OUTBOX_LEASE_SECONDS": "7"}).outbox_lease_seconds == 7
    with pytest.raises(ConfigError, match="OUTBOX_LEASE_SECONDS"):
        Settings.from_environ({"OUTBOX_LEASE_SECONDS": "0"}).check()
    with pytest.raises(ConfigError, match="OUTBOX_LEASE_SECONDS"):
        Settings.from_environ({"OUTBOX_LEASE_SECONDS": "soon"})


def test_each_email_commits_without_waiting_for_the_disk_and_leaves_the_connection_as_it_was(
    app, smtp_server, sign
):
    sign("ann@example.org", "bob@example.org")
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    # PostgreSQL: each email's transaction is flushed lazily; SQLite: NORMAL (1) throughout.
    durability = text("SHOW synchronous_commit" if postgres else "PRAGMA synchronous")
    seen: list[str] = []

    with app.app_context():
        session = db.session()
        record = lambda session: seen.append(str(session.execute(durability).scalar()))  # noqa: E731
        event.listen(session, "before_commit", record)
        with SmtpConnection(SmtpSettings.from_url(smtp_server.url)) as connection:
            report = deliver_batch(
                session, connection, sender="campaigns@example.org", domain="example.org"
            )
        event.remove(session, "before_commit", record)
        after = str(session.execute(durability).scalar())
        session.rollback()

    assert report.sent == 2
    # The lease, each email's attempt (with the previous email's outcome), the last outcome.
    assert seen == (["on", "off", "off", "on"] if postgres else ["1"] * 4)
    assert after == ("on" if postgres else "1")


def test_a_claim_looks_its_rows_up_by_id_not_through_every_pending_one(app, sign):
    """With a million emails queued, a claim that walked the due index over every pending row
    took a tenth of a second: the lease is written by looking up the fifty ids it chose."""
    sign(*(f"signer{i}@example.org" for i in range(30)))
    statements: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_EMAILS"):
            statements.append((statement, parameters))

    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            db.session.execute(text("ANALYZE outbox_emails"))
            db.session.commit()
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            claimed = claim_due(db.session, now=utcnow(), limit=5)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        [(statement, parameters)] = statements
        connection = db.session.connection().connection.driver_connection
        explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        if postgres:  # thirty rows fit a page, which PostgreSQL would rather read whole
            connection.execute("SET LOCAL enable_seqscan = off")
        plan = " ".join(str(row) for row in connection.execute(explain + statement, parameters))
        db.session.rollback()

    assert len(claimed) == 5
    assert "ix_outbox_emails_due" not in plan
    assert ("pk_outbox_emails" if postgres else "INTEGER PRIMARY KEY") in plan
