"""When a petition closes, as its readers see it: a calendar date on the organisation's clock,
and a countdown once the end is near."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from campaign.models import Petition

# From how many days before the end a petition says "closes in N days".
COUNTDOWN_DAYS = 14


@dataclass(frozen=True)
class Closing:
    at: datetime  # in the organisation's time zone
    closed: bool
    # Calendar days left on the organisation's clock (0: closes today), only near the end.
    days_left: int | None = None


def closing(petition: Petition, now: datetime, timezone: str) -> Closing | None:
    """When `petition` closes or closed, or None when it has no end and is still open."""
    zone = ZoneInfo(timezone)
    if petition.public_status(now) == "closed":
        # Staff may close it before its date, or after the date passed: whichever came first.
        ended = min((t for t in (petition.closed_at, petition.closes_at) if t), default=None)
        return Closing(ended.astimezone(zone), closed=True) if ended else None
    if petition.closes_at is None:
        return None
    ends = petition.closes_at.astimezone(zone)
    days = (ends.date() - now.astimezone(zone).date()).days
    return Closing(ends, closed=False, days_left=days if days <= COUNTDOWN_DAYS else None)


def utc_from_local(moment: datetime, timezone: str) -> datetime:
    """A wall-clock time typed in the organisation's time zone, as the UTC instant stored.
    A time that a clock change skips or repeats reads as the earlier offset (fold 0)."""
    return moment.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_from_utc(moment: datetime, timezone: str) -> datetime:
    """A stored instant as the organisation's wall-clock time, without zone (for a form field)."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
