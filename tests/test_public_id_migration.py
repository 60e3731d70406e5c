"""The public-id migration on a database that holds signatures: each gets its own random public
id, nothing is lost, and on SQLite the recreated table keeps its indexes and AUTOINCREMENT."""

from __future__ import annotations

import os

import pytest
from conftest import _fresh_postgres_database, base_config
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from campaign import create_app
from campaign.extensions import db
from campaign.models.signatures import PUBLIC_ID_LENGTH

BEFORE = "2a4ba3609205"
HEAD = "a3f1c9d2e7b4"
SIGNERS = 5


def _databases() -> list:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture
def existing_database(request, tmp_path):
    """A database at the revision before, holding a petition and some signatures."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'existing.sqlite3'}", None
    else:
        url, drop = _fresh_postgres_database(os.environ["TEST_DATABASE_URL"])
    app = create_app(base_config(url))
    with app.app_context():
        upgrade(revision=BEFORE)
        db.session.execute(
            text(
                "INSERT INTO campaigns (id, slug, status, default_locale) "
                "VALUES (1, 'c', 'published', 'en')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO petitions (id, campaign_id, slug, status, target, default_locale, "
                "signature_count) VALUES (1, 1, 'p', 'open', 't', 'en', 2)"
            )
        )
        for n in range(1, SIGNERS + 1):
            db.session.execute(
                text(
                    "INSERT INTO signatures (petition_id, name, email, email_normalized, "
                    "country, locale, consent_text, consented_at, newsletter, created_at, "
                    "confirmed_at, emails_sent, referrer_id) VALUES (1, 'A', :email, :email, "
                    "'FR', 'en', 'ok', CURRENT_TIMESTAMP, false, CURRENT_TIMESTAMP, "
                    "CASE WHEN :n <= 2 THEN CURRENT_TIMESTAMP END, 1, "
                    "CASE WHEN :n = 2 THEN 1 END)"
                ),
                {"email": f"s{n}@example.org", "n": n},
            )
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            drop()


@pytest.mark.parametrize("existing_database", _databases(), indirect=True)
def test_every_existing_signature_gets_its_own_random_public_id(existing_database):
    app = existing_database
    with app.app_context():
        upgrade(revision=HEAD)
        rows = db.session.execute(
            text(
                "SELECT id, public_id, confirmed_at IS NOT NULL, referrer_id "
                "FROM signatures ORDER BY id"
            )
        ).all()
        assert len(rows) == SIGNERS
        public_ids = [row.public_id for row in rows]
        assert len(set(public_ids)) == SIGNERS
        assert all(len(public_id) == PUBLIC_ID_LENGTH for public_id in public_ids)
        assert [row[2] for row in rows] == [True, True, False, False, False]
        assert rows[1].referrer_id == rows[0].id  # references survive a recreated table

        for statement, values in (
            ("UPDATE signatures SET public_id = NULL WHERE id = :id", {"id": rows[0].id}),
            ("UPDATE signatures SET public_id = :p WHERE id = :id", {"p": public_ids[0], "id": 2}),
        ):
            with pytest.raises(IntegrityError), db.session.begin_nested():
                db.session.execute(text(statement), values)
        db.session.rollback()

        if db.engine.dialect.name == "sqlite":
            sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'signatures'"))
            assert "AUTOINCREMENT" in sql
            confirmed_index = db.session.scalar(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_signatures_confirmed'")
            )
            assert "WHERE confirmed_at IS NOT NULL" in confirmed_index
        db.session.commit()

        downgrade(revision=BEFORE)
        assert db.session.scalar(text("SELECT count(*) FROM signatures")) == SIGNERS
