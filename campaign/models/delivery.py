"""Delivery packs: a petition's verifiable hand-over to its target, and whether it was delivered."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.campaigns import Petition
from campaign.models.types import UTCDateTime, utcnow
from campaign.models.users import User


class DeliveryPack(db.Model):
    """One pack as it was built: the manifest's hash names it, so anyone holding a copy can
    tell which record it is. The signatures themselves are never kept here."""

    __tablename__ = "delivery_packs"
    __table_args__ = (
        CheckConstraint("signature_count >= 0", name="count_not_negative"),
        CheckConstraint("length(manifest_sha256) = 64", name="manifest_sha256_length"),
        CheckConstraint(
            "(delivered_on IS NULL) = (delivered_at IS NULL)", name="delivered_date_and_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    cut_off: Mapped[datetime] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(5))
    signature_count: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    # Set when staff record that this pack was handed over (the day it was, and a note).
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    petition: Mapped[Petition] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()


class DeliveryPackReceipt(db.Model):
    """A receipt hash exactly as the pack's manifest lists it. The receipt check reads these,
    not the signatures: a signer gets the answer a target holding the pack would get, whatever
    became of the signature (erased, removed as fraud) or its receipt since."""

    __tablename__ = "delivery_pack_receipts"
    __table_args__ = (CheckConstraint("length(receipt_hash) = 64", name="receipt_hash_length"),)

    pack_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_packs.id", ondelete="CASCADE"), primary_key=True
    )
    receipt_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
