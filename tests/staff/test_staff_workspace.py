"""The workspace as campaigners meet it: statement headings, going live in one step,
confirmation pages, language tabs, the hero image's description and focal point, closing times
in the organisation's zone, the hourly dashboard and the staff header."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import update
from staff.test_staff_images import jpeg_with_gps

from campaign.campaigns.authoring import InvalidTransition, publish_and_open
from campaign.config import Settings
from campaign.extensions import db
from campaign.models import Campaign, Petition, Signature
from campaign.petitions.closing import local_from_utc, utc_from_local
from campaign.petitions.statistics import HOURLY_HOURS, per_hour, petition_statistics
from campaign.statements.display import heading_text

NOW = datetime(2026, 5, 4, 15, 20, tzinfo=UTC)


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- "Egypt: Egypt: …" -------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "lang", "shown"),
    [
        ("Two defenders held", "en", "Egypt: Two defenders held"),
        ("Egypt: two defenders held", "en", "Egypt: two defenders held"),
        ("EGYPT – two defenders held", "en", "EGYPT – two defenders held"),
        ("Égypte : deux défenseurs détenus", "fr", "Égypte : deux défenseurs détenus"),
        ("مصر: اعتقال مدافعَين", "ar", "مصر: اعتقال مدافعَين"),
    ],
)
def test_the_country_prefix_is_shown_only_when_the_title_lacks_it(app, title, lang, shown):
    with app.test_request_context(), force_locale(lang):
        assert heading_text(title, ["EG"], lang, lang) == shown


def test_statement_pages_and_form_show_the_title_once(
    app, client, make_user, log_in, make_statement
):
    statement = make_statement(
        texts={"en": ("Egypt: two defenders held", "Excerpt", "Body")}, countries=("EG",)
    )
    page = text_of(app.test_client().get(f"/en/statements/{statement.slug}"))
    assert "Egypt: Egypt:" not in page and "Egypt: two defenders held" in page
    log_in(client, make_user("admin"))
    form = text_of(client.get(f"/staff/statements/{statement.slug}"))
    assert "Readers see:" in form
    assert re.search(r"<strong[^>]*>Egypt: two defenders held</strong>", form)


# --- one step, one confirmation, to go live ----------------------------------


def test_publish_and_open_takes_a_draft_campaign_and_petition_live(
    session, make_petition, make_campaign
):
    campaign = make_campaign(status="draft")
    petition = session.get(Petition, make_petition(status="draft", campaign=campaign).id)
    assert publish_and_open(petition, now=NOW) is True
    assert (petition.status, petition.campaign.status) == ("open", "published")
    assert petition.opened_at == NOW and petition.campaign.published_at == NOW
    with pytest.raises(InvalidTransition):
        publish_and_open(petition, now=NOW)
    session.rollback()


def test_the_form_says_the_campaign_is_hidden_and_goes_live_after_one_confirmation(
    app, client, make_user, log_in, make_campaign, make_petition
):
    campaign = make_campaign(status="draft")
    petition = make_petition(status="draft", campaign=campaign)
    log_in(client, make_user("admin"))
    form = text_of(client.get(f"/staff/petitions/{petition.slug}/edit"))
    assert "data-campaign-hidden" in form and "Publish campaign and open petition" in form
    asked = client.get(f"/staff/petitions/{petition.slug}/go-live")
    assert asked.status_code == 200
    assert "Publish the campaign and open the petition?" in text_of(asked)
    with app.app_context():
        assert db.session.get(Petition, petition.id).status == "draft"
    done = client.post(f"/staff/petitions/{petition.slug}/go-live", data={"confirm": "yes"})
    assert done.status_code == 303
    assert app.test_client().get(f"/en/petitions/{petition.slug}").status_code == 200


def test_going_live_needs_the_csrf_token(make_app, make_user, make_petition, log_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    petition = make_petition(status="draft")
    client = app.test_client()
    log_in(client, make_user("admin"))
    refused = client.post(f"/staff/petitions/{petition.slug}/go-live", data={"confirm": "yes"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(Petition, petition.id).status == "draft"


# --- language tabs and the slug's label ----------------------------------------------


def test_language_sections_are_marked_for_tabs_and_the_slug_is_named(
    client, make_user, log_in, make_petition
):
    petition = make_petition(locales=("en", "ar"))
    log_in(client, make_user("admin"))
    html = text_of(client.get(f"/staff/petitions/{petition.slug}/edit"))
    assert "Web address (slug)" in html
    assert 'src="/static/js/tabs.js"' in html and "data-tabs" in html
    ticks = dict(
        re.findall(r'id="tab-(\w+)".*?<span class="tabs__done" data-tab-done( hidden)?', html, re.S)
    )
    assert ticks == {"en": "", "fr": " hidden", "es": " hidden", "ar": ""}
    # Without script every section is in the page, one after another, none hidden.
    assert html.count("data-tab-panel") == 4 and 'tab-panel" hidden' not in html


# --- the hero's description, focal point, preview and link card -----------------------


@pytest.fixture
def image_app(make_app, tmp_path):
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"), HERO_IMAGE_MAX_BYTES=200_000)


def test_preview_keeps_the_image_and_saving_stores_its_description_and_focus(
    image_app, make_user, log_in, make_campaign
):
    app = image_app
    campaign = make_campaign(status="published")
    client = app.test_client()
    log_in(client, make_user("admin"))
    data = {
        "slug": campaign.slug,
        "default_locale": "en",
        "text_en-title": "Free them",
        "text_en-hero_alt": "Two women holding a banner",
        "text_ar-title": "أطلقوا سراحهم",
        "text_ar-hero_alt": "امرأتان تحملان لافتة",
        "hero_focus_x": "30",
        "hero_focus_y": "70",
        "action": "preview",
        "hero_image": (io.BytesIO(jpeg_with_gps()), "banner.jpg"),
    }
    preview = client.post(
        f"/staff/campaigns/{campaign.slug}", data=data, content_type="multipart/form-data"
    )
    assert preview.status_code == 200
    [name] = re.findall(
        r'name="pending_hero_image" type="hidden" value="([0-9a-f]{32}\.jpg)"', text_of(preview)
    )
    assert "Chosen image, not saved yet" in text_of(preview)
    data.update(action="save", pending_hero_image=name)
    del data["hero_image"]
    saved = client.post(f"/staff/campaigns/{campaign.slug}", data=data)
    assert saved.status_code == 303
    with app.app_context():
        stored = db.session.get(Campaign, campaign.id)
        assert (stored.hero_image, stored.hero_focus_x, stored.hero_focus_y) == (name, 30, 70)
        assert stored.text_for("ar").hero_alt == "امرأتان تحملان لافتة"
    for lang, alt in (("en", "Two women holding a banner"), ("ar", "امرأتان تحملان لافتة")):
        page = text_of(app.test_client().get(f"/{lang}/campaigns/{campaign.slug}"))
        assert f'alt="{alt}"' in page
        assert 'data-focus-x="30" data-focus-y="70"' in page
        assert (
            f'<meta property="og:image" content="{app.config["BASE_URL"]}/uploads/{name}">' in page
        )
        assert "og:image:width" not in page  # the uploaded size is not the card's 1200 x 630


def test_a_forged_pending_image_or_focus_is_refused(image_app, make_user, log_in, make_campaign):
    app = image_app
    campaign = make_campaign(status="published")
    client = app.test_client()
    log_in(client, make_user("admin"))
    base = {"slug": campaign.slug, "default_locale": "en", "text_en-title": "T", "action": "save"}
    forged = client.post(
        f"/staff/campaigns/{campaign.slug}", data={**base, "pending_hero_image": "../config.py"}
    )
    assert forged.status_code == 303
    off_grid = client.post(f"/staff/campaigns/{campaign.slug}", data={**base, "hero_focus_x": "33"})
    assert off_grid.status_code == 422 and "Choose a position from the list" in text_of(off_grid)
    with app.app_context():
        stored = db.session.get(Campaign, campaign.id)
        assert stored.hero_image is None and stored.hero_focus_x == 50


def test_the_database_refuses_a_focus_off_the_grid(session, make_campaign):
    campaign = session.get(Campaign, make_campaign().id)
    campaign.hero_focus_y = 55
    with pytest.raises(Exception, match="(?i)check"):
        session.flush()
    session.rollback()


# --- closing time on the organisation's clock -----------------------------------------


def test_closing_time_conversions_follow_the_zone_and_its_clock_changes():
    summer = utc_from_local(datetime(2026, 7, 1, 18, 0), "Europe/Paris")
    assert summer == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    winter = utc_from_local(datetime(2026, 1, 15, 18, 0), "Europe/Paris")
    assert winter == datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
    assert local_from_utc(summer, "Europe/Paris") == datetime(2026, 7, 1, 18, 0)


def _close_at_eight_pm_on_16_september(app, client, petition) -> datetime:
    """Save the petition's form with 2026-09-16T20:00 typed as its closing time; what is stored."""
    data = {
        "slug": petition.slug,
        "default_locale": "en",
        "text_en-title": "T",
        "closes_at": "2026-09-16T20:00",
        "action": "save",
    }
    assert client.post(f"/staff/petitions/{petition.slug}/edit", data=data).status_code == 303
    with app.app_context():
        return db.session.get(Petition, petition.id).closes_at


