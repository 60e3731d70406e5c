"""Data protection: erasing what a person gave us on request, and the retention purge.

Both write their audit event in the same transaction as the change, with counts only: the log
never holds the address that was erased.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from campaign.audit import ERASURE, PURGE, record_event
from campaign.mail.addresses import DEFAULT_POLICY, AddressPolicy, keys_reached
from campaign.models import (
    OutboxEmail,
    Petition,
    Signature,
    StatementEndorsement,
    StatementSignatory,
)
from campaign.petitions.signing import uncount
from campaign.web.pseudonyms import mailbox_pseudonym

ERASED_NAME = "erased"
ERASED_DOMAIN = "erased.invalid"  # a reserved name (RFC 2606): no mail can ever go there


@dataclass(frozen=True)
class ErasureResult:
    confirmed: int
    pending: int
    petitions: int
    endorsements: int
    emails: int

    @property
    def found_anything(self) -> bool:
        return bool(self.confirmed or self.pending or self.endorsements or self.emails)


@dataclass(frozen=True)
class PurgeResult:
    pending_deleted: int
    anonymised: int


def erase_mailbox(
    session: Session,
    email: str,
    *,
    actor_id: int | None,
    origin: str | None,
    secret_key: str,
    addresses: AddressPolicy = DEFAULT_POLICY,
) -> ErasureResult:
    """Delete everything of one mailbox: its signatures on every petition, the endorsements it
    is the contact of, and the emails queued or sent to it.

    `addresses` must be the policy signing used: the mailbox is found by the key
    campaign.mail.addresses gives every spelling of it (`Jane.Doe+x@gmail.com`,
    `janedoe@gmail.com`). Raises InvalidAddress. Counters go down by the confirmed signatures
    removed, in this transaction. DELETE ... RETURNING reports each row as it was when deleted,
    so a signature confirmed by a concurrent request is counted down exactly when it had been
    counted up. An approved endorsement's organisation stays listed on its statement: the
    organisation signed, the erased contact address was the person's.

    Protected petitions keep the keyed hash of the mailbox key where others keep the key
    (campaign.web.pseudonyms.mailbox_pseudonym, keyed from `secret_key`): both are looked for.
    """
    address = addresses.parse(email)
    key = address.key
    removed = session.execute(
        delete(Signature)
        .where(Signature.email_normalized.in_((key, mailbox_pseudonym(secret_key, key))))
        .returning(Signature.petition_id, Signature.confirmed_at, Signature.email),
        execution_options={"synchronize_session": False},
    ).all()
    confirmed_by_petition = Counter(row.petition_id for row in removed if row.confirmed_at)
    uncount(session, confirmed_by_petition)
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
    sent_to = (
        {address.deliver_to.lower()}
        # A protected signature keeps no address ("").
        | {row.email.lower() for row in removed if row.email}
        | {row.contact_email.lower() for row in endorsements}
    )
    emails = _delete_emails_to(session, key, sent_to, addresses)
    confirmed = sum(confirmed_by_petition.values())
    result = ErasureResult(
        confirmed=confirmed,
        pending=len(removed) - confirmed,
        petitions=len({row.petition_id for row in removed}),
        endorsements=len(endorsements),
        emails=emails,
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
    """Delete pending signatures older than `pending_days`; anonymise the signatures of
    petitions closed more than `closed_months` ago (name, email and address hash), keeping
    country, dates and confirmation, so counts and statistics stay as they were."""
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
    result = PurgeResult(pending_deleted=pending_deleted, anonymised=anonymised)
    record_event(
        session,
        PURGE,
        actor_id=actor_id,
        origin=origin,
        details={
            "pending_deleted": pending_deleted,
            "anonymised": anonymised,
            "pending_days": pending_days,
            "closed_months": closed_months,
            "via": via,
        },
    )
    return result
