"""The migrations describe the models exactly, and go down and up again cleanly."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import _fresh_postgres_database, base_config
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, MetaData, Table, inspect

from campaign import create_app
from campaign.config import ROOT
from campaign.extensions import db
from campaign.models.types import render_migration_type

# The one campaign the data migrations' tests hang their rows on (id 1).
A_CAMPAIGN = (
    "INSERT INTO campaigns (id, slug, status, default_locale) VALUES (1, 'c', 'published', 'en')"
)


@contextmanager
def _migrating(database_url: str) -> Iterator[None]:
    """An app context on `database_url` for a migration test; its connections closed after."""
    app = create_app(base_config(database_url))
    try:
        with app.app_context():
            yield
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


TABLES = {
    "audit_events",
    "campaign_texts",
    "campaigns",
    "outbox_emails",
    "petition_texts",
    "petitions",
    "signatures",
    "users",
}


def _schema_diff(app) -> list:
    """What `flask db migrate` would generate for this database (empty = head matches models)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_item": render_migration_type},
        )
        return compare_metadata(context, db.metadata)


def _head() -> str:
    script = ScriptDirectory(str(ROOT / "migrations"))
    heads = script.get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    return heads[0]


def _current_revision(app) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_the_migrated_test_database_matches_the_models(app):
    assert _current_revision(app) == _head()
    assert _schema_diff(app) == []


def test_the_comparison_notices_a_model_change(app):
    """Guard against a comparison that would always come back empty."""
    extra = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(extra)
    Table("not_migrated", extra, Column("id", Integer, primary_key=True))
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), extra)
    assert [op[0] for op in diff] == ["add_table"]
    assert diff[0][1].name == "not_migrated"


def _fresh_databases() -> list:
    params = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        params.append("postgresql")
    return params


@pytest.fixture
def fresh_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        url, drop = _fresh_postgres_database(os.environ["TEST_DATABASE_URL"])
        yield url
        drop()


@pytest.mark.parametrize("fresh_database_url", _fresh_databases(), indirect=True)
def test_downgrade_to_base_and_upgrade_to_head_again(fresh_database_url):
    app = create_app(base_config(fresh_database_url))
    try:
        with app.app_context():
            upgrade()
            assert set(inspect(db.engine).get_table_names()) >= TABLES

            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            assert _current_revision(app) is None

            upgrade()
            assert set(inspect(db.engine).get_table_names()) >= TABLES
        assert _current_revision(app) == _head()
        assert _schema_diff(app) == []
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("fresh_database_url", _fresh_databases(), indirect=True)
def test_the_rendered_markdown_migration_renders_the_texts_already_written(fresh_database_url):
    from sqlalchemy import text

    from campaign.text.markdown import RULES

    app = create_app(base_config(fresh_database_url))
    try:
        with app.app_context():
            upgrade(revision="a3f1c9d2e7b4")
            with db.engine.begin() as connection:
                for sql in (
                    A_CAMPAIGN,
                    "INSERT INTO campaign_texts (campaign_id, locale, title, summary, body) "
                    "VALUES (1, 'en', 'C', '', 'A **bold** appeal')",
                    "INSERT INTO petitions (id, campaign_id, slug, status, target, default_locale) "
                    "VALUES (1, 1, 'p', 'open', 't', 'en')",
                    "INSERT INTO petition_texts (petition_id, locale, title, body, share_text) "
                    "VALUES (1, 'en', 'P', '<script>x()</script>*Sign*', '')",
                    "INSERT INTO statements (id, slug, kind, status, published_on, "
                    "default_locale) VALUES (1, 's', 'statement', 'published', '2026-03-01', 'en')",
                    "INSERT INTO statement_texts (statement_id, locale, title, excerpt, body) "
                    "VALUES (1, 'en', 'S', '', '[link](https://example.org)')",
                ):
                    connection.execute(text(sql))
            upgrade()
            with db.engine.connect() as connection:
                rendered = {
                    table: connection.execute(
                        text(f"SELECT body_html, body_html_rules FROM {table}")  # noqa: S608
                    ).one()
                    for table in ("campaign_texts", "petition_texts", "statement_texts")
                }
        assert rendered["campaign_texts"] == ("<p>A <strong>bold</strong> appeal</p>\n", RULES)
        html, rules = rendered["petition_texts"]
        assert "<script>" not in html and "<em>Sign</em>" in html and rules == RULES
        html, rules = rendered["statement_texts"]
        assert '<a href="https://example.org" rel="noopener noreferrer nofollow">' in html
        assert rules == RULES
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("fresh_database_url", _fresh_databases(), indirect=True)
def test_texts_per_language_migration_copies_the_target_and_folds_statements(fresh_database_url):
    from sqlalchemy import text

    with _migrating(fresh_database_url):
        upgrade(revision="c4d8e2a61f07")
        with db.engine.begin() as connection:
            for sql in (
                A_CAMPAIGN,
                "INSERT INTO petitions (id, campaign_id, slug, status, target, default_locale) "
                "VALUES (1, 1, 'p', 'open', 'The Minister', 'en')",
                "INSERT INTO petition_texts (petition_id, locale, title, body, share_text) "
                "VALUES (1, 'en', 'P', '', ''), (1, 'fr', 'P fr', '', '')",
                "INSERT INTO statements (id, slug, kind, status, published_on, "
                "default_locale) VALUES (1, 's', 'statement', 'published', '2026-03-01', 'fr')",
                "INSERT INTO statement_texts (statement_id, locale, title, excerpt, body) "
                "VALUES (1, 'fr', 'Défenseurs', 'Été', 'ÉGALITÉ')",
            ):
                connection.execute(text(sql))
        upgrade()
        with db.engine.connect() as connection:
            targets = connection.execute(
                text("SELECT locale, target FROM petition_texts ORDER BY locale")
            ).all()
            folded = connection.scalar(text("SELECT search_text FROM statement_texts"))
        assert [tuple(row) for row in targets] == [
            ("en", "The Minister"),
            ("fr", "The Minister"),
        ]
        assert folded == "defenseurs ete egalite"

        with db.engine.begin() as connection:
            connection.execute(
                text("UPDATE petition_texts SET target = 'Le ministre' WHERE locale = 'fr'")
            )
        downgrade(revision="c4d8e2a61f07")
        with db.engine.connect() as connection:
            target = connection.scalar(text("SELECT target FROM petitions"))
        assert target == "The Minister"  # the main language's wording


