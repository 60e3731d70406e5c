"""Petition signatures: pending until their owner confirms by email."""

from __future__ import annotations

import secrets
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.campaigns import Petition
from campaign.models.types import UTCDateTime, utcnow

# 16 random bytes, URL-safe base64 without padding.
PUBLIC_ID_LENGTH = 22


def new_public_id() -> str:
    """A signature's name in links and codes. Random, so that no link tells how many people
    signed before or since, as the row's sequential id would."""
    return secrets.token_urlsafe(16)


class Signature(db.Model):
    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("petition_id", "email_normalized"),
        CheckConstraint(
            "email_normalized = lower(email_normalized)", name="email_normalized_lowercase"
        ),
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("length(country) = 2", name="country_code"),
        CheckConstraint("emails_sent >= 0", name="emails_sent_not_negative"),
        # Counting and exporting read confirmed rows of one petition, in confirmation order.
        Index(
            "ix_signatures_confirmed",
            "petition_id",
            "confirmed_at",
            postgresql_where=text("confirmed_at IS NOT NULL"),
            sqlite_where=text("confirmed_at IS NOT NULL"),
        ),
        # An update is queued in batches after a cursor: the next confirmed rows of one
        # petition by id, read from the index in order instead of sorting the petition each time.
        Index(
            "ix_signatures_confirmed_by_id",
            "petition_id",
            "id",
            postgresql_where=text("confirmed_at IS NOT NULL"),
            sqlite_where=text("confirmed_at IS NOT NULL"),
        ),
        # The staff view of signing speed reads one petition's recent rows.
        Index("ix_signatures_petition_created", "petition_id", "created_at"),
        # The worker looks for pending signatures not yet reminded, oldest first, every cycle:
        # the index holds only those, so the look-up costs nothing when none is due.
        Index(
            "ix_signatures_reminder_due",
            "created_at",
            postgresql_where=text("confirmed_at IS NULL AND reminder_sent_at IS NULL"),
            sqlite_where=text("confirmed_at IS NULL AND reminder_sent_at IS NULL"),
        ),
        # The receipt check looks a signer's code up among one petition's signatures.
        Index(
            "ix_signatures_receipt",
            "petition_id",
            "receipt_hash",
            postgresql_where=text("receipt_hash IS NOT NULL"),
            sqlite_where=text("receipt_hash IS NOT NULL"),
        ),
        # Never reuse an id: a deleted signature's id must never come to name someone else's
        # signature wherever it was kept.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What confirmation links and referral codes name instead of the id.
    public_id: Mapped[str] = mapped_column(
        String(PUBLIC_ID_LENGTH), unique=True, default=new_public_id
    )
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254))
    country: Mapped[str] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(5))
    consent_text: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    newsletter: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the one reminder to confirm was queued; never more than one per signature.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_channel: Mapped[str | None] = mapped_column(String(32))
    referrer_id: Mapped[int | None] = mapped_column(
        ForeignKey("signatures.id", ondelete="SET NULL"), index=True
    )
    # How many emails this signature has caused; capped so a form cannot be used to spam someone.
    emails_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # campaign.web.pseudonyms.address_hash of the client address that signed: lets staff see and
    # undo a flood from one address without anyone ever storing the address.
    ip_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    # SHA-256 (lower-case hex) of the receipt code shown once on confirming; never the code.
    receipt_hash: Mapped[str | None] = mapped_column(String(64))
    # On a protected petition (campaign.protection): name, address and country sealed to the
    # petition's key; the clear columns then hold placeholders and email_normalized the keyed
    # hash of the address (campaign.web.pseudonyms.mailbox_pseudonym).
    sealed_name: Mapped[str | None] = mapped_column(Text)
    sealed_email: Mapped[str | None] = mapped_column(Text)
    sealed_country: Mapped[str | None] = mapped_column(Text)

    petition: Mapped[Petition] = relationship(lazy="joined")

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
