"""Engine set-up: SQLite gets WAL and a busy timeout so readers and a writer can share it."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import event

from campaign.extensions import db
from campaign.sqlite_writer import serialize_writers


def init_database(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            event.listen(db.engine, "savepoint", _sqlite_begin_before_savepoint)
            serialize_writers(db.engine)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_before_savepoint(connection, _name) -> None:
    """Open the transaction a SAVEPOINT belongs to.

    pysqlite begins a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued first
    would itself open the transaction, and releasing it would commit everything so far.
    """
    driver_connection = connection.connection.driver_connection
    if not driver_connection.in_transaction:
        driver_connection.execute("BEGIN")
