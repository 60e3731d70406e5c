"""Delivering the outbox: claim due emails, send them, retry with backoff, never lose one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign.mailer import PermanentFailure, SmtpConnection, TemporaryFailure, build_message
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

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed


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
) -> DeliveryReport:
    """Send one batch of due emails; each outcome is committed as soon as it is known."""
    report = DeliveryReport()
    for email in claim_due(session, now=utcnow(), limit=limit, lease=lease):
        email.attempts += 1
        try:
            message = build_message(
                sender=sender,
                to=email.to_address,
                subject=email.subject,
                text=email.text_body,
                html=email.html_body,
                domain=domain,
            )
        except ValueError as exc:
            # An address queued before campaign.addresses refused it (an encoded word hiding
            # a line break): no retry can send it, and it must not stop the rest of the queue.
            _give_up(email, f"cannot build the message: {exc.__class__.__name__}")
            report.failed += 1
            log.error("outbox email %s cannot be built", email.id)
            session.commit()
            continue
        try:
            connection.send(message)
        except TemporaryFailure as exc:
            if email.attempts >= MAX_ATTEMPTS:
                _give_up(email, str(exc))
                report.failed += 1
            else:
                email.next_attempt_at = utcnow() + retry_delay(email.attempts)
                email.leased_until = None
                email.last_error = str(exc)[:500]
                report.retrying += 1
            log.warning(
                "outbox email %s not delivered (attempt %s): %s", email.id, email.attempts, exc
            )
        except PermanentFailure as exc:
            _give_up(email, str(exc))
            report.failed += 1
            log.error("outbox email %s refused for good: %s", email.id, exc)
        else:
            email.status = "sent"
            email.sent_at = utcnow()
            email.leased_until = None
            email.last_error = None
            report.sent += 1
        session.commit()
    return report


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


def _give_up(email: OutboxEmail, reason: str) -> None:
    email.status = "failed"
    email.leased_until = None
    email.last_error = reason[:500]
