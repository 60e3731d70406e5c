"""Delivering the outbox: claim due emails, send them, retry with backoff, never lose one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Row, Update, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from campaign.config import DEFAULT_EMAIL_NORMALIZATION
from campaign.mail.addresses import EmailRules, keys_reached
from campaign.mail.mailer import PermanentFailure, SmtpConnection, TemporaryFailure, build_message
from campaign.mail.suppressions import suppress
from campaign.models import OutboxBody, OutboxEmail, fill_link, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # the default; OUTBOX_LEASE_SECONDS sets it per deployment
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
# The email telling a person their data was erased: the row (their address) is deleted as soon
# as the mail server has taken it or refused it for good, so that the erasure leaves nothing.
# The development mailbox, which shows the rows instead of sending them, keeps it.
ERASURE_CONFIRMATION = "erasure_confirmation"
FORGOTTEN_ONCE_SENT = frozenset({ERASURE_CONFIRMATION})
MAX_ATTEMPTS = 12  # about two days of retries with the backoff below


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    # The class of the last error that was the server's or ours, not an address's: the
    # worker's heartbeat reports it (campaign.mail.health). Not part of what a batch did.
    error_kind: str | None = field(default=None, compare=False)
    # Emails to protected signers emptied because they are done with (see _erase_if_asked).
    erased: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed


def failed_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == "failed")
    )


def recent_failures(session: Session, *, limit: int = 50) -> list[Row]:
    """The latest emails given up on: kind, when queued, attempts and reason, never the address."""
    return list(
        session.execute(
            select(
                OutboxEmail.id,
                OutboxEmail.kind,
                OutboxEmail.created_at,
                OutboxEmail.attempts,
                OutboxEmail.last_error,
            )
            .where(OutboxEmail.status == "failed")
            .order_by(OutboxEmail.id.desc())
            .limit(limit)
        )
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, ... capped at six hours."""
    # The exponent is bounded so a large count reaches the cap instead of overflowing timedelta.
    return min(FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 20)), LONGEST_RETRY)


