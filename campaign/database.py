"""Engine set-up: SQLite gets WAL and a busy timeout so readers and a writer can share it;
a server database's pooled connections are checked before use when they sat idle. And the two
ways the busiest requests spare round trips to a server database: a read with no transaction
around it, and a write made by the statement that follows it."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import Flask
from sqlalchemy import Engine, Executable, Insert, Result, Update, event, exc
from sqlalchemy.orm import Session

from campaign.extensions import db
from campaign.sqlite_writer import serialize_writers

# How long an SQLite connection waits for a lock held by another before it gives up.
BUSY_TIMEOUT_MS = 30_000
# A pooled connection unused for longer than this is checked (a round trip) before it is
# handed out: the database may have restarted, or closed it, meanwhile.
PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "campaign.returned_at"


def init_database(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            event.listen(db.engine, "savepoint", _sqlite_begin_before_savepoint)
            serialize_writers(db.engine)
        else:
            ping_idle_connections(db.engine)


def ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before handing it out, only if it sat idle for a while.

    Checking every one (SQLAlchemy's `pool_pre_ping`) cost each request a round trip to the
    database, a fifth of a confirmation's time on a busy PostgreSQL. A connection in use a
    moment ago is alive, or the database went away just now, which the requests then under way
    meet whatever is checked (the first to fail has the pool replace every connection).
    """

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection, record) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def handing_out(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            # The pool closes this one and hands out a new connection instead.
            raise exc.DisconnectionError("the pooled connection is gone")


def reads_only(session: Session) -> None:
    """Let `session` run what it does next without a transaction, until it is closed: for a
    request that makes one read and writes nothing.

    On PostgreSQL the driver opens every transaction with a BEGIN of its own and the request
    ends it with a ROLLBACK, each a round trip that waits on a busy server: two of the three a
    confirmation link's page made. Under autocommit the read is the only one. A session already
    in a transaction keeps it (its connection is chosen). SQLite opens no transaction to read.
    """
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@dataclass(frozen=True)
class Write:
    """An INSERT and its parameters, to be made in the caller's transaction."""

    statement: Insert
    params: dict[str, Any]


def run_after(session: Session, write: Write | None, statement: Update, params: dict) -> Result:
    """Make `write`, then run `statement` (whose parameters are named apart from the write's).

    On PostgreSQL both go as one statement, the write a data-modifying WITH: one round trip
    less in the transaction. It sees what the transaction wrote before, as it would alone.
    """
    if write is None:
        return session.execute(statement, params)
    if session.get_bind().dialect.name != "postgresql":
        session.execute(write.statement, write.params)
        return session.execute(statement, params)
    return session.execute(_with_write(statement, write.statement), {**write.params, **params})


@cache
def _with_write(statement: Update, write: Insert) -> Executable:
    # Built once per pair: both are statements made once, at import.
    return statement.add_cte(write.cte("written"))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten values are zeroed in the file, not left in free space: emptied
    # emails of protected signers (campaign.mail.outbox) must be gone from the bytes on disk.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def forget_overwritten(engine: Engine, *, wait: bool = True) -> bool:
    """Make values overwritten since the last call unreadable on disk; True when done.

    PostgreSQL: nothing to do here (a dump holds live rows only; VACUUM reclaims dead ones).
    SQLite: secure_delete zeroes them in the database file, but the write-ahead log still holds
    the earlier page images until it is checkpointed and truncated. That takes the write lock
    and waits for readers (busy_timeout), and may be refused while one is still reading: False,
    try again later. Without `wait` it gives up at once instead: a checkpoint waiting for the
    readers of a busy site would hold every signer's write back all that time.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        if not wait:
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            busy, _log_pages, _moved = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).one()
        finally:
            if not wait:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return busy == 0


def _sqlite_begin_before_savepoint(connection, _name) -> None:
    """Open the transaction a SAVEPOINT belongs to.

    pysqlite begins a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued first
    would itself open the transaction, and releasing it would commit everything so far.
    """
    driver_connection = connection.connection.driver_connection
    if not driver_connection.in_transaction:
        driver_connection.execute("BEGIN")
