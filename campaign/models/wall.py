"""The wall of support: supporters' words and photos on a campaign, and readers' reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.config import LOCALES
from campaign.extensions import db
from campaign.models.campaigns import Campaign
from campaign.models.types import UTCDateTime, utcnow

WALL_STATES = ("unconfirmed", "pending", "approved")
REPORT_REASONS = ("abusive", "not_me", "other")
MESSAGE_MAX = 280
DISPLAY_NAME_MAX = 80


class SupporterMessage(db.Model):
    """A post on a campaign's wall: written, confirmed by email, then approved by staff.

    `status`: unconfirmed (the email link not used yet), pending (waiting for moderation),
    approved (public unless `hidden_at`: readers' reports hid it until staff look).
    """

    __tablename__ = "supporter_messages"
    __table_args__ = (
        CheckConstraint("status IN ('unconfirmed', 'pending', 'approved')", name="status"),
        CheckConstraint(
            "email_normalized = lower(email_normalized)", name="email_normalized_lowercase"
        ),
        CheckConstraint(f"length(message) BETWEEN 1 AND {MESSAGE_MAX}", name="message_length"),
        CheckConstraint(
            f"length(display_name) BETWEEN 1 AND {DISPLAY_NAME_MAX}", name="display_name_length"
        ),
        CheckConstraint("country IS NULL OR length(country) = 2", name="country_code"),
        CheckConstraint(
            "message_language IS NULL OR message_language IN "
            f"({', '.join(repr(code) for code in LOCALES)})",
            name="message_language",
        ),
        CheckConstraint("report_count >= 0", name="report_count_not_negative"),
        CheckConstraint("emails_sent >= 0", name="emails_sent_not_negative"),
        CheckConstraint(
            "status = 'unconfirmed' OR confirmed_at IS NOT NULL", name="confirmed_when_moderated"
        ),
        CheckConstraint(
            "(status = 'approved') = (approved_at IS NOT NULL)", name="approved_when_approved"
        ),
        CheckConstraint("(photo IS NULL) = (photo_thumbnail IS NULL)", name="photo_with_thumbnail"),
        # Posts made before thumbnails were also kept as WebP have the JPEG alone.
        CheckConstraint(
            "photo_thumbnail_webp IS NULL OR photo_thumbnail IS NOT NULL",
            name="webp_beside_jpeg",
        ),
        # Never reuse an id: the links in emails name their post by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    # Never shown: the confirmation, the moderation answer and erasure requests use it.
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    message: Mapped[str] = mapped_column(Text)
    # The page's language: the emails about the post speak it.
    locale: Mapped[str] = mapped_column(String(5))
    # The language the words are in, as their author said: the wall marks them with it (its
    # direction too). NULL: a language the site does not speak, left for browsers to read.
    message_language: Mapped[str | None] = mapped_column(String(5))
    consent_text: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="unconfirmed")
    # File names in UPLOAD_DIR of the re-encoded photo and its thumbnails (campaign.wall.photos).
    photo: Mapped[str | None] = mapped_column(String(64))
    photo_thumbnail: Mapped[str | None] = mapped_column(String(64))
    # The thumbnail again as WebP, which the wall offers before the JPEG.
    photo_thumbnail_webp: Mapped[str | None] = mapped_column(String(64))
    thumbnail_width: Mapped[int | None] = mapped_column(Integer)
    thumbnail_height: Mapped[int | None] = mapped_column(Integer)
    # The author asked for the photo blurred: blurring it again would change nothing.
    photo_blurred: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Reports waiting for staff; at WALL_REPORT_THRESHOLD the post is hidden until they look.
    report_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emails_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    campaign: Mapped[Campaign] = relationship(lazy="joined")

    @property
    def photo_files(self) -> list[str]:
        """Every stored file of the photo, to delete with it."""
        return [
            name
            for name in (self.photo, self.photo_thumbnail, self.photo_thumbnail_webp)
            if name is not None
        ]

    @property
    def is_public(self) -> bool:
        return self.status == "approved" and self.hidden_at is None


class WallReport(db.Model):
    """A reader's report of a post; one per reader (a keyed hash of their address) and post."""

    __tablename__ = "wall_reports"
    __table_args__ = (
        UniqueConstraint("message_id", "reporter_key"),
        CheckConstraint("reason IN ('abusive', 'not_me', 'other')", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_messages.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(20))
    reporter_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
