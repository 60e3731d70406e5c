"""The staff-workspace migration on a SQLite database that holds data: SQLite recreates the
tables whose check constraints change, and no signature may be lost on the way."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from flask_migrate import downgrade, upgrade

from campaign import create_app
from campaign.extensions import db

BEFORE = "5e0bcecd93c2"
HEAD = "818cd937af1b"


def test_upgrade_keeps_signatures_and_accepts_previews(tmp_path):
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
                                   signature_count, closes_at)
                VALUES (1, 1, 'p', 'closed', 't', 'en', 1, '2025-01-01 00:00:00.000000');
            INSERT INTO petition_texts (petition_id, locale, title, body, share_text)
                VALUES (1, 'en', 'T', '', '');
            INSERT INTO signatures (petition_id, name, email, email_normalized, country, locale,
                                    consent_text, consented_at, confirmed_at)
                VALUES (1, 'A', 'a@example.org', 'a@example.org', 'FR', 'en', 'ok',
                        '2024-12-01 00:00:00', '2024-12-01 00:00:00');
            """
        )
    with app.app_context():
        upgrade(revision=HEAD)
        db.engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM signatures").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM petition_texts").fetchone() == (1,)
        closed_at = conn.execute("SELECT closed_at FROM petitions").fetchone()[0]
        assert closed_at.startswith("2025-01-01")  # closed petitions count as closed at deadline
        conn.execute("UPDATE petitions SET status = 'preview'")
        conn.execute("UPDATE campaigns SET status = 'preview'")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.commit()
    with app.app_context():
        downgrade(revision=BEFORE)  # previews fall back to drafts, data stays
        db.engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT status FROM petitions").fetchone() == ("draft",)
        assert conn.execute("SELECT count(*) FROM signatures").fetchone() == (1,)
