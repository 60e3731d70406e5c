"""A campaigner's update from the staff workspace, in a browser: written in English and Arabic
(language tabs, preview), recipients counted per language, sent, and delivered over SMTP to the
opted-in confirmed signers, each in their language, with the one-click unsubscribe headers.
The workspace is used in English and in Arabic."""

from __future__ import annotations

import pytest
from conftest import body_text
from playwright.sync_api import expect

from browser.support import describe_violations, run_axe, wait_for_mail
from browser.test_staff import log_in
from campaign.extensions import db
from campaign.models import Campaign, User

ENGLISH = ("The minister answered", "The minister **agreed** to meet the families.")
ARABIC = ("ردّ الوزير", "وافق الوزير على **لقاء** العائلات.")


@pytest.fixture
def petition(app, make_petition, make_signature):
    petition = make_petition(locales=("en", "ar"))
    make_signature(petition, email="ann@example.org", newsletter=True)
    make_signature(petition, email="samir@example.org", locale="ar", newsletter=True)
    make_signature(petition, email="quiet@example.org", newsletter=False)
    make_signature(
        petition, email="later@example.org", locale="ar", newsletter=True, confirmed=False
    )
    return petition


@pytest.fixture
def campaigner(app, make_user, petition) -> User:
    user = make_user("campaigner")
    with app.app_context():
        campaign = db.session.get(Campaign, petition.campaign_id)
        campaign.members.append(db.session.get(User, user.id))
        db.session.commit()
    return user


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_campaigner_writes_and_sends_an_update_in_two_languages(
    browsing, app, smtp_server, run_worker, petition, campaigner, lang
):
    page = browsing.new_page(locale=lang, bypass_csp=True)
    report = []

    def audit(name: str) -> None:
        violations = run_axe(page)
        if violations:
            report.append(describe_violations(f"{name} {page.url}", violations))

    log_in(page, campaigner.email)
    page.locator(f".languages button[value={lang}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")

    # From the workspace: the dashboard, the petition, its updates, the compose form.
    page.locator(f"main a[href='/staff/petitions/{petition.slug}']").click()
    page.locator(f"main a[href='/staff/petitions/{petition.slug}/updates']").click()
    page.locator(f"main a[href='/staff/petitions/{petition.slug}/updates/new']").click()
    expect(page.locator("[data-recipients='petition-en']")).to_have_text("1")
    expect(page.locator("[data-recipients='petition-ar']")).to_have_text("1")
    expect(page.locator("[data-recipients='petition-fr']")).to_have_text("0")
    audit("compose")

    page.locator("#text_en-subject").fill(ENGLISH[0])
    page.locator("#text_en-body").fill(ENGLISH[1])
    page.locator(".tabs a[href='#text-ar']").click()
    assert page.url.endswith("#text-ar")
    expect(page.locator("#text_ar-body")).to_have_attribute("dir", "rtl")
    page.locator("#text_ar-subject").fill(ARABIC[0])
    page.locator("#text_ar-body").fill(ARABIC[1])

    page.locator("button[name=action][value=preview]").click()
    page.wait_for_load_state()
    expect(page.locator("#text-en .markdown-preview strong")).to_have_text("agreed")
    expect(page.locator("#text-ar .markdown-preview strong")).to_have_text("لقاء")
    expect(page.locator("#text-ar .markdown-preview")).to_have_attribute("dir", "rtl")
    expect(page.locator("#text_ar-subject")).to_have_value(ARABIC[0])
    audit("compose with preview")

    page.locator("button[name=action][value=send]").click()
    page.wait_for_url(f"**/staff/petitions/{petition.slug}/updates")
    expect(page.locator(".flash--success")).to_be_visible()
    subject_in_page_language = ARABIC[0] if lang == "ar" else ENGLISH[0]
    page.get_by_role("link", name=subject_in_page_language).click()
    expect(page.locator("[data-update-status]")).to_have_attribute(
        "data-update-status", "scheduled"
    )

    run_worker()
    english = wait_for_mail(smtp_server.inbox, "ann@example.org")
    arabic = wait_for_mail(smtp_server.inbox, "samir@example.org")
    assert english["Subject"] == ENGLISH[0] and arabic["Subject"] == ARABIC[0]
    assert "agreed" in body_text(english) and "لقاء" in body_text(arabic)
    for message in (english, arabic):
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = message["List-Unsubscribe"].strip("<>")
        assert link.startswith(f"{browsing.base_url}/") and "/unsubscribe/" in link
    assert "/ar/" in arabic["List-Unsubscribe"] and "/en/" in english["List-Unsubscribe"]
    delivered = {m["To"] for m in smtp_server.inbox.messages}
    assert delivered == {"ann@example.org", "samir@example.org"}

    page.reload()
    expect(page.locator("[data-update-status]")).to_have_attribute("data-update-status", "queued")
    expect(page.locator("[data-count='sent']")).to_have_text("2")
    expect(page.locator("main progress")).to_have_attribute("value", "2")
    audit("update")
    assert not report, "accessibility violations:\n" + "\n".join(report)
