"""What the browser tests share: the watched browsing session, axe-core, and the steps of a
supporter's journey."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from conftest import body_text
from playwright.sync_api import Browser, BrowserContext, Page

from campaign.config import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LOOPBACK = "127.0.0.1"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")
CONFIRM_LINK = re.compile(r"https?://\S+/confirm/[A-Za-z0-9_.\-]+")


class Browsing:
    """Opens watched browser contexts on the live server and collects what went wrong."""

    def __init__(self, browser: Browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.problems: list[str] = []
        self.expected: list[tuple[int, re.Pattern]] = []
        self.contexts: list[BrowserContext] = []

    def expect_status(self, status: int, path: str) -> None:
        """An error answer the test provokes on purpose (an invalid form answers 422)."""
        self.expected.append((status, re.compile(re.escape(path) + r"$")))

    def new_context(self, **options) -> BrowserContext:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("base_url", self.base_url)
        context = self.browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.route("**/*", self._only_loopback)
        context.on("console", self._console)
        context.on("weberror", lambda error: self._problem(f"script error: {error.error}"))
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)
        self.contexts.append(context)
        return context

    def new_page(self, **options) -> Page:
        return self.new_context(**options).new_page()

    def _problem(self, text: str) -> None:
        self.problems.append(text)

    def _only_loopback(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname != LOOPBACK:
            self._problem(f"request to another host: {url}")
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # Chromium also logs the expected error answers as "Failed to load resource".
        failed = FAILED_LOAD.match(message.text)
        if failed and self._is_expected(int(failed[1]), message.location.get("url", "")):
            return
        where = message.page.url if message.page else "?"
        self._problem(f"console error on {where}: {message.text}")

    def _is_expected(self, status: int, url: str) -> bool:
        path = urlsplit(url).path
        return any(code == status and pattern.match(path) for code, pattern in self.expected)

    def _request_failed(self, request) -> None:
        # The browser itself gave up on it: the page moved on before a lazy frame, a poll or a
        # style sheet arrived. A server or network fault has its own error (reset, empty...).
        if request.failure == "net::ERR_ABORTED":
            return
        self._problem(f"request failed: {request.method} {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status < 400:
            return
        if self._is_expected(response.status, response.url):
            return
        self._problem(f"HTTP {response.status}: {response.request.method} {response.url}")

    def close(self) -> list[str]:
        problems = list(self.problems)
        for context in self.contexts:
            context.close()
        return problems


def run_axe(page: Page) -> list[dict]:
    """axe-core's WCAG 2.x A and AA violations in the page (its context needs bypass_csp)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        AXE_TAGS,
    )
    return result["violations"]


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{url}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            summary = node.get("failureSummary") or ""
            lines.extend(f"      {line}" for line in summary.splitlines()[:4])
    return "\n".join(lines)


def shown_count(page: Page) -> int:
    """The count in the page's counter, as a reader sees it (Latin digits in every language)."""
    text = page.locator("[data-counter-text] strong").first.inner_text()
    return int(re.sub(r"\D", "", text))


def sign_with_pointer(page: Page, *, name: str, email: str, country: str) -> None:
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#country").select_option(country)
    page.locator("#consent").check()
    page.locator(".sign-form button[type=submit]").click()


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.id : ''")


def tab_to(page: Page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element with this id has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def sign_with_keyboard(page: Page, *, name: str, email: str, country_name: str) -> None:
    """Tab to each field, type, Space on the consent box, Enter to send: no pointer at all."""
    tab_to(page, "name")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    assert focused_id(page) == "email"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert focused_id(page) == "country"
    # A closed select picks the option whose name starts with what is typed.
    page.keyboard.type(country_name)
    tab_to(page, "consent", limit=3)
    page.keyboard.press("Space")
    assert page.locator("#consent").is_checked()
    page.keyboard.press("Enter")


def wait_for_mail(inbox, address: str, timeout: float = 10) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = inbox.to(address)
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no email for {address}")


def confirmation_link(message) -> str:
    [link] = set(CONFIRM_LINK.findall(body_text(message)))
    return link


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def translated(app, lang: str, text: str) -> str:
    """`text` as the catalogue says it in `lang`, so tests follow the translators' wording."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(lang):
        return gettext(text)
