"""Protection keys: the public halves of the key pairs that protected petitions seal signers'
identities to. The private halves never reach the platform."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, func
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow

# A Curve25519 public key: 32 bytes, standard base64 with its padding.
PUBLIC_KEY_LENGTH = 44
# What a protected signature keeps where a signature keeps the name in clear: the name column
# must hold something, and this says what to look for instead.
SEALED_NAME = "[sealed]"
# ISO 3166-1 reserves ZZ for "unknown": a protected petition that does not count by country
# keeps the country only sealed.
UNKNOWN_COUNTRY = "ZZ"
# What every sealed value starts with, in the database and in exports: no spreadsheet reads it
# as a formula, and campaign decrypt-export knows which cells to open.
SEALED_PREFIX = "sealed:"


class ProtectionKey(db.Model):
    __tablename__ = "protection_keys"
    __table_args__ = (
        CheckConstraint(f"length(public_key) = {PUBLIC_KEY_LENGTH}", name="public_key_length"),
        CheckConstraint("length(name) BETWEEN 1 AND 80", name="name_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    public_key: Mapped[str] = mapped_column(String(PUBLIC_KEY_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
