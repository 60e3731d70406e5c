"""The staff workspace in Chromium, in English and Arabic: going live in a few
clicks, confirmation pages without script, language tabs, the hero image, the dashboard on a
phone."""

from __future__ import annotations

import io
import re

import pytest
from conftest import STAFF_PASSWORD
from PIL import Image
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from browser.pages import PETITION
from browser.support import PHONE, describe_violations, run_axe, translated
from browser.test_staff import log_in, staff_pages
from campaign.extensions import db
from campaign.models import Petition

LANGS = ["en", "ar"]


@pytest.fixture
def app(make_app, smtp_server, tmp_path):
    """Uploads go to this test's own folder."""
    return make_app(MAIL_URL=smtp_server.url, UPLOAD_DIR=str(tmp_path / "uploads"))


class Clicks:
    """Clicks a campaigner makes, counted: the issue allows at most 5 from a finished draft."""

    def __init__(self):
        self.count = 0

    def __call__(self, target: Locator) -> None:
        self.count += 1
        target.click()


def in_language(page: Page, lang: str) -> None:
    """Switch the workspace to `lang` (the header's language buttons) when it is not English."""
    if lang != "en":
        page.locator(f".languages button[value={lang}]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")


def write_draft(page: Page, clicks: Clicks, app, lang: str) -> None:
    """A campaigner writes a campaign and its petition: the finished draft."""
    t = lambda text: translated(app, lang, text)  # noqa: E731
    clicks(page.locator(".staff-nav").get_by_role("link", name=t("Campaigns")))
    clicks(page.get_by_role("link", name=t("New campaign")))
    page.locator("#slug").fill("free-the-defenders")
    page.locator("#text_en-title").fill("Free the defenders")
    page.locator("#text_en-summary").fill("Held for defending rights.")
    page.locator("#text_en-body").fill("They defended others. Now they need us.")
    clicks(page.locator("button[name=action][value=save]"))
    expect(page.locator("h1")).to_have_text("Free the defenders")
    clicks(page.get_by_role("link", name=t("Add a petition")))
    page.locator("#slug").fill("release-them")
    page.locator("#goal").fill("500")
    page.locator("#text_en-title").fill("Release them")
    page.locator("#text_en-target").fill("The Minister of Justice")
    page.locator("#text_en-body").fill("Release every defender held for their work.")
    clicks(page.locator("button[name=action][value=save]"))
    expect(page.locator("h1")).to_have_text("Release them")


