"""Fixtures: apps built by the factory on a real database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL names a server), a real SMTP server on loopback, and model factories."""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from bench.runner import throwaway_database

os.environ["CAMPAIGN_ENV"] = "testing"
for _name in ("DATABASE_URL", "MAIL_URL", "REDIS_URL", "BASE_URL", "SECRET_KEY"):
    os.environ.pop(_name, None)

from campaign import create_app  # noqa: E402
from campaign.extensions import db  # noqa: E402
from campaign.models import (  # noqa: E402
    Campaign,
    CampaignText,
    Petition,
    PetitionText,
    Signature,
    Statement,
    StatementCountry,
    StatementSignatory,
    StatementText,
    StatementTopic,
    User,
    utcnow,
)

STAFF_PASSWORD = "correct horse battery staple"


def _fresh_postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database for this run; return its URL and a function that drops it."""
    server = make_url(admin_url).set(drivername="postgresql+psycopg")
    return throwaway_database(
        server.render_as_string(hide_password=False), f"campaign_test_{secrets.token_hex(4)}"
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        url, drop = _fresh_postgres_database(admin_url)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def base_config(database_url: str, **overrides) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "BASE_URL": "http://localhost",
        "TESTING": True,
        # Staff forms are posted without tokens; tests/test_staff_csrf.py turns the check on.
        "WTF_CSRF_ENABLED": False,
        # Tests sign many times from one address; tests/test_rate_limits.py sets real limits.
        "SIGN_RATE_LIMIT": "10000 per minute",
        "ENDORSE_RATE_LIMIT": "10000 per minute",
        "WALL_POST_RATE_LIMIT": "10000 per minute",
        # Never the checkout's instance/ folder; files are named by content, so tests may share.
        "UPLOAD_DIR": os.path.join(tempfile.gettempdir(), f"campaign-test-uploads-{os.getpid()}"),
        **overrides,
    }


@pytest.fixture(scope="session")
def migrated_database(database_url) -> str:
    """The test database, brought to the migrations' head once per run."""
    from flask_migrate import upgrade

    app = create_app(base_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(migrated_database) -> Iterator[Callable[..., object]]:
    """Build apps on the test database; every table is emptied after the test."""
    apps = []

    def build(**overrides):
        app = create_app(base_config(migrated_database, **overrides))
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            if app is apps[0]:
                _empty_tables()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_worker(app) -> Callable[..., object]:
    """Run `campaign worker --once` through the real CLI (on `app`, or on the app given)."""

    def run(on_app=None):
        result = (on_app or app).test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def session(app) -> Iterator:
    with app.app_context(), app.test_request_context():
        yield db.session


# --- factories -------------------------------------------------------------------------------


@pytest.fixture
def make_campaign(app) -> Callable[..., Campaign]:
    counter = iter(range(1, 10_000))

    def build(
        *, status: str = "published", locales=("en",), hashtag="HumansAgainstTorture"
    ) -> Campaign:
        n = next(counter)
        with app.app_context():
            campaign = Campaign(
                slug=f"campaign-{n}",
                hashtag=hashtag,
                status=status,
                published_at=utcnow() if status == "published" else None,
                texts=[
                    CampaignText(
                        locale=loc,
                        title=f"Campaign {n} [{loc}]",
                        summary=f"Summary {loc}",
                        body=f"Body {loc}",
                    )
                    for loc in locales
                ],
            )
            db.session.add(campaign)
            db.session.commit()
            db.session.refresh(campaign)
            db.session.expunge(campaign)
            return campaign

    return build


@pytest.fixture
def make_petition(app, make_campaign) -> Callable[..., Petition]:
    counter = iter(range(1, 10_000))

    def build(
        *,
        status: str = "open",
        campaign: Campaign | None = None,
        locales=("en",),
        goal: int | None = 100,
        signature_count: int = 0,
        closes_in: timedelta | None = None,
    ) -> Petition:
        n = next(counter)
        campaign = campaign or make_campaign(locales=locales)
        with app.app_context():
            petition = Petition(
                campaign_id=campaign.id,
                slug=f"petition-{n}",
                status=status,
                goal=goal,
                signature_count=signature_count,
                closes_at=utcnow() + closes_in if closes_in is not None else None,
                texts=[
                    PetitionText(
                        locale=loc,
                        title=f"Petition {n} [{loc}]",
                        body=f"Body {loc}",
                        share_text=f"Share {loc}",
                        target="The Government",
                    )
                    for loc in locales
                ],
            )
            db.session.add(petition)
            db.session.commit()
            petition_id = petition.id
            db.session.remove()
            return db.session.get(Petition, petition_id)

    return build


@pytest.fixture
def make_statement(app) -> Callable[..., Statement]:
    """Statements with their texts, countries, topics, signatories and links; returned detached
    with those loaded."""
    counter = iter(range(1, 10_000))

    def build(
        *,
        kind: str = "statement",
        status: str = "published",
        published_on: date | None = None,
        locales=("en",),
        texts: dict | None = None,
        countries=("MX",),
        topics=("human-rights-defenders",),
        open_for_endorsement: bool = False,
        signatories=(),
        campaigns=(),
        petitions=(),
    ) -> Statement:
        n = next(counter)
        texts = texts or {
            loc: (f"Statement {n} [{loc}]", f"Excerpt {n} [{loc}]", f"Body {n} [{loc}]")
            for loc in locales
        }
        with app.app_context():
            statement = Statement(
                slug=f"statement-{n}",
                kind=kind,
                status=status,
                published_on=published_on or utcnow().date(),
                default_locale=next(iter(texts)),
                open_for_endorsement=open_for_endorsement,
                texts=[
                    StatementText(locale=loc, title=title, excerpt=excerpt, body=body)
                    for loc, (title, excerpt, body) in texts.items()
                ],
                countries=[StatementCountry(country=c) for c in countries],
                topics=[StatementTopic(topic=t) for t in topics],
                signatories=[
                    StatementSignatory(position=i, name=name, country=country, website=website)
                    for i, (name, country, website) in enumerate(signatories)
                ],
                campaigns=[db.session.get(Campaign, c.id) for c in campaigns],
                petitions=[db.session.get(Petition, p.id) for p in petitions],
            )
            db.session.add(statement)
            db.session.commit()
            db.session.refresh(statement)  # loads the selectin relationships too
            db.session.expunge(statement)
            return statement

    return build


@pytest.fixture
def make_signature(app) -> Callable[..., int]:
    """A signature written straight to the database (confirmed ones are counted); its id."""
    counter = iter(range(1, 10_000_000))

    def build(
        petition: Petition,
        *,
        name: str | None = None,
        email: str | None = None,
        country: str = "FR",
        confirmed: bool = True,
        created_at=None,
        newsletter: bool = False,
        source_channel: str | None = None,
        locale: str = "en",
        ip_hash: str | None = None,
    ) -> int:
        n = next(counter)
        at = created_at or utcnow()
        email = email or f"signer{n}@example.org"
        with app.app_context():
            signature = Signature(
                petition_id=petition.id,
                name=name or f"Signer {n}",
                email=email,
                email_normalized=email.strip().lower(),
                country=country,
                locale=locale,
                consent_text="I agree",
                consented_at=at,
                created_at=at,
                confirmed_at=at if confirmed else None,
                newsletter=newsletter,
                source_channel=source_channel,
                ip_hash=ip_hash,
            )
            db.session.add(signature)
            if confirmed:
                db.session.execute(
                    db.update(Petition)
                    .where(Petition.id == petition.id)
                    .values(signature_count=Petition.signature_count + 1)
                )
            db.session.commit()
            return signature.id

    return build


@pytest.fixture(scope="session")
def staff_password_hash() -> str:
    from campaign.staff.accounts import hash_password

    return hash_password(STAFF_PASSWORD)  # once per run: Argon2 is slow on purpose


@pytest.fixture
def make_user(app, staff_password_hash) -> Callable[..., User]:
    """Staff accounts whose password is STAFF_PASSWORD."""
    counter = iter(range(1, 10_000))

    def build(role: str = "admin", *, email: str | None = None, active: bool = True) -> User:
        with app.app_context():
            user = User(
                email=email or f"{role}-{next(counter)}@staff.example.org",
                role=role,
                password_hash=staff_password_hash,
                active=active,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return build


@pytest.fixture
def log_in() -> Callable:
    """Give a test client a staff session, as a successful login would (see
    campaign.staff.sessions.start_session). Argon2 takes most of a second here, so only the
    login tests go through the form."""
    from campaign.staff.sessions import LOGIN_AT, SEEN_AT, now

    def start(client, user) -> None:
        with client.session_transaction() as session:
            session.permanent = True
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session[LOGIN_AT] = session[SEEN_AT] = int(now())

    return start


# --- a real SMTP server on loopback ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the SMTP server received, parsed, in order."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse_with: str | None = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --- a real HTTP server ----------------------------------------------------------------------


def _read_whole_file(file, block_size: int = 8192) -> list[bytes]:
    with file:
        return [file.read()]


def _files_read_whole(app):
    """Serve static files from memory rather than an open file.

    When a browser drops a connection mid-response (it navigates on before a script has
    arrived), the development server abandons the response without closing it; the open file
    then surfaces as a ResourceWarning in an unrelated test, and warnings are errors here.
    PEP 3333 lets the server choose `wsgi.file_wrapper`, so this one reads and closes at once.
    """

    def wsgi(environ, start_response):
        environ["wsgi.file_wrapper"] = _read_whole_file
        return app(environ, start_response)

    return wsgi


class LiveServer:
    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app.config["BASE_URL"] = self.url
        self._server = make_server("127.0.0.1", self.port, _files_read_whole(app), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