@pytest.mark.parametrize("fresh_database_url", _fresh_databases(), indirect=True)
def test_deadlines_passed_before_the_migration_count_as_announced(fresh_database_url):
    """Deploying it tells the webhooks of no months-old closing."""
    from sqlalchemy import text

    with _migrating(fresh_database_url):
        upgrade(revision="4954d09df3bf")
        with db.engine.begin() as connection:
            connection.execute(text(A_CAMPAIGN))
            connection.execute(
                text(
                    "INSERT INTO petitions (id, campaign_id, slug, status, closes_at, "
                    "default_locale) VALUES "
                    "(1, 1, 'passed', 'open', '2020-01-01 00:00:00', 'en'), "
                    "(2, 1, 'future', 'open', '2999-01-01 00:00:00', 'en'), "
                    "(3, 1, 'closed', 'closed', '2020-01-01 00:00:00', 'en'), "
                    "(4, 1, 'no-end', 'open', NULL, 'en')"
                )
            )
        upgrade(revision="c98d4d91251c")
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT slug, deadline_announced_at IS NOT NULL FROM petitions ORDER BY id")
            ).all()
        assert [(slug, bool(announced)) for slug, announced in rows] == [
            ("passed", True),
            ("future", False),
            ("closed", False),
            ("no-end", False),
        ]
        downgrade(revision="4954d09df3bf")


@pytest.mark.parametrize("fresh_database_url", _fresh_databases(), indirect=True)
def test_wall_posts_made_before_the_question_are_in_their_pages_language(fresh_database_url):
    """The wall's messages keep the lang and dir they were shown with before the form asked."""
    from sqlalchemy import text

    with _migrating(fresh_database_url):
        upgrade(revision="a7d3e5f90c12")
        with db.engine.begin() as connection:
            connection.execute(text(A_CAMPAIGN))
            connection.execute(
                text(
                    "INSERT INTO supporter_messages (id, campaign_id, display_name, email, "
                    "email_normalized, message, locale, consent_text, consented_at, status, "
                    "photo, photo_thumbnail) VALUES "
                    "(1, 1, 'Amal', 'a@example.org', 'a@example.org', 'لا', 'ar', 'ok', "
                    "'2026-01-01 00:00:00', 'unconfirmed', 'p.jpg', 't.jpg'), "
                    "(2, 1, 'Léa', 'l@example.org', 'l@example.org', 'Non', 'fr', 'ok', "
                    "'2026-01-01 00:00:00', 'unconfirmed', NULL, NULL)"
                )
            )
        upgrade(revision="b5e2c8a41d07")
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT message_language, photo_thumbnail_webp FROM supporter_messages "
                    "ORDER BY id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [("ar", None), ("fr", None)]
        downgrade(revision="a7d3e5f90c12")
