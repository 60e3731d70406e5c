"""SQLite's write-ahead log emptied of overwritten values (campaign.database.forget_overwritten),
on a SQLite file of its own whatever database the suite runs on."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, event

from campaign.database import BUSY_TIMEOUT_MS, _sqlite_pragmas, forget_overwritten


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'checkpoint.sqlite3'}")
    event.listen(engine, "connect", _sqlite_pragmas)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE secrets (value TEXT)")
        conn.exec_driver_sql("INSERT INTO secrets VALUES ('first')")
    yield engine
    engine.dispose()


def reading_behind_a_write(engine):
    """A connection reading the table as it was, and a write committed after its snapshot."""
    reader = engine.connect()
    reader.exec_driver_sql("BEGIN")
    reader.exec_driver_sql("SELECT value FROM secrets").all()
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE secrets SET value = 'second'")
    return reader


def test_a_checkpoint_told_not_to_wait_gives_way_to_a_reader(engine, tmp_path):
    reader = reading_behind_a_write(engine)
    # Were it to wait for the reader, the reader would be gone by then and the checkpoint done.
    ends = threading.Timer(2.0, reader.close)
    ends.start()
    try:
        assert forget_overwritten(engine, wait=False) is False
    finally:
        ends.cancel()
        reader.close()
    assert forget_overwritten(engine, wait=False) is True
    assert (tmp_path / "checkpoint.sqlite3-wal").stat().st_size == 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS


def test_a_checkpoint_that_may_wait_waits_for_the_reader(engine):
    reader = reading_behind_a_write(engine)
    ends = threading.Timer(0.5, reader.close)
    ends.start()
    try:
        assert forget_overwritten(engine) is True
    finally:
        ends.join()
