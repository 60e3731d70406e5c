"""The database goes away and comes back: pages answer a translated 503 with Retry-After,
nothing is half-stored, and the same app recovers by itself, without a restart.

PostgreSQL: a throwaway cluster of our own (initdb, pg_ctl) on another port, stopped and
started mid-test. SQLite: the database's directory disappears and comes back. Both run on
every suite run, whichever database the rest of the suite uses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import base_config, free_port
from flask_babel import force_locale, gettext
from flask_migrate import upgrade
from helpers import sign_fields
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from campaign import create_app, database
from campaign.extensions import db
from campaign.models import Campaign, CampaignText, Petition, PetitionText, Signature, utcnow

BUSY = "The site is busy or under maintenance"


class Cluster:
    """A PostgreSQL cluster in a temporary directory, owned by the postgres user when we run
    as root (PostgreSQL refuses to run as root)."""

    def __init__(self):
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        assert found, "PostgreSQL server binaries not found under /usr/lib/postgresql"
        self.bin = found[-1].parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="campaign-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def _app_with_a_petition(database_url: str, **overrides):
    app = create_app(base_config(database_url, **overrides))
    with app.app_context():
        upgrade()
        campaign = Campaign(
            slug="hold",
            status="published",
            published_at=utcnow(),
            texts=[CampaignText(locale="en", title="Hold", summary="", body="")],
        )
        db.session.add(campaign)
        db.session.flush()
        db.session.add(
            Petition(
                campaign_id=campaign.id,
                slug="hold-on",
                status="open",
                texts=[
                    PetitionText(locale=loc, title=f"Hold on [{loc}]", body="", share_text="")
                    for loc in ("en", "fr")
                ],
            )
        )
        db.session.commit()
    return app


def _signatures(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signature))


def _assert_unavailable(app, client) -> None:
    page = client.get("/fr/petitions/hold-on")
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert page.headers["Cache-Control"] == "no-store"
    assert '<html lang="fr"' in page.get_data(as_text=True)
    with app.test_request_context(), force_locale("fr"):
        translated = gettext(BUSY)
    assert translated != BUSY and translated in page.get_data(as_text=True)
    assert page.headers["X-Content-Type-Options"] == "nosniff"

    signing = client.post("/en/petitions/hold-on", data=sign_fields())
    assert signing.status_code == 503
    assert BUSY in signing.get_data(as_text=True)

    api = client.get("/api/v1/petitions/hold-on")
    assert api.status_code == 503 and api.is_json
    assert api.get_json()["error"]["code"] == 503

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "unreachable"}


def _assert_working(client) -> None:
    assert client.get("/en/petitions/hold-on").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_postgresql_stopped_and_started_again(cluster):
    app = _app_with_a_petition(cluster.url)
    client = app.test_client()
    try:
        _assert_working(client)

        cluster.stop()
        _assert_unavailable(app, client)
        _assert_unavailable(app, client)  # and again: no request gets stuck on a dead pool

        cluster.start()
        _assert_working(client)
        assert client.post("/en/petitions/hold-on", data=sign_fields()).status_code == 200
        # Only the signature made while the database was up exists.
        assert _signatures(app) == 1
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_connection_idle_across_a_restart_is_replaced_unseen(cluster, monkeypatch):
    """Pooled connections are checked only after sitting idle: a busy site pays no round trip
    for it, and a restart while the site was quiet costs no visitor an error."""
    app = _app_with_a_petition(cluster.url)
    client = app.test_client()
    with app.app_context():
        dialect = db.engine.dialect
    pings = []
    ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))
    try:
        for _ in range(3):
            _assert_working(client)
        assert pings == [], "a connection used a moment ago is handed out unchecked"

        cluster.stop()
        cluster.start()
        monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
        _assert_working(client)
        assert client.post("/en/petitions/hold-on", data=sign_fields()).status_code == 200
        assert pings, "the idle connection was checked, found gone, and replaced"
        assert _signatures(app) == 1
    finally:
        with app.app_context():
            db.engine.dispose()


def test_sqlite_directory_gone_and_back(tmp_path):
    home = tmp_path / "data"
    home.mkdir()
    away = tmp_path / "data-away"
    # No pool: every request opens the file, as a fresh worker process would.
    app = _app_with_a_petition(
        f"sqlite:///{home / 'campaign.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={
            "poolclass": NullPool,
            "connect_args": {"timeout": 1},
            "hide_parameters": True,
        },
    )
    client = app.test_client()
    try:
        _assert_working(client)

        home.rename(away)
        _assert_unavailable(app, client)

        away.rename(home)
        _assert_working(client)
        assert client.post("/en/petitions/hold-on", data=sign_fields()).status_code == 200
        assert _signatures(app) == 1
    finally:
        with app.app_context():
            db.engine.dispose()
