"""Browser tests: Debian's Chromium driven by Playwright against the app on a live server.

One browser per session, a fresh context per test. Every context is watched: a console error,
an uncaught script error, a failed request, an unexpected 4xx/5xx answer or an attempt to reach
any host but 127.0.0.1 fails the test that caused it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import free_port
from playwright.sync_api import Browser, sync_playwright

from browser.support import AXE, CHROMIUM, CHROMIUM_ARGS, Browsing


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium from Debian; if it cannot start, every browser test fails (never skips)."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make install-test`"
    assert AXE.exists(), f"{AXE} is missing: run `make install-test`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app(make_app, smtp_server):
    """The app delivers to the loopback SMTP server; the live server serves it."""
    return make_app(MAIL_URL=smtp_server.url)


@pytest.fixture
def browsing(browser, live_server) -> Iterator[Browsing]:
    session = Browsing(browser, live_server.url)
    yield session
    problems = session.close()
    assert not problems, "the browser saw problems:\n" + "\n".join(problems)


@pytest.fixture
def demo(app) -> None:
    """The demo content: the #HumansAgainstTorture campaign, its petitions and statements."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the signature of the base class)
        pass


@pytest.fixture
def partner_site(tmp_path):
    """A plain static web server on another loopback port: a partner's website."""
    port = free_port()
    server = ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(QuietHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
