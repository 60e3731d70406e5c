"""The app factory, its configuration checks, locale negotiation, health, SQLite set-up and the
CLI commands (demo content, staff accounts)."""

from __future__ import annotations

import pytest
from conftest import base_config
from sqlalchemy import func, select, text

from campaign import create_app
from campaign.config import DEVELOPMENT_SECRET_KEY, ConfigError
from campaign.extensions import db
from campaign.models import Campaign, CampaignText, Petition, PetitionText, Signature, User
from campaign.staff.accounts import password_matches

GOOD_KEY = "0123456789abcdef" * 4


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """A complete production environment; tests remove or spoil one variable."""
    monkeypatch.setenv("CAMPAIGN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("MAIL_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    return monkeypatch


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "secret_key", [None, "", "dev", "change-me", DEVELOPMENT_SECRET_KEY, "s" * 31]
)
def test_production_refuses_a_missing_default_or_short_secret_key(production_env, secret_key):
    if secret_key is None:
        production_env.delenv("SECRET_KEY")
    else:
        production_env.setenv("SECRET_KEY", secret_key)

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_mail_url(production_env):
    production_env.delenv("MAIL_URL")
    with pytest.raises(ConfigError, match="MAIL_URL"):
        create_app()


@pytest.mark.parametrize(
    ("name", "value"),
    [("CAMPAIGN_ENV", "staging"), ("TRUSTED_PROXIES", "two"), ("TRUSTED_PROXIES", "-1")],
)
def test_nonsense_settings_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app()


def test_production_with_good_settings_starts_without_the_dev_mailbox(production_env):
    app = create_app()
    try:
        assert app.config["CAMPAIGN_ENV"] == "production"
        assert app.config["SECRET_KEY"] == GOOD_KEY
        assert app.config["TESTING"] is False
        assert app.config["DEV_MAILBOX"] is False
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
        assert not any(rule.rule.startswith("/dev/") for rule in app.url_map.iter_rules())
        client = app.test_client()
        assert client.get("/dev/mailbox/").status_code == 404
        health = client.get("/healthz")
        assert health.status_code == 200
    finally:
        _dispose(app)


def test_the_dev_mailbox_exists_where_no_smtp_is_set(client):
    response = client.get("/dev/mailbox/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [
        ("es-ES,es;q=0.9,en;q=0.8", "es"),
        ("fr-CA", "fr"),
        ("de-DE, ar;q=0.5", "ar"),
        ("de-DE,de;q=0.9", "en"),
        ("zz", "en"),
        (None, "en"),
    ],
)
def test_the_root_redirects_by_accept_language(client, accept_language, lang):
    headers = {"Accept-Language": accept_language} if accept_language else {}

    response = client.get("/", headers=headers)

    assert response.status_code in (301, 302, 303, 307, 308)
    assert response.headers["Location"].endswith(f"/{lang}/")
    assert "Accept-Language" in response.headers["Vary"]
    assert client.get(response.headers["Location"]).status_code == 200


def test_pages_say_their_language_and_direction(client):
    assert b'<html lang="ar" dir="rtl">' in client.get("/ar/").get_data()
    assert b'<html lang="fr" dir="ltr">' in client.get("/fr/").get_data()


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'missing-dir' / 'x.sqlite3'}"))
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["database"] == "unreachable"
    finally:
        _dispose(app)


def test_sqlite_uses_wal_a_busy_timeout_and_foreign_keys(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'wal.sqlite3'}"))
    try:
        with app.app_context():
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30000
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        _dispose(app)


def test_the_test_database_is_set_up_for_its_engine(app):
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert "timeout" in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
        else:
            assert db.engine.dialect.name == "postgresql"
            assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"hide_parameters": True}
            assert db.session.execute(text("SELECT 1")).scalar() == 1


# --- campaign demo ---------------------------------------------------------------------------


def _table_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Campaign, CampaignText, Petition, PetitionText, Signature)
        }


def test_demo_loads_once_and_is_idempotent(app, runner):
    first = runner.invoke(args=["demo"])
    counts = _table_counts(app)
    second = runner.invoke(args=["demo"])

    assert first.exit_code == 0, first.output
    assert "demo content loaded" in first.output
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert _table_counts(app) == counts
    assert counts["Campaign"] == 1
    assert counts["CampaignText"] == 4  # en, fr, es, ar


def test_demo_petitions_are_open_and_their_counters_match_confirmed_rows(app, runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0

    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert (campaign.slug, campaign.hashtag, campaign.status) == (
            "humans-against-torture",
            "HumansAgainstTorture",
            "published",
        )
        petitions = db.session.scalars(select(Petition).order_by(Petition.id)).all()
        assert len(petitions) == 2
        for petition in petitions:
            assert petition.is_open(petition.created_at)
            assert sorted(petition.locales) == ["ar", "en", "es", "fr"]
            confirmed = db.session.scalar(
                select(func.count())
                .select_from(Signature)
                .where(Signature.petition_id == petition.id, Signature.confirmed_at.is_not(None))
            )
            pending = db.session.scalar(
                select(func.count())
                .select_from(Signature)
                .where(Signature.petition_id == petition.id, Signature.confirmed_at.is_(None))
            )
            assert 200 <= confirmed < 1000
            assert pending > 0
            assert petition.signature_count == confirmed
        slugs = [p.slug for p in petitions]

    listed = client.get("/api/v1/petitions").get_json()["petitions"]
    assert [p["slug"] for p in listed] == slugs
    assert client.get("/en/campaigns/humans-against-torture").status_code == 200
    assert b"#HumansAgainstTorture" in client.get(f"/ar/petitions/{slugs[0]}").get_data()


# --- campaign users create -------------------------------------------------------------------


def test_users_create_makes_an_argon2_hashed_account(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Admin@Example.ORG",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="correct horse battery staple\n",
    )

    assert result.exit_code == 0, result.output
    assert "created admin account admin@example.org" in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role, user.active) == ("admin@example.org", "admin", True)
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash
        assert password_matches(user.password_hash, "correct horse battery staple")
        assert not password_matches(user.password_hash, "correct horse battery stapler")


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--email", "a@example.org", "--role", "admin"], "short\n", "at least 12"),
        (["--email", "not-an-email", "--role", "admin"], "long enough password\n", "not a valid"),
        (["--email", "a@example.org", "--role", "owner"], "long enough password\n", "owner"),
    ],
)
def test_users_create_refuses_bad_accounts(app, runner, args, password, message):
    result = runner.invoke(args=["users", "create", *args, "--password-stdin"], input=password)

    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_refuses_a_second_account_with_the_same_email(app, runner):
    args = ["users", "create", "--email", "a@example.org", "--role", "exporter", "--password-stdin"]
    assert runner.invoke(args=args, input="long enough password\n").exit_code == 0

    again = runner.invoke(
        args=[*args[:3], "A@Example.org", *args[4:]], input="another password 1\n"
    )

    assert again.exit_code != 0
    assert "exists already" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_mail_server_given_to_the_factory_turns_the_development_mailbox_off(make_app):
    app = make_app(MAIL_URL="smtp://127.0.0.1:2525")
    assert "devmail.inbox" not in app.view_functions
    assert "devmail.inbox" in make_app().view_functions
