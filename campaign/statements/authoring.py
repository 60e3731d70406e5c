"""Writing statements: texts per language, classification, signatories, links, publication.

Slugs, texts and errors follow the campaigns' rules (campaign.campaigns.authoring). A
statement's editors are the teams of the campaigns it is linked to, so the links an author may
set are checked here too, and a campaigner's statement always stays linked to one of their
campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from campaign.audit import STATEMENT_STATUS_CHANGED, record_event
from campaign.campaigns.authoring import (
    InvalidContent,
    InvalidTransition,
    TextData,
    apply_texts,
    check_slug,
    content_errors,
    flush_claiming_slug,
)
from campaign.campaigns.permissions import CAMPAIGNER, campaigns_editable_by
from campaign.models import (
    STATEMENT_KINDS,
    Campaign,
    Petition,
    Statement,
    StatementCountry,
    StatementSignatory,
    StatementText,
    StatementTopic,
    User,
)
from campaign.models.statements import statement_campaigns
from campaign.petitions.signing import clean_name
from campaign.statements.endorsing import clean_website, organisation_problem
from campaign.statements.vocabulary import TOPIC_LABELS, statement_country_codes
from campaign.web.i18n import country_codes

# Unpublishing is allowed: a statement has no counter or signatures whose history it would break.
STATEMENT_TRANSITIONS = {
    "draft": ("published",),
    "published": ("draft",),
}
SIGNATORY_SEPARATOR = "|"


@dataclass(frozen=True)
class SignatoryData:
    name: str
    country: str | None = None
    website: str | None = None
    # Where the line was typed, for messages (None: not typed, its position counts).
    line: int | None = field(default=None, compare=False)
    # False for a line without a separator: text pasted by mistake, not an organisation.
    separated: bool = field(default=True, compare=False)


@dataclass(frozen=True)
class StatementData:
    slug: str
    kind: str
    published_on: date
    default_locale: str
    texts: dict[str, TextData] = field(default_factory=dict)
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    signatories: tuple[SignatoryData, ...] = ()
    campaign_ids: tuple[int, ...] = ()
    petition_ids: tuple[int, ...] = ()
    open_for_endorsement: bool = False


def parse_signatories(text: str) -> tuple[SignatoryData, ...]:
    """One organisation a line: "Name | CC | https://...", country and website optional.

    "Name | https://..." is read as a name and a website, "Name |" as a name alone. Nothing is
    checked here: a line with too many parts keeps them in the website, and a line without a
    separator is marked, for the checks to refuse with its line number.
    """
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, *rest = (part.strip() for part in line.split(SIGNATORY_SEPARATOR))
        if len(rest) == 1 and len(rest[0]) != 2:
            rest = ["", rest[0]]
        country = rest[0].upper() if rest else ""
        website = f" {SIGNATORY_SEPARATOR} ".join(rest[1:])
        found.append(
            SignatoryData(name, country or None, website or None, line=number, separated=bool(rest))
        )
    return tuple(found)


def format_signatories(signatories) -> str:
    """The lines parse_signatories reads back."""
    lines = []
    for signatory in signatories:
        parts = [signatory.name, signatory.country or ""]
        if signatory.website:
            parts.append(signatory.website)
        # A name alone keeps its separator ("Name |"): a line without one is refused.
        lines.append(f" {SIGNATORY_SEPARATOR} ".join(parts).rstrip())
    return "\n".join(lines)


def _clean_signatories(
    signatories: tuple[SignatoryData, ...],
) -> tuple[list[SignatoryData], dict[str, str]]:
    """The signatories with names folded; errors keyed `signatories.<line>` -> the bad part."""
    cleaned, errors = [], {}
    for position, signatory in enumerate(signatories, start=1):
        number = signatory.line or position
        name = clean_name(signatory.name)
        website = None
        if not signatory.separated:
            errors[f"signatories.{number}"] = "separator"
        elif organisation_problem(name):
            errors[f"signatories.{number}"] = "name"
        elif signatory.country and signatory.country not in country_codes():
            errors[f"signatories.{number}"] = "country"
        else:
            try:
                website = clean_website(signatory.website or "")
            except ValueError:
                errors[f"signatories.{number}"] = "website"
        cleaned.append(SignatoryData(name, signatory.country or None, website))
    return cleaned, errors


def linkable_campaigns(session: Session, author: User) -> list[Campaign]:
    """The campaigns `author` may link a statement to: those they may edit."""
    return list(session.scalars(campaigns_editable_by(author).order_by(Campaign.id)))


def linkable_petitions(session: Session, author: User) -> list[Petition]:
    editable = campaigns_editable_by(author).with_only_columns(Campaign.id)
    return list(
        session.scalars(
            select(Petition).where(Petition.campaign_id.in_(editable)).order_by(Petition.id)
        )
    )


def linked_statements(session: Session, campaign: Campaign) -> list[Statement]:
    """Every statement linked to `campaign`, drafts too, newest first."""
    return list(
        session.scalars(
            select(Statement)
            .join(statement_campaigns)
            .where(statement_campaigns.c.campaign_id == campaign.id)
            .order_by(Statement.published_on.desc(), Statement.id.desc())
        )
    )


def _statement_errors(
    data: StatementData, campaign_ids: set[int], petition_ids: set[int], author: User
) -> dict[str, str]:
    errors = content_errors(data.slug, data.default_locale, data.texts)
    if data.kind not in STATEMENT_KINDS:
        errors["kind"] = "invalid"
    if not set(data.countries) <= statement_country_codes():
        errors["countries"] = "invalid"
    if not set(data.topics) <= set(TOPIC_LABELS):
        errors["topics"] = "invalid"
    # The database refuses it too (endorsement_joint_only); saying so here names the field.
    if data.open_for_endorsement and data.kind != "joint_statement":
        errors["open_for_endorsement"] = "joint_only"
    if not set(data.campaign_ids) <= campaign_ids:
        errors["campaign_ids"] = "invalid"
    elif author.role == CAMPAIGNER and not data.campaign_ids:
        errors["campaign_ids"] = "required"
    if not set(data.petition_ids) <= petition_ids:
        errors["petition_ids"] = "invalid"
    return errors


def _sync_codes(collection: list, wanted: tuple[str, ...], attribute: str, make) -> None:
    """Make the rows of `collection` match `wanted`, keeping the rows that stay (same keys)."""
    keep = set(wanted)
    for row in list(collection):
        if getattr(row, attribute) not in keep:
            collection.remove(row)
    present = {getattr(row, attribute) for row in collection}
    for code in sorted(keep - present):
        collection.append(make(code))


def _apply_signatories(statement: Statement, signatories: list[SignatoryData]) -> None:
    """Replace the typed signatories; those from approved endorsements stay, listed after."""
    typed = [s for s in statement.signatories if s.endorsement_id is None]
    endorsed = [s for s in statement.signatories if s.endorsement_id is not None]
    for row in typed[len(signatories) :]:
        statement.signatories.remove(row)
    for index, data in enumerate(signatories):
        if index < len(typed):
            row = typed[index]
        else:
            row = StatementSignatory()
            statement.signatories.append(row)
        row.name, row.country, row.website = data.name, data.country, data.website
        row.position = index
    for offset, row in enumerate(endorsed):
        row.position = len(signatories) + offset


def save_statement(
    session: Session,
    statement: Statement | None,
    data: StatementData,
    *,
    author: User,
    now: datetime,
) -> Statement:
    """Create (statement None, as a draft) or update a statement.

    Links to campaigns and petitions `author` may not edit are neither offered nor changed.
    """
    campaigns = {c.id: c for c in linkable_campaigns(session, author)}
    petitions = {p.id: p for p in linkable_petitions(session, author)}
    errors = _statement_errors(data, set(campaigns), set(petitions), author)
    signatories, signatory_errors = _clean_signatories(data.signatories)
    errors.update(signatory_errors)
    if errors:
        raise InvalidContent(errors)
    check_slug(session, Statement, statement, data.slug)
    if statement is None:
        statement = Statement(status="draft")
        session.add(statement)
    with session.no_autoflush:
        statement.slug = data.slug
        statement.kind = data.kind
        statement.published_on = data.published_on
        statement.default_locale = data.default_locale
        statement.open_for_endorsement = data.open_for_endorsement
        statement.updated_at = now
        apply_texts(statement, data.texts, StatementText, ("title", "excerpt", "body"))
        _sync_codes(
            statement.countries, data.countries, "country", lambda c: StatementCountry(country=c)
        )
        _sync_codes(statement.topics, data.topics, "topic", lambda t: StatementTopic(topic=t))
        _apply_signatories(statement, signatories)
        statement.campaigns = [c for c in statement.campaigns if c.id not in campaigns] + [
            campaigns[i] for i in sorted(set(data.campaign_ids))
        ]
        statement.petitions = [p for p in statement.petitions if p.id not in petitions] + [
            petitions[i] for i in sorted(set(data.petition_ids))
        ]
    flush_claiming_slug(session)
    return statement


def change_statement_status(
    statement: Statement,
    status: str,
    *,
    now: datetime,
    actor_id: int | None = None,
    origin: str | None = None,
) -> None:
    """Publish or unpublish a statement, audited in the statement's session."""
    if status not in STATEMENT_TRANSITIONS[statement.status]:
        raise InvalidTransition(f"{statement.status} -> {status}")
    previous = statement.status
    statement.status = status
    # Feeds and the site map report the change.
    statement.updated_at = now
    record_event(
        object_session(statement),
        STATEMENT_STATUS_CHANGED,
        actor_id=actor_id,
        origin=origin,
        details={"statement": statement.slug, "from": previous, "to": status},
    )