def claim_due(
    session: Session, *, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[Row]:
    """Lease up to `limit` due emails to this worker, and commit the lease; the rows, oldest
    first (plain rows: the worker reads each once and writes it back with one UPDATE).

    A worker that dies holding a lease delays those emails by `lease`; a lease shorter than
    the time one batch takes lets a second worker send them again.

    On PostgreSQL rows other workers are claiming are skipped (SKIP LOCKED); on SQLite the
    guarded UPDATE below is what keeps two workers from taking the same row.
    """
    table = OutboxEmail.__table__
    free = (table.c.leased_until.is_(None)) | (table.c.leased_until < now)
    candidates = session.scalars(
        select(table.c.id)
        .where(table.c.status == "pending", table.c.next_attempt_at <= now, free)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed: list[Row] = []
    if candidates:
        # The status as an expression, not the bare column: SQLite's planner, seeing an
        # equality on an indexed column, walked the due index over every pending row (a tenth
        # of a second a claim with a million queued) instead of looking up fifty ids.
        still_pending = table.c.status.concat("") == "pending"
        claimed = list(
            session.execute(
                update(table)
                .where(table.c.id.in_(candidates), still_pending, free)
                .values(leased_until=now + lease)
                .returning(*table.c)
            )
        )
    session.commit()
    return sorted(claimed, key=lambda row: (row.next_attempt_at, row.id))


def deliver_batch(
    session: Session,
    connection: SmtpConnection,
    *,
    sender: str,
    domain: str,
    limit: int = 50,
    lease: timedelta = LEASE,
    rules: EmailRules = DEFAULT_EMAIL_NORMALIZATION,
) -> DeliveryReport:
    """Send one batch of due emails; each outcome is committed before the next email is sent.

    No email stops the batch: one that cannot be built or is refused for good is marked failed,
    and any other error is retried like a temporary failure. Reasons stored and logged name the
    error's class, never the address. A mailbox refused for good is suppressed (keyed by
    `rules`), in the transaction that marks its email failed: no update goes to it again.

    An attempt is counted before its email is sent, so an email that takes its worker down with
    it still runs out of attempts instead of coming back with every lease. That count and the
    previous email's outcome share one commit: a commit per email, not two, is what the
    delivery rate of a large update hangs on.
    """
    report = DeliveryReport()
    claimed = claim_due(session, now=utcnow(), limit=limit, lease=lease)
    shared = _shared_bodies(session, {email.body_id for email in claimed} - {None})
    for email in claimed:
        if email.attempts >= MAX_ATTEMPTS:
            # Every attempt so far ended with its worker gone (killed mid-send, say).
            report.erased += _record(
                session, email, _give_up("no attempt finished: the worker stopped each time")
            )
            report.failed += 1
            log.error("outbox email %s given up: no attempt finished", email.id)
            continue
        attempts = email.attempts + 1
        session.execute(_count_attempt(session), {"email_id": email.id})
        session.commit()
        outcome = _deliver(
            session,
            email,
            attempts,
            connection,
            report,
            sender=sender,
            domain=domain,
            rules=rules,
            shared=shared,
        )
        report.erased += _record(session, email, outcome)
    session.commit()
    return report


def _shared_bodies(session: Session, ids: set[int]) -> dict[int, Row]:
    """The shared bodies (OutboxBody) a batch's emails are filled from, read once per batch."""
    if not ids:
        return {}
    table = OutboxBody.__table__
    rows = session.execute(select(table).where(table.c.id.in_(ids)))
    return {row.id: row for row in rows}


def _count_attempt(session: Session) -> Update:
    """The statement counting an email's attempt; on PostgreSQL it also lets the transaction's
    commit return before the disk has it (SET LOCAL synchronous_commit = off, in the same
    round trip).

    Waiting for the disk at every email held one worker to a third of what the mail server
    takes. The commit is still atomic and seen by every other connection at once: only a crash
    of the database server itself, within a fraction of a second of it, loses it, and what it
    recorded (an email sent, an attempt counted) is then sent once more, as for an email in
    flight when a worker is killed. The setting ends with the transaction: nothing else that
    uses the connection is affected. SQLite's commits are already relaxed (database.py).
    """
    if session.get_bind().dialect.name == "postgresql":
        return _COUNT_ATTEMPT_RELAXED
    return _COUNT_ATTEMPT


_COUNT_ATTEMPT = (
    update(OutboxEmail.__table__)
    .where(OutboxEmail.__table__.c.id == bindparam("email_id"))
    .values(attempts=OutboxEmail.__table__.c.attempts + 1)
)
# set_config(..., true) is SET LOCAL; volatile, it runs for the one row the id finds.
_COUNT_ATTEMPT_RELAXED = _COUNT_ATTEMPT.where(
    func.set_config("synchronous_commit", "off", True) == "off"
)


def _record(session: Session, email: Row, values: dict[str, object]) -> int:
    """Write an attempt's outcome. Once nothing more will be tried, an email that must leave no
    trace is deleted instead, and a protected signer's is emptied of its address and bodies
    (1 when it was, for DeliveryReport.erased)."""
    table = OutboxEmail.__table__
    done = values.get("status") in ("sent", "failed")
    if done and email.kind in FORGOTTEN_ONCE_SENT:
        session.execute(delete(table).where(table.c.id == email.id))
        return 0
    emptied = done and email.erase_when_done
    if emptied:
        # A protected signer's: the row stays, to count and to show its status, emptied.
        values = {**values, "to_address": "", "text_body": "", "html_body": ""}
    session.execute(update(table).where(table.c.id == email.id).values(values))
    return int(emptied)


def _deliver(
    session: Session,
    email: Row,
    attempts: int,
    connection: SmtpConnection,
    report: DeliveryReport,
    *,
    sender: str,
    domain: str,
    rules: EmailRules,
    shared: dict[int, Row],
) -> dict[str, object]:
    """Send one email; the values its row gets for the outcome."""
    try:
        text, html = email.text_body, email.html_body
        if email.body_id is not None:
            body = shared[email.body_id]
            text, html = fill_link(
                body.text_body, body.html_body, body.placeholder, email.list_unsubscribe
            )
        message = build_message(
            sender=sender,
            to=email.to_address,
            subject=email.subject,
            text=text,
            html=html,
            domain=domain,
            list_unsubscribe=email.list_unsubscribe,
        )
    except Exception as exc:  # whatever the row holds, the next email goes out
        report.failed += 1
        log.error("outbox email %s cannot be built: %s", email.id, exc.__class__.__name__)
        return _give_up(f"cannot build the message: {exc.__class__.__name__}")
    try:
        connection.send(message)
    except TemporaryFailure as exc:
        report.error_kind = exc.__class__.__name__
        log.warning("outbox email %s not delivered (attempt %s): %s", email.id, attempts, exc)
        return _retry_later(attempts, str(exc), report)
    except PermanentFailure as exc:
        # Nor is a protected signer's address kept on the suppression list: they get no
        # updates, so there is nothing to suppress.
        if (
            exc.mailbox_refused
            and email.kind not in FORGOTTEN_ONCE_SENT
            and not email.erase_when_done
        ):
            for key in keys_reached(email.to_address, rules):
                suppress(session, key, scope="all", reason="bounced")
        report.failed += 1
        log.error("outbox email %s refused for good: %s", email.id, exc)
        return _give_up(str(exc))
    except Exception as exc:  # a bug met by one email must not stop the others
        # Where the SMTP conversation stands is unknown: the next email starts a new one.
        connection.close()
        report.error_kind = exc.__class__.__name__
        log.error(
            "outbox email %s: unexpected %s (attempt %s)",
            email.id,
            exc.__class__.__name__,
            attempts,
        )
        return _retry_later(attempts, f"unexpected error: {exc.__class__.__name__}", report)
    report.sent += 1
    return {"status": "sent", "sent_at": utcnow(), "leased_until": None, "last_error": None}


def mark_delivered_to_mailbox(
    session: Session, *, limit: int = 500, lease: timedelta = LEASE
) -> DeliveryReport:
    """Development without SMTP: the mailbox page shows the rows, so they count as delivered."""
    emails = claim_due(session, now=utcnow(), limit=limit, lease=lease)
    table = OutboxEmail.__table__
    if emails:
        session.execute(
            update(table)
            .where(table.c.id.in_([email.id for email in emails]))
            .values(
                status="sent", attempts=table.c.attempts + 1, sent_at=utcnow(), leased_until=None
            )
        )
    session.commit()
    return DeliveryReport(sent=len(emails))


def _retry_later(attempts: int, reason: str, report: DeliveryReport) -> dict[str, object]:
    if attempts >= MAX_ATTEMPTS:
        report.failed += 1
        return _give_up(reason)
    report.retrying += 1
    return {
        "next_attempt_at": utcnow() + retry_delay(attempts),
        "leased_until": None,
        "last_error": reason[:500],
    }


def _give_up(reason: str) -> dict[str, object]:
    return {"status": "failed", "leased_until": None, "last_error": reason[:500]}
