"""Dashboards: the figures, the server-drawn chart, and staff pages in the four languages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest

from campaign.extensions import db
from campaign.models import User
from campaign.petitions.statistics import petition_statistics
from campaign.staff.charts import bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")
TODAY = date(2026, 4, 30)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_petition_statistics(session, make_petition, make_signature):
    petition = make_petition()
    make_signature(petition, country="FR", created_at=at(TODAY), source_channel="whatsapp")
    make_signature(petition, country="FR", created_at=at(TODAY, 23))
    make_signature(petition, country="EG", created_at=at(TODAY - timedelta(days=2), 0))
    make_signature(petition, country="BR", created_at=at(TODAY - timedelta(days=40)))
    make_signature(petition, country="EG", confirmed=False, created_at=at(TODAY))
    make_signature(make_petition(), country="FR", created_at=at(TODAY))  # another petition

    stats = petition_statistics(session, petition.id, today=TODAY, days=30)
    assert (stats.confirmed, stats.pending) == (4, 1)
    assert stats.confirmation_rate == pytest.approx(0.8)
    assert len(stats.per_day) == 30
    assert stats.per_day[0][0] == TODAY - timedelta(days=29) and stats.per_day[-1] == (TODAY, 2)
    assert dict(stats.per_day)[TODAY - timedelta(days=2)] == 1
    assert sum(n for _day, n in stats.per_day) == 3  # the 40-day-old one is outside the window
    assert stats.countries == [("FR", 2), ("BR", 1), ("EG", 1)]
    assert dict(stats.channels) == {None: 3, "whatsapp": 1}


def test_statistics_of_an_empty_petition(session, make_petition):
    stats = petition_statistics(session, make_petition().id, today=TODAY)
    assert (stats.confirmed, stats.pending, stats.confirmation_rate) == (0, 0, None)
    assert all(n == 0 for _day, n in stats.per_day)


def test_chart_is_accessible_svg_without_inline_styles():
    svg = bar_chart_svg(
        [("1 Apr", 3), ("2 Apr", 0), ("3 <Apr>", 6)],
        title="Signatures & days",
        description="Per day",
        id_prefix="c",
    )
    root = ET.fromstring(str(svg))  # noqa: S314 (our own output: well-formed, escaped)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Signatures & days"
    assert root.find(f"{SVG}desc").text == "Per day"
    bars = root.findall(f"{SVG}rect")
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["1 Apr: 3", "2 Apr: 0", "3 <Apr>: 6"]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == 0 and heights[2] == pytest.approx(2 * heights[0])
    for element in root.iter():
        assert "style" not in element.attrib
    assert all(bar.get("class") == "chart__bar" for bar in bars)
    assert "<script" not in str(svg) and "<Apr>" not in str(svg)


def test_chart_of_nothing_still_draws():
    root = ET.fromstring(str(bar_chart_svg([], title="t", description="d", id_prefix="x")))  # noqa: S314
    assert root.findall(f"{SVG}rect") == []


def test_petition_dashboard_page(client, make_user, log_in, make_petition, make_signature):
    petition = make_petition(locales=("en", "fr"))
    for country in ("DE", "DE", "EG"):
        make_signature(petition, country=country)
    make_signature(petition, confirmed=False)
    log_in(client, make_user("exporter"))
    with client.session_transaction() as session:
        session["lang"] = "fr"
    response = client.get(f"/staff/petitions/{petition.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert "Allemagne" in html and "Égypte" in html  # country names in the reader's language
    assert re.search(r"<dd>75\s?%</dd>", html)  # confirmation rate, formatted for fr
    assert '<svg class="chart"' in html and "<table" in html  # chart, and its figures as a table
    assert "style=" not in html
    listing = client.get("/staff/").get_data(as_text=True)
    assert f"/staff/petitions/{petition.slug}" in listing


@pytest.mark.parametrize(
    ("lang", "direction"), [("en", "ltr"), ("fr", "ltr"), ("es", "ltr"), ("ar", "rtl")]
)
def test_staff_pages_render_in_every_language(
    app, client, make_user, log_in, make_petition, lang, direction
):
    petition = make_petition()
    admin = make_user("admin")
    log_in(client, admin)
    switched = client.post("/staff/language", data={"lang": lang, "next": "/staff/users"})
    assert switched.status_code == 303 and switched.headers["Location"] == "/staff/users"
    for path in (
        "/staff/",
        f"/staff/petitions/{petition.slug}",
        f"/staff/petitions/{petition.slug}/export",
        f"/staff/petitions/{petition.slug}/edit",
        f"/staff/campaigns/{petition.campaign.slug}",
        f"/staff/campaigns/{petition.campaign.slug}/petitions/new",
        "/staff/campaigns",
        "/staff/campaigns/new",
        "/staff/users",
        "/staff/erasure",
        "/staff/audit",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}" dir="{direction}">' in html, path
        # Scripts only from static files (the language tabs): nothing inline.
        assert "style=" not in html and not INLINE_SCRIPT.search(html), path
    anonymous = app.test_client()
    page = anonymous.get("/staff/login", headers={"Accept-Language": f"{lang};q=1"})
    assert f'<html lang="{lang}" dir="{direction}">' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).locale == lang  # remembered for next time


def test_the_account_language_applies_at_the_next_login(app, make_user, log_in):
    user = make_user("exporter")
    with app.app_context():
        db.session.get(User, user.id).locale = "ar"
        db.session.commit()
    client = app.test_client()
    log_in(client, user)
    html = client.get("/staff/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html


def test_language_choice_refuses_unknown_languages(client):
    assert client.post("/staff/language", data={"lang": "de"}).status_code == 400
