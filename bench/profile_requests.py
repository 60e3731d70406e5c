"""Where the CPU goes, per kind of request: a table for docs/performance.md.

    PYTHONPATH=. python -m bench.profile_requests [bare] [page] [counter] [sign] [confirm]
    PYTHONPATH=. python -m bench.profile_requests uncached
    PYTHONPATH=. python -m bench.profile_requests --db postgres sign confirm

`uncached` instead times the first request after a change for every public page (the caches
emptied before each): the median wall time and the CPU per render.

Builds a throwaway database with the demo content (SQLite, or with `--db postgres` a database on
the server `--postgres-url` names, dropped at the end), then for each kind of request runs a
loop through Flask's test client, once timed and once under cProfile (CPU time), and prints the
CPU per request and the share of it spent in each package. On PostgreSQL it prints the CPU the
server's processes for this app spent per request too (read from /proc: the server must run on
this machine): what each round trip costs is paid there as much as in the app. The client
keeps no cookies, as the load generator of bench/run keeps none.

Two checkouts side by side (each with PYTHONPATH set to its own tree, both at once) share the
machine's load alike: on a shared machine that compares two versions better than two runs one
after the other.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench.runner import DEFAULT_POSTGRES, process_cpu, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 300
KINDS = ("bare", "page", "counter", "sign", "confirm", "uncached")
# First match wins: the test client is part of Werkzeug, but not of a served request.
AREAS = (
    ("/werkzeug/test", "test client"),
    ("/werkzeug/", "Flask + Werkzeug"),
    ("/flask/", "Flask + Werkzeug"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/flask_sqlalchemy/", "SQLAlchemy"),
    ("/jinja2/", "Jinja templates"),
    ("/markupsafe/", "Jinja templates"),
    ("/templates/", "Jinja templates"),
    ("babel/", "Babel"),
    ("wtforms/", "WTForms"),
    ("/flask_wtf/", "WTForms"),
    ("/email_validator/", "email validation"),
    ("/idna/", "email validation"),
    ("/itsdangerous/", "itsdangerous"),
    ("/flask_limiter/", "Flask-Limiter"),
    ("/limits/", "Flask-Limiter"),
    (str(ROOT / "campaign"), "platform code"),
)


def area(filename: str) -> str:
    for marker, name in AREAS:
        if marker in filename:
            return name
    return "builtins (str, dict, sqlite3)" if filename == "~" else "other (stdlib)"


def profile(name: str, request: Callable[[], object], server_cpu: Callable[[], float]) -> None:
    for _ in range(30):
        request()
    started, server_started = time.process_time(), server_cpu()
    for _ in range(REQUESTS):
        request()
    per_request = (time.process_time() - started) / REQUESTS * 1000
    server = (server_cpu() - server_started) / REQUESTS * 1000
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(REQUESTS):
        request()
    profiler.disable()
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, _func), (_cc, _nc, own, _cum, _callers) in pstats.Stats(
        profiler
    ).stats.items():
        by_area[area(filename)] += own
    total = sum(by_area.values())
    print(f"\n{name}: {per_request:.2f} ms CPU per request", end="")
    print(f", the database server {server:.2f} ms" if server else "")
    for label, seconds in sorted(by_area.items(), key=lambda item: -item[1])[:8]:
        print(f"  {seconds / total:5.0%}  {label}")


def uncached(app, client, paths: dict[str, str]) -> None:
    """Every public page rendered with empty caches, as after a change: what the first visitor
    waits for."""
    from campaign.web import pagecache

    print(f"\nuncached render, {REQUESTS // 10} each: median wall ms, mean CPU ms")
    for name, path in paths.items():
        walls, cpus = [], []
        for _ in range(REQUESTS // 10):
            pagecache.clear_all()
            wall, cpu = time.perf_counter(), time.process_time()
            assert client.get(path).status_code == 200, path
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        print(f"  {name:<12} {statistics.median(walls):6.1f} {statistics.fmean(cpus):6.1f}  {path}")


def server_cpu_seconds(engine) -> float:
    """CPU time used so far by the PostgreSQL processes serving this app's connections."""
    from sqlalchemy import text

    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend'"
            )
        ).scalars()
        return sum(process_cpu(pid) for pid in pids)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kinds", nargs="*", help=f"any of {', '.join(KINDS)} (all but uncached)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    if unknown := set(args.kinds) - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    return args


def main() -> None:
    args = parse_args()
    wanted = set(args.kinds) or set(KINDS) - {"uncached"}
    tmp = Path(tempfile.mkdtemp(prefix="campaign-profile-"))
    drop_database: Callable[[], None] | None = None
    if args.db == "postgres":
        database_url, drop_database = throwaway_database(
            args.postgres_url, f"campaign_profile_{secrets.token_hex(3)}"
        )
    else:
        database_url = f"sqlite:///{tmp / 'profile.sqlite3'}"
    os.environ.update(
        {
            "CAMPAIGN_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "MAIL_URL": "smtp://127.0.0.1:9",  # never used: nothing delivers the outbox here
            "RATELIMIT_ENABLED": "0",
            "BENCH_BARE_ENDPOINT": "1",
            "DATABASE_URL": database_url,
        }
    )
    try:
        run(wanted, args.db)
    finally:
        if drop_database is not None:
            drop_database()
        shutil.rmtree(tmp, ignore_errors=True)


def run(wanted: set[str], db_kind: str) -> None:
    for command in (["translations", "compile"], ["db", "upgrade"], ["demo"]):
        subprocess.run(
            [sys.executable, "-m", "campaign", *command], check=True, capture_output=True
        )

    from sqlalchemy import select

    from bench.runner import public_page_paths
    from campaign import create_app
    from campaign.extensions import db
    from campaign.models import Petition, Signature
    from campaign.petitions.signing import confirmation_token

    app = create_app()
    client = app.test_client(use_cookies=False)
    with app.app_context():
        slug = db.session.scalars(select(Petition.slug).where(Petition.status == "open")).first()
    numbers = itertools.count()

    def sign() -> None:
        form = {
            "name": "Profile Signer",
            "email": f"p{next(numbers)}@bench.example",
            "country": "FR",
            "consent": "y",
        }
        assert client.post(f"/en/petitions/{slug}", data=form).status_code == 200

    tokens: list[str] = []

    def confirm() -> None:
        if not tokens:
            for _ in range(REQUESTS * 2 + 30):
                sign()
            with app.app_context():
                pending = db.session.scalars(
                    select(Signature).where(Signature.confirmed_at.is_(None))
                ).all()
                tokens.extend(confirmation_token(app.config["SECRET_KEY"], s) for s in pending)
        token = tokens.pop()
        assert client.get(f"/en/confirm/{token}").status_code == 200
        assert client.post(f"/en/confirm/{token}").status_code == 200

    kinds = {
        "bare": lambda: client.get("/__bench/bare"),
        "page": lambda: client.get(f"/en/petitions/{slug}"),
        "counter": lambda: client.get(f"/api/v1/petitions/{slug}"),
        "sign": sign,
        "confirm": confirm,
    }
    with app.app_context():
        engine = db.engine

    def server_cpu() -> float:
        return server_cpu_seconds(engine) if db_kind == "postgres" else 0.0

    try:
        if "uncached" in wanted:
            with app.app_context():
                petition = db.session.scalars(select(Petition).where(Petition.slug == slug)).one()
                paths = {"petition": f"/en/petitions/{slug}", **public_page_paths(petition)}
            uncached(app, client, paths)
        for name, request in kinds.items():
            if name in wanted:
                profile(name, request, server_cpu)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
