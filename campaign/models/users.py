"""Staff accounts."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Integer, String, func, true
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow

ROLES = ("admin", "campaigner", "exporter")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'campaigner', 'exporter')", name="role"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The language the staff pages and emails use for this person (None: the browser's).
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    # When the last invitation was sent, until the person chooses a password: the account is
    # listed as invited, and its invitation can be sent again or revoked.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sessions carry the number current when they began (get_id); raising it ends every one of
    # them at once, copies of the cookie included (campaign.staff.accounts.end_sessions).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def password_fingerprint(self) -> str:
        """Changes whenever the password does: one-time links carry it, so a new password spends
        the links issued before it."""
        return password_fingerprint(self.password_hash)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"


def password_fingerprint(password_hash: str) -> str:
    """User.password_fingerprint of a password hash read without loading the account."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]
