"""What each outbox worker last said about itself, so that a stopped one is noticed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.types import UTCDateTime


class WorkerHeartbeat(db.Model):
    """One row per worker process (host and process id), rewritten as it loops."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_loop_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The last loop that reached the database and the SMTP server without an error.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An exception's class name only: its message may quote a row (an address).
    last_error_kind: Mapped[str | None] = mapped_column(String(120))
