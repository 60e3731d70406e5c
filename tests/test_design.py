"""The design's contracts that need no browser: stylesheets with logical properties only and
nothing from other hosts, the hero's picture or poster, the hashtag's direction, the order of the
petition page, the home page's statements. The browser suite checks how pages look and behave."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from campaign.config import ROOT
from campaign.extensions import db
from campaign.models import Campaign
from campaign.web.images import store_image
from campaign.web.templating import _hashtag_words

STYLESHEETS = sorted((ROOT / "static" / "css").glob("*.css"))
# Physical directions: right-to-left pages would not mirror them.
PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right)(?:-\w+)?|left|right|float"
    r"|text-align|clear)\s*:\s*[^;]*|:\s*(?:left|right)\b",
)


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda path: path.name)
def test_stylesheets_use_logical_properties_only(sheet):
    css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
    found = [
        match.group(0)
        for match in PHYSICAL.finditer(css)
        if not re.search(r"text-align\s*:\s*(start|end|center)", match.group(0))
    ]
    assert found == [], f"{sheet.name} uses physical directions: {found}"


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda path: path.name)
def test_stylesheets_load_nothing_from_other_hosts(sheet):
    css = sheet.read_text(encoding="utf-8")
    assert "@import" not in css
    assert re.search(r"url\(\s*['\"]?(https?:)?//", css) is None
    assert "@font-face" not in css  # system fonts: no web font to download


def test_the_stylesheet_has_a_dark_scheme_reduced_motion_and_print():
    css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media (prefers-reduced-motion: reduce)" in css
    assert "@media print" in css
    assert ":focus-visible" in css


def test_hashtags_split_into_words_for_the_poster():
    assert _hashtag_words("HumansAgainstTorture") == ["Humans", "Against", "Torture"]
    assert _hashtag_words("Stop2Torture") == ["Stop2", "Torture"]
    assert _hashtag_words("لا_للتعذيب") == ["لا_للتعذيب"]


def test_a_campaign_without_picture_shows_its_hashtag_as_a_poster(client, make_petition):
    petition = make_petition(locales=("en", "ar"))
    html = client.get(f"/ar/campaigns/{petition.campaign.slug}").get_data(as_text=True)
    assert '<div class="poster" aria-hidden="true">' in html
    assert "<span>#Humans</span><span>Against</span><span>Torture</span>" in html
    # The "#" stays before the word on a right-to-left page; the tag keeps language and direction.
    assert '<bdi class="hashtag" lang="en" dir="ltr">#HumansAgainstTorture</bdi>' in html
    assert 'class="media__image"' not in html


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


def test_a_campaign_with_a_picture_shows_it_in_the_hero(app, client, make_petition, tmp_path):
    petition = make_petition()
    picture = tmp_path / "picture.jpg"
    Image.new("RGB", (40, 20), "red").save(picture)
    name = store_image(app.config["UPLOAD_DIR"], picture.read_bytes(), "jpg")
    with app.app_context():
        db.session.get(Campaign, petition.campaign_id).hero_image = name
        db.session.commit()

    for url in (f"/en/campaigns/{petition.campaign.slug}", f"/en/petitions/{petition.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert f'<img class="media__image" src="/uploads/{name}" alt=""' in html, url
        assert 'class="poster"' not in html
    served = client.get(f"/uploads/{name}")
    assert served.status_code == 200
    served.close()


def test_the_petition_page_puts_the_ask_before_the_form_and_the_story_after(client, make_petition):
    petition = make_petition()
    html = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    # Whom it addresses follows the ask for screen readers; on a phone the stylesheet shows it
    # after the form, so that the sign button stays on the first screen.
    order = [
        html.index('<h1 class="petition__ask"'),
        html.index('class="target petition__target"'),
        html.index('class="petition__sign" id="sign"'),
        html.index('<div class="petition__story">'),
        html.index('class="share"'),
    ]
    assert order == sorted(order)
    assert 'aria-labelledby="sign-heading"' in html and 'id="sign-heading"' in html


def test_the_email_hint_is_read_with_its_field(client, make_petition):
    petition = make_petition()
    html = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    assert re.search(r'<input[^>]*aria-describedby="email-hint"[^>]*id="email"', html)


def test_the_home_page_lists_the_newest_statements(client, make_campaign, make_statement):
    make_campaign()
    older = make_statement(texts={"en": ("Older statement", "x", "y")})
    newest = [make_statement() for _ in range(4)]
    html = client.get("/en/").get_data(as_text=True)
    for statement in newest:
        assert f'href="/en/statements/{statement.slug}"' in html
    assert older.slug not in html
    assert 'href="/en/statements"' in html
