"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Chosen by measurement with bench/run (docs/performance.md). Command-line flags override them;
WEB_CONCURRENCY sets the number of workers.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("BIND", "127.0.0.1:8000")
# One process per core, each with a few threads: threads overlap the waits for the database
# while the processes use every core; keep-alive connections from the proxy are reused.
# Measured against sync and gevent workers in docs/performance.md.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# Two threads on SQLite, four on PostgreSQL. SQLite lets one transaction write at a time, and the
# writer must win the interpreter lock back from its process's other threads after each of its
# statements while every other writer waits: with four threads signing and confirming were a
# third slower than with two. PostgreSQL locks rows, not the database, and gains from overlap.
_database = os.environ.get("DATABASE_URL", "sqlite:")  # the app's default is a SQLite file
threads = int(os.environ.get("GUNICORN_THREADS", 2 if _database.startswith("sqlite") else 4))
# The heartbeat file on a RAM disk: a slow disk would otherwise stall the workers' heartbeats.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Slow clients are the proxy's job (it buffers requests and responses).
timeout = 30
graceful_timeout = 30
# Idle keep-alive connections (gthread) are kept this long; the proxy's idle timeout is longer.
keepalive = 5
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
# connections over them. On one shared socket, whichever worker was awake accepted a burst of
# connections whole: a proxy's (or a benchmark's) kept-alive connections all went to one
# process, which then carried the site on one core while the others idled.
reuse_port = True
# Gunicorn reads no forwarded header from anyone, local proxies included (its default trusts
# 127.0.0.1, and every Unix-socket peer, to set the scheme with X-Forwarded-Proto, -Ssl or
# -Protocol). Behind proxies, TRUSTED_PROXIES makes the app read X-Forwarded-For, -Proto and
# -Host itself, taking the value the nearest trusted hop added rather than whatever came first.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
# With several workers, each counts its metrics in files here that /metrics adds up
# (campaign.web.metrics); made now, before the preloaded app creates its first counter.
# Without PROMETHEUS_MULTIPROC_DIR each scrape would show the counts of the one worker that
# answered it, so /metrics gets a folder of this server's own, on the RAM disk unless TMPDIR
# says otherwise, removed when it stops.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_own_metrics_dir = bool(os.environ.get("METRICS_TOKEN")) and not _metrics_dir
if _own_metrics_dir:
    _metrics_dir = tempfile.mkdtemp(
        prefix="campaign-metrics-", dir=None if os.environ.get("TMPDIR") else worker_tmp_dir
    )
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
if _metrics_dir:
    os.makedirs(_metrics_dir, exist_ok=True)
# Import the app once in the master and fork warm workers: they start in milliseconds and share
# the imported code's memory.
preload_app = True


def on_starting(server):
    # Here, where the number of workers is known: the app alone cannot tell it.
    from campaign.config import Settings

    Settings.from_environ().check_worker_processes(server.cfg.workers)


def post_fork(_server, _worker):
    # A forked worker must not reuse database connections opened in the master.
    from campaign.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)


def child_exit(_server, worker):
    # A dead worker's live gauges leave the sums; its counters stay counted.
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(_server):
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
