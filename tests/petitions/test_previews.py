"""Link previews: OpenGraph and Twitter card tags, and the generated 1200x630 PNG card."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageChops, features

from campaign.extensions import db
from campaign.models import Petition
from campaign.petitions.previews import (
    HEIGHT,
    MARGIN,
    WIDTH,
    PreviewCard,
    Typesetter,
    bidi_runs,
    cached_preview,
    paragraph_is_rtl,
    render_preview,
    rounded_count,
)

ALL = ("en", "fr", "es", "ar")
ARABIC_TITLE = "أنهوا الإفلات من العقاب على التعذيب"


def card(**overrides) -> PreviewCard:
    values = {
        "slug": "p",
        "title": "End impunity for torture",
        "count_line": "412 signatures",
        "hashtag": "#HumansAgainstTorture",
        "footer": "World Organisation Against Torture",
        "progress": 0.41,
        "rtl": False,
    }
    return PreviewCard(**{**values, **overrides})


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def ink_columns(image: Image.Image, top: int, bottom: int) -> tuple[int, int]:
    """The leftmost and rightmost columns where something is drawn in a horizontal band."""
    band = image.convert("RGB").crop((0, top, WIDTH, bottom))
    background = Image.new("RGB", band.size, band.getpixel((WIDTH // 2, 0)))
    # Leave out the coloured stripe at the page's starting edge.
    left, _, right, _ = ImageChops.difference(
        band.crop((20, 0, WIDTH - 20, band.height)),
        background.crop((20, 0, WIDTH - 20, band.height)),
    ).getbbox()
    return left + 20, right + 20


# --- the pure renderer --------------------------------------------------------------------


def test_raqm_is_available_here():
    # The shaping tests below would prove nothing with basic layout.
    assert features.check("raqm")


def test_rounded_count_keeps_two_significant_figures_from_one_hundred():
    assert [rounded_count(n) for n in (0, 7, 99, 100, 412, 1234, 56789, 1_000_001)] == [
        0,
        7,
        99,
        100,
        410,
        1200,
        56000,
        1_000_000,
    ]


def test_bidi_runs_place_numbers_and_latin_words_inside_arabic():
    assert paragraph_is_rtl("أكثر من 1,200 توقيع")
    assert not paragraph_is_rtl("#HumansAgainstTorture أكثر")
    assert bidi_runs("أكثر من 1,200 توقيع", rtl=True) == [
        ("أكثر من ", True),
        ("1,200", False),
        (" توقيع", True),
    ]
    assert bidi_runs("Stop (now) please", rtl=False) == [("Stop (now) please", False)]
    assert bidi_runs("وقّعوا COVID-19 الآن", rtl=True) == [
        ("وقّعوا ", True),
        ("COVID-19", False),
        (" الآن", True),
    ]


@pytest.mark.parametrize("title", ["End impunity for torture", ARABIC_TITLE])
def test_card_is_a_1200_by_630_png(title):
    image = open_png(render_preview(card(title=title, rtl=paragraph_is_rtl(title))))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1200, 630)


def test_arabic_title_is_shaped_and_set_right_to_left():
    rtl_card = card(title=ARABIC_TITLE[:16], count_line="412 توقيعًا", rtl=True)
    shaped = open_png(render_preview(rtl_card))
    # Short title: it ends at the right margin and leaves the left side empty.
    left, right = ink_columns(shaped, 180, 260)
    assert abs(right - (WIDTH - MARGIN)) <= 4
    assert left > WIDTH // 3
    # Shaping joins letters into their contextual forms: the picture differs from unshaped text.
    unshaped = open_png(render_preview(rtl_card, typesetter=Typesetter(shaping=False)))
    assert ImageChops.difference(shaped.convert("RGB"), unshaped.convert("RGB")).getbbox()


def test_latin_title_is_set_left_to_right():
    image = open_png(render_preview(card(title="Stop torture")))
    left, right = ink_columns(image, 180, 260)
    assert abs(left - MARGIN) <= 4 and right < WIDTH // 2


def test_without_raqm_the_card_is_still_drawn():
    data = render_preview(card(title=ARABIC_TITLE, rtl=True), typesetter=Typesetter(shaping=False))
    assert open_png(data).size == (WIDTH, HEIGHT)


def test_a_title_too_long_for_the_card_is_cut_with_an_ellipsis():
    setter = Typesetter()
    size, lines = setter.fit_title("torture " * 80, WIDTH - 2 * MARGIN)
    assert lines[-1].endswith("…")
    assert all(setter.width(line, False, True, size) <= WIDTH - 2 * MARGIN for line in lines)
    long_word = "Antidisestablishmentarianism" * 5
    _, lines = setter.fit_title(long_word, WIDTH - 2 * MARGIN)
    assert "".join(lines) == long_word


def test_equal_cards_share_one_rendering_and_etag():
    assert cached_preview(card()) is cached_preview(card())
    assert card().etag == card().etag != card(count_line="413 signatures").etag


# --- over HTTP ----------------------------------------------------------------------------


@pytest.fixture
def petition(make_campaign, make_petition):
    return make_petition(
        campaign=make_campaign(locales=ALL), locales=ALL, goal=1000, signature_count=412
    )


def set_title(app, petition, lang, title):
    with app.app_context():
        found = db.session.get(Petition, petition.id)
        next(t for t in found.texts if t.locale == lang).title = title
        db.session.commit()


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "End impunity for torture"), ("ar", ARABIC_TITLE)]
)
def test_preview_png_for_latin_and_arabic_titles(app, client, petition, lang, title):
    set_title(app, petition, lang, title)
    response = client.get(f"/{lang}/petitions/{petition.slug}/preview.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = open_png(response.data)
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert response.cache_control.public and response.cache_control.max_age == 300
    assert response.headers["ETag"]


def test_preview_differs_by_language_and_count_bucket(app, client, petition):
    en = client.get(f"/en/petitions/{petition.slug}/preview.png")
    ar = client.get(f"/ar/petitions/{petition.slug}/preview.png")
    assert en.headers["ETag"] != ar.headers["ETag"] and en.data != ar.data
    with app.app_context():
        db.session.get(Petition, petition.id).signature_count = 419  # same "more than 410"
        db.session.commit()
    assert (
        client.get(f"/en/petitions/{petition.slug}/preview.png").headers["ETag"]
        == (en.headers["ETag"])
    )
    with app.app_context():
        db.session.get(Petition, petition.id).signature_count = 420
        db.session.commit()
    assert (
        client.get(f"/en/petitions/{petition.slug}/preview.png").headers["ETag"]
        != (en.headers["ETag"])
    )


def test_preview_revalidation_answers_304_without_a_body(client, petition):
    url = f"/en/petitions/{petition.slug}/preview.png"
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag


def test_preview_of_unknown_or_draft_petition_is_404(client, make_petition):
    draft = make_petition(status="draft")
    assert client.get("/en/petitions/nope/preview.png").status_code == 404
    assert client.get(f"/en/petitions/{draft.slug}/preview.png").status_code == 404


def meta(html: str, key: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html)
    assert match, key
    return match.group(1)


@pytest.mark.parametrize("lang", ALL)
def test_petition_page_has_opengraph_and_twitter_tags(client, petition, lang):
    html = client.get(f"/{lang}/petitions/{petition.slug}").get_data(as_text=True)
    url = f"http://localhost/{lang}/petitions/{petition.slug}"
    assert meta(html, "og:url") == url
    assert meta(html, "og:title") == f"Petition 1 [{lang}]"
    assert meta(html, "og:description") == f"Share {lang}"
    assert meta(html, "og:image") == f"{url}/preview.png"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "630")
    assert (
        meta(html, "og:locale")
        == {"en": "en_GB", "fr": "fr_FR", "es": "es_ES", "ar": "ar_AR"}[lang]
    )
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == f"{url}/preview.png"
    assert meta(html, "twitter:title") == f"Petition 1 [{lang}]"


def test_campaign_page_has_opengraph_tags_with_its_petitions_preview(client, petition):
    slug = petition.campaign.slug
    html = client.get(f"/fr/campaigns/{slug}").get_data(as_text=True)
    assert meta(html, "og:url") == f"http://localhost/fr/campaigns/{slug}"
    assert meta(html, "og:title").startswith("Campaign ")
    assert meta(html, "og:description") == "Summary fr"
    assert meta(html, "og:image") == f"http://localhost/fr/petitions/{petition.slug}/preview.png"
    assert meta(html, "twitter:card") == "summary_large_image"


def test_campaign_without_petition_gets_the_site_card(client, make_campaign):
    campaign = make_campaign()
    html = client.get(f"/en/campaigns/{campaign.slug}").get_data(as_text=True)
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "og:image") == "http://localhost/en/card.png"


def test_meta_macro_is_reusable_by_other_pages(app):
    with app.test_request_context("/en/"):
        template = app.jinja_env.from_string(
            '{% from "_macros/meta.html" import social_meta %}'
            '{{ social_meta("A <statement>", "Body & more", "https://e.org/s", '
            'image="https://e.org/i.png", lang="ar", alternates=["en", "ar"]) }}'
        )
        html = template.render()
    assert meta(html, "og:title") == "A &lt;statement&gt;"
    assert meta(html, "og:locale") == "ar_AR"
    assert re.findall(r'og:locale:alternate" content="([^"]+)"', html) == ["en_GB"]
    assert meta(html, "twitter:card") == "summary_large_image"
