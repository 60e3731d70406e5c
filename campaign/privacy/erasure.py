"""Data protection: erasing what a person gave us on request, and the retention purge.

Both write their audit event in the same transaction as the change, with counts only: the log
never holds the address that was erased.

An erasure is shown first (preview_erasure: what is held, per petition), then done
(erase_mailbox), which can queue one last email telling the person it is done. That email is
the only trace of the address left: it sits in the outbox until delivered, and the worker
deletes the row once the mail server has taken it or refused it for good
(campaign.mail.outbox.FORGOTTEN_ONCE_SENT), without adding the address to the suppressions.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from campaign.audit import ERASURE, PURGE, record_event
from campaign.config import LOCALES
from campaign.integrations.events import forget_old_deliveries, signatures_erased
from campaign.mail.addresses import DEFAULT_POLICY, AddressPolicy, keys_reached
from campaign.mail.emails import queue_email
from campaign.mail.outbox import ERASURE_CONFIRMATION
from campaign.models import (
    OutboxEmail,
    Petition,
    Signature,
    StatementEndorsement,
    StatementSignatory,
    SupporterMessage,
    utcnow,
)
from campaign.petitions.signing import uncount
from campaign.wall.moderation import erase_posts, purge_finished_walls, purge_unconfirmed
from campaign.web.pseudonyms import mailbox_pseudonym

ERASED_NAME = "erased"
ERASED_DOMAIN = "erased.invalid"  # a reserved name (RFC 2606): no mail can ever go there
# What an anonymised wall post keeps instead of its author's address (posts share no key).
ERASED_WALL_ADDRESS = f"erased@{ERASED_DOMAIN}"


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
    # Whether the person was sent an email saying that it is done.
    confirmation_queued: bool = False

    @property
    def found_anything(self) -> bool:
        return bool(
            self.confirmed or self.pending or self.endorsements or self.emails or self.wall_posts
        )


@dataclass(frozen=True)
class PetitionShare:
    """The signatures of one mailbox on one petition (one at most, but pending or not)."""

    petition: Petition
    confirmed: int
    pending: int


@dataclass(frozen=True)
class ErasurePreview:
    """What erase_mailbox would delete now."""

    petitions: tuple[PetitionShare, ...]
    endorsements: int
    emails: int
    wall_posts: int = 0

    @property
    def found_anything(self) -> bool:
        return bool(self.petitions or self.endorsements or self.emails or self.wall_posts)


def preview_erasure(
    session: Session,
    email: str,
    *,
    secret_key: str,
    addresses: AddressPolicy = DEFAULT_POLICY,
) -> ErasurePreview:
    """What is held for one mailbox (found as erase_mailbox finds it), changing nothing.
    Raises InvalidAddress."""
    address = addresses.parse(email)
    key = address.key
    signatures = session.execute(
        select(Signature.petition_id, Signature.confirmed_at, Signature.email).where(
            Signature.email_normalized.in_((key, mailbox_pseudonym(secret_key, key)))
        )
    ).all()
    endorsements = session.execute(
        select(StatementEndorsement.contact_email).where(
            StatementEndorsement.email_normalized == key
        )
    ).all()
    sent_to = (
        {address.deliver_to.lower()}
        | {row.email.lower() for row in signatures if row.email}
        | {row.contact_email.lower() for row in endorsements}
    )
    emails = session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(_emails_to(session, key, sent_to, addresses))
    )
    petitions = {
        petition.id: petition
        for petition in session.scalars(
            select(Petition).where(Petition.id.in_({row.petition_id for row in signatures}))
        )
    }
    shares = [
        PetitionShare(
            petitions[row.petition_id],
            confirmed=int(row.confirmed_at is not None),
            pending=int(row.confirmed_at is None),
        )
        for row in signatures
    ]
    return ErasurePreview(
        petitions=tuple(sorted(shares, key=lambda share: share.petition.slug)),
        endorsements=len(endorsements),
        emails=emails,
        wall_posts=session.scalar(
            select(func.count())
            .select_from(SupporterMessage)
            .where(SupporterMessage.email_normalized == key)
        ),
    )


@dataclass(frozen=True)
class PurgeResult:
    pending_deleted: int
    anonymised: int
    wall_deleted: int = 0
    # Published wall posts of long-finished campaigns whose author's address was erased.
    wall_anonymised: int = 0
    # Photos of the purged wall posts, to delete from UPLOAD_DIR once the purge commits.
    files: tuple[str, ...] = field(default=(), compare=False)


def erase_mailbox(
    session: Session,
    email: str,
    *,
    actor_id: int | None,
    origin: str | None,
    secret_key: str,
    addresses: AddressPolicy = DEFAULT_POLICY,
    organisation: Callable[[str], str] | None = None,
) -> ErasureResult:
    """Delete everything of one mailbox: its signatures on every petition, the endorsements it
    is the contact of, its posts on walls of support (the caller deletes their photos, named
    in the result, once this commits), and the emails queued or sent to it.

    With `organisation` (the organisation's name in a language), when anything was found, the
    person is then sent an email saying so in the language they last used with us (the
    module's docstring says how that email is forgotten in turn).

    `addresses` must be the policy signing used: the mailbox is found by the key
    campaign.mail.addresses gives every spelling of it (`Jane.Doe+x@gmail.com`,
    `janedoe@gmail.com`). Raises InvalidAddress. Counters go down by the confirmed signatures
    removed, in this transaction. DELETE ... RETURNING reports each row as it was when deleted,
    so a signature confirmed by a concurrent request is counted down exactly when it had been
    counted up. An approved endorsement's organisation stays listed on its statement: the
    organisation signed, the erased contact address was the person's. Webhook deliveries
    that carry the signatures go too, and subscribed endpoints are told of the erasure.

    Protected petitions keep the keyed hash of the mailbox key where others keep the key
    (campaign.web.pseudonyms.mailbox_pseudonym, keyed from `secret_key`): both are looked for.
    """
    address = addresses.parse(email)
    key = address.key
    removed = session.execute(
        delete(Signature)
        .where(Signature.email_normalized.in_((key, mailbox_pseudonym(secret_key, key))))
        .returning(
            Signature.petition_id,
            Signature.confirmed_at,
            Signature.email,
            Signature.public_id,
            Signature.locale,
            Signature.created_at,
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
        .returning(
            StatementEndorsement.id,
            StatementEndorsement.contact_email,
            StatementEndorsement.locale,
        ),
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
        # A protected signature keeps no address ("").
        | {row.email.lower() for row in removed if row.email}
        | {row.contact_email.lower() for row in endorsements}
        | {email.lower() for email in wall_emails}
    )
    emails = session.execute(
        delete(OutboxEmail)
        .where(_emails_to(session, key, sent_to, addresses))
        .returning(OutboxEmail.locale),
        execution_options={"synchronize_session": False},
    ).all()
    confirmed = sum(confirmed_by_petition.values())
    found_anything = bool(removed or endorsements or emails or wall_emails)
    if organisation is not None and found_anything:
        # The language of their latest signature, else of what else was theirs.
        latest = max(removed, key=lambda row: row.created_at, default=None)
        others = endorsements or emails
        locale = (latest or others[0]).locale if (latest or others) else LOCALES[0]
        queue_email(
            session,
            kind=ERASURE_CONFIRMATION,
            to=address.deliver_to,
            locale=locale,
            organisation=organisation(locale),
        )
    result = ErasureResult(
        confirmed=confirmed,
        pending=len(removed) - confirmed,
        petitions=len({row.petition_id for row in removed}),
        endorsements=len(endorsements),
        emails=len(emails),
        wall_posts=len(wall_emails),
        files=tuple(wall_files),
        confirmation_queued=organisation is not None and found_anything,
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
            "confirmation_queued": result.confirmation_queued,
        },
    )
    return result


def _emails_to(session: Session, key: str, sent_to: set[str], addresses: AddressPolicy):
    """Which emails are the mailbox `key`'s: every waiting one that would reach it, read as
    the worker's email library reads its address (few rows: the worker drains them), and those
    already sent or given up to an address its signatures and endorsements were sent to."""
    waiting = [
        email_id
        for email_id, to_address in session.execute(
            select(OutboxEmail.id, OutboxEmail.to_address).where(OutboxEmail.status == "pending")
        )
        if key in keys_reached(to_address, addresses.rules)
    ]
    # Not the email telling of an earlier erasure: it is no data of theirs, and a request
    # made twice must not cancel the answer to the first.
    return and_(
        or_(OutboxEmail.id.in_(waiting), func.lower(OutboxEmail.to_address).in_(sent_to)),
        OutboxEmail.kind != ERASURE_CONFIRMATION,
    )


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
        .values(
            name=ERASED_NAME,
            email=placeholder,
            email_normalized=placeholder,
            ip_hash=None,
            # A protected signature's sealed values go too: the count is all that remains.
            sealed_name=None,
            sealed_email=None,
            sealed_country=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    wall_deleted, wall_files = purge_unconfirmed(session, before=now - timedelta(days=pending_days))
    # A wall goes the way of its campaign's signatures: once every petition of the campaign
    # has been closed that long (a campaign with none keeps its wall).
    live = select(Petition.campaign_id).where(Petition.id.not_in(long_closed))
    finished = select(Petition.campaign_id).where(Petition.campaign_id.not_in(live))
    finished_deleted, wall_anonymised, finished_files = purge_finished_walls(
        session, finished, erased_address=ERASED_WALL_ADDRESS
    )
    result = PurgeResult(
        pending_deleted=pending_deleted,
        anonymised=anonymised,
        wall_deleted=wall_deleted + finished_deleted,
        wall_anonymised=wall_anonymised,
        files=tuple(dict.fromkeys([*wall_files, *finished_files])),
    )
    record_event(
        session,
        PURGE,
        actor_id=actor_id,
        origin=origin,
        details={
            "pending_deleted": pending_deleted,
            "anonymised": anonymised,
            "wall_deleted": result.wall_deleted,
            "wall_anonymised": wall_anonymised,
            "pending_days": pending_days,
            "closed_months": closed_months,
            "via": via,
        },
    )
    return result