def log_in_by_form(page: Page, email: str, clicks: Clicks) -> None:
    page.goto("/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    clicks(page.locator("main form button[type=submit]"))
    page.wait_for_url("**/staff/")


@pytest.mark.parametrize("lang", LANGS)
def test_a_campaigner_goes_from_login_to_an_open_petition_in_few_clicks(
    browsing, app, make_user, lang
):
    campaigner = make_user("campaigner")
    page = browsing.new_page()
    writing = Clicks()
    log_in_by_form(page, campaigner.email, writing)
    in_language(page, lang)  # once: the account remembers it
    write_draft(page, writing, app, lang)
    # Log in, Campaigns, New campaign, Save, Add a petition, Save: typing aside, 6 clicks.
    assert writing.count == 6, writing.count

    # Another day, from the login form: the finished draft goes live.
    page = browsing.new_page(bypass_csp=True)
    clicks = Clicks()
    log_in_by_form(page, campaigner.email, clicks)
    assert page.locator("html").get_attribute("lang") == lang  # the language is remembered
    expect(page.locator(".site-header")).to_contain_text(translated(app, lang, "View site"))
    clicks(page.get_by_role("link", name="Release them"))
    go_live = translated(app, lang, "Publish campaign and open petition")
    clicks(page.get_by_role("link", name=go_live))
    expect(page.locator("h1")).to_have_text(
        translated(app, lang, "Publish the campaign and open the petition?")
    )
    violations = run_axe(page)
    assert not violations, describe_violations(page.url, violations)
    clicks(page.get_by_role("button", name=go_live))
    expect(page.locator(".flash--success")).to_have_text(
        translated(app, lang, "The campaign is published and the petition is open.")
    )
    expect(page.locator(".status-panel .status")).to_have_text(translated(app, lang, "Open"))
    assert clicks.count <= 5, clicks.count

    visitor = browsing.new_page()
    visitor.goto(f"/{lang}/petitions/release-them")
    expect(visitor.locator(".sign-form")).to_be_visible()
    visitor.goto(f"/{lang}/campaigns/free-the-defenders")
    expect(visitor.locator("h1")).to_have_text("Free the defenders")


@pytest.mark.parametrize("lang", LANGS)
def test_irreversible_and_site_wide_actions_ask_on_a_second_page_without_script(
    browsing, app, make_user, make_petition, lang
):
    petition = make_petition(status="open")
    admin = make_user("admin")
    page = browsing.new_page(java_script_enabled=False)
    log_in(page, admin.email)
    in_language(page, lang)
    t = lambda text: translated(app, lang, text)  # noqa: E731

    page.get_by_role("button", name=t("Pause signing everywhere")).click()
    expect(page.locator("h1")).to_have_text(t("Pause signing on every petition?"))
    page.get_by_role("link", name=t("Cancel")).click()
    expect(page.locator("#site-pause-heading")).to_be_visible()
    expect(page.get_by_role("button", name=t("Pause signing everywhere"))).to_be_visible()
    page.get_by_role("button", name=t("Pause signing everywhere")).click()
    page.get_by_role("button", name=t("Pause signing everywhere")).click()
    expect(page.locator(".flash--success")).to_have_text(t("Signing is paused everywhere."))

    page.goto(f"/staff/petitions/{petition.slug}/edit")
    page.locator(".status-panel button[name=status][value=closed]").click()
    expect(page.locator("h1")).to_have_text(t("Close this petition for good?"))
    expect(page.locator(".status")).to_have_count(0)  # nothing changed yet
    page.get_by_role("button", name=t("Close for good")).click()
    expect(page.locator(".status-panel .status")).to_have_text(t("Closed"))


@pytest.mark.parametrize("lang", LANGS)
def test_language_sections_are_tabs_for_the_keyboard(browsing, app, make_user, make_petition, lang):
    petition = make_petition(status="draft")
    page = browsing.new_page()
    log_in(page, make_user("admin").email)
    in_language(page, lang)
    page.goto(f"/staff/petitions/{petition.slug}/edit")
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(4)
    expect(page.get_by_role("tablist")).to_have_count(1)
    expect(page.get_by_role("tabpanel")).to_have_count(1)  # the hidden ones are out of the tree
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(page.locator("#text-en")).to_be_visible()
    expect(page.locator("#text-fr")).to_be_hidden()
    assert [tabs.nth(i).get_attribute("tabindex") for i in range(4)] == ["0", "-1", "-1", "-1"]
    expect(page.locator("#tab-en [data-tab-done]")).to_be_visible()
    expect(page.locator("#tab-fr [data-tab-done]")).to_be_hidden()

    # The arrow that points to the next tab: right in English, left in Arabic.
    forward, back = ("ArrowRight", "ArrowLeft") if lang == "en" else ("ArrowLeft", "ArrowRight")
    tabs.nth(0).focus()
    page.keyboard.press(forward)
    expect(page.locator("#tab-fr")).to_be_focused()
    expect(page.locator("#tab-fr")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#text-fr")).to_be_visible()
    expect(page.locator("#text-en")).to_be_hidden()
    page.keyboard.press("End")
    expect(page.locator("#tab-ar")).to_be_focused()
    page.keyboard.press(forward)
    expect(page.locator("#tab-en")).to_be_focused()  # wraps round
    page.keyboard.press(back)
    expect(page.locator("#tab-ar")).to_be_focused()
    page.keyboard.press("Home")
    expect(page.locator("#tab-en")).to_be_focused()

    page.locator("#tab-es").click()
    page.locator("#text_es-title").fill("Liberadlos")
    expect(page.locator("#tab-es [data-tab-done]")).to_be_visible()
    expect(page.locator('label[for="slug"]')).to_have_text(t_slug(app, lang))

    # Without script: every section, one after another, and no tab roles.
    bare = browsing.new_page(java_script_enabled=False)
    log_in(bare, make_user("admin").email)
    bare.goto(f"/staff/petitions/{petition.slug}/edit")
    expect(bare.get_by_role("tab")).to_have_count(0)
    for locale in ("en", "fr", "es", "ar"):
        expect(bare.locator(f"#text-{locale}")).to_be_visible()


def t_slug(app, lang: str) -> str:
    return translated(app, lang, "Web address (slug)")


def photo(path, size=(1600, 900)) -> str:
    """A 16:9 photo: a red band on the left, a blue one on the right."""
    image = Image.new("RGB", size, (240, 240, 240))
    image.paste((200, 30, 30), (0, 0, 200, size[1]))
    image.paste((30, 30, 200), (size[0] - 200, 0, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


@pytest.mark.parametrize("lang", LANGS)
def test_the_hero_image_survives_a_preview_and_keeps_its_focus_and_description(
    browsing, app, make_user, make_campaign, make_petition, tmp_path, lang
):
    campaign = make_campaign(status="published", locales=("en", "ar"))
    make_petition(campaign=campaign)
    page = browsing.new_page()
    log_in(page, make_user("admin").email)
    in_language(page, lang)
    t = lambda text: translated(app, lang, text)  # noqa: E731
    page.goto(f"/staff/campaigns/{campaign.slug}")
    page.locator("#hero_image").set_input_files(photo(tmp_path / "banner.jpg"))
    page.locator("#hero_focus_x").select_option("30")
    page.locator("#hero_focus_y").select_option("70")
    page.locator("#text_en-hero_alt").fill("Two women holding a banner")
    page.locator("#tab-ar").click()
    page.locator("#text_ar-hero_alt").fill("امرأتان تحملان لافتة")
    page.locator("button[name=action][value=preview]").click()
    expect(page.locator("[data-hero-preview] figcaption")).to_have_text(
        t("Chosen image, not saved yet. Saving keeps it.")
    )
    expect(page.locator("[data-hero-preview] img")).to_have_js_property("complete", True)
    assert page.locator("[data-hero-preview] img").evaluate("img => img.naturalWidth") == 1600
    page.locator("button[name=action][value=save]").click()
    expect(page.locator(".flash--success")).to_have_text(t("Campaign saved."))

    visitor = browsing.new_page()
    visitor.goto(f"/{lang}/campaigns/{campaign.slug}")
    hero = visitor.locator(".hero__media img")
    alt = "Two women holding a banner" if lang == "en" else "امرأتان تحملان لافتة"
    expect(hero).to_have_attribute("alt", alt)
    expect(hero).to_have_css("object-position", "30% 70%")
    box = visitor.locator(".hero__media").bounding_box()
    assert box["width"] / box["height"] == pytest.approx(16 / 9, rel=0.02)  # not cut at the sides
    og_image = visitor.locator('meta[property="og:image"]').get_attribute("content")
    assert re.search(r"/uploads/[0-9a-f]{32}\.jpg$", og_image)
    assert og_image.endswith(hero.get_attribute("src"))
    visitor.goto(f"/{lang}/")
    teaser = visitor.locator(f".campaign-teaser:has(#campaign-{campaign.slug}) .media")
    box = teaser.bounding_box()
    assert box["width"] / box["height"] == pytest.approx(16 / 9, rel=0.02)


@pytest.mark.parametrize("lang", LANGS)
def test_the_dashboard_on_a_phone_scrolls_tables_in_their_box(
    browsing, app, make_user, make_petition, make_signature, lang
):
    petition = make_petition()
    for channel in ("whatsapp", "x", "copy", "embed", "qr", None):
        make_signature(petition, source_channel=channel, newsletter=channel == "x")
    page = browsing.new_page(viewport=PHONE, bypass_csp=True)
    log_in(page, make_user("admin").email)
    in_language(page, lang)
    t = lambda text: translated(app, lang, text)  # noqa: E731
    page.goto(f"/staff/petitions/{petition.slug}")
    expect(page.locator("#per-hour-heading")).to_have_text(t("Confirmed signatures per hour (UTC)"))
    expect(page.locator("svg.chart rect.chart__bar")).not_to_have_count(0)
    expect(page.locator('[data-figure="opted-in"] dd')).to_have_text(re.compile(r"^\D*1\D*$"))
    expect(page.locator('td[data-channel="whatsapp"]')).to_have_text("WhatsApp")
    expect(page.locator('td[data-channel="copy"]')).to_have_text(t("Copied link"))
    expect(page.locator('td[data-channel="qr"]')).to_have_text(t("QR code"))
    expect(page.locator('[data-figure="referred"] dd')).to_have_text(re.compile(r"^\D*0\D*$"))
    page.locator(".chart-figure summary").click()
    assert_nothing_clipped(page)
    violations = run_axe(page)
    assert not violations, describe_violations(page.url, violations)


def assert_nothing_clipped(page: Page) -> None:
    """Nothing wider than the phone: every table scrolls inside its own box, and nothing else
    sticks out of the screen on either side."""
    where = page.url
    tables = page.locator("main table")
    for i in range(tables.count()):
        inside = tables.nth(i).evaluate(
            "t => { const box = t.closest('.table-scroll');"
            " return !!box && getComputedStyle(box).overflowX === 'auto'; }"
        )
        assert inside, f"{where}: table {i} is not in a scrolling box"
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(el => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1)
                && !el.parentElement.closest('.table-scroll');
        }).map(el => el.tagName + '.' + el.className)"""
    )
    assert not clipped, f"{where}: {clipped}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], where


@pytest.mark.parametrize("lang", LANGS)
def test_every_staff_page_with_a_table_fits_a_phone(
    browsing, app, demo, make_user, make_signature, lang
):
    with app.app_context():
        petition = db.session.scalars(select(Petition).where(Petition.slug == PETITION)).one()
    # Signatures from one domain within the hour: the flood tables have rows.
    for n in range(3):
        make_signature(petition, email=f"flood{n}@flood.example.org", newsletter=True)
    page = browsing.new_page(viewport=PHONE)
    log_in(page, make_user("admin").email)
    in_language(page, lang)
    for name, path in [
        *staff_pages(),
        ("statements", "/staff/statements"),
        ("endorsements", "/staff/endorsements?state=all"),
        ("wall", "/staff/wall"),
        ("integrations", "/staff/integrations"),
        ("outbox", "/staff/outbox"),
        ("new update", f"/staff/petitions/{PETITION}/updates/new"),
        ("signing", f"/staff/petitions/{PETITION}/signing?hour=3&day=3"),
        ("delivery", f"/staff/petitions/{PETITION}/delivery"),
    ]:
        response = page.goto(path)
        assert response.status == 200, f"{name}: {path} -> {response.status}"
        if name in ("signing", "new update", "audit log", "accounts"):
            expect(page.locator("main table").first).to_be_visible()
        assert_nothing_clipped(page)