def test_closing_time_is_typed_stored_and_shown_in_the_organisations_zone(
    make_app, make_user, log_in, make_petition
):
    app = make_app(ORGANISATION_TIMEZONE="America/Mexico_City")
    petition = make_petition(status="draft")
    client = app.test_client()
    log_in(client, make_user("admin"))
    form = text_of(client.get(f"/staff/petitions/{petition.slug}/edit"))
    assert "on the clock of America/Mexico_City" in form
    stored = _close_at_eight_pm_on_16_september(app, client, petition)
    assert stored == datetime(2026, 9, 17, 2, 0, tzinfo=UTC)
    again = text_of(client.get(f"/staff/petitions/{petition.slug}/edit"))
    assert 'value="2026-09-16T20:00"' in again


def test_without_a_setting_closing_times_are_in_utc(app, client, make_user, log_in, make_petition):
    assert Settings.from_environ({}).flask_config()["ORGANISATION_TIMEZONE"] == "UTC"
    petition = make_petition(status="draft")
    log_in(client, make_user("admin"))
    form = text_of(client.get(f"/staff/petitions/{petition.slug}/edit"))
    assert "on the clock of UTC" in form
    stored = _close_at_eight_pm_on_16_september(app, client, petition)
    assert stored == datetime(2026, 9, 16, 20, 0, tzinfo=UTC)


