"""SQLite writers queue on a lock file instead of meeting SQLite's lock (campaign.sqlite_writer).

These tests use a SQLite file of their own, whatever database the suite runs on, with no busy
timeout at all: a writer that met SQLite's lock would fail at once with "database is locked".
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from campaign.sqlite_writer import serialize_writers


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}", connect_args={"timeout": 0})
    with engine.begin() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("CREATE TABLE rows (thread INTEGER, n INTEGER)"))
    serialize_writers(engine)
    yield engine
    engine.dispose()


def test_concurrent_writers_take_turns_instead_of_failing(engine):
    failures: list[Exception] = []

    def write(thread: int) -> None:
        try:
            for n in range(40):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO rows VALUES (:t, :n)"), {"t": thread, "n": n})
                    # Hold the write a moment, as a real transaction does between its statements.
                    conn.execute(text("SELECT count(*) FROM rows")).scalar()
                    conn.execute(text("INSERT INTO rows VALUES (:t, -1)"), {"t": thread})
        except Exception as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM rows")).scalar() == 6 * 40 * 2


def test_a_thread_writing_through_a_second_connection_does_not_wait_for_itself(engine):
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("INSERT INTO rows VALUES (1, 1)"))
        # The lock is this thread's own: queueing would never end. SQLite answers instead.
        with pytest.raises(OperationalError, match="locked"):
            second.execute(text("INSERT INTO rows VALUES (2, 2)"))
        first.commit()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO rows VALUES (3, 3)"))
        assert conn.execute(text("SELECT count(*) FROM rows")).scalar() == 2
