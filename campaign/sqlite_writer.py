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
A thread that already holds the lock through one connection and writes through another does not
queue behind itself: that second connection falls back on SQLite's busy timeout, as before.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections import Counter

from sqlalchemy import event
from sqlalchemy.engine import Engine

_READ_ONLY = ("SELECT", "PRAGMA", "RELEASE", "ROLLBACK", "COMMIT")
_FD = "sqlite_writer.fd"
_HELD = "sqlite_writer.held"  # the id of the thread that took the lock through this connection
_holders: Counter[int] = Counter()
_holders_lock = threading.Lock()


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
        thread = threading.get_ident()
        if _holders[thread]:
            return
        fd = info.get(_FD)
        if fd is None:
            fd = info[_FD] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        info[_HELD] = thread
        with _holders_lock:
            _holders[thread] += 1

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
    thread = info.pop(_HELD, None)
    if fd is not None and thread is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        with _holders_lock:
            _holders[thread] -= 1
            if not _holders[thread]:
                del _holders[thread]
    if close and fd is not None:
        os.close(fd)
        info.pop(_FD, None)
