"""The staff workspace in a browser: the campaigner's journey from login to a CSV export, and
axe-core over the staff pages in every language."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import STAFF_PASSWORD
from playwright.sync_api import Page, expect
from sqlalchemy import select

from browser.pages import CAMPAIGN, PETITION
from browser.support import describe_violations, run_axe
from campaign.extensions import db
from campaign.models import Petition


def log_in(page: Page, email: str) -> None:
    page.goto("/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/staff/")


def set_status(page: Page, status: str) -> None:
    page.locator(f".status-panel button[name=status][value={status}]").click()
    page.wait_for_load_state()


def test_log_in_create_publish_and_export(browsing, app, make_user, make_signature):
    admin = make_user("admin")
    page = browsing.new_page()
    log_in(page, admin.email)
    expect(page.locator(".staff-nav")).to_contain_text(admin.email)

    page.locator(".staff-nav").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.locator("#slug").fill("free-them-all")
    page.locator("#hashtag").fill("FreeThemAll")
    page.locator("#default_locale").select_option("en")
    page.locator("#text_en-title").fill("Free them all")
    page.locator("#text_en-summary").fill("Detained for defending rights.")
    page.locator("#text_en-body").fill("They defended others. Now they need us.")
    page.locator("button[name=action][value=save]").click()
    expect(page.locator("h1")).to_have_text("Free them all")

    page.get_by_role("link", name="Add a petition").click()
    page.locator("#slug").fill("release-the-defenders")
    page.locator("#text_en-target").fill("The Minister of Justice")
    page.locator("#goal").fill("500")
    page.locator("#text_en-title").fill("Release the defenders")
    page.locator("#text_en-body").fill("Release every defender held for their work.")
    page.locator("button[name=action][value=save]").click()
    expect(page.locator("h1")).to_have_text("Release the defenders")
    set_status(page, "preview")
    # Its campaign is still a draft: opening publishes both, after one confirmation.
    page.get_by_role("link", name="Publish campaign and open petition").click()
    page.get_by_role("button", name="Publish campaign and open petition").click()
    expect(page.locator(".status-panel .status")).to_have_text("Open")

    page.locator(".breadcrumb a").click()
    expect(page.locator(".status-panel .status")).to_have_text("Published")

    # Published: anyone can see and sign it.
    visitor = browsing.new_page()
    visitor.goto("/en/campaigns/free-them-all")
    expect(visitor.locator("h1")).to_have_text("Free them all")
    expect(visitor.locator(".hashtag").first).to_have_text("#FreeThemAll")
    visitor.goto("/en/petitions/release-the-defenders")
    expect(visitor.locator(".sign-form")).to_be_visible()
    with app.app_context():
        petition = db.session.scalar(
            select(Petition).where(Petition.slug == "release-the-defenders")
        )
        db.session.expunge(petition)
    make_signature(petition, name="Nadia Haddad", email="nadia@example.org", country="LB")

    page.goto("/staff/")
    page.get_by_role("link", name="Release the defenders").click()
    page.get_by_role("link", name="Export signatures").click()
    with page.expect_download() as download_info:
        page.locator(f"form[action$='/{petition.slug}/export'] button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2, rows
    # The default file is the one for the petition's target: no email address.
    assert "Nadia Haddad" in rows[1] and "Lebanon" in rows[1]
    assert "nadia@example.org" not in rows[1]


def staff_pages() -> list[tuple[str, str]]:
    return [
        ("dashboard", "/staff/"),
        ("campaigns", "/staff/campaigns"),
        ("new campaign", "/staff/campaigns/new"),
        ("campaign", f"/staff/campaigns/{CAMPAIGN}"),
        ("new petition", f"/staff/campaigns/{CAMPAIGN}/petitions/new"),
        ("edit petition", f"/staff/petitions/{PETITION}/edit"),
        ("petition dashboard", f"/staff/petitions/{PETITION}"),
        ("export", f"/staff/petitions/{PETITION}/export"),
        ("accounts", "/staff/users"),
        ("erasure", "/staff/erasure"),
        ("suppression list", "/staff/suppressions"),
        ("audit log", "/staff/audit"),
    ]


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_staff_pages_have_no_accessibility_violations(browsing, app, demo, make_user, lang):
    admin = make_user("admin")
    page = browsing.new_page(locale=lang, bypass_csp=True)
    report = []

    def audit(name: str) -> None:
        violations = run_axe(page)
        if violations:
            report.append(describe_violations(f"{name} {page.url}", violations))

    # Logged out: the login form, then with its error.
    page.goto("/staff/login")
    audit("login")
    page.goto("/staff/password/forgot")
    audit("forgot password")
    browsing.expect_status(422, "/staff/login")
    page.goto("/staff/login")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    audit("login with errors")

    log_in(page, admin.email)
    page.locator(f".languages button[value={lang}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang
    for name, path in staff_pages():
        response = page.goto(path)
        assert response.status == 200, f"{name}: {path} -> {response.status}"
        audit(name)
    # A form sent back with its errors.
    browsing.expect_status(422, "/staff/campaigns/new")
    page.goto("/staff/campaigns/new")
    page.locator("button[name=action][value=save]").click()
    page.wait_for_selector(".error-summary")
    audit("new campaign with errors")
    assert not report, "accessibility violations:\n" + "\n".join(report)
