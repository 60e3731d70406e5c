"""Who is signing one petition unusually fast: hashed addresses and email domains.

A person signs once; a script signs hundreds of times from one address or with addresses at
one throwaway domain. This lists, for one petition, the address hashes and domains with the
most signatures (pending ones included) in the last hour and the last day, above a threshold,
so staff can look closer and, if need be, invalidate them (campaign.petitions.invalidation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import Signature

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Source:
    kind: str  # "address" (a keyed hash) or "domain"
    value: str
    signatures: int


@dataclass(frozen=True)
class Window:
    span: timedelta
    threshold: int
    sources: list[Source]


def _domain_of(session: Session, column):
    """The part after the "@", in the SQL of the database in use."""
    if session.get_bind().dialect.name == "postgresql":
        return func.split_part(column, "@", 2)
    return func.substr(column, func.instr(column, "@") + 1)


def fast_sources(
    session: Session,
    petition_id: int,
    *,
    since: datetime,
    threshold: int,
    limit: int = 20,
) -> list[Source]:
    """Address hashes and domains with at least `threshold` signatures since `since`."""
    recent = (Signature.petition_id == petition_id, Signature.created_at >= since)
    sources: list[Source] = []
    for kind, column in (
        ("address", Signature.ip_hash),
        ("domain", _domain_of(session, Signature.email_normalized)),
    ):
        number = func.count().label("signatures")
        rows = session.execute(
            select(column.label("value"), number)
            .where(*recent, column.is_not(None))
            .group_by(column)
            .having(func.count() >= threshold)
            .order_by(number.desc(), column)
            .limit(limit)
        ).all()
        sources.extend(Source(kind, value, count) for value, count in rows)
    return sorted(sources, key=lambda s: (-s.signatures, s.kind, s.value))


def signing_speed(
    session: Session,
    petition_id: int,
    *,
    now: datetime,
    hour_threshold: int,
    day_threshold: int,
) -> list[Window]:
    return [
        Window(
            span,
            threshold,
            fast_sources(session, petition_id, since=now - span, threshold=threshold),
        )
        for span, threshold in ((HOUR, hour_threshold), (DAY, day_threshold))
    ]
