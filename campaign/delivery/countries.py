"""Confirmed signatures by country, as the public may see them: a country with fewer than
`min_count` signers is folded into "other", so that no one in a small or repressive country
stands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import Signature


@dataclass(frozen=True)
class CountryCounts:
    countries: list[tuple[str, int]]  # (ISO code, count), most signatures first
    other: int  # signatures from the countries folded away
    updated_at: datetime | None  # the latest confirmation counted

    @property
    def most(self) -> int:
        return max((count for _code, count in self.countries), default=0)


def country_counts(session: Session, petition_id: int, *, min_count: int) -> CountryCounts:
    rows = session.execute(
        select(Signature.country, func.count(), func.max(Signature.confirmed_at))
        .where(Signature.petition_id == petition_id, Signature.confirmed_at.is_not(None))
        .group_by(Signature.country)
    ).all()
    shown = sorted(
        ((code, count) for code, count, _at in rows if count >= min_count),
        key=lambda item: (-item[1], item[0]),
    )
    other = sum(count for _code, count, _at in rows if count < min_count)
    latest = max((at for _code, _count, at in rows), default=None)
    return CountryCounts(shown, other, latest)
