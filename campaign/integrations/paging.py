"""Confirmed signatures page by page, for staff tools that copy them into a CRM.

Pages follow (confirmed_at, id), and a cursor names the last pair a page held, so a signature
confirmed while a tool pages comes after the cursor and is read once, never again. A
confirmation's time is taken a moment before its transaction commits: pages stop `settle`
before now, so that no commit still on its way can land behind a cursor already handed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_
from sqlalchemy.orm import Session

from campaign.integrations.resources import signature_columns, signature_resource
from campaign.models import Signature

PAGE_MAX = 500
_SALT = "staff-api-signatures-cursor"


class BadCursor(ValueError):
    """The cursor was not made by this platform for this petition."""


@dataclass(frozen=True)
class Page:
    signatures: list[dict]
    # The cursor to ask for the next page with, or None when this page reached the end.
    next: str | None
    # Where to start next time, once more signatures have come in.
    resume: str


def parse_since(raw: str) -> datetime:
    """An ISO 8601 time; one without a zone is UTC. Raises ValueError."""
    moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def signature_page(
    session: Session,
    petition_id: int,
    *,
    secret_key: str,
    now: datetime,
    cursor: str | None = None,
    since: datetime | None = None,
    limit: int = PAGE_MAX,
    settle: timedelta = timedelta(seconds=2),
) -> Page:
    """Up to `limit` confirmed signatures of a petition after `cursor` (or confirmed at or
    after `since`); raises BadCursor."""
    serializer = URLSafeSerializer(secret_key, salt=_SALT)
    signatures = Signature.__table__
    query = signature_columns().where(
        signatures.c.petition_id == petition_id,
        signatures.c.confirmed_at.is_not(None),
        signatures.c.confirmed_at <= now - settle,
    )
    after = None
    if cursor:
        after = _read(serializer, cursor, petition_id)
        query = query.where(
            or_(
                signatures.c.confirmed_at > after[0],
                and_(signatures.c.confirmed_at == after[0], signatures.c.id > after[1]),
            )
        )
    elif since is not None:
        query = query.where(signatures.c.confirmed_at >= since)
    rows = session.execute(
        query.order_by(signatures.c.confirmed_at, signatures.c.id).limit(min(limit, PAGE_MAX) + 1)
    ).all()
    full = len(rows) > min(limit, PAGE_MAX)
    rows = rows[: min(limit, PAGE_MAX)]
    if rows:
        last = (rows[-1].confirmed_at, rows[-1].id)
    elif after is not None:
        last = after
    else:
        # Nothing yet: the next call starts where this one looked, or from the beginning.
        last = ((since or datetime(1970, 1, 1, tzinfo=UTC)) - timedelta(microseconds=1), 0)
    position = serializer.dumps([petition_id, last[0].isoformat(), last[1]])
    return Page(
        signatures=[signature_resource(row) for row in rows],
        next=position if full else None,
        resume=position,
    )


def _read(serializer: URLSafeSerializer, cursor: str, petition_id: int) -> tuple[datetime, int]:
    try:
        named, moment, signature_id = serializer.loads(cursor)
        if named != petition_id or type(signature_id) is not int:
            raise BadCursor(cursor)
        return datetime.fromisoformat(moment), signature_id
    except (BadSignature, ValueError, TypeError):
        raise BadCursor(cursor) from None
