"""Where the CPU goes, per kind of request: a table for docs/performance.md.

    PYTHONPATH=. python -m bench.profile_requests [bare] [page] [counter] [sign] [confirm]
    PYTHONPATH=. python -m bench.profile_requests uncached

`uncached` instead times the first request after a change for every public page (the caches
emptied before each): the median wall time and the CPU per render.

Builds a throwaway SQLite database with the demo content, then for each kind of request runs a
loop through Flask's test client, once timed and once under cProfile (CPU time), and prints the
CPU per request and the share of it spent in each package.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 300
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


def profile(name: str, request: Callable[[], object]) -> None:
    for _ in range(30):
        request()
    started = time.process_time()
    for _ in range(REQUESTS):
        request()
    per_request = (time.process_time() - started) / REQUESTS * 1000
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
    print(f"\n{name}: {per_request:.2f} ms CPU per request")
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


def main() -> None:
    wanted = set(sys.argv[1:]) or {"bare", "page", "counter", "sign", "confirm"}
    tmp = Path(tempfile.mkdtemp(prefix="campaign-profile-"))
    os.environ.update(
        {
            "CAMPAIGN_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "MAIL_URL": "smtp://127.0.0.1:9",  # never used: nothing delivers the outbox here
            "RATELIMIT_ENABLED": "0",
            "BENCH_BARE_ENDPOINT": "1",
            "DATABASE_URL": f"sqlite:///{tmp / 'profile.sqlite3'}",
        }
    )
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
    client = app.test_client()
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
    try:
        if "uncached" in wanted:
            with app.app_context():
                petition = db.session.scalars(select(Petition).where(Petition.slug == slug)).one()
                paths = {"petition": f"/en/petitions/{slug}", **public_page_paths(petition)}
            uncached(app, client, paths)
        for name, request in kinds.items():
            if name in wanted:
                profile(name, request)
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
