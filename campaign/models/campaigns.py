"""Campaigns and petitions, with their per-language texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.protection import ProtectionKey
from campaign.models.rendered import RenderedBody
from campaign.models.types import UTCDateTime, utcnow
from campaign.models.users import User

CAMPAIGN_STATUSES = ("draft", "preview", "published", "archived")
PETITION_STATUSES = ("draft", "preview", "open", "closed")
# Statuses in which only logged-in staff may see a page at its public address.
HIDDEN_STATUSES = frozenset({"draft", "preview"})
SLUG_CHECK = "length(slug) BETWEEN 1 AND 80"
HERO_FOCUS_STEP = 10

# The campaigners who may edit a campaign and read its petitions' dashboards.
campaign_members = Table(
    "campaign_members",
    db.Model.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Translated:
    """Picks the text in a locale, falling back to the default language, then to any."""

    default_locale: str
    texts: list

    def text_for(self, locale: str):
        by_locale = {t.locale: t for t in self.texts}
        return (
            by_locale.get(locale)
            or by_locale.get(self.default_locale)
            or next(iter(self.texts), None)
        )

    @property
    def locales(self) -> list[str]:
        return sorted(t.locale for t in self.texts)


class Campaign(Translated, db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'preview', 'published', 'archived')", name="status"),
        CheckConstraint(SLUG_CHECK, name="slug_length"),
        CheckConstraint(
            "donation_url IS NULL OR donation_url LIKE 'https://%'", name="donation_https"
        ),
        CheckConstraint(
            "hero_focus_x BETWEEN 0 AND 100 AND hero_focus_x % 10 = 0", name="hero_focus_x"
        ),
        CheckConstraint(
            "hero_focus_y BETWEEN 0 AND 100 AND hero_focus_y % 10 = 0", name="hero_focus_y"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    hashtag: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    default_locale: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # File name of the re-encoded hero image in UPLOAD_DIR (see campaign.web.images).
    hero_image: Mapped[str | None] = mapped_column(String(64))
    # The point of the picture kept in view when a box of another shape crops it, in percent
    # from the left and from the top, in steps of HERO_FOCUS_STEP (static/css/site.css has one
    # rule per step: the CSP allows no style attribute).
    hero_focus_x: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    hero_focus_y: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    # Where the "your signature counts" page invites signers to give, if the campaign asks.
    donation_url: Mapped[str | None] = mapped_column(String(500))
    # The wall of support (campaign.wall): open to posts, and whether posts skip moderation.
    wall_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    wall_unmoderated: Mapped[bool] = mapped_column(default=False, server_default=false())

    texts: Mapped[list[CampaignText]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", lazy="selectin"
    )
    petitions: Mapped[list[Petition]] = relationship(
        back_populates="campaign", order_by="Petition.id", lazy="selectin"
    )
    # Loaded only when asked for (staff pages): public pages never read staff accounts.
    members: Mapped[list[User]] = relationship(secondary=campaign_members, order_by=User.email)

    def is_hidden(self) -> bool:
        return self.status in HIDDEN_STATUSES

    @property
    def signature_count(self) -> int:
        """Confirmed signatures across the petitions the public sees, open or closed."""
        return sum(p.signature_count for p in self.petitions if not p.is_hidden())


class CampaignText(RenderedBody, db.Model):
    __tablename__ = "campaign_texts"
    __table_args__ = (UniqueConstraint("campaign_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The hero image described for people who cannot see it; empty: the picture only decorates.
    hero_alt: Mapped[str] = mapped_column(String(300), default="", server_default="")

    campaign: Mapped[Campaign] = relationship(back_populates="texts")


class Petition(Translated, db.Model):
    __tablename__ = "petitions"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'preview', 'open', 'closed')", name="status"),
        CheckConstraint("signature_count >= 0", name="signature_count_not_negative"),
        CheckConstraint("goal IS NULL OR goal > 0", name="goal_positive"),
        CheckConstraint(
            "goal_reached_notified IS NULL OR goal_reached_notified > 0",
            name="goal_reached_notified_positive",
        ),
        CheckConstraint(SLUG_CHECK, name="slug_length"),
        CheckConstraint(
            "deadline_announced_at IS NULL OR closes_at IS NOT NULL", name="deadline_announced"
        ),
        # The worker looks for open petitions whose deadline passed unannounced every cycle:
        # a range of this index that is empty when none is due.
        Index("ix_petitions_deadline_due", "status", "deadline_announced_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    goal: Mapped[int | None] = mapped_column(Integer)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When staff first opened it for signatures: its dashboard counts the first hours from there.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When staff closed it: signatures are anonymised some months after (campaign purge).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the webhooks were told it closed because `closes_at` passed (its status stays open,
    # staff may still extend the deadline): set once by the worker (campaign.petitions.deadlines),
    # cleared when staff change the deadline.
    deadline_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept by the confirmation transaction itself, so pages never count rows.
    signature_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    default_locale: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    # Staff pause signing during an attack or a mistake; the page says so instead of the form.
    signing_paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Each time the goal is reached it moves up the 1-2-5 series (campaign.petitions.milestones).
    raise_goal_automatically: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The goal last announced to the team as reached (None: none yet). Announcing sets it in a
    # guarded UPDATE, so each goal is announced once, and a count that drops under the goal
    # (invalidated signatures) and climbs back announces nothing again.
    goal_reached_notified: Mapped[int | None] = mapped_column(Integer)
    # Protected (campaign.protection): signers' identities are sealed to this key, chosen when
    # the petition is created and never changed once it has opened or anyone has signed.
    protection_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("protection_keys.id", ondelete="RESTRICT"), index=True
    )
    # A protected petition keeps the signer's country in clear only when staff chose this.
    count_by_country: Mapped[bool] = mapped_column(default=False, server_default=false())

    campaign: Mapped[Campaign] = relationship(back_populates="petitions", lazy="joined")
    # Loaded with the petition (a join on a table of a few rows): signing seals to it without
    # another round trip to the database.
    protection_key: Mapped[ProtectionKey | None] = relationship(lazy="joined")
    texts: Mapped[list[PetitionText]] = relationship(
        back_populates="petition", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_protected(self) -> bool:
        return self.protection_key_id is not None

    def celebrates_goal(self) -> int | None:
        """The goal the page celebrates as reached, while the count still stands at it."""
        reached = self.goal_reached_notified
        return reached if reached is not None and self.signature_count >= reached else None

    def target_for(self, locale: str) -> PetitionText | None:
        """The text naming whom the petition addresses in `locale`, else in its main language
        (a translation may leave the field empty); None when no text names anyone."""
        for text in (self.text_for(locale), self.text_for(self.default_locale)):
            if text is not None and text.target:
                return text
        return None

    def is_open(self, now: datetime) -> bool:
        return self.status == "open" and (self.closes_at is None or now < self.closes_at)

    def public_status(self, now: datetime) -> str:
        """A petition past its closing time is closed to visitors, whatever its row says."""
        return "closed" if self.status == "open" and not self.is_open(now) else self.status

    def is_public(self) -> bool:
        return not self.is_hidden() and not self.campaign.is_hidden()

    def is_hidden(self) -> bool:
        return self.status in HIDDEN_STATUSES

    def is_preview(self) -> bool:
        """Visible to staff at its public address, to nobody else."""
        return not self.is_public() and "draft" not in (self.status, self.campaign.status)


class PetitionText(RenderedBody, db.Model):
    __tablename__ = "petition_texts"
    __table_args__ = (UniqueConstraint("petition_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    share_text: Mapped[str] = mapped_column(String(280), default="")
    # Whom the petition addresses, as this language names them.
    target: Mapped[str] = mapped_column(String(200), default="", server_default="")

    petition: Mapped[Petition] = relationship(back_populates="texts")
