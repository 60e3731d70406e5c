"""No email stops the others: rows that cannot be built, refused recipients, unexpected errors,
workers killed mid-send and a database gone for a moment, against a real SMTP server and a real
worker process. Staff see what failed, never to whom."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

import pytest
from conftest import Inbox, SmtpServer
from helpers import count, outbox
from processes import process_env, wait_for, worker
from sqlalchemy import text, update

from campaign.extensions import db
from campaign.mail.mailer import SmtpConnection, SmtpSettings
from campaign.mail.outbox import MAX_ATTEMPTS, DeliveryReport, deliver_batch, retry_delay
from campaign.models import OutboxEmail, Suppression, utcnow

# A header injection the address parser refuses to build (CR LF "Bcc: y@example.net" encoded).
UNBUILDABLE = "=?utf-8?q?x=0D=0ABcc=3A_y=40example.net?=@example.com"
PERSONAL = ("example.net", "example.com", "Bcc", "refused@", "ann@", "bob@")


def queue(app, to: str, *, kind: str = "confirm_signature", **values) -> int:
    """An outbox row written directly, as any past or future bug could have written it."""
    with app.app_context():
        email = OutboxEmail(
            kind=kind,
            to_address=to,
            subject="Confirm your signature",
            text_body="Follow the link.",
            html_body="<p>Follow the link.</p>",
            locale="en",
            next_attempt_at=utcnow(),
            **values,
        )
        db.session.add(email)
        db.session.commit()
        return email.id


def row(app, email_id: int) -> OutboxEmail:
    [email] = outbox(app, OutboxEmail.id == email_id)
    return email


def deliver(app, connection: SmtpConnection) -> DeliveryReport:
    with app.app_context():
        return deliver_batch(db.session, connection, sender="t@example.org", domain="example.org")


def assert_no_personal_data(*texts: str) -> None:
    for written in texts:
        assert not any(part in written for part in PERSONAL), written


# --- the real worker process -----------------------------------------------------------------


def test_the_worker_delivers_past_a_row_it_cannot_build(
    make_app, migrated_database, smtp_server, tmp_path
):
    app = make_app()
    bad = queue(app, UNBUILDABLE)
    good = queue(app, "ann@example.org")
    log = tmp_path / "worker.log"

    with worker(
        process_env(migrated_database, MAIL_URL=smtp_server.url), "--interval", "0.1", log=log
    ) as running:
        wait_for(lambda: smtp_server.inbox.to("ann@example.org"), timeout=15, message="stuck")
        wait_for(lambda: row(app, good).status == "sent", timeout=15)
        assert running.poll() is None, "the worker died on the row it could not build"

    failed = row(app, bad)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "cannot build the message: ValueError"
    assert failed.leased_until is None
    assert len(smtp_server.inbox.messages) == 1
    written = log.read_text()
    assert f"outbox email {bad} cannot be built: ValueError" in written
    assert_no_personal_data(written)


class HangingInbox(Inbox):
    """Takes the message and never answers, like a relay that hangs until the worker is killed."""

    def __init__(self):
        super().__init__()
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.arrived.set()
        await asyncio.sleep(60)
        return "451 too late"


@pytest.fixture
def hanging_smtp():
    server = SmtpServer()
    server.inbox = HangingInbox()
    server.start()
    yield server
    server.stop()


def test_an_attempt_is_counted_before_sending_so_a_worker_killed_each_time_gives_up(
    make_app, migrated_database, hanging_smtp, run_worker
):
    app = make_app(MAIL_URL=hanging_smtp.url)
    email_id = queue(app, "ann@example.org", attempts=MAX_ATTEMPTS - 1)
    env = process_env(migrated_database, MAIL_URL=hanging_smtp.url)

    with worker(env, "--interval", "0.1") as running:
        assert hanging_smtp.inbox.arrived.wait(timeout=15), "the worker never sent"
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=10)

    killed = row(app, email_id)
    assert (killed.status, killed.attempts) == ("pending", MAX_ATTEMPTS)
    assert killed.leased_until > utcnow()

    with app.app_context():  # the lease runs out
        db.session.execute(update(OutboxEmail).values(leased_until=utcnow()))
        db.session.commit()
    hanging_smtp.inbox.arrived.clear()
    run_worker(app)

    given_up = row(app, email_id)
    assert (given_up.status, given_up.attempts) == ("failed", MAX_ATTEMPTS)
    assert given_up.last_error == "no attempt finished: the worker stopped each time"
    assert not hanging_smtp.inbox.arrived.is_set(), "tried once more than allowed"


def rename(app, old: str, new: str) -> None:
    """Take a table away (or give it back): every query on it fails, as in an outage."""
    with app.app_context():
        db.session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
        db.session.commit()


def test_the_worker_waits_out_a_database_it_cannot_use_for_a_moment(
    make_app, migrated_database, smtp_server, tmp_path
):
    app = make_app()
    log = tmp_path / "worker.log"
    env = process_env(migrated_database, MAIL_URL=smtp_server.url)

    with worker(env, "--interval", "0.1", log=log) as running:
        rename(app, "outbox_emails", "outbox_emails_away")
        try:
            wait_for(lambda: "delivery interrupted" in log.read_text(), timeout=15)
        finally:
            rename(app, "outbox_emails_away", "outbox_emails")
        queue(app, "ann@example.org")
        wait_for(lambda: smtp_server.inbox.to("ann@example.org"), timeout=20, message="stopped")
        assert running.poll() is None

    written = log.read_text()
    assert "Traceback" not in written
    assert "outbox_emails_away" not in written, "the error's text (and the SQL) is not logged"
    assert_no_personal_data(written)


def test_a_single_run_reports_an_outage_as_a_failure_without_a_traceback(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    rename(app, "outbox_emails", "outbox_emails_away")
    try:
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
    finally:
        rename(app, "outbox_emails_away", "outbox_emails")
    assert result.exit_code == 1
    assert "delivery interrupted: " in result.output
    assert "Traceback" not in result.output and "outbox_emails" not in result.output


# --- deliver_batch against a real SMTP server ------------------------------------------------


class RefusingInbox(Inbox):
    """Refuses some recipients for good at RCPT, like a server that knows no such mailbox."""

    def __init__(self, *refused: str):
        super().__init__()
        self.refused = set(refused)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_smtp():
    server = SmtpServer()
    server.inbox = RefusingInbox("refused@example.org")
    server.start()
    yield server
    server.stop()


def test_refused_and_unbuildable_emails_fail_and_the_batch_goes_on(app, refusing_smtp, caplog):
    refused = queue(app, "refused@example.org")
    unbuildable = queue(app, UNBUILDABLE)
    two_people = queue(app, "ann@example.org, bob@example.net")
    good = queue(app, "ann@example.org")

    caplog.set_level(logging.INFO, logger="campaign.mail.outbox")
    with SmtpConnection(SmtpSettings.from_url(refusing_smtp.url)) as connection:
        report = deliver(app, connection)

    assert report == DeliveryReport(sent=1, retrying=0, failed=3)
    assert [m["To"] for m in refusing_smtp.inbox.messages] == ["ann@example.org"]
    reasons = {
        refused: "recipient refused: SMTP 550",
        unbuildable: "cannot build the message: ValueError",
        two_people: "cannot build the message: InvalidRecipient",
    }
    for email_id, reason in reasons.items():
        email = row(app, email_id)
        assert (email.status, email.attempts, email.last_error) == ("failed", 1, reason)
    assert row(app, good).status == "sent"
    assert_no_personal_data(caplog.text)


class SenderRefusingInbox(Inbox):
    """A relay that will not send for MAIL_FROM's domain (not allowed, or SPF): every message."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        return "550 5.7.1 sender not allowed"


