"""QR codes of a petition's link (tagged src=qr), for posters and leaflets."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest
import segno
from PIL import Image

from campaign.extensions import db
from campaign.models import Petition
from campaign.petitions.qrcodes import BORDER, ERROR_LEVEL

ALL = ("en", "fr", "es", "ar")
SCALE = 12  # the PNG's pixels per module


@pytest.fixture
def petition(make_campaign, make_petition):
    return make_petition(campaign=make_campaign(locales=ALL), locales=ALL)


def expected_link(lang, slug):
    return f"http://localhost/{lang}/petitions/{slug}?src=qr"


@pytest.mark.parametrize("lang", ALL)
def test_png_qr_code_holds_the_tagged_petition_link(client, petition, lang):
    response = client.get(f"/{lang}/petitions/{petition.slug}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.cache_control.public and response.cache_control.max_age == 86400
    assert response.headers["ETag"]
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG"
    # Read the modules back from the picture and compare with the code of the expected link.
    matrix = segno.make(expected_link(lang, petition.slug), error=ERROR_LEVEL, micro=False).matrix
    size = len(matrix)
    assert image.size == ((size + 2 * BORDER) * SCALE,) * 2
    grey = image.convert("L")
    read = [
        [
            grey.getpixel(((BORDER + x) * SCALE + SCALE // 2, (BORDER + y) * SCALE + SCALE // 2))
            < 128
            for x in range(size)
        ]
        for y in range(size)
    ]
    assert read == [[bool(module) for module in row] for row in matrix]


@pytest.mark.parametrize("lang", ALL)
def test_svg_qr_code_is_segnos_code_of_the_tagged_link(client, petition, lang):
    response = client.get(f"/{lang}/petitions/{petition.slug}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)  # noqa: S314  (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    title = f"Petition 1 [{lang}]"
    assert root.find("{http://www.w3.org/2000/svg}title").text == title
    expected = io.BytesIO()
    segno.make(expected_link(lang, petition.slug), error=ERROR_LEVEL, micro=False).save(
        expected, kind="svg", scale=10, border=BORDER, dark="#000", light="#fff", title=title
    )
    assert response.data == expected.getvalue()
    assert (
        response.headers["Content-Disposition"] == f"inline; filename={petition.slug}-{lang}-qr.svg"
    )


def test_svg_title_with_markup_stays_text(app, client, petition):
    with app.app_context():
        found = db.session.get(Petition, petition.id)
        next(t for t in found.texts if t.locale == "en").title = 'Say "no" to <script>&'
        db.session.commit()
    response = client.get(f"/en/petitions/{petition.slug}/qr.svg")
    root = ElementTree.fromstring(response.data)  # noqa: S314  (our own output)
    assert root.find("{http://www.w3.org/2000/svg}title").text == 'Say "no" to <script>&'
    assert b"<script>" not in response.data


def test_qr_code_revalidates_with_304(client, petition):
    url = f"/en/petitions/{petition.slug}/qr.svg"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_qr_code_of_a_draft_petition_is_404(client, make_petition):
    draft = make_petition(status="draft")
    assert client.get(f"/en/petitions/{draft.slug}/qr.png").status_code == 404


def test_petition_page_offers_the_qr_codes(client, petition):
    html = client.get(f"/fr/petitions/{petition.slug}").get_data(as_text=True)
    assert f'href="/fr/petitions/{petition.slug}/qr.svg" download' in html
    assert f'href="/fr/petitions/{petition.slug}/qr.png" download' in html
    assert f'<img class="qr__image" src="/fr/petitions/{petition.slug}/qr.svg"' in html
