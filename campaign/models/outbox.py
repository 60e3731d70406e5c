"""Emails waiting to be delivered, written in the transaction that causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxEmail(db.Model):
    __tablename__ = "outbox_emails"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The worker asks for pending rows that are due, oldest first.
        Index("ix_outbox_emails_due", "status", "next_attempt_at"),
        # One email of an update to one mailbox, ever: a queuing job that runs a batch twice
        # (restarted, or two workers at once) inserts nothing the second time.
        Index(
            "uq_outbox_emails_update_recipient",
            "update_id",
            "recipient_key",
            unique=True,
            postgresql_where=text("update_id IS NOT NULL"),
            sqlite_where=text("update_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker that claims a row leases it; a worker that dies lets the lease run out.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Set on the emails of an update (campaign.updates), with the recipient's normalised address.
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("updates.id", ondelete="SET NULL"), index=True
    )
    recipient_key: Mapped[str | None] = mapped_column(String(254))
    # The https address sent as List-Unsubscribe (RFC 8058), for mail that may be refused.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))
    # An email to a protected petition's signer: once delivered or given up on, its address and
    # bodies are emptied, so the row tells no one who it went to.
    erase_when_done: Mapped[bool] = mapped_column(default=False, server_default=false())
