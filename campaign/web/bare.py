"""A do-nothing endpoint: the framework's ceiling on this machine, for the benchmark.

Registered only when BENCH_BARE_ENDPOINT is on. It is an ordinary route, so every request goes
through the same app hooks (rate limiter, locale, database session teardown) as real pages.
"""

from flask import Blueprint, Response

bp = Blueprint("bench", __name__)


@bp.get("/__bench/bare")
def bare() -> Response:
    return Response(b"ok", mimetype="text/plain")
