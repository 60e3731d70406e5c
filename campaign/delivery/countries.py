"""Confirmed signatures by country, as the public may see them: a country with fewer than
`min_count` signers is folded into "other", so that no one in a small or repressive country
stands out. A protected petition's sealed countries (stored as UNKNOWN_COUNTRY unless staff
chose to count by country, campaign.protection) are all "other"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import Signature
from campaign.models.protection import UNKNOWN_COUNTRY


@dataclass(frozen=True)
class CountryCounts:
    countries: list[tuple[str, int]]  # (ISO code, count), most signatures first
    other: int  # signatures from the countries folded away
    updated_at: datetime | None  # the latest confirmation counted

    @property
    def most(self) -> int:
        return max((count for _code, count in self.countries), default=0)


def country_counts(
    session: Session, petition_id: int, *, min_count: int, before: datetime | None = None
) -> CountryCounts:
    """The figures now, or as they stood for the signatures confirmed `before` a cut-off."""
    confirmed = [Signature.petition_id == petition_id, Signature.confirmed_at.is_not(None)]
    if before is not None:
        confirmed.append(Signature.confirmed_at < before)
    rows = session.execute(
        select(Signature.country, func.count(), func.max(Signature.confirmed_at))
        .where(*confirmed)
        .group_by(Signature.country)
    ).all()

    def shown_alone(code: str, count: int) -> bool:
        return count >= min_count and code != UNKNOWN_COUNTRY

    shown = sorted(
        ((code, count) for code, count, _at in rows if shown_alone(code, count)),
        key=lambda item: (-item[1], item[0]),
    )
    other = sum(count for code, count, _at in rows if not shown_alone(code, count))
    latest = max((at for _code, _count, at in rows), default=None)
    return CountryCounts(shown, other, latest)
