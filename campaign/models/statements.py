"""Statements, urgent interventions, reports and news, with the organisations that sign them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.campaigns import SLUG_CHECK, Campaign, Petition, Translated
from campaign.models.rendered import RenderedBody
from campaign.models.types import UTCDateTime, utcnow
from campaign.text.search import folded

STATEMENT_KINDS = (
    "statement",
    "joint_statement",
    "urgent_intervention",
    "open_letter",
    "report",
    "news",
)
STATEMENT_STATUSES = ("draft", "published")

statement_campaigns = Table(
    "statement_campaigns",
    db.metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

statement_petitions = Table(
    "statement_petitions",
    db.metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "petition_id", ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Statement(Translated, db.Model):
    __tablename__ = "statements"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('statement', 'joint_statement', 'urgent_intervention', 'open_letter', "
            "'report', 'news')",
            name="kind",
        ),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        CheckConstraint(SLUG_CHECK, name="slug_length"),
        # Organisations endorse joint statements only; other kinds speak for us alone.
        CheckConstraint(
            "kind = 'joint_statement' OR NOT open_for_endorsement", name="endorsement_joint_only"
        ),
        # The listing reads published statements, newest first.
        Index("ix_statements_listing", "status", "published_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_on: Mapped[date] = mapped_column(Date)
    default_locale: Mapped[str] = mapped_column(String(5), default="en")
    open_for_endorsement: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    # What an Atom feed reports as the entry's last change.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    texts: Mapped[list[StatementText]] = relationship(
        back_populates="statement",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="StatementText.id",
    )
    countries: Mapped[list[StatementCountry]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    topics: Mapped[list[StatementTopic]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    signatories: Mapped[list[StatementSignatory]] = relationship(
        back_populates="statement",
        cascade="all, delete-orphan",
        order_by="(StatementSignatory.position, StatementSignatory.id)",
    )
    campaigns: Mapped[list[Campaign]] = relationship(
        secondary=statement_campaigns, order_by=Campaign.id
    )
    petitions: Mapped[list[Petition]] = relationship(
        secondary=statement_petitions, order_by=Petition.id
    )

    @property
    def country_codes(self) -> list[str]:
        return [c.country for c in self.countries]

    @property
    def topic_slugs(self) -> list[str]:
        return [t.topic for t in self.topics]

    def is_hidden(self) -> bool:
        return self.status != "published"

    @property
    def accepts_endorsements(self) -> bool:
        return self.status == "published" and self.open_for_endorsement


class StatementText(RenderedBody, db.Model):
    __tablename__ = "statement_texts"
    __table_args__ = (
        UniqueConstraint("statement_id", "locale"),
        CheckConstraint("length(title) >= 1", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(300))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # Markdown, rendered when saved (campaign.models.rendered).
    body: Mapped[str] = mapped_column(Text, default="")
    # Title, excerpt and body folded (campaign.text.search), kept by the listener below: search
    # then ignores accents and case alike on SQLite and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    statement: Mapped[Statement] = relationship(back_populates="texts")

    def fold_for_search(self) -> None:
        self.search_text = folded(" ".join((self.title or "", self.excerpt or "", self.body or "")))


def _fold_for_search(_mapper, _connection, text: StatementText) -> None:
    text.fold_for_search()


event.listen(StatementText, "before_insert", _fold_for_search)
event.listen(StatementText, "before_update", _fold_for_search)


class StatementCountry(db.Model):
    """One country (ISO 3166-1 alpha-2, or EU for the European Union) a statement is about."""

    __tablename__ = "statement_countries"
    __table_args__ = (CheckConstraint("length(country) = 2", name="country_code"),)

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class StatementTopic(db.Model):
    """One topic of a statement, a slug from campaign.statements.vocabulary.TOPICS."""

    __tablename__ = "statement_topics"

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class StatementSignatory(db.Model):
    """An organisation that signed a statement, in the order the statement lists them."""

    __tablename__ = "statement_signatories"
    __table_args__ = (
        CheckConstraint("length(name) BETWEEN 1 AND 200", name="name_length"),
        CheckConstraint("country IS NULL OR length(country) = 2", name="country_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(300))
    # Set when the signatory came from an approved endorsement: it can be listed only once.
    endorsement_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_endorsements.id", ondelete="SET NULL"), unique=True
    )

    statement: Mapped[Statement] = relationship(back_populates="signatories")


class StatementEndorsement(db.Model):
    """An organisation asking to sign a joint statement: confirmed by email, approved by staff."""

    __tablename__ = "statement_endorsements"
    __table_args__ = (
        UniqueConstraint("statement_id", "email_normalized"),
        CheckConstraint(
            "email_normalized = lower(email_normalized)", name="email_normalized_lowercase"
        ),
        CheckConstraint("length(organisation) BETWEEN 1 AND 200", name="organisation_length"),
        CheckConstraint("length(country) = 2", name="country_code"),
        CheckConstraint("emails_sent >= 0", name="emails_sent_not_negative"),
        CheckConstraint(
            "approved_at IS NULL OR confirmed_at IS NOT NULL", name="approved_confirmed"
        ),
        # Never reuse an id: a confirmation token names its endorsement by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    organisation: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(300))
    contact_email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5))
    consent_text: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emails_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    statement: Mapped[Statement] = relationship(lazy="joined")

    @property
    def state(self) -> str:
        if self.approved_at is not None:
            return "approved"
        return "confirmed" if self.confirmed_at is not None else "pending"
