"""Configuration, read from the environment once, when the app is built."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"  # noqa: S105 (refused in production)
INSECURE_SECRET_KEYS = {"", "dev", "change-me", DEVELOPMENT_SECRET_KEY}
LOCALES = ("en", "fr", "es", "ar")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable platform."""


def _default_database_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'campaign.sqlite3'}"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URL (SQLite's busy timeout is a driver option)."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


@dataclass(frozen=True)
class Settings:
    """Everything the platform reads from its environment, with safe defaults."""

    env: str = "development"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    database_url: str = field(default_factory=_default_database_url)
    mail_url: str | None = None
    mail_from: str = "Campaigns <campaigns@localhost>"
    organisation: str = "World Organisation Against Torture"
    base_url: str = "http://127.0.0.1:5000"
    redis_url: str | None = None
    trusted_proxies: int = 0
    ratelimit_enabled: bool = True
    bench_bare_endpoint: bool = False
    upload_dir: str = str(ROOT / "instance" / "uploads")

    @classmethod
    def from_environ(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        env = environ.get("CAMPAIGN_ENV", "development").strip() or "development"
        if env not in {"development", "production", "testing"}:
            raise ConfigError(
                f"CAMPAIGN_ENV must be development, production or testing, not {env!r}"
            )
        try:
            proxies = int(environ.get("TRUSTED_PROXIES", "0") or 0)
        except ValueError as exc:
            raise ConfigError("TRUSTED_PROXIES must be a whole number") from exc
        defaults = cls()
        return cls(
            env=env,
            secret_key=environ.get(
                "SECRET_KEY", defaults.secret_key if env != "production" else ""
            ),
            database_url=environ.get("DATABASE_URL") or defaults.database_url,
            mail_url=environ.get("MAIL_URL") or None,
            mail_from=environ.get("MAIL_FROM") or defaults.mail_from,
            organisation=environ.get("ORGANISATION_NAME") or defaults.organisation,
            base_url=(environ.get("BASE_URL") or defaults.base_url).rstrip("/"),
            redis_url=environ.get("REDIS_URL") or None,
            trusted_proxies=proxies,
            ratelimit_enabled=_flag(environ.get("RATELIMIT_ENABLED"), True),
            bench_bare_endpoint=_flag(environ.get("BENCH_BARE_ENDPOINT"), False),
            upload_dir=environ.get("UPLOAD_DIR") or defaults.upload_dir,
        )

    def check(self) -> None:
        """Refuse configurations that would be unsafe in production."""
        if self.env == "production":
            if self.secret_key in INSECURE_SECRET_KEYS or len(self.secret_key) < 32:
                raise ConfigError(
                    "SECRET_KEY must be set to a random value of at least 32 characters in "
                    "production (for example: "
                    "python -c 'import secrets; print(secrets.token_hex(32))')"
                )
            if not self.mail_url:
                raise ConfigError("MAIL_URL must point at an SMTP server in production")
        if self.trusted_proxies < 0:
            raise ConfigError("TRUSTED_PROXIES cannot be negative")

    def flask_config(self) -> dict[str, Any]:
        """The Flask configuration keys these settings imply."""
        production = self.env == "production"
        return {
            "CAMPAIGN_ENV": self.env,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "MAIL_URL": self.mail_url,
            "MAIL_FROM": self.mail_from,
            "ORGANISATION_NAME": self.organisation,
            "BASE_URL": self.base_url,
            "REDIS_URL": self.redis_url,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
            "TESTING": self.env == "testing",
            "SESSION_COOKIE_SECURE": production,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
            # Uploads are capped per route; this is the ceiling for any request body.
            "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
            "MAX_FORM_MEMORY_SIZE": 64 * 1024,
            "MAX_FORM_PARTS": 200,
            "MAX_SIGN_FORM_BYTES": 16 * 1024,
            "WTF_CSRF_TIME_LIMIT": None,
            "SIGNATURE_TOKEN_MAX_AGE": 30 * 24 * 3600,
            "ENDORSEMENT_TOKEN_MAX_AGE": 30 * 24 * 3600,
            "MAX_EMAILS_PER_SIGNATURE": 5,
            "BABEL_DEFAULT_LOCALE": "en",
            "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
            "PUBLIC_CACHE_SECONDS": 5,
            # Staff sessions: the cookie lives as long as the longest session may.
            "PERMANENT_SESSION_LIFETIME": 8 * 3600,
            "STAFF_SESSION_IDLE_SECONDS": 30 * 60,
            "STAFF_SESSION_MAX_SECONDS": 8 * 3600,
            "PASSWORD_RESET_MAX_AGE": 3600,
            "INVITATION_MAX_AGE": 7 * 24 * 3600,
            "UPLOAD_DIR": self.upload_dir,
            "HERO_IMAGE_MAX_BYTES": 5 * 1024 * 1024,
            "HERO_IMAGE_MAX_SIDE": 4000,
            "EXPORT_BATCH_SIZE": 2000,
            # campaign purge: how long pending signatures, and closed petitions' signers, stay.
            "PURGE_PENDING_DAYS": 30,
            "PURGE_CLOSED_MONTHS": 12,
            "BENCH_BARE_ENDPOINT": self.bench_bare_endpoint,
            # How long each worker process reuses a rendered public page (campaign.pagecache).
            "PAGE_CACHE_SECONDS": 2,
        }
