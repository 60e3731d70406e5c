"""Configuration, read from the environment once, when the app is built."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

PACKAGE = Path(__file__).resolve().parent
# Templates, static files, catalogues and migrations: beside the package in a checkout, inside
# it once installed from a wheel (build_support/package_data.py copies them there).
INSTALLED = (PACKAGE / "templates").is_dir()
ROOT = PACKAGE if INSTALLED else PACKAGE.parent
# The database file and uploads by default: never inside an installed package, where an upgrade
# would delete them; the virtual environment's var/ then, as Flask itself would choose.
INSTANCE = Path(sys.prefix) / "var" / "campaign-instance" if INSTALLED else ROOT / "instance"
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"  # noqa: S105 (refused in production)
INSECURE_SECRET_KEYS = {"", "dev", "change-me", DEVELOPMENT_SECRET_KEY}
LOCALES = ("en", "fr", "es", "ar")
RATE_LIMIT_KEYS = (
    "SIGN_RATE_LIMIT",
    "RESEND_RATE_LIMIT",
    "ENDORSE_RATE_LIMIT",
    "LOGIN_RATE_LIMIT",
    "LOGIN_ACCOUNT_RATE_LIMIT",
    "PASSWORD_RESET_RATE_LIMIT",
    "INVITATION_RATE_LIMIT",
    "STAFF_API_RATE_LIMIT",
    "RECEIPT_RATE_LIMIT",
    "WALL_POST_RATE_LIMIT",
    "WALL_REPORT_RATE_LIMIT",
)
# Which addresses are one mailbox (campaign.mail.addresses): Gmail ignores dots and "+tags" and
# answers on two domains; most other providers deliver "name+tag" to "name". A domain mapped to
# {} keeps its addresses as typed (lowercased).
DEFAULT_EMAIL_NORMALIZATION: dict[str, dict[str, Any]] = {
    "gmail.com": {"drop_dots": True, "drop_tags": True},
    "googlemail.com": {"domain": "gmail.com", "drop_dots": True, "drop_tags": True},
    "*": {"drop_tags": True},
}
# The organisation's name in each language, used while ORGANISATION_NAME is not set (the demo
# is OMCT's): a deployment that names itself names itself in every language unless it sets
# ORGANISATION_NAME_FR, _ES, _AR (or _EN) too.
DEFAULT_ORGANISATION_NAMES = {
    "en": "World Organisation Against Torture",
    "fr": "Organisation Mondiale Contre la Torture",
    "es": "Organización Mundial Contra la Tortura",
    "ar": "المنظمة العالمية لمناهضة التعذيب",
}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable platform."""


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE / 'campaign.sqlite3'}"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


