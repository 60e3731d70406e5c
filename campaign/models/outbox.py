"""Emails waiting to be delivered, written in the transaction that causes them."""

from __future__ import annotations

from datetime import datetime

from markupsafe import escape
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


def fill_link(text_body: str, html_body: str, placeholder: str, link: str) -> tuple[str, str]:
    """A shared body's text and HTML with one recipient's link where `placeholder` stands."""
    return text_body.replace(placeholder, link), html_body.replace(placeholder, str(escape(link)))


class OutboxBody(db.Model):
    """The text and HTML of an email that many recipients get alike (an update, in one language
    and for one petition), stored once: a million rows each holding their own copy made
    queuing an update write two kilobytes per recipient. Each outbox row keeps what is its own,
    its List-Unsubscribe link, which the worker puts where `placeholder` stands."""

    __tablename__ = "outbox_bodies"
    __table_args__ = (UniqueConstraint("update_id", "locale", "petition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("updates.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(5))
    # Campaign-wide, each reader is told which of the campaign's petitions they signed.
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id", ondelete="SET NULL"))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    placeholder: Mapped[str] = mapped_column(String(100))


class OutboxEmail(db.Model):
    __tablename__ = "outbox_emails"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # A shared body is only ever filled with the row's own link.
        CheckConstraint(
            "body_id IS NULL OR (list_unsubscribe IS NOT NULL AND text_body = '' "
            "AND html_body = '')",
            name="shared_body",
        ),
        # The worker asks for pending rows that are due, oldest first, ties by id: in the
        # index's own order, so a claim reads fifty entries, not the million an update queued.
        Index("ix_outbox_emails_due", "status", "next_attempt_at", "id"),
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
    # Set when the text and HTML are shared (OutboxBody): text_body and html_body are empty.
    body_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_bodies.id"))
    body: Mapped[OutboxBody | None] = relationship()
    # An email to a protected petition's signer: once delivered or given up on, its address and
    # bodies are emptied, so the row tells no one who it went to.
    erase_when_done: Mapped[bool] = mapped_column(default=False, server_default=false())

    def bodies(self) -> tuple[str, str]:
        """The text and HTML this email is sent with."""
        if self.body is None:
            return self.text_body, self.html_body
        body = self.body
        return fill_link(body.text_body, body.html_body, body.placeholder, self.list_unsubscribe)
