"""Screenshots of the main pages, made from the demo content: docs/screenshots/*.png.

    make screenshots        (or: PYTHONPATH=. .venv/bin/python scripts/screenshots.py [--out DIR])

Starts the platform on a fresh SQLite database in a temporary folder (`campaign db upgrade`,
then `campaign demo`), serves it on a free loopback port and drives Debian's Chromium (the
browser the tests use) through each page a supporter sees, then through the staff pages (a draft
written through the forms shows the confirmation before going live), on a desktop (1280 x 800)
and on a phone (375 x 667), in English and in Arabic. Each picture is the first screen of its
page, what a visitor sees before scrolling, reduced to a 256-colour palette to keep the
repository small.
Needs the test dependencies (`make install-test`).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
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
DEVICES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 667}}
LANGUAGES = ("en", "ar")
CAMPAIGN = "humans-against-torture"
PETITION = "end-impunity-for-torture"
STATEMENT = "mexico-coalition-observatory-impunity"
SECRET_KEY = "screenshots-only-" + "s" * 32
STAFF_EMAIL = "admin@example.org"
STAFF_PASSWORD = "screenshots only, never a real password"  # noqa: S105  (a throwaway database)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def campaign_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    command = [sys.executable, "-m", "campaign", *args]
    subprocess.run(command, env=env, check=True, cwd=ROOT, input=stdin, text=True)  # noqa: S603


def prepare_database(folder: Path) -> str:
    url = f"sqlite:///{folder / 'screenshots.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CAMPAIGN_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MAIL_URL", None)
    campaign_cli(env, "translations", "compile")
    campaign_cli(env, "db", "upgrade")
    campaign_cli(env, "demo")
    campaign_cli(
        env,
        *("users", "create", "--email", STAFF_EMAIL, "--role", "admin", "--password-stdin"),
        stdin=STAFF_PASSWORD + "\n",
    )
    return url


def confirm_path(app, lang: str) -> str:
    """The confirmation link of the newest signature, as its email would carry it."""
    from sqlalchemy import select

    from campaign.extensions import db
    from campaign.models import Signature
    from campaign.petitions.signing import confirmation_token

    with app.app_context():
        signature = db.session.scalars(select(Signature).order_by(Signature.id.desc())).first()
        return f"/{lang}/confirm/{confirmation_token(app.config['SECRET_KEY'], signature)}"


def save(page: Page, path: Path) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def go_live(page: Page, suffix: str) -> None:
    """A finished draft, written through the forms, at its one confirmation before going live."""
    page.goto("/staff/campaigns/new")
    page.locator("#slug").fill(f"free-the-defenders-{suffix}")
    page.locator("#text_en-title").fill("Free the defenders")
    page.locator("#text_en-summary").fill("Held for defending the rights of others.")
    page.locator("#text_en-body").fill("They defended others. Now they need us.")
    page.locator("button[name=action][value=save]").click()
    page.locator("a[href$='/petitions/new']").click()
    page.locator("#slug").fill(f"release-them-{suffix}")
    page.locator("#goal").fill("5000")
    page.locator("#text_en-title").fill("Release the defenders")
    page.locator("#text_en-target").fill("The Minister of Justice")
    page.locator("#text_en-body").fill("Release every defender held for their work.")
    page.locator("button[name=action][value=save]").click()
    page.locator(f"a[href$='/release-them-{suffix}/go-live']").first.click()
    page.wait_for_load_state()


def shoot(app, base_url: str, out: Path, only: set[str] | None = None) -> list[Path]:
    made = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in LANGUAGES:
            for device, viewport in DEVICES.items():
                context = browser.new_context(
                    base_url=base_url,
                    viewport=viewport,
                    locale=lang,
                    color_scheme="light",
                    reduced_motion="reduce",
                )
                page = context.new_page()

                def take(name: str, _page=page, _lang=lang, _device=device) -> None:
                    if only and name not in only:
                        return
                    path = out / f"{name}-{_lang}-{_device}.png"
                    save(_page, path)
                    made.append(path)

                page.goto(f"/{lang}/")
                take("home")
                page.goto(f"/{lang}/campaigns/{CAMPAIGN}")
                take("campaign")
                page.goto(f"/{lang}/petitions/{PETITION}")
                take("petition")
                page.locator("#name").fill("Amina Diallo" if lang == "en" else "أمينة ديالو")
                page.locator("#email").fill(f"screenshot-{lang}-{device}@example.org")
                page.locator("#country").select_option("FR" if lang == "en" else "JO")
                page.locator("#consent").check()
                page.locator(".sign-form button[type=submit]").click()
                # The answer to the POST is the "check your email" page itself.
                page.locator("input[name=resend]").wait_for(state="attached")
                take("check-your-email")
                page.goto(confirm_path(app, lang))
                page.locator("form button[type=submit]").click()
                page.wait_for_load_state()
                take("confirmed")
                page.goto(f"/{lang}/statements")
                take("statements")
                page.goto(f"/{lang}/statements/{STATEMENT}")
                take("statement")
                page.goto("/staff/login")
                page.locator("#email").fill(STAFF_EMAIL)
                page.locator("#password").fill(STAFF_PASSWORD)
                page.locator("main form button[type=submit]").click()
                page.wait_for_url("**/staff/")
                take("staff-dashboard")
                page.goto(f"/staff/petitions/{PETITION}")
                take("staff-petition")
                page.goto(f"/staff/statements/{STATEMENT}")
                take("staff-statement")
                page.goto("/staff/endorsements?state=all")
                take("staff-endorsements")
                page.goto(f"/staff/campaigns/{CAMPAIGN}")
                take("staff-campaign")
                page.goto(f"/staff/petitions/{PETITION}/export")
                take("staff-export")
                page.goto("/staff/audit")
                take("staff-audit")
                go_live(page, f"{lang}-{device}")
                take("staff-go-live")
                context.close()
        browser.close()
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", help="comma-separated page names, e.g. petition,home")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="campaign-screenshots-") as folder:
        url = prepare_database(Path(folder))
        os.environ["CAMPAIGN_ENV"] = "development"
        from campaign import create_app

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": SECRET_KEY,
                "BASE_URL": base_url,
                "MAIL_URL": "",
                "RATELIMIT_ENABLED": False,
            }
        )
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            only = set(args.only.split(",")) if args.only else None
            made = shoot(app, base_url, args.out, only)
        finally:
            server.shutdown()
            server.server_close()
    for path in made:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
