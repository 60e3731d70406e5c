"""Delivering the outbox: claim due emails, send them, retry with backoff, never lose one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from campaign.config import DEFAULT_EMAIL_NORMALIZATION
from campaign.mail.addresses import EmailRules, keys_reached
from campaign.mail.mailer import PermanentFailure, SmtpConnection, TemporaryFailure, build_message
from campaign.mail.suppressions import suppress
from campaign.models import OutboxEmail, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # the default; OUTBOX_LEASE_SECONDS sets it per deployment
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 12  # about two days of retries with the backoff below


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
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
) -> list[OutboxEmail]:
    """Lease up to `limit` due emails to this worker, and commit the lease.

    A worker that dies holding a lease delays those emails by `lease`; a lease shorter than
    the time one batch takes lets a second worker send them again.

    On PostgreSQL rows other workers are claiming are skipped (SKIP LOCKED); on SQLite the
    guarded UPDATE below is what keeps two workers from taking the same row.
    """
    candidates = session.scalars(
        select(OutboxEmail.id)
        .where(
            OutboxEmail.status == "pending",
            OutboxEmail.next_attempt_at <= now,
            (OutboxEmail.leased_until.is_(None)) | (OutboxEmail.leased_until < now),
        )
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed: list[int] = []
    lease_until = now + lease
    for email_id in candidates:
        result = session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == email_id,
                OutboxEmail.status == "pending",
                (OutboxEmail.leased_until.is_(None)) | (OutboxEmail.leased_until < now),
            )
            .values(leased_until=lease_until)
        )
        if result.rowcount == 1:
            claimed.append(email_id)
    session.commit()
    if not claimed:
        return []
    return list(
        session.scalars(
            select(OutboxEmail).where(OutboxEmail.id.in_(claimed)).order_by(OutboxEmail.id)
        )
    )


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
    """Send one batch of due emails; each outcome is committed as soon as it is known.

    No email stops the batch: one that cannot be built or is refused for good is marked failed,
    and any other error is retried like a temporary failure. Reasons stored and logged name the
    error's class, never the address. A mailbox refused for good is suppressed (keyed by
    `rules`), in the transaction that marks its email failed: no update goes to it again.
    """
    report = DeliveryReport()
    for email in claim_due(session, now=utcnow(), limit=limit, lease=lease):
        if email.attempts >= MAX_ATTEMPTS:
            # Every attempt so far ended with its worker gone (killed mid-send, say).
            _give_up(email, "no attempt finished: the worker stopped each time")
            report.failed += 1
            log.error("outbox email %s given up: no attempt finished", email.id)
            session.commit()
            continue
        # Counted before sending, so an email that takes its worker down with it still runs out
        # of attempts instead of coming back with every lease.
        email.attempts += 1
        session.commit()
        _deliver(session, email, connection, report, sender=sender, domain=domain, rules=rules)
        session.commit()
    return report


def _deliver(
    session: Session,
    email: OutboxEmail,
    connection: SmtpConnection,
    report: DeliveryReport,
    *,
    sender: str,
    domain: str,
    rules: EmailRules,
) -> None:
    try:
        message = build_message(
            sender=sender,
            to=email.to_address,
            subject=email.subject,
            text=email.text_body,
            html=email.html_body,
            domain=domain,
            list_unsubscribe=email.list_unsubscribe,
        )
    except Exception as exc:  # whatever the row holds, the next email goes out
        _give_up(email, f"cannot build the message: {exc.__class__.__name__}")
        report.failed += 1
        log.error("outbox email %s cannot be built: %s", email.id, exc.__class__.__name__)
        return
    try:
        connection.send(message)
    except TemporaryFailure as exc:
        _retry_later(email, str(exc), report)
        log.warning("outbox email %s not delivered (attempt %s): %s", email.id, email.attempts, exc)
    except PermanentFailure as exc:
        _give_up(email, str(exc))
        # A protected signer's address is not kept on the suppression list either: they get no
        # updates, so there is nothing to suppress.
        if exc.mailbox_refused and not email.erase_when_done:
            for key in keys_reached(email.to_address, rules):
                suppress(session, key, scope="all", reason="bounced")
        report.failed += 1
        log.error("outbox email %s refused for good: %s", email.id, exc)
    except Exception as exc:  # a bug met by one email must not stop the others
        # Where the SMTP conversation stands is unknown: the next email starts a new one.
        connection.close()
        _retry_later(email, f"unexpected error: {exc.__class__.__name__}", report)
        log.error(
            "outbox email %s: unexpected %s (attempt %s)",
            email.id,
            exc.__class__.__name__,
            email.attempts,
        )
    else:
        email.status = "sent"
        email.sent_at = utcnow()
        email.leased_until = None
        email.last_error = None
        report.sent += 1
    report.erased += _erase_if_asked(email)


def mark_delivered_to_mailbox(
    session: Session, *, limit: int = 500, lease: timedelta = LEASE
) -> DeliveryReport:
    """Development without SMTP: the mailbox page shows the rows, so they count as delivered."""
    emails = claim_due(session, now=utcnow(), limit=limit, lease=lease)
    for email in emails:
        email.status = "sent"
        email.attempts += 1
        email.sent_at = utcnow()
        email.leased_until = None
    session.commit()
    return DeliveryReport(sent=len(emails))


def _retry_later(email: OutboxEmail, reason: str, report: DeliveryReport) -> None:
    if email.attempts >= MAX_ATTEMPTS:
        _give_up(email, reason)
        report.failed += 1
        return
    email.next_attempt_at = utcnow() + retry_delay(email.attempts)
    email.leased_until = None
    email.last_error = reason[:500]
    report.retrying += 1


def _give_up(email: OutboxEmail, reason: str) -> None:
    email.status = "failed"
    email.leased_until = None
    email.last_error = reason[:500]


def _erase_if_asked(email: OutboxEmail) -> int:
    """Empty a protected signer's email of its address and bodies once nothing will send it
    again (sent, or given up on); 1 when it did. The row stays, to count and to show its
    status."""
    if not email.erase_when_done or email.status == "pending":
        return 0
    email.to_address = ""
    email.text_body = ""
    email.html_body = ""
    return 1
