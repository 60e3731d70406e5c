"""Signature exports: the query, the rows streamed in batches, and a pure rows -> CSV core.

Memory stays flat however many rows a petition has: the query is a Core select (no ORM objects,
no identity map) read in `yield_per` batches through a server-side cursor on PostgreSQL, and
each CSV line is handed on as soon as it is written.

Auditing: the event (who, when, which petition, filters, columns) is committed before the first
byte leaves, so an export never happens unrecorded even if the process dies mid-stream; the row
count is added to that same event, in its own transaction, when the stream ends (or the client
goes away, with complete = false). Counting first would need a second pass over the rows and
could still disagree with what was sent if signatures arrive between the two.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from campaign.audit import EXPORT, amend_details, record_event
from campaign.models import AuditEvent, Petition, Signature

_table = Signature.__table__
COLUMNS = {
    "name": _table.c.name,
    "email": _table.c.email,
    "country": _table.c.country,
    "signed_at": _table.c.created_at,
    "confirmed_at": _table.c.confirmed_at,
    "newsletter": _table.c.newsletter,
    "locale": _table.c.locale,
    "source_channel": _table.c.source_channel,
}
DEFAULT_COLUMNS = ("name", "email", "country", "signed_at", "confirmed_at")
# What a spreadsheet would take for the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExportFilters:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    country: str | None = None
    newsletter_only: bool = False
    include_pending: bool = False

    def describe(self) -> dict:
        """The filters as the audit log keeps them (JSON)."""
        described = asdict(self)
        for key in ("date_from", "date_to"):
            if described[key] is not None:
                described[key] = described[key].isoformat()
        return described


def _conditions(petition_id: int, filters: ExportFilters) -> list:
    conditions = [_table.c.petition_id == petition_id]
    if not filters.include_pending:
        conditions.append(_table.c.confirmed_at.is_not(None))
    if filters.date_from is not None:
        conditions.append(_table.c.created_at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        conditions.append(_table.c.created_at < end)
    if filters.country:
        conditions.append(_table.c.country == filters.country)
    if filters.newsletter_only:
        conditions.append(_table.c.newsletter.is_(True))
    return conditions


def export_select(petition_id: int, filters: ExportFilters, columns: Sequence[str]) -> Select:
    unknown = set(columns) - set(COLUMNS)
    if unknown or not columns:
        raise ValueError(f"unknown export columns: {sorted(unknown)}")
    return (
        select(*(COLUMNS[name] for name in columns))
        .where(*_conditions(petition_id, filters))
        .order_by(_table.c.id)
    )


def count_rows(session: Session, petition_id: int, filters: ExportFilters) -> int:
    return session.scalar(
        select(func.count()).select_from(_table).where(*_conditions(petition_id, filters))
    )


def iter_rows(session: Session, query: Select, *, batch_size: int) -> Iterator[tuple]:
    result = session.execute(query.execution_options(yield_per=batch_size))
    try:
        for batch in result.partitions():
            yield from batch
    finally:
        result.close()


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would evaluate with a quote, so it shows as text."""
    return "'" + value if value.startswith(FORMULA_START) else value


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return neutralise(str(value))


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = False
) -> Iterator[str]:
    """Pure: CSV text, one record at a time (RFC 4180 line ends); a BOM first if asked, so
    Excel reads the file as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([neutralise(str(name)) for name in header])
    yield ("\ufeff" if bom else "") + take()
    for row in rows:
        writer.writerow([cell(value) for value in row])
        yield take()


def chunked(lines: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 in pieces of about `size` bytes: fewer, larger writes than one per line."""
    pending: list[bytes] = []
    length = 0
    for line in lines:
        data = line.encode("utf-8")
        pending.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)


def export_filename(slug: str, day: date) -> str:
    return f"{slug}-signatures-{day.isoformat()}.csv"


def start_export_audit(
    session: Session,
    *,
    petition: Petition,
    filters: ExportFilters,
    columns: Sequence[str],
    actor_id: int | None,
    origin: str | None,
    via: str,
) -> AuditEvent:
    return record_event(
        session,
        EXPORT,
        actor_id=actor_id,
        origin=origin,
        details={
            "petition": petition.slug,
            "petition_id": petition.id,
            "filters": filters.describe(),
            "columns": list(columns),
            "via": via,
            "rows": None,
            "complete": False,
        },
    )


def finish_export_audit(session: Session, event_id: int, *, rows: int, complete: bool) -> None:
    event = session.get(AuditEvent, event_id)
    if event is not None:
        amend_details(event, rows=rows, complete=complete)
        session.flush()


class Counted:
    """Iterate rows while counting them."""

    def __init__(self, rows: Iterable):
        self._rows = rows
        self.count = 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            yield row
