"""Updates: what staff tell a petition's signers, in several languages, sent through the outbox."""

from __future__ import annotations

from datetime import datetime

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.campaigns import Petition, Translated
from campaign.models.rendered import RenderedBody
from campaign.models.types import UTCDateTime, utcnow

OUTCOMES = ("victory", "response", "delivered", "closed")
UPDATE_STATUSES = ("draft", "scheduled", "queuing", "queued", "cancelled")
# Statuses of an update that has gone (or is going) out: its outcome is public.
SENT_STATUSES = ("queuing", "queued")


class Update(Translated, db.Model):
    __tablename__ = "updates"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('victory', 'response', 'delivered', 'closed')",
            name="outcome",
        ),
        CheckConstraint(
            "status IN ('draft', 'scheduled', 'queuing', 'queued', 'cancelled')", name="status"
        ),
        CheckConstraint("queued_count >= 0 AND skipped_count >= 0", name="counts_not_negative"),
        # The worker looks for updates that are due.
        Index("ix_updates_due", "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), index=True
    )
    # To the opted-in signers of every petition of the campaign, not only this one's.
    campaign_wide: Mapped[bool] = mapped_column(default=False, server_default=false())
    outcome: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None when sent from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    # The last signature id queued: written in the transaction that queues the batch, so a job
    # killed at any point resumes exactly after what it committed.
    cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    queued_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Recipients passed over because their mailbox already had this update (campaign-wide:
    # one mailbox signed several petitions).
    skipped_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    petition: Mapped[Petition] = relationship(lazy="joined")
    texts: Mapped[list[UpdateText]] = relationship(
        back_populates="update",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="UpdateText.locale",
    )

    @property
    def default_locale(self) -> str:
        """The petition's main language if the update has it, else any language it has."""
        locales = {text.locale for text in self.texts}
        main = self.petition.default_locale
        return main if main in locales or not locales else min(locales)


class UpdateText(RenderedBody, db.Model):
    __tablename__ = "update_texts"
    __table_args__ = (UniqueConstraint("update_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("updates.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)

    update: Mapped[Update] = relationship(back_populates="texts")
