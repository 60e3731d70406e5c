"""Addresses that must get no more mail of a kind: unsubscribed, bounced, complained, or not
the signer's own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow

SUPPRESSION_SCOPES = ("all", "campaign", "petition")
SUPPRESSION_REASONS = ("unsubscribed", "bounced", "complaint", "not_me", "staff")


class Suppression(db.Model):
    __tablename__ = "suppressions"
    __table_args__ = (
        # The unique index leads with the key, so "is this mailbox suppressed?" reads one range.
        UniqueConstraint("email_key", "scope", "scope_id"),
        CheckConstraint("scope IN ('all', 'campaign', 'petition')", name="scope"),
        CheckConstraint("(scope = 'all') = (scope_id = 0)", name="scope_id_for_scope"),
        CheckConstraint(
            "reason IN ('unsubscribed', 'bounced', 'complaint', 'not_me', 'staff')",
            name="reason",
        ),
        CheckConstraint("email_key = lower(email_key)", name="email_key_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The mailbox key of campaign.mail.addresses, as Signature.email_normalized holds it.
    email_key: Mapped[str] = mapped_column(String(254))
    scope: Mapped[str] = mapped_column(String(10))
    # The campaign's or petition's id; 0 when the scope is everything.
    scope_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str] = mapped_column(String(20))
    # The update whose unsubscribe link was used. No foreign key: an update may be deleted and
    # the person must stay unsubscribed.
    update_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