def test_a_refused_sender_is_retried_and_suppresses_no_one(app, session):
    server = SmtpServer()
    server.inbox = SenderRefusingInbox()
    server.start()
    try:
        emails = [queue(app, "ann@example.org"), queue(app, "bob@example.org")]
        with SmtpConnection(SmtpSettings.from_url(server.url)) as connection:
            report = deliver(app, connection)
    finally:
        server.stop()

    # A setting to fix, not the signers' mailboxes: the emails wait (and turn late, which the
    # banner, /readyz and the alert report) instead of being given up.
    assert report == DeliveryReport(sent=0, retrying=2, failed=0)
    for email_id in emails:
        email = row(app, email_id)
        assert (email.status, email.last_error) == ("pending", "sender refused: SMTP 550")
    assert count(app, Suppression) == 0


class BrokenOnce(SmtpConnection):
    """A real SMTP connection with a bug that strikes the first message only."""

    def __init__(self, settings: SmtpSettings):
        super().__init__(settings)
        self.broken = True

    def send(self, message) -> None:
        if self.broken:
            self.broken = False
            raise RuntimeError(f"a bug that quotes {message.to}")
        super().send(message)


def test_an_unexpected_error_is_retried_later_and_the_batch_goes_on(app, smtp_server, caplog):
    first = queue(app, "ann@example.org")
    second = queue(app, "bob@example.org")

    caplog.set_level(logging.INFO, logger="campaign.mail.outbox")
    before = utcnow()
    with BrokenOnce(SmtpSettings.from_url(smtp_server.url)) as connection:
        report = deliver(app, connection)

    assert report == DeliveryReport(sent=1, retrying=1, failed=0)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["bob@example.org"]
    email = row(app, first)
    assert (email.status, email.attempts) == ("pending", 1)
    assert email.last_error == "unexpected error: RuntimeError"
    assert email.leased_until is None
    assert before + retry_delay(1) <= email.next_attempt_at <= utcnow() + retry_delay(1)
    assert row(app, second).status == "sent"
    assert f"outbox email {first}: unexpected RuntimeError" in caplog.text
    assert_no_personal_data(caplog.text)