_DURATION = re.compile(r"(\d+)([smhd]?)")
_DURATION_UNITS = {"s": "seconds", "": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`30m`, `24h`, `2d`, `0s` or a number of seconds; raises ValueError."""
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        raise ValueError(f"not a duration like 30m, 24h or 0s: {text!r}")
    amount, unit = found.groups()
    return timedelta(**{_DURATION_UNITS[unit]: int(amount)})


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URL (SQLite's busy timeout is a driver option).

    Statement parameters hold signers' names and emails: they are kept out of error messages
    and SQL logs, which end up in log files and error trackers.
    """
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    # Pooled connections are checked only after sitting idle (campaign.database).
    return {"hide_parameters": True}


@dataclass(frozen=True)
class Settings:
    """Everything the platform reads from its environment, with safe defaults."""

    env: str = "development"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    database_url: str = field(default_factory=_default_database_url)
    mail_url: str | None = None
    # Without a display name, emails go out under the organisation's name.
    mail_from: str = "campaigns@localhost"
    organisation: str = DEFAULT_ORGANISATION_NAMES["en"]
    organisation_names: tuple[tuple[str, str], ...] = tuple(DEFAULT_ORGANISATION_NAMES.items())
    # Closing dates are shown on this clock (an IANA name such as Europe/Zurich).
    organisation_timezone: str = "UTC"
    base_url: str = "http://127.0.0.1:5000"
    redis_url: str | None = None
    trusted_proxies: int = 0
    ratelimit_enabled: bool = True
    bench_bare_endpoint: bool = False
    signing_paused: bool = False
    disposable_domains_file: str | None = None
    security_contact: str | None = None
    privacy_contact: str | None = None
    outbox_lease_seconds: int = 300
    ratelimit_key_prefix: str = "campaign"
    rate_limits: tuple[tuple[str, str], ...] = ()
    upload_dir: str = str(INSTANCE / "uploads")
    # How long a signer may leave a signature pending before the one reminder; zero: never.
    reminder_after: timedelta = timedelta(hours=24)
    # Webhooks to http:// and to private, loopback or link-local addresses: refused in
    # production unless WEBHOOKS_ALLOW_HTTP=1 (an endpoint on the organisation's own network).
    webhooks_allow_http: bool = True
    # The Ed25519 key that signs delivery packs (`campaign keys generate` makes it).
    delivery_key_file: str = str(INSTANCE / "delivery-key.pem")
    # Where the Noto fonts of the delivery summary are (Debian's fonts-noto-core).
    delivery_font_dir: str = "/usr/share/fonts/truetype/noto"
    # Countries with fewer confirmed signatures are shown together as "other".
    country_min_count: int = 10
    # Readers' reports that hide a post on a wall of support until staff look at it.
    wall_report_threshold: int = 3
    # Operations (docs/deployment.md): when waiting mail counts as late, where alerts go, the
    # bearer token that opens /metrics (unset: no metrics), and the log lines' shape.
    mail_late_after: timedelta = timedelta(minutes=5)
    alert_email: str | None = None
    metrics_token: str | None = None
    log_format: str = "text"

    @classmethod
    def from_environ(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        env = environ.get("CAMPAIGN_ENV", "development").strip() or "development"
        if env not in {"development", "production", "testing"}:
            raise ConfigError(
                f"CAMPAIGN_ENV must be development, production or testing, not {env!r}"
            )
        proxies = _whole_number(environ, "TRUSTED_PROXIES", 0)
        lease = _whole_number(environ, "OUTBOX_LEASE_SECONDS", cls.outbox_lease_seconds)
        try:
            reminder_after = parse_duration(environ.get("REMINDER_AFTER") or "24h")
        except ValueError as exc:
            raise ConfigError(f"REMINDER_AFTER: {exc}") from None
        try:
            mail_late_after = parse_duration(environ.get("MAIL_LATE_AFTER") or "5m")
        except ValueError as exc:
            raise ConfigError(f"MAIL_LATE_AFTER: {exc}") from None
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
            organisation_names=_organisation_names(environ),
            organisation_timezone=(
                environ.get("ORGANISATION_TIMEZONE") or defaults.organisation_timezone
            ),
            base_url=(environ.get("BASE_URL") or defaults.base_url).rstrip("/"),
            redis_url=environ.get("REDIS_URL") or None,
            trusted_proxies=proxies,
            ratelimit_enabled=_flag(environ.get("RATELIMIT_ENABLED"), True),
            bench_bare_endpoint=_flag(environ.get("BENCH_BARE_ENDPOINT"), False),
            signing_paused=_flag(environ.get("SIGNING_PAUSED"), False),
            disposable_domains_file=environ.get("DISPOSABLE_EMAIL_DOMAINS_FILE") or None,
            security_contact=environ.get("SECURITY_CONTACT") or None,
            privacy_contact=environ.get("PRIVACY_CONTACT") or None,
            outbox_lease_seconds=lease,
            ratelimit_key_prefix=(
                environ.get("RATELIMIT_KEY_PREFIX") or defaults.ratelimit_key_prefix
            ),
            rate_limits=tuple(
                (name, environ[name]) for name in RATE_LIMIT_KEYS if environ.get(name)
            ),
            upload_dir=environ.get("UPLOAD_DIR") or defaults.upload_dir,
            reminder_after=reminder_after,
            webhooks_allow_http=_flag(environ.get("WEBHOOKS_ALLOW_HTTP"), env != "production"),
            delivery_key_file=environ.get("DELIVERY_KEY_FILE") or defaults.delivery_key_file,
            delivery_font_dir=environ.get("DELIVERY_FONT_DIR") or defaults.delivery_font_dir,
            country_min_count=_whole_number(
                environ, "COUNTRY_MIN_COUNT", defaults.country_min_count
            ),
            wall_report_threshold=_whole_number(
                environ, "WALL_REPORT_THRESHOLD", cls.wall_report_threshold
            ),
            mail_late_after=mail_late_after,
            alert_email=environ.get("ALERT_EMAIL") or None,
            metrics_token=environ.get("METRICS_TOKEN") or None,
            log_format=(environ.get("LOG_FORMAT") or "text").strip().lower(),
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
        if self.wall_report_threshold < 1:
            raise ConfigError("WALL_REPORT_THRESHOLD must be at least 1")
        if self.outbox_lease_seconds < 1:
            raise ConfigError("OUTBOX_LEASE_SECONDS must be at least 1")
        for name, value in self.rate_limits:
            try:
                parse_many(value)
            except ValueError as exc:
                raise ConfigError(
                    f"{name} must look like '5 per minute; 30 per hour', not {value!r}"
                ) from exc
        try:
            ZoneInfo(self.organisation_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                "ORGANISATION_TIMEZONE must name a time zone such as Europe/Zurich, "
                f"not {self.organisation_timezone!r}"
            ) from exc
        if self.log_format not in {"text", "json"}:
            raise ConfigError(f"LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ConfigError("METRICS_TOKEN must be at least 16 characters long")
        if self.mail_late_after.total_seconds() < 1:
            raise ConfigError("MAIL_LATE_AFTER must be at least one second")
        if self.alert_email and "@" not in self.alert_email:
            raise ConfigError(f"ALERT_EMAIL must be an email address, not {self.alert_email!r}")
        if self.disposable_domains_file and not Path(self.disposable_domains_file).is_file():
            raise ConfigError(
                f"DISPOSABLE_EMAIL_DOMAINS_FILE names no file: {self.disposable_domains_file}"
            )

    def warnings(self) -> list[str]:
        """What a production platform can run without, but should not: logged at start."""
        found = []
        if self.env == "production" and not self.security_contact:
            found.append(
                "SECURITY_CONTACT is not set: /.well-known/security.txt names the MAIL_FROM "
                f"address ({_address_in(self.mail_from)}) for vulnerability reports"
            )
        return found

    def check_worker_processes(self, workers: int) -> None:
        """Refuse a production app server whose processes would each count rate limits alone.

        Limits kept in a process's memory let every process accept the whole limit, so two
        workers accept twice what a limit says. Redis is the one count they can share.
        """
        shared = self.redis_url or not self.ratelimit_enabled
        if self.env == "production" and workers > 1 and not shared:
            raise ConfigError(
                f"REDIS_URL must be set in production to run {workers} worker processes: "
                "without it each process counts rate limits on its own and lets the full "
                "limit through (set REDIS_URL, or run one worker with WEB_CONCURRENCY=1)"
            )

    def flask_config(self) -> dict[str, Any]:
        """The Flask configuration keys these settings imply."""
        production = self.env == "production"
        return {
            "CAMPAIGN_ENV": self.env,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "MAIL_URL": self.mail_url,
            "MAIL_FROM": sender_named(self.mail_from, self.organisation),
            "ORGANISATION_NAME": self.organisation,
            # By language; campaign.web.i18n.organisation_name falls back to ORGANISATION_NAME.
            "ORGANISATION_NAMES": dict(self.organisation_names),
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
            # Staff log-ins use no remember-me cookie; should one ever be set, it is as strict.
            "REMEMBER_COOKIE_SECURE": production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
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
            "ORGANISATION_TIMEZONE": self.organisation_timezone,
            # Dates and times on pages and in emails are the organisation's.
            "BABEL_DEFAULT_TIMEZONE": self.organisation_timezone,
            "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
            "PUBLIC_CACHE_SECONDS": 5,
            # Abuse resistance (SECURITY.md). Limits are "burst; sustained", per client address.
            "SIGN_RATE_LIMIT": "5 per minute; 30 per hour",  # per address and petition
            # "Send the email again", per address and petition (emails per signature are capped
            # besides, MAX_EMAILS_PER_SIGNATURE).
            "RESEND_RATE_LIMIT": "3 per minute; 10 per hour",
            "ENDORSE_RATE_LIMIT": "5 per minute; 30 per hour",  # per address and statement
            "LOGIN_RATE_LIMIT": "10 per minute; 50 per hour",  # per address
            "LOGIN_ACCOUNT_RATE_LIMIT": "5 per minute; 20 per hour",  # per account email
            "PASSWORD_RESET_RATE_LIMIT": "5 per minute; 20 per hour",  # per address
            "INVITATION_RATE_LIMIT": "10 per minute; 50 per hour",  # per staff account
            # The staff signatures API (bearer tokens), per client address: enough to page
            # through a million signatures in an hour, 500 at a time.
            "STAFF_API_RATE_LIMIT": "60 per minute; 3000 per hour",
            # Receipt checks, per address: enough for a signer's typos, not for guessing.
            "RECEIPT_RATE_LIMIT": "10 per minute; 50 per hour",
            "WALL_POST_RATE_LIMIT": "5 per minute; 20 per hour",  # per address and campaign
            "WALL_REPORT_RATE_LIMIT": "5 per minute; 30 per hour",  # per address
            **dict(self.rate_limits),
            # Several deployments can share one Redis, each under its own prefix.
            "RATELIMIT_KEY_PREFIX": self.ratelimit_key_prefix,
            # Redis unreachable: keep limiting, per process, rather than fail or stop limiting.
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "RATELIMIT_SWALLOW_ERRORS": True,
            "SIGNING_PAUSED": self.signing_paused,
            "DISPOSABLE_EMAIL_DOMAINS_FILE": self.disposable_domains_file,
            "EMAIL_NORMALIZATION": DEFAULT_EMAIL_NORMALIZATION,
            # Where supporters ask about their data, and researchers report vulnerabilities
            # (the privacy page, /.well-known/security.txt, SECURITY.md).
            "PRIVACY_CONTACT": self.privacy_contact or _address_in(self.mail_from),
            # Production always publishes a contact (RFC 9116): the sender address at least.
            "SECURITY_CONTACT": self.security_contact
            or (_address_in(self.mail_from) if production else None),
            "HSTS_SECONDS": 365 * 24 * 3600,
            "OUTBOX_LEASE_SECONDS": self.outbox_lease_seconds,
            # Seconds a signature stays pending before its reminder; 0 sends none.
            "REMINDER_AFTER": int(self.reminder_after.total_seconds()),
            # Staff "signing unusually fast" view: signatures from one hashed address or email
            # domain on one petition at or above which a row is listed.
            "VELOCITY_THRESHOLD_HOUR": 20,
            "VELOCITY_THRESHOLD_DAY": 100,
            # Staff sessions: the cookie lives as long as the longest session may.
            "PERMANENT_SESSION_LIFETIME": 8 * 3600,
            "STAFF_SESSION_IDLE_SECONDS": 30 * 60,
            "STAFF_SESSION_MAX_SECONDS": 8 * 3600,
            "PASSWORD_RESET_MAX_AGE": 3600,
            "INVITATION_MAX_AGE": 7 * 24 * 3600,
            "UPLOAD_DIR": self.upload_dir,
            "HERO_IMAGE_MAX_BYTES": 5 * 1024 * 1024,
            "HERO_IMAGE_MAX_SIDE": 4000,
            # The wall of support (campaign.wall): a photo's upload size, its links' lifetime.
            "WALL_PHOTO_MAX_BYTES": 10 * 1024 * 1024,
            "WALL_TOKEN_MAX_AGE": 30 * 24 * 3600,
            "WALL_REPORT_THRESHOLD": self.wall_report_threshold,
            "EXPORT_BATCH_SIZE": 2000,
            # campaign purge: how long pending signatures, and closed petitions' signers, stay.
            "PURGE_PENDING_DAYS": 30,
            "PURGE_CLOSED_MONTHS": 12,
            "BENCH_BARE_ENDPOINT": self.bench_bare_endpoint,
            # How long each worker process reuses a rendered public page (campaign.web.pagecache).
            "PAGE_CACHE_SECONDS": 2,
            "WEBHOOKS_ALLOW_HTTP": self.webhooks_allow_http,
            # The staff signatures API serves confirmations older than this, so that none still
            # committing can land behind a cursor already handed out (campaign.integrations).
            "STAFF_API_SETTLE_SECONDS": 2,
            "DELIVERY_KEY_FILE": self.delivery_key_file,
            "DELIVERY_FONT_DIR": self.delivery_font_dir,
            "COUNTRY_MIN_COUNT": self.country_min_count,
            "MAIL_LATE_AFTER": int(self.mail_late_after.total_seconds()),
            # The staff dashboard warns when no outbox worker has looped for this long.
            "WORKER_SILENT_SECONDS": 60,
            "ALERT_EMAIL": self.alert_email,
            # At most one "mail is in trouble" email this often, however often it flaps.
            "ALERT_EVERY_SECONDS": 3600,
            "METRICS_TOKEN": self.metrics_token,
            "LOG_FORMAT": self.log_format,
        }


def _organisation_names(environ) -> tuple[tuple[str, str], ...]:
    names = {} if environ.get("ORGANISATION_NAME") else dict(DEFAULT_ORGANISATION_NAMES)
    for locale in LOCALES:
        name = (environ.get(f"ORGANISATION_NAME_{locale.upper()}") or "").strip()
        if name:
            names[locale] = name
    return tuple(names.items())


def sender_named(sender: str, organisation: str) -> str:
    """`sender` as given when it has a display name, else under the organisation's name: a
    supporter recognises an email by who it is from before they read its subject."""
    name, address = parseaddr(sender)
    if name or not address:
        return sender
    try:
        return str(Address(display_name=organisation, addr_spec=address))
    except ValueError:  # not an address the header parser accepts: the server will say so
        return sender


def _address_in(sender: str) -> str:
    """The bare address of a "Name <address>" sender."""
    return sender.rsplit("<", 1)[-1].rstrip(">").strip()


def _whole_number(environ, name: str, default: int) -> int:
    try:
        return int(environ.get(name, "") or default)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc
