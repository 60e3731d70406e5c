"""Real server and worker processes for the tests that need more than one process: gunicorn
serving wsgi:app, and `python -m campaign worker`, with the environment a test gives them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from conftest import free_port

from campaign.config import ROOT

BIN = Path(sys.executable).parent
SECRET_KEY = "test-secret-key-" + "x" * 32


def process_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a platform process on the test database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "MAIL_URL", "REDIS_URL", "TEST_DATABASE_URL"}
    }
    env.update(
        PYTHONPATH=str(ROOT),
        CAMPAIGN_ENV="development",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        BASE_URL="http://127.0.0.1",
    )
    env.update(extra)
    return env


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def gunicorn_command(port: int, workers: int) -> list[str]:
    """gunicorn with the repository's gunicorn.conf.py (read from its working directory, ROOT)."""
    return [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "wsgi:app",
    ]


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 1) -> Iterator[str]:
    """Serve wsgi:app with gunicorn on a free loopback port; yield its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        gunicorn_command(port, workers), cwd=ROOT, env={**env, "BASE_URL": url}
    )
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        _stop(process)
        if process.stdout is not None:
            process.stdout.close()


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"server exited with {process.returncode}:\n{output}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or its worker still booting
            pass
        time.sleep(0.1)
    raise AssertionError(f"server at {url} did not start")


@contextmanager
def worker(env: dict[str, str], *args: str, log: Path | None = None) -> Iterator[subprocess.Popen]:
    """`python -m campaign worker` in the background, its output in `log` if given; stopped
    (TERM) on leaving."""
    with open(log or os.devnull, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "campaign", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        _stop(process)


def wait_for(condition, *, timeout: float = 30, interval: float = 0.05, message: str = ""):
    """Poll until `condition()` is truthy; return its value, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or "timed out waiting")
