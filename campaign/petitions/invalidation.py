"""Staff undo a flood of fake signatures: by email domain, date range or hashed address.

Invalid signatures are deleted, not flagged: nothing else (counters, exports, dashboards,
share attribution) then needs to know about them, and we keep no personal data we do not
need. The row's deletion and the counter's decrement happen in one transaction: the DELETE
returns the rows it removed with their state at that moment, so a confirmation racing with it
is counted exactly once or not at all. An audit event records the criteria and the counts,
never an address.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from campaign.audit import SIGNATURES_INVALIDATED, record_event
from campaign.mail.addresses import InvalidAddress, mail_domain
from campaign.models import Petition, Signature
from campaign.petitions.signing import uncount as uncount_signatures

AUDIT_ACTION = SIGNATURES_INVALIDATED
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_IP_HASH = re.compile(r"^[0-9a-f]{32}$")


class InvalidCriteria(ValueError):
    """The criteria are malformed, or would select every signature."""


@dataclass(frozen=True)
class Criteria:
    """Which signatures to invalidate. At least one of domain, dates or address is required."""

    petition_id: int | None = None
    # Matches the domain itself and its subdomains (`mx.evil.example`: the same owner), label
    # by label: never `notevil.example` or `evil.example.com`.
    email_domain: str | None = None
    created_from: datetime | None = None  # inclusive
    created_until: datetime | None = None  # exclusive
    ip_hash: str | None = None

    def __post_init__(self) -> None:
        if self.email_domain is not None:
            domain = self.email_domain.strip().lower().removeprefix("@").rstrip(".")
            try:
                domain = mail_domain(domain)
            except InvalidAddress:
                raise InvalidCriteria("email_domain") from None
            if not _DOMAIN.match(domain):
                raise InvalidCriteria("email_domain")
            object.__setattr__(self, "email_domain", domain)
        if self.ip_hash is not None:
            value = self.ip_hash.strip().lower()
            if not _IP_HASH.match(value):
                raise InvalidCriteria("ip_hash")
            object.__setattr__(self, "ip_hash", value)
        if (
            self.created_from is not None
            and self.created_until is not None
            and self.created_from >= self.created_until
        ):
            raise InvalidCriteria("dates")
        if not (self.email_domain or self.ip_hash or self.created_from or self.created_until):
            raise InvalidCriteria("empty")

    def conditions(self) -> list:
        found = []
        if self.petition_id is not None:
            found.append(Signature.petition_id == self.petition_id)
        if self.email_domain:
            found.append(
                or_(
                    Signature.email_normalized.endswith("@" + self.email_domain, autoescape=True),
                    Signature.email_normalized.endswith("." + self.email_domain, autoescape=True),
                )
            )
        if self.created_from is not None:
            found.append(Signature.created_at >= self.created_from)
        if self.created_until is not None:
            found.append(Signature.created_at < self.created_until)
        if self.ip_hash:
            found.append(Signature.ip_hash == self.ip_hash)
        return found

    def describe(self, session: Session) -> dict:
        """The criteria for the audit log: what was asked, in JSON, with no address."""
        described: dict = {}
        if self.petition_id is not None:
            described["petition"] = session.scalar(
                select(Petition.slug).where(Petition.id == self.petition_id)
            )
        if self.email_domain:
            described["email_domain"] = self.email_domain
        if self.created_from is not None:
            described["created_from"] = self.created_from.isoformat()
        if self.created_until is not None:
            described["created_until"] = self.created_until.isoformat()
        if self.ip_hash:
            described["ip_hash"] = self.ip_hash
        return described


@dataclass(frozen=True)
class Tally:
    confirmed: int
    pending: int

    @property
    def total(self) -> int:
        return self.confirmed + self.pending


@dataclass(frozen=True)
class InvalidationResult:
    tally: Tally
    # petition slug -> confirmed signatures taken off its counter
    uncounted: dict[str, int] = field(default_factory=dict)


def preview(session: Session, criteria: Criteria) -> Tally:
    """How many signatures the criteria select now, without touching them."""
    confirmed, total = session.execute(
        select(
            func.count(Signature.confirmed_at),
            func.count(),
        ).where(*criteria.conditions())
    ).one()
    return Tally(confirmed=confirmed, pending=total - confirmed)


def invalidate_signatures(
    session: Session,
    criteria: Criteria,
    *,
    now: datetime,
    actor_id: int | None = None,
    origin: str | None = None,
) -> InvalidationResult:
    """Delete the selected signatures, take the confirmed ones off their petitions' counters,
    and record an audit event; flushes, the caller commits."""
    removed = session.execute(
        delete(Signature)
        .where(*criteria.conditions())
        .returning(Signature.petition_id, Signature.confirmed_at)
        .execution_options(synchronize_session=False)
    ).all()
    uncount = Counter(petition_id for petition_id, confirmed_at in removed if confirmed_at)
    slugs = {
        petition_id: slug
        for petition_id, slug in session.execute(
            select(Petition.id, Petition.slug).where(Petition.id.in_(uncount))
        )
    }
    uncount_signatures(session, uncount)
    confirmed = sum(uncount.values())
    tally = Tally(confirmed=confirmed, pending=len(removed) - confirmed)
    result = InvalidationResult(
        tally=tally, uncounted={slugs[pid]: n for pid, n in sorted(uncount.items())}
    )
    record_event(
        session,
        AUDIT_ACTION,
        actor_id=actor_id,
        origin=origin,
        details={
            "criteria": criteria.describe(session),
            "deleted": tally.total,
            "confirmed": tally.confirmed,
            "pending": tally.pending,
            "uncounted": result.uncounted,
        },
    )
    # Petitions loaded in this session must not show their old counters.
    for petition in session.identity_map.values():
        if isinstance(petition, Petition) and petition.id in uncount:
            session.expire(petition, ["signature_count"])
    session.flush()
    return result
