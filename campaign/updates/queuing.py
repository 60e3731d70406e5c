"""Queuing an update into the outbox, a batch at a time, from the worker (never in a request).

Each batch is one transaction: the emails of the next `batch` recipients after the update's
cursor, and the cursor moved past them. A job killed at any point has either queued a batch and
moved the cursor, or done neither; the outbox's unique (update, mailbox) index makes a batch run
twice (two workers, a retried transaction) insert nothing the second time. So a million
recipients are queued in bounded memory, survive restarts and are never written to twice.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import Connection, and_, or_, select, sql, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from campaign.integrations.events import update_sent
from campaign.mail.emails import EmailTemplate, RenderedEmail, email_template
from campaign.mail.suppressions import unsubscribe_links
from campaign.models import OutboxBody, OutboxEmail, Petition, Update
from campaign.updates.audience import next_recipients
from campaign.web.i18n import language_name, organisation_name

BATCH = 2000


def due_updates(session: Session, *, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Update.id)
            .where(
                or_(
                    and_(Update.status == "scheduled", Update.send_at <= now),
                    Update.status == "queuing",
                )
            )
            .order_by(Update.send_at, Update.id)
        )
    )


def queue_due_updates(session: Session, now: datetime, *, batch: int = BATCH) -> int:
    """Queue the next batch of every due update; the number of emails queued.

    The worker calls this on each round, so a large update goes out in steps between deliveries.
    """
    queued = 0
    for update_id in due_updates(session, now=now):
        queued += queue_next_batch(session, update_id, now=now, batch=batch)
    return queued


def queue_next_batch(session: Session, update_id: int, *, now: datetime, batch: int) -> int:
    """Queue the next `batch` recipients of one update and commit; the number of emails queued.

    An update whose recipients are all queued is marked `queued`.
    """
    item = session.scalar(select(Update).where(Update.id == update_id).with_for_update(of=Update))
    if item is None or item.status not in ("scheduled", "queuing") or item.send_at > now:
        session.rollback()
        return 0
    petition = item.petition
    start = item.cursor
    audience = next_recipients(petition, campaign_wide=item.campaign_wide, after=start, limit=batch)
    rows = session.execute(audience).all()
    inserted = _insert(session, _emails(session, item, rows, now=now)) if rows else 0
    values: dict[str, object] = {
        "status": "queuing" if len(rows) == batch else "queued",
        "cursor": rows[-1].id if rows else start,
        "queued_count": Update.queued_count + inserted,
        "skipped_count": Update.skipped_count + len(rows) - inserted,
    }
    if len(rows) < batch:
        values["queued_at"] = now
    # Guarded by the cursor and status read above: on SQLite, where FOR UPDATE does not exist,
    # a second worker that queued the same batch, or staff who cancelled the update, meanwhile
    # make this one roll back.
    moved = session.execute(
        update(Update)
        .where(Update.id == update_id, Update.cursor == start, Update.status == item.status)
        .values(**values)
    )
    if moved.rowcount != 1:
        session.rollback()
        return 0
    if len(rows) < batch:
        session.refresh(item)
        update_sent(session, item, now=now)
    session.commit()
    return inserted


def _emails(session: Session, item: Update, rows, *, now: datetime) -> list[dict[str, object]]:
    unsubscribe_url = unsubscribe_links(current_app.config["SECRET_KEY"], update_id=item.id)
    # Campaign-wide, each reader is told which of the campaign's petitions they signed.
    petitions = {p.id: p for p in item.petition.campaign.petitions}
    shared: dict[tuple[str, int], tuple[int, RenderedEmail]] = {}
    emails = []
    for row in rows:
        key = (row.locale, row.petition_id)
        if key not in shared:
            template = update_email(item, petitions[row.petition_id], row.locale)
            shared[key] = (_shared_body(session, item, key, template), template.email)
        body_id, email = shared[key]
        emails.append(
            {
                "kind": email.kind,
                "to_address": row.email,
                "subject": email.subject,
                "text_body": "",
                "html_body": "",
                "locale": email.locale,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                "update_id": item.id,
                "recipient_key": row.email_normalized,
                "list_unsubscribe": unsubscribe_url(row.public_id, row.locale),
                "body_id": body_id,
                "erase_when_done": False,
            }
        )
    return emails


def _shared_body(
    session: Session, item: Update, key: tuple[str, int], template: EmailTemplate
) -> int:
    """The id of the body (OutboxBody) the update's readers of `key` (their language, the
    petition they signed) share, written by the first batch that needs it. Its subject holds
    no placeholder (the update's own), so each row keeps it as it is."""
    locale, petition_id = key
    table = OutboxBody.__table__
    session.execute(
        _dialect(session)
        .insert(table)
        .values(
            update_id=item.id,
            locale=locale,
            petition_id=petition_id,
            text_body=template.email.text_body,
            html_body=template.email.html_body,
            placeholder=template.placeholders["unsubscribe_url"],
        )
        .on_conflict_do_nothing(index_elements=["update_id", "locale", "petition_id"])
    )
    return session.scalar(
        select(table.c.id).where(
            table.c.update_id == item.id,
            table.c.locale == locale,
            table.c.petition_id == petition_id,
        )
    )


def _dialect(session: Session):
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def update_email(item: Update, signed: Petition, reader_locale: str) -> EmailTemplate:
    """The update as a reader of `reader_locale` who signed `signed` gets it, with a
    placeholder for the unsubscribe link."""
    text_ = item.text_for(reader_locale)
    return email_template(
        "update",
        locale=reader_locale,
        fields=("unsubscribe_url",),
        **update_context(item, text_, signed, reader_locale),
    )


def update_context(item: Update, text_, signed: Petition, reader_locale: str) -> dict[str, str]:
    fallback = "" if text_.locale == reader_locale else language_name(text_.locale, reader_locale)
    return {
        "organisation": organisation_name(reader_locale),
        "petition_title": signed.text_for(reader_locale).title,
        "text_locale": text_.locale,
        "fallback_language": fallback,
        "update_subject": text_.subject,
        "update_body": text_.body,
        "update_body_html": str(text_.body_markup()),
    }


@cache
def _insert_sql(dialect: Dialect, columns: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
    """The INSERT that skips a mailbox which has this update already, compiled once for the
    driver: its SQL and, for a driver taking positional parameters, their order."""
    module = postgresql if dialect.name == "postgresql" else sqlite
    statement = module.insert(OutboxEmail.__table__).on_conflict_do_nothing(
        index_elements=["update_id", "recipient_key"],
        index_where=text("update_id IS NOT NULL"),
    )
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    return compiled.string, tuple(compiled.positiontup) if compiled.positional else None


def _insert(session: Session, emails: list[dict[str, object]]) -> int:
    """Insert the emails, skipping a mailbox that has this update already; how many went in."""
    connection = session.connection()
    _convert_timestamps(connection.dialect, emails)
    if connection.dialect.name == "postgresql":
        return _copy_in(connection, emails)
    return _insert_many(connection, emails)


def _convert_timestamps(dialect: Dialect, emails: list[dict[str, object]]) -> None:
    """The rows go to the driver as they are: only the timestamps need their column type's
    conversion, and they are the same for the whole batch."""
    table = OutboxEmail.__table__
    for column in ("created_at", "next_attempt_at"):
        processor = table.c[column].type.bind_processor(dialect)
        if processor is not None:
            converted = {value: processor(value) for value in {e[column] for e in emails}}
            for email in emails:
                email[column] = converted[email[column]]


def _insert_many(connection: Connection, emails: list[dict[str, object]]) -> int:
    """SQLite: the driver's executemany, one short statement for them all (SQLAlchemy's
    multi-row INSERT of a batch has 30,000 placeholders). It adds up the row counts; a row
    skipped by ON CONFLICT counts none."""
    sql, order = _insert_sql(connection.dialect, tuple(emails[0]))
    parameters = [tuple(e[name] for name in order) for e in emails] if order else emails
    return connection.exec_driver_sql(sql, parameters).rowcount


def _copy_in(connection: Connection, emails: list[dict[str, object]]) -> int:
    """PostgreSQL: the rows are streamed by COPY into a temporary table, emptied at commit,
    and moved into the outbox by one INSERT ... SELECT that skips a mailbox the update has
    already (COPY itself cannot skip). Row by row, even pipelined, the statements' round
    trips and parsing took half of queuing a million."""
    columns = tuple(emails[0])
    create, copy, move = _copy_sql(connection.dialect, columns)
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(create)
        with cursor.copy(copy) as stream:
            for email in emails:
                stream.write_row(tuple(email[name] for name in columns))
        cursor.execute(move)
        return cursor.rowcount


_INCOMING = "outbox_emails_incoming"


@cache
def _copy_sql(dialect: Dialect, columns: tuple[str, ...]) -> tuple[str, str, str]:
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    incoming = sql.table(_INCOMING, *(sql.column(name) for name in columns))
    move = (
        postgresql.insert(OutboxEmail.__table__)
        .from_select(list(columns), select(*incoming.c))
        .on_conflict_do_nothing(
            index_elements=["update_id", "recipient_key"],
            index_where=text("update_id IS NOT NULL"),
        )
    )
    return (
        # Without the outbox's constraints or defaults: what COPY writes is checked when it
        # moves into the outbox, and takes no id from its sequence on the way.
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_INCOMING} ON COMMIT DELETE ROWS "  # noqa: S608
        f"AS SELECT {names} FROM outbox_emails WITH NO DATA",
        f"COPY {_INCOMING} ({names}) FROM STDIN",
        str(move.compile(dialect=dialect)),
    )