# --- the first hours, opt-ins, personal links, channel names ---------------------------


def test_confirmations_are_counted_per_hour_for_the_first_three_days(
    session, make_petition, make_signature
):
    petition = make_petition()
    opened = NOW - timedelta(hours=5)
    make_signature(petition, created_at=opened + timedelta(minutes=5))
    make_signature(petition, created_at=opened + timedelta(minutes=30))
    make_signature(petition, created_at=NOW - timedelta(minutes=5), newsletter=True)
    make_signature(petition, created_at=NOW - timedelta(days=9))  # before it opened (a test row)
    hours = per_hour(session, petition.id, since=opened, now=NOW)
    assert len(hours) == 6 and hours[0] == (opened.replace(minute=0), 2)
    assert hours[-1] == (NOW.replace(minute=0), 1) and sum(n for _h, n in hours) == 3
    assert (
        per_hour(session, petition.id, since=NOW - timedelta(hours=HOURLY_HOURS), now=NOW) is None
    )


def test_opt_ins_and_personal_links_are_counted(session, make_petition, make_signature):
    petition = make_petition()
    first = make_signature(petition, newsletter=True)
    make_signature(petition, newsletter=True, confirmed=False)
    brought = make_signature(petition)
    session.execute(update(Signature).where(Signature.id == brought).values(referrer_id=first))
    session.commit()
    stats = petition_statistics(session, petition.id, today=NOW.date())
    assert (stats.opted_in, stats.referred) == (1, 1)


def test_the_dashboard_names_channels_in_the_staff_language(
    client, make_user, log_in, make_petition, make_signature
):
    petition = make_petition()
    make_signature(petition, source_channel="whatsapp")
    make_signature(petition, source_channel="x")
    make_signature(petition, source_channel="copy")
    log_in(client, make_user("admin"))
    client.post("/staff/language", data={"lang": "fr", "next": "/staff/"})
    html = text_of(client.get(f"/staff/petitions/{petition.slug}"))
    cells = dict(re.findall(r'<td data-channel="(\w+)">([^<]+)</td>', html))
    assert cells == {"whatsapp": "WhatsApp", "x": "X (Twitter)", "copy": "Lien copié"}
    assert "per-hour-title" in html  # a fresh petition: hour by hour
    assert 'data-figure="opted-in"' in html and 'data-figure="referred"' in html


# --- the staff header ------------------------------------------------------------------


def test_the_staff_header_links_to_the_site_once(client, make_user, log_in):
    log_in(client, make_user("admin"))
    html = text_of(client.get("/staff/"))
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    assert "View site" in header
    assert "/statements" not in header and "site-menu" not in header
