"""Figures for the staff dashboards, computed by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from campaign.models import Signature


@dataclass(frozen=True)
class PetitionStatistics:
    confirmed: int
    pending: int
    per_day: list[tuple[date, int]]  # confirmations per UTC day, oldest first, zeros included
    countries: list[tuple[str, int]]  # most confirmed signatures first
    channels: list[tuple[str | None, int]]  # None: came without a share link
    opted_in: int = 0  # confirmed signers who asked for updates
    referred: int = 0  # confirmed signatures brought by a signer's personal link

    @property
    def confirmation_rate(self) -> float | None:
        total = self.confirmed + self.pending
        return self.confirmed / total if total else None


def utc_day(column, dialect_name: str):
    """The UTC calendar day of a timestamp column, in SQL. SQLite stores naive UTC text;
    PostgreSQL would otherwise use the session's time zone."""
    if dialect_name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def petition_statistics(
    session: Session, petition_id: int, *, today: date, days: int = 30, top: int = 10
) -> PetitionStatistics:
    of_petition = Signature.petition_id == petition_id
    confirmed_at = Signature.confirmed_at.is_not(None)
    confirmed, total, opted_in, referred = session.execute(
        select(
            func.count(Signature.confirmed_at),
            func.count(),
            func.count().filter(confirmed_at, Signature.newsletter),
            func.count().filter(confirmed_at, Signature.referrer_id.is_not(None)),
        ).where(of_petition)
    ).one()
    first_day = today - timedelta(days=days - 1)
    day = utc_day(Signature.confirmed_at, session.get_bind().dialect.name).label("day")
    counted = {
        _as_date(row.day): row.n
        for row in session.execute(
            select(day, func.count().label("n"))
            .where(
                of_petition,
                Signature.confirmed_at >= datetime.combine(first_day, time(), UTC),
            )
            .group_by(day)
        )
    }
    per_day = [
        (first_day + timedelta(days=i), counted.get(first_day + timedelta(days=i), 0))
        for i in range(days)
    ]
    confirmed_only = (of_petition, Signature.confirmed_at.is_not(None))
    countries = session.execute(
        select(Signature.country, func.count().label("n"))
        .where(*confirmed_only)
        .group_by(Signature.country)
        .order_by(func.count().desc(), Signature.country)
        .limit(top)
    ).all()
    channels = session.execute(
        select(Signature.source_channel, func.count().label("n"))
        .where(*confirmed_only)
        .group_by(Signature.source_channel)
        .order_by(func.count().desc())
    ).all()
    return PetitionStatistics(
        confirmed=confirmed,
        pending=total - confirmed,
        per_day=per_day,
        countries=[(row.country, row.n) for row in countries],
        channels=[(row.source_channel, row.n) for row in channels],
        opted_in=opted_in,
        referred=referred,
    )


# A petition's first hours tell whether its launch works: the dashboard counts them hour by hour.
HOURLY_HOURS = 72


def utc_hour(column, dialect_name: str):
    """The start of the UTC hour of a timestamp column, in SQL, as text or a timestamp."""
    if dialect_name == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", column))
    return func.strftime("%Y-%m-%d %H:00:00", column)


def _as_hour(value) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC)


def per_hour(
    session: Session, petition_id: int, *, since: datetime, now: datetime
) -> list[tuple[datetime, int]] | None:
    """Confirmations per UTC hour from the hour of `since` (the petition's start) to now, zeros
    included; None once the first HOURLY_HOURS are over (then days say more than hours)."""
    first = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = int((now - first).total_seconds() // 3600) + 1
    if hours > HOURLY_HOURS:
        return None
    hour = utc_hour(Signature.confirmed_at, session.get_bind().dialect.name).label("hour")
    counted = {
        _as_hour(row.hour): row.n
        for row in session.execute(
            select(hour, func.count().label("n"))
            .where(Signature.petition_id == petition_id, Signature.confirmed_at >= first)
            .group_by(hour)
        )
    }
    return [
        (first + timedelta(hours=i), counted.get(first + timedelta(hours=i), 0))
        for i in range(max(hours, 1))
    ]


def pending_counts(session: Session, petition_ids: list[int]) -> dict[int, int]:
    """Pending signatures per petition, for the dashboard list, in one query."""
    if not petition_ids:
        return {}
    rows = session.execute(
        select(Signature.petition_id, func.count())
        .where(Signature.petition_id.in_(petition_ids), Signature.confirmed_at.is_(None))
        .group_by(Signature.petition_id)
    )
    return {petition_id: count for petition_id, count in rows}
