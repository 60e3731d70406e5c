"""Data protection: erasing what a person gave us on request, and the retention purge.

Both write their audit event in the same transaction as the change, with counts only: the log
never holds the address that was erased.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from campaign.audit import ERASURE, PURGE, record_event
from campaign.integrations.events import forget_old_deliveries, signatures_erased
from campaign.mail.addresses import DEFAULT_POLICY, AddressPolicy, keys_reached
from campaign.models import (
    OutboxEmail,
    Petition,
    Signature,
    StatementEndorsement,
    StatementSignatory,
    utcnow,
)
from campaign.petitions.signing import uncount
from campaign.wall.moderation import erase_posts, purge_unconfirmed

ERASED_NAME = "erased"
ERASED_DOMAIN = "erased.invalid"  # a reserved name (RFC 2606): no mail can ever go there


@dataclass(frozen=True)
class ErasureResult:
    confirmed: int
    pending: int
    petitions: int
    endorsements: int
    emails: int
    wall_posts: int = 0
    # Photos of the erased wall posts, to delete from UPLOAD_DIR once the erasure commits.
    files: tuple[str, ...] = field(default=(), compare=False)

    @property
    def found_anything(self) -> bool:
        return bool(
            self.confirmed or self.pending or self.endorsements or self.emails or self.wall_posts
        )


@dataclass(frozen=True)
class PurgeResult:
    pending_deleted: int
    anonymised: int
    wall_deleted: int = 0
    # Photos of the purged wall posts, to delete from UPLOAD_DIR once the purge commits.
    files: tuple[str, ...] = field(default=(), compare=False)


def erase_mailbox(
    session: Session,
    email: str,
    *,
    actor_id: int | None,
    origin: str | None,
    addresses: AddressPolicy = DEFAULT_POLICY,
) -> ErasureResult:
    """Delete everything of one mailbox: its signatures on every petition, the endorsements it
    is the contact of, its posts on walls of support (the caller deletes their photos, named
    in the result, once this commits), and the emails queued or sent to it.

    `addresses` must be the policy signing used: the mailbox is found by the key
    campaign.mail.addresses gives every spelling of it (`Jane.Doe+x@gmail.com`,
    `janedoe@gmail.com`). Raises InvalidAddress. Counters go down by the confirmed signatures
    removed, in this transaction. DELETE ... RETURNING reports each row as it was when deleted,
    so a signature confirmed by a concurrent request is counted down exactly when it had been
    counted up. An approved endorsement's organisation stays listed on its statement: the
    organisation signed, the erased contact address was the person's. Webhook deliveries
    that carry the signatures go too, and subscribed endpoints are told of the erasure.
    """
    address = addresses.parse(email)
    key = address.key
    removed = session.execute(
        delete(Signature)
        .where(Signature.email_normalized == key)
        .returning(
            Signature.petition_id, Signature.confirmed_at, Signature.email, Signature.public_id
        ),
        execution_options={"synchronize_session": False},
    ).all()
    confirmed_by_petition = Counter(row.petition_id for row in removed if row.confirmed_at)
    uncount(session, confirmed_by_petition)
    signatures_erased(
        session,
        [(row.petition_id, row.public_id, row.confirmed_at is not None) for row in removed],
        now=utcnow(),
    )
    endorsements = session.execute(
        delete(StatementEndorsement)
        .where(StatementEndorsement.email_normalized == key)
        .returning(StatementEndorsement.id, StatementEndorsement.contact_email),
        execution_options={"synchronize_session": False},
    ).all()
    if endorsements:
        # Done here, not left to ON DELETE SET NULL, which SQLite applies only when told to.
        session.execute(
            update(StatementSignatory)
            .where(StatementSignatory.endorsement_id.in_([row.id for row in endorsements]))
            .values(endorsement_id=None),
            execution_options={"synchronize_session": False},
        )
    wall_emails, wall_files = erase_posts(session, key)
    sent_to = (
        {address.deliver_to.lower()}
        | {row.email.lower() for row in removed}
        | {row.contact_email.lower() for row in endorsements}
        | {email.lower() for email in wall_emails}
    )
    emails = _delete_emails_to(session, key, sent_to, addresses)
    confirmed = sum(confirmed_by_petition.values())
    result = ErasureResult(
        confirmed=confirmed,
        pending=len(removed) - confirmed,
        petitions=len({row.petition_id for row in removed}),
        endorsements=len(endorsements),
        emails=emails,
        wall_posts=len(wall_emails),
        files=tuple(wall_files),
    )
    record_event(
        session,
        ERASURE,
        actor_id=actor_id,
        origin=origin,
        details={
            "confirmed": result.confirmed,
            "pending": result.pending,
            "petitions": result.petitions,
            "endorsements": result.endorsements,
            "emails": result.emails,
            "wall_posts": result.wall_posts,
        },
    )
    return result


def _delete_emails_to(
    session: Session, key: str, sent_to: set[str], addresses: AddressPolicy
) -> int:
    """Delete the emails to the mailbox `key`: every waiting one that would reach it, read as
    the worker's email library reads its address (few rows: the worker drains them), and those
    already sent or given up to an address its signatures and endorsements were sent to."""
    waiting = [
        email_id
        for email_id, to_address in session.execute(
            select(OutboxEmail.id, OutboxEmail.to_address).where(OutboxEmail.status == "pending")
        )
        if key in keys_reached(to_address, addresses.rules)
    ]
    return session.execute(
        delete(OutboxEmail).where(
            or_(OutboxEmail.id.in_(waiting), func.lower(OutboxEmail.to_address).in_(sent_to))
        ),
        execution_options={"synchronize_session": False},
    ).rowcount


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def anonymised_address():
    """A per-row placeholder that keeps (petition, email) unique and names nobody."""
    return literal("erased-") + cast(Signature.id, String) + literal("@" + ERASED_DOMAIN)


def purge(
    session: Session,
    *,
    now: datetime,
    pending_days: int,
    closed_months: int,
    actor_id: int | None = None,
    origin: str | None = None,
    via: str = "cli",
) -> PurgeResult:
    """Delete pending signatures and unconfirmed wall posts older than `pending_days` (the
    caller deletes the posts' photos, named in the result, once this commits); anonymise the
    signatures of petitions closed more than `closed_months` ago (name, email and address
    hash), keeping country, dates and confirmation, so counts and statistics stay as they were.
    Webhook deliveries done with are kept as long as pending signatures are (their bodies hold
    signers' data)."""
    if pending_days < 0 or closed_months < 0:
        raise ValueError("retention periods cannot be negative")
    pending_deleted = session.execute(
        delete(Signature).where(
            Signature.confirmed_at.is_(None),
            Signature.created_at < now - timedelta(days=pending_days),
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    cutoff = months_before(now, closed_months)
    # A petition whose deadline passed without anyone closing it is closed all the same.
    long_closed = select(Petition.id).where(
        or_(
            Petition.closed_at < cutoff,
            and_(Petition.closed_at.is_(None), Petition.closes_at < cutoff),
        )
    )
    forget_old_deliveries(session, before=now - timedelta(days=pending_days))
    placeholder = anonymised_address()
    anonymised = session.execute(
        update(Signature)
        .where(
            Signature.petition_id.in_(long_closed),
            Signature.email_normalized.not_like("%@" + ERASED_DOMAIN),
        )
        .values(name=ERASED_NAME, email=placeholder, email_normalized=placeholder, ip_hash=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    wall_deleted, wall_files = purge_unconfirmed(session, before=now - timedelta(days=pending_days))
    result = PurgeResult(
        pending_deleted=pending_deleted,
        anonymised=anonymised,
        wall_deleted=wall_deleted,
        files=tuple(wall_files),
    )
    record_event(
        session,
        PURGE,
        actor_id=actor_id,
        origin=origin,
        details={
            "pending_deleted": pending_deleted,
            "anonymised": anonymised,
            "wall_deleted": wall_deleted,
            "pending_days": pending_days,
            "closed_months": closed_months,
            "via": via,
        },
    )
    return result
