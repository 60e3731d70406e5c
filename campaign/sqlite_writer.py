"""One writer at a time on a SQLite file, queued in the kernel instead of by SQLite's busy sleeps.

SQLite lets one transaction write at a time. A writer that finds the file locked sleeps in
growing steps (1, 2, 5, 10 ... 100 ms) before looking again, so with several worker processes
signing at once most of the time goes to sleeping after the lock is already free, and on a busy
machine the writer holding the lock may itself be descheduled. Here each connection takes an
exclusive `flock` on a file next to the database before its first write of a transaction, and
lets go when the connection goes back to the pool (after the commit or rollback): waiting
writers block in the kernel and the next one starts the moment the lock is released. Readers
never take it (WAL lets them read while one writes).

Every process that opens the database through the app (app servers, the outbox worker, the CLI)
follows the same discipline; an outside writer still works, through SQLite's own busy timeout.
"""

from __future__ import annotations

import fcntl
import os

from sqlalchemy import event
from sqlalchemy.engine import Engine

_READ_ONLY = ("SELECT", "PRAGMA", "RELEASE", "ROLLBACK", "COMMIT")
_FD = "sqlite_writer.fd"
_HELD = "sqlite_writer.held"


def serialize_writers(engine: Engine) -> None:
    database = engine.url.database
    if not database or database == ":memory:":
        return
    lock_path = os.path.abspath(database) + ".writer-lock"

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        info = conn.connection.info
        if info.get(_HELD) or statement.lstrip()[:8].upper().startswith(_READ_ONLY):
            return
        fd = info.get(_FD)
        if fd is None:
            fd = info[_FD] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        info[_HELD] = True

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        _release(record.info)

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection, record) -> None:
        _release(record.info, close=True)

    @event.listens_for(engine, "invalidate")
    def _invalidate(_dbapi_connection, record, _exception) -> None:
        _release(record.info, close=True)


def _release(info: dict, close: bool = False) -> None:
    fd = info.get(_FD)
    if fd is not None and info.pop(_HELD, None):
        fcntl.flock(fd, fcntl.LOCK_UN)
    if close and fd is not None:
        os.close(fd)
        info.pop(_FD, None)