def test_an_unexpected_error_at_the_last_attempt_fails_the_email(app, smtp_server):
    email_id = queue(app, "ann@example.org", attempts=MAX_ATTEMPTS - 1)

    with BrokenOnce(SmtpSettings.from_url(smtp_server.url)) as connection:
        assert deliver(app, connection) == DeliveryReport(failed=1)

    email = row(app, email_id)
    assert (email.status, email.attempts) == ("failed", MAX_ATTEMPTS)
    assert email.last_error == "unexpected error: RuntimeError"


class Interrupted(SmtpConnection):
    """The process stops in the middle of every send (Ctrl-C, or killed)."""

    def send(self, message) -> None:
        raise KeyboardInterrupt


def test_attempts_interrupted_mid_send_are_counted_until_the_email_is_given_up(app):
    email_id = queue(app, "ann@example.org")
    connection = Interrupted(SmtpSettings.from_url("smtp://127.0.0.1:1"))

    for attempt in range(1, MAX_ATTEMPTS + 1):
        with app.app_context():
            with pytest.raises(KeyboardInterrupt):  # never swallowed
                deliver_batch(db.session, connection, sender="t@example.org", domain="example.org")
            db.session.rollback()  # what dies with the process
            # The lease a dead worker held runs out.
            db.session.execute(update(OutboxEmail).values(leased_until=utcnow()))
            db.session.commit()
        assert (row(app, email_id).status, row(app, email_id).attempts) == ("pending", attempt)

    assert deliver(app, connection) == DeliveryReport(failed=1)
    email = row(app, email_id)
    assert (email.status, email.attempts) == ("failed", MAX_ATTEMPTS)


# --- what staff see ----------------------------------------------------------------------------


def test_admins_see_failed_emails_without_their_recipients(app, make_user, log_in, smtp_server):
    queue(app, "sent@example.org", status="sent")
    queue(
        app,
        "ann@example.org",
        kind="password_reset",
        status="failed",
        attempts=MAX_ATTEMPTS,
        last_error="cannot reach the SMTP server: ConnectionRefusedError",
    )
    bad = queue(app, UNBUILDABLE)
    with SmtpConnection(SmtpSettings.from_url(smtp_server.url)) as connection:
        deliver(app, connection)
    client = app.test_client()
    log_in(client, make_user("admin"))

    dashboard = client.get("/staff/").get_data(as_text=True)
    assert 'data-failed-emails="2"' in dashboard
    assert "2 emails could not be delivered." in dashboard
    assert 'href="/staff/outbox"' in dashboard

    page = client.get("/staff/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-failed-emails="2"' in html and "2 failed emails" in html
    rows = html.split("<tbody>")[1]
    assert rows.index(f'data-outbox-id="{bad}"') < rows.index("Password reset")
    assert "Signature confirmation" in rows
    assert "cannot build the message: ValueError" in rows
    assert "cannot reach the SMTP server: ConnectionRefusedError" in rows
    assert f'<td class="numeric">{MAX_ATTEMPTS}</td>' in rows
    assert_no_personal_data(html)
    assert "sent@" not in html

    client.post("/staff/language", data={"lang": "fr", "next": "/staff/outbox"})
    french = client.get("/staff/outbox").get_data(as_text=True)
    assert "E-mails en échec" in french and "Réinitialisation du mot de passe" in french


def test_other_staff_see_no_failed_emails(app, make_user, log_in):
    queue(app, "ann@example.org", status="failed", last_error="recipient refused: SMTP 550")
    client = app.test_client()
    for role in ("campaigner", "exporter"):
        log_in(client, make_user(role))
        assert "data-failed-emails" not in client.get("/staff/").get_data(as_text=True)
        assert client.get("/staff/outbox").status_code == 403


def test_the_dashboard_says_when_no_email_failed(app, make_user, log_in):
    client = app.test_client()
    log_in(client, make_user("admin"))
    html = client.get("/staff/").get_data(as_text=True)
    assert 'data-failed-emails="0"' in html and "No email has failed." in html
