"""The goal-milestones migration on a database that holds petitions: goals reached before it
count as announced, so deploying it emails no team about old news."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from flask_migrate import downgrade, upgrade

from campaign import create_app
from campaign.extensions import db

BEFORE = "5b1d7c2e9f40"
MILESTONES = "c4d8e2a61f07"


def test_goals_reached_before_the_migration_count_as_announced(tmp_path):
    path = tmp_path / "existing.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "x" * 40, "TESTING": True}
    )
    with app.app_context():
        upgrade(revision=BEFORE)
        db.engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(
            """
            INSERT INTO campaigns (id, slug, status, default_locale)
                VALUES (1, 'c', 'published', 'en');
            INSERT INTO petitions (id, campaign_id, slug, status, target, default_locale,
                                   signature_count, goal)
                VALUES (1, 1, 'reached', 'open', 't', 'en', 1200, 1000),
                       (2, 1, 'under', 'open', 't', 'en', 999, 1000),
                       (3, 1, 'no-goal', 'open', 't', 'en', 5, NULL);
            """
        )
    with app.app_context():
        upgrade(revision=MILESTONES)
        db.engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT slug, goal_reached_notified, raise_goal_automatically FROM petitions"
            " ORDER BY id"
        ).fetchall()
        assert rows == [("reached", 1000, 0), ("under", None, 0), ("no-goal", None, 0)]
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE petitions SET goal_reached_notified = 0 WHERE id = 2")
    with app.app_context():
        downgrade(revision=BEFORE)
        db.engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM petitions").fetchone() == (3,)
