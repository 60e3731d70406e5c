"""Is mail leaving? The workers' heartbeats and the outbox's queue, read the same way by the
staff dashboard, /readyz, the metrics and the alert emails.

An email is late when it has waited, pending, longer than MAIL_LATE_AFTER since it was
written: every row is due when written, and one that keeps being retried (SMTP down) stays
late instead of looking on time between two attempts. No address is ever read here.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from campaign.models import OutboxEmail, WorkerHeartbeat

# A worker rewrites its row at least this often while it runs, and at once when its state
# changes; one silent for WORKER_SILENT_SECONDS (a minute by default) is taken for stopped.
HEARTBEAT_EVERY = timedelta(seconds=10)
# Rows of workers gone for this long are removed by the next worker that starts.
FORGET_WORKERS_AFTER = timedelta(days=7)
# Attempts after which an email still pending counts as "deliveries keep failing".
FAILING_AFTER_ATTEMPTS = 3


def worker_name() -> str:
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


@dataclass(frozen=True)
class KindQueue:
    kind: str
    pending: int
    oldest_created_at: datetime


@dataclass(frozen=True)
class MailHealth:
    now: datetime
    queues: tuple[KindQueue, ...]
    # Pending emails that failed FAILING_AFTER_ATTEMPTS times or more.
    retrying: int
    last_seen_at: datetime | None
    last_error_kind: str | None
    late_after: timedelta
    silent_after: timedelta

    @property
    def pending(self) -> int:
        return sum(q.pending for q in self.queues)

    @property
    def oldest_age(self) -> timedelta | None:
        if not self.queues:
            return None
        return self.now - min(q.oldest_created_at for q in self.queues)

    @property
    def late(self) -> bool:
        age = self.oldest_age
        return age is not None and age > self.late_after

    @property
    def worker_missing(self) -> bool:
        return self.last_seen_at is None or self.now - self.last_seen_at > self.silent_after

    @property
    def failing(self) -> bool:
        return self.retrying > 0


def outbox_queues(session: Session) -> tuple[KindQueue, ...]:
    """Pending emails per kind, with the oldest one's time (the index on status serves it)."""
    rows = session.execute(
        select(OutboxEmail.kind, func.count(), func.min(OutboxEmail.created_at))
        .where(OutboxEmail.status == "pending")
        .group_by(OutboxEmail.kind)
        .order_by(OutboxEmail.kind)
    )
    # min() keeps the column's type, so the time comes back aware on both databases.
    return tuple(KindQueue(kind, pending, oldest) for kind, pending, oldest in rows)


def mail_health(
    session: Session, *, now: datetime, late_after: timedelta, silent_after: timedelta
) -> MailHealth:
    queues = outbox_queues(session)
    retrying = session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(
            OutboxEmail.status == "pending",
            OutboxEmail.attempts >= FAILING_AFTER_ATTEMPTS,
            OutboxEmail.last_error.is_not(None),
        )
    )
    latest = session.execute(
        select(WorkerHeartbeat.last_loop_at, WorkerHeartbeat.last_error_kind)
        .order_by(WorkerHeartbeat.last_loop_at.desc())
        .limit(1)
    ).first()
    return MailHealth(
        now=now,
        queues=queues,
        retrying=retrying or 0,
        last_seen_at=latest.last_loop_at if latest else None,
        last_error_kind=latest.last_error_kind if latest else None,
        late_after=late_after,
        silent_after=silent_after,
    )


class Heartbeat:
    """A worker's row, written when its state changes and every HEARTBEAT_EVERY otherwise, so
    an idle worker costs the database one small write every ten seconds."""

    def __init__(self, name: str | None = None):
        self.name = name or worker_name()
        self._written_at: datetime | None = None
        # What the row says: None before the first loop ends, "ok", or an error's class.
        self._state: str | None = None

    def start(self, session: Session, now: datetime) -> None:
        session.execute(
            delete(WorkerHeartbeat).where(
                (WorkerHeartbeat.worker == self.name)
                | (WorkerHeartbeat.last_loop_at < now - FORGET_WORKERS_AFTER)
            )
        )
        session.add(WorkerHeartbeat(worker=self.name, started_at=now, last_loop_at=now))
        session.commit()
        self._written_at = now

    def succeeded(self, session: Session, now: datetime) -> None:
        if self._state == "ok" and not self._due(now):
            return
        self._write(session, now, last_loop_at=now, last_success_at=now)
        self._state = "ok"

    def failed(self, session: Session, now: datetime, kind: str) -> None:
        if self._state == kind and not self._due(now):
            return
        self._write(session, now, last_loop_at=now, last_error_at=now, last_error_kind=kind[:120])
        self._state = kind

    def _due(self, now: datetime) -> bool:
        return self._written_at is None or now - self._written_at >= HEARTBEAT_EVERY

    def _write(self, session: Session, now: datetime, **values) -> None:
        changed = session.execute(
            update(WorkerHeartbeat).where(WorkerHeartbeat.worker == self.name).values(**values)
        ).rowcount
        if not changed:  # removed meanwhile (a restore, or an admin tidying up)
            session.add(WorkerHeartbeat(worker=self.name, started_at=now, **values))
        session.commit()
        self._written_at = now
