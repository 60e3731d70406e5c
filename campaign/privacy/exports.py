"""Signature exports: the query, the rows streamed in batches, and a pure rows -> CSV core.

Memory stays flat however many rows a petition has: the query is a Core select (no ORM objects,
no identity map) read in `yield_per` batches through a server-side cursor on PostgreSQL, and
each batch is handed on as one piece of CSV as soon as it is written.

Speed (a million rows in seconds, docs/performance.md): the database renders every cell as the
CSV shows it (times in ISO 8601 UTC, yes/no, '' for NULL), so that Python only joins text. The
CSV core writes a batch with two C-level joins when no cell needs quoting or neutralising, which
it checks with C-level scans, and through the csv module otherwise; both give the same bytes.

The one cell the database cannot render, the consent text's version (a hash), is derived in
Python from the text it reads, once per distinct text; it is in the records and CRM presets
only, so the default file keeps the fast path whole. Country names in the file's language come
from the database too, through a CASE over the codes.

Presets (PRESETS): what staff pick rather than columns. "target" is the file for the people a
petition addresses: no email address, ever (the privacy page promises it). "records" is
everything, for the organisation's own records; "crm" is the same data under OSDI-like column
names for a CRM import (docs/exports.md). The form never asks for a given and a family name, so
no export has them: a name is never split by guesswork.

Auditing: the event (who, when, which petition, preset, filters, columns) is committed before
the first byte leaves, so an export never happens unrecorded even if the process dies
mid-stream; the row count is added to that same event, in its own transaction, when the stream
ends (or the client goes away, with complete = false). Counting first would need a second pass
over the rows and could still disagree with what was sent if signatures arrive between the two.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from operator import itemgetter

from sqlalchemy import Boolean, ColumnElement, Select, String, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from campaign.audit import EXPORT, amend_details, record_event
from campaign.models import AuditEvent, Petition, Signature
from campaign.models.types import UTCDateTime
from campaign.web.i18n import countries

_table = Signature.__table__
_petitions = Petition.__table__


class utc_date(FunctionElement):
    """The UTC date of a timestamp column, "2026-05-04", rendered by the database."""

    type = String()
    inherit_cache = True


class utc_time(FunctionElement):
    """The UTC time of day of a timestamp column to the second, "03:02:01"."""

    type = String()
    inherit_cache = True


# A protected petition's signatures (campaign.protection) give their sealed values instead,
# which only `campaign decrypt-export` with the petition's private key opens.
# Each column as the database reads it (the Python value's `cell` is what the file shows, except
# for the split dates and times, which are ISO 8601 dates and times that spreadsheets read).
# A signature's id in files: its public id (never the row's sequential id) after the
# system's name, the way OSDI writes identifiers. The prefix also keeps a public id that starts
# with "-" from reading as a formula, which would cost it a quote.
IDENTIFIER_PREFIX = "campaign:"
COLUMNS = {
    "signature_id": literal(IDENTIFIER_PREFIX) + _table.c.public_id,
    "petition": _petitions.c.slug,  # in export_select, for the one petition exported
    "name": func.coalesce(_table.c.sealed_name, _table.c.name),
    "email": func.coalesce(_table.c.sealed_email, _table.c.email),
    "country": func.coalesce(_table.c.sealed_country, _table.c.country),
    "country_name": _table.c.country,  # named in export_select, in the file's language
    "signed_on": utc_date(_table.c.created_at),
    "signed_time": utc_time(_table.c.created_at),
    "signed_at": _table.c.created_at,
    "confirmed_on": utc_date(_table.c.confirmed_at),
    "confirmed_time": utc_time(_table.c.confirmed_at),
    "confirmed_at": _table.c.confirmed_at,
    "newsletter": _table.c.newsletter,
    "locale": _table.c.locale,
    "source_channel": _table.c.source_channel,
    "consent_version": _table.c.consent_text,
    "consent_text": _table.c.consent_text,
    "consented_at": _table.c.consented_at,
}
PRESETS = {
    "target": (
        "signature_id",
        "petition",
        "name",
        "country",
        "country_name",
        "signed_on",
        "signed_time",
    ),
    "records": (
        "signature_id",
        "petition",
        "name",
        "email",
        "country",
        "country_name",
        "locale",
        "signed_on",
        "signed_time",
        "confirmed_on",
        "confirmed_time",
        "newsletter",
        "source_channel",
        "consent_version",
        "consent_text",
        "consented_at",
    ),
    "crm": (
        "signature_id",
        "petition",
        "name",
        "email",
        "country",
        "locale",
        "signed_at",
        "confirmed_at",
        "newsletter",
        "source_channel",
        "consent_version",
        "consent_text",
        "consented_at",
    ),
}
DEFAULT_PRESET = "target"
DEFAULT_COLUMNS = PRESETS[DEFAULT_PRESET]
# The CRM preset's header: OSDI's names where OSDI has one (identifier, email_address,
# action_date), plain lower-case names in the same style otherwise. Never translated: an import
# mapping saved once must keep working whatever language the staff member reads.
CRM_HEADER = {
    "signature_id": "identifier",
    "petition": "petition",
    "name": "full_name",
    "email": "email_address",
    "country": "country",
    "locale": "language",
    "signed_at": "action_date",
    "confirmed_at": "confirmed_date",
    "newsletter": "opt_in",
    "source_channel": "source",
    "consent_version": "consent_version",
    "consent_text": "consent_text",
    "consented_at": "consent_date",
}
CONSENT_VERSION_LENGTH = 12
# What a spreadsheet would take for the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Where a quote goes so that no piece of a cell reads as a formula: at its start, and after each
# comma, semicolon, tab or line break in it, since a spreadsheet that splits fields on one of
# those (a ";" locale, "Jean;=cmd|' /C calc'!A0") starts a field there whatever the quoting; the
# formula may follow spaces or quotes, which some importers trim.
_FORMULA = re.compile(r"""(?:^|(?<=[,;\t\r\n]))(?=[ "]*[=+\-@])|^(?=[\t\r])""")
# What the fast path must leave to the csv module besides first characters and the characters
# it counts (commas, line breaks and quotes already send a batch there): a field after a
# semicolon or a tab inside a cell that starts a formula (searched for only when the text holds
# one: `in` scans at memchr speed, the search a hundred times slower).
_FORMULA_INSIDE = re.compile(r"[;\t] *[=+\-@]")
_first_character = itemgetter(slice(None, 1))
# First characters after which `neutralise` may add a quote (a space may precede a formula).
_NEEDS_A_LOOK = frozenset((*FORMULA_START, " "))


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


def export_select(
    petition_id: int, filters: ExportFilters, columns: Sequence[str], *, lang: str = "en"
) -> Select:
    """The rows of the export, every cell text; country names in `lang`."""
    unknown = set(columns) - set(COLUMNS)
    if unknown or not columns:
        raise ValueError(f"unknown export columns: {sorted(unknown)}")
    chosen = {
        **COLUMNS,
        # The same on every row: a subquery the database runs once, rather than a join.
        "petition": select(_petitions.c.slug)
        .where(_petitions.c.id == petition_id)
        .scalar_subquery(),
        # A CASE over the country codes costs the database next to nothing, where naming each
        # row's country in Python would rebuild every row.
        "country_name": case(dict(countries(lang)), value=_table.c.country, else_=_table.c.country),
    }
    return (
        select(*(_as_text(chosen[name]).label(name) for name in columns))
        .where(*_conditions(petition_id, filters))
        .order_by(_table.c.id)
    )


def consent_version(text: str) -> str:
    """A short name for the exact consent sentence a signer agreed to: rows with the same
    version agreed to the same words, and any change of wording gives a new one."""
    if not text:
        return ""
    return hashlib.sha256(text.encode()).hexdigest()[:CONSENT_VERSION_LENGTH]


def with_consent_versions(
    batches: Iterable[Sequence[Sequence]], columns: Sequence[str]
) -> Iterator[Sequence[Sequence]]:
    """The batches with the consent text's version in its column (where the query read the
    text), each distinct text hashed once. Batches pass untouched when it is not chosen."""
    if "consent_version" not in columns:
        yield from batches
        return
    index = columns.index("consent_version")
    versions: dict[str, str] = {}
    for batch in batches:
        rows = [list(row) for row in batch]
        for row in rows:
            text = row[index]
            version = versions.get(text)
            if version is None:
                version = versions[text] = consent_version(text)
            row[index] = version
        yield rows


class utc_iso_seconds(FunctionElement):
    """A UTC timestamp column as `cell` writes it, "2026-05-04T03:02:01+00:00", in SQL."""

    type = String()
    inherit_cache = True


@compiles(utc_iso_seconds, "sqlite")
def _utc_iso_seconds_sqlite(element, compiler, **kw) -> str:
    # UTCDateTime keeps naive UTC text, "2026-05-04 03:02:01.000999": cutting it truncates the
    # seconds as isoformat(timespec="seconds") does, without strftime()'s parsing of every value.
    value = compiler.process(element.clauses, **kw)
    return f"substr({value}, 1, 10) || 'T' || substr({value}, 12, 8) || '+00:00'"


@compiles(utc_iso_seconds, "postgresql")
def _utc_iso_seconds_postgresql(element, compiler, **kw) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"""to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element, compiler, **kw) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_date, "postgresql")
def _utc_date_postgresql(element, compiler, **kw) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(utc_time, "sqlite")
def _utc_time_sqlite(element, compiler, **kw) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 12, 8)"


@compiles(utc_time, "postgresql")
def _utc_time_postgresql(element, compiler, **kw) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"to_char({value} AT TIME ZONE 'UTC', 'HH24:MI:SS')"


def _as_text(column) -> ColumnElement[str]:
    """The column as `cell` writes it, rendered by the database: text, never NULL."""
    if isinstance(column.type, UTCDateTime):
        rendered = utc_iso_seconds(column)
    elif isinstance(column.type, Boolean):
        rendered = case((column.is_(True), "yes"), (column.is_(False), "no"))
    else:
        rendered = column
    return func.coalesce(rendered, "")


def count_rows(session: Session, petition_id: int, filters: ExportFilters) -> int:
    return session.scalar(
        select(func.count()).select_from(_table).where(*_conditions(petition_id, filters))
    )


def iter_batches(session: Session, query: Select, *, batch_size: int) -> Iterator[Sequence]:
    """The rows in lists of `batch_size`, fetched as they are asked for."""
    result = session.execute(query.execution_options(yield_per=batch_size))
    try:
        yield from result.partitions()
    finally:
        result.close()


def neutralise(value: str) -> str:
    """Put a quote before each piece of the cell a spreadsheet would evaluate (the whole cell
    or what follows a separator in it), so that it shows as text."""
    return _FORMULA.sub("'", value)


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return neutralise(str(value))


def csv_chunks(
    header: Sequence[str], batches: Iterable[Sequence[Sequence]], *, bom: bool = False
) -> Iterator[bytes]:
    """Pure: the CSV file in UTF-8, one piece per batch of rows (RFC 4180 line ends), cells
    written by `cell`; a BOM first if asked, so Excel reads the file as UTF-8."""
    lead = ("\ufeff" if bom else "") + _written([header])
    for batch in batches:
        yield (lead + (_joined(batch, len(header)) or _written(batch))).encode()
        lead = ""
    if lead:
        yield lead.encode()


def _written(rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [cell(value) for value in row] for row in rows
    )
    return buffer.getvalue()


def _joined(rows: Sequence[Sequence], width: int) -> str | None:
    """What `_written` would give, when every cell is text that needs neither quotes nor
    neutralising, joined without a Python step per row; None when a cell is not such text."""
    try:
        starts = set(map(_first_character, chain.from_iterable(rows)))
        text = "\r\n".join(map(",".join, rows)) + "\r\n"
    except TypeError:  # a cell that is not text
        return None
    if not starts.isdisjoint(_NEEDS_A_LOOK) or (width == 1 and "" in starts):
        return None  # a formula to neutralise, or a lone empty cell the csv module quotes
    if (";" in text or "\t" in text) and _FORMULA_INSIDE.search(text):
        return None  # a formula after a separator inside a cell
    lines = len(rows)
    if (
        text.count(",") != lines * (width - 1)
        or text.count("\n") != lines
        or text.count("\r") != lines
        or '"' in text
    ):
        return None  # a cell holding a comma, a line break or a quote: it needs quotes
    return text


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
    preset: str | None = None,
) -> AuditEvent:
    """`preset` names the preset the columns come from (None: chosen one by one)."""
    return record_event(
        session,
        EXPORT,
        actor_id=actor_id,
        origin=origin,
        details={
            "petition": petition.slug,
            "petition_id": petition.id,
            "preset": preset,
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
    """Iterate batches of rows while counting the rows."""

    def __init__(self, batches: Iterable[Sequence]):
        self._batches = batches
        self.count = 0

    def __iter__(self):
        for batch in self._batches:
            self.count += len(batch)
            yield batch
