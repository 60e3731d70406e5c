"""Organisations endorsing a joint statement: ask, confirm by email, then staff approve.

The same rules as signing a petition: the pending endorsement and its confirmation email are
written in one transaction, asking twice never makes a second row, and the caller answers a new
and a repeat endorser alike, so nobody learns which organisations have asked.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign.audit import ENDORSEMENT_APPROVED, ENDORSEMENT_REMOVED, record_event
from campaign.mail.addresses import DEFAULT_POLICY, AddressPolicy
from campaign.mail.emails import queue_email
from campaign.models import Statement, StatementEndorsement, StatementSignatory
from campaign.petitions.signing import (
    SigningPaused,
    check_contact,
    clean_name,
    has_control_characters,
    text_problem,
)
from campaign.web.links import absolute_url
from campaign.web.refusals import InvalidFields
from campaign.web.tokens import Purpose, make_token, read_token

ORGANISATION_MAX = 200
WEBSITE_MAX = 300


class EndorsementError(Exception):
    """Base of the refusals an endorser or a staff member can be shown."""


class EndorsementClosed(EndorsementError):
    """The statement is not (or no longer) open for endorsement."""


class InvalidEndorsement(EndorsementError, InvalidFields):
    """Some fields of the endorsement form are wrong."""


class EndorsementNotFound(EndorsementError):
    """The link or the id names no endorsement."""


class EndorsementNotConfirmed(EndorsementError):
    """Staff can approve only what its contact has confirmed."""


@dataclass(frozen=True)
class EndorsementData:
    organisation: str
    country: str
    website: str
    email: str
    consent_text: str


def organisation_problem(name: str) -> str | None:
    return text_problem(name, max_length=ORGANISATION_MAX)


def clean_website(raw: str) -> str | None:
    """The website as typed when it is an http(s) address; raise ValueError otherwise."""
    website = raw.strip()
    if not website:
        return None
    parts = urlsplit(website)
    if (
        len(website) > WEBSITE_MAX
        or parts.scheme.lower() not in {"http", "https"}
        or not parts.hostname
        or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in website)
    ):
        raise ValueError(website)
    return website


def validate_endorsement(
    data: EndorsementData, policy: AddressPolicy = DEFAULT_POLICY
) -> tuple[str, str | None, str, str]:
    """Check every field; return (organisation, website, address to send to, mailbox key)."""
    errors: dict[str, str] = {}
    organisation = clean_name(data.organisation)
    if problem := organisation_problem(organisation) or (
        "invalid_characters" if has_control_characters(data.organisation) else None
    ):
        errors["organisation"] = problem
    website = None
    try:
        website = clean_website(data.website)
    except ValueError:
        errors["website"] = "invalid"
    typed, normalized = check_contact(errors, data.email, data.country, data.consent_text, policy)
    if errors:
        raise InvalidEndorsement(errors)
    return organisation, website, typed, normalized


def endorse_statement(
    session: Session,
    statement: Statement,
    data: EndorsementData,
    *,
    locale: str,
    now: datetime,
    secret_key: str,
    max_emails: int = 5,
    addresses: AddressPolicy = DEFAULT_POLICY,
    paused: bool = False,
) -> None:
    """Record a pending endorsement and its confirmation email, or write again to its contact.

    Returns nothing on purpose, like campaign.petitions.signing.sign_petition. `paused`: the
    site-wide signing pause (campaign.petitions.switches) holds endorsements too.
    """
    if not statement.accepts_endorsements:
        raise EndorsementClosed(statement.slug)
    if paused:
        raise SigningPaused(statement.slug)
    organisation, website, typed, normalized = validate_endorsement(data, addresses)
    endorsement = StatementEndorsement(
        statement_id=statement.id,
        organisation=organisation,
        country=data.country,
        website=website,
        contact_email=typed,
        email_normalized=normalized,
        locale=locale,
        consent_text=data.consent_text,
        consented_at=now,
        created_at=now,
        emails_sent=0,
    )
    try:
        with session.begin_nested():
            session.add(endorsement)
    except IntegrityError:
        endorsement = session.scalars(
            select(StatementEndorsement).where(
                StatementEndorsement.statement_id == statement.id,
                StatementEndorsement.email_normalized == normalized,
            )
        ).one()
    _notify_contact(session, endorsement, statement, secret_key=secret_key, max_emails=max_emails)


def _notify_contact(
    session: Session,
    endorsement: StatementEndorsement,
    statement: Statement,
    *,
    secret_key: str,
    max_emails: int,
) -> None:
    """Queue the email this request deserves, unless the endorsement had its share of emails."""
    claimed = session.execute(
        update(StatementEndorsement)
        .where(
            StatementEndorsement.id == endorsement.id,
            StatementEndorsement.emails_sent < max_emails,
        )
        .values(emails_sent=StatementEndorsement.emails_sent + 1)
    )
    if claimed.rowcount != 1:
        return
    locale = endorsement.locale
    text = statement.text_for(locale)
    context = {
        "organisation_name": endorsement.organisation,
        "statement_title": text.title if text else statement.slug,
        "statement_url": absolute_url("statements.show", lang=locale, slug=statement.slug),
    }
    if endorsement.confirmed_at is None:
        token = make_token(secret_key, Purpose.CONFIRM_ENDORSEMENT, endorsement.id)
        queue_email(
            session,
            kind="confirm_endorsement",
            to=endorsement.contact_email,
            locale=locale,
            confirm_url=absolute_url("statements.confirm_endorsement", lang=locale, token=token),
            **context,
        )
    else:
        queue_email(
            session,
            kind="already_endorsed",
            to=endorsement.contact_email,
            locale=locale,
            **context,
        )


def endorsement_from_token(
    session: Session, secret_key: str, token: str, *, max_age: int
) -> StatementEndorsement:
    """The endorsement a confirmation link names; raises InvalidToken, ExpiredToken or
    EndorsementNotFound."""
    endorsement_id = read_token(secret_key, Purpose.CONFIRM_ENDORSEMENT, token, max_age=max_age)
    endorsement = (
        session.get(StatementEndorsement, endorsement_id)
        if isinstance(endorsement_id, int)
        else None
    )
    if endorsement is None:
        raise EndorsementNotFound("no such endorsement")
    return endorsement


def confirm_endorsement(
    session: Session, endorsement: StatementEndorsement, *, now: datetime
) -> bool:
    """Confirm a pending endorsement once, however often the link is used; True if this did."""
    if endorsement.confirmed_at is not None:
        return False
    if not endorsement.statement.accepts_endorsements:
        raise EndorsementClosed(endorsement.statement.slug)
    result = session.execute(
        update(StatementEndorsement)
        .where(
            StatementEndorsement.id == endorsement.id, StatementEndorsement.confirmed_at.is_(None)
        )
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(endorsement)
    return result.rowcount == 1


def approve_endorsement(
    session: Session,
    endorsement: StatementEndorsement,
    *,
    now: datetime,
    actor_id: int | None = None,
    origin: str | None = None,
) -> StatementSignatory:
    """List a confirmed endorsement among the statement's signatories, once (audited).

    Approving again returns the signatory the first approval made.
    """
    if endorsement.confirmed_at is None:
        raise EndorsementNotConfirmed(str(endorsement.id))
    claimed = session.execute(
        update(StatementEndorsement)
        .where(
            StatementEndorsement.id == endorsement.id, StatementEndorsement.approved_at.is_(None)
        )
        .values(approved_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(endorsement)
    if claimed.rowcount != 1:
        return session.scalars(
            select(StatementSignatory).where(StatementSignatory.endorsement_id == endorsement.id)
        ).one()
    last = session.scalar(
        select(func.max(StatementSignatory.position)).where(
            StatementSignatory.statement_id == endorsement.statement_id
        )
    )
    signatory = StatementSignatory(
        statement_id=endorsement.statement_id,
        position=0 if last is None else last + 1,
        name=endorsement.organisation,
        country=endorsement.country,
        website=endorsement.website,
        endorsement_id=endorsement.id,
    )
    session.add(signatory)
    # The statement's page changed: feeds and the site map report it as updated.
    endorsement.statement.updated_at = now
    record_event(
        session,
        ENDORSEMENT_APPROVED,
        actor_id=actor_id,
        origin=origin,
        # The organisation's name is published with the statement; its contact stays out.
        details={"statement": endorsement.statement.slug, "organisation": signatory.name},
    )
    session.flush()
    return signatory


def remove_endorsement(
    session: Session,
    endorsement: StatementEndorsement,
    *,
    now: datetime,
    actor_id: int | None = None,
    origin: str | None = None,
) -> None:
    """Delete an endorsement (spam, or an organisation that withdraws), with its contact address.

    An approved one also leaves the statement's signatories. The audit event names the
    statement and whether it was listed, not what spam may have typed.
    """
    statement = endorsement.statement
    record_event(
        session,
        ENDORSEMENT_REMOVED,
        actor_id=actor_id,
        origin=origin,
        details={"statement": statement.slug, "approved": endorsement.approved_at is not None},
    )
    signatory = session.scalar(
        select(StatementSignatory).where(StatementSignatory.endorsement_id == endorsement.id)
    )
    if signatory is not None:
        session.delete(signatory)
        statement.updated_at = now
    session.delete(endorsement)
    session.flush()


def endorsements(
    session: Session,
    *,
    state: str | None = None,
    statement_slug: str | None = None,
    among: Select[tuple[Statement]] | None = None,
) -> list[StatementEndorsement]:
    """Endorsements for staff to review, oldest first; `state` is pending|confirmed|approved;
    `among`: only endorsements of the statements this query selects."""
    query = select(StatementEndorsement).order_by(StatementEndorsement.id)
    if statement_slug:
        query = query.join(StatementEndorsement.statement).where(Statement.slug == statement_slug)
    if among is not None:
        query = query.where(
            StatementEndorsement.statement_id.in_(among.with_only_columns(Statement.id))
        )
    if state == "pending":
        query = query.where(StatementEndorsement.confirmed_at.is_(None))
    elif state == "confirmed":
        query = query.where(
            StatementEndorsement.confirmed_at.is_not(None),
            StatementEndorsement.approved_at.is_(None),
        )
    elif state == "approved":
        query = query.where(StatementEndorsement.approved_at.is_not(None))
    return list(session.scalars(query))
