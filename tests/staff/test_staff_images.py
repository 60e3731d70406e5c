"""Hero images: re-encoded, stripped of metadata, size-limited, non-images refused."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile

from campaign.extensions import db
from campaign.models import Campaign
from campaign.web.images import MAX_PIXELS, InvalidImage, reencode_image, store_image

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (46.0, 12.0, 30.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (6.0, 8.0, 40.0),
}


def jpeg_with_gps(size=(120, 80)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "WhistleblowerCam"
    exif[ExifTags.Base.Artist] = "Jane Source"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at the safe house")
    data = out.getvalue()
    # The fixture is what it claims to be: a photo that gives its position away.
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def assert_clean(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and "comment" not in image.info
        assert "icc_profile" not in image.info and "xmp" not in image.info
    for secret in (b"WhistleblowerCam", b"Jane Source", b"safe house", b"Exif"):
        assert secret not in data


def test_reencoding_strips_every_piece_of_metadata():
    data, extension = reencode_image(jpeg_with_gps(), max_bytes=5_000_000, max_side=4000)
    assert extension == "jpg"
    assert_clean(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (120, 80)


def test_transparent_images_become_webp():
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, "PNG")
    data, extension = reencode_image(out.getvalue(), max_bytes=5_000_000, max_side=4000)
    assert extension == "webp"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP" and image.mode == "RGBA"


def test_large_images_are_scaled_down():
    out = io.BytesIO()
    Image.new("RGB", (5000, 1000), "white").save(out, "PNG")
    data, _ = reencode_image(out.getvalue(), max_bytes=5_000_000, max_side=4000)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (4000, 800)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"MZ\x90\x00 not an image at all", "not_an_image"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "not_an_image",
        ),
        (b"\xff\xd8\xff\xe0 a truncated jpeg", "not_an_image"),
        (b"", "not_an_image"),
        (b"x" * 2000, "too_large"),
    ],
)
def test_what_is_not_a_usable_image_is_refused(data, reason):
    with pytest.raises(InvalidImage) as refused:
        reencode_image(data, max_bytes=1000, max_side=4000)
    assert refused.value.reason == reason


def png(size: tuple[int, int], mode: str = "1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "size",
    [
        (5001, 5000),  # just over the budget: only our check stands in the way
        (6000, 5000),  # over Pillow's warning threshold (the budget too)
        (8000, 8000),  # over twice that: Pillow's DecompressionBombError
        (10000, 10000),
        (25_000_001, 1),
    ],
)
def test_images_over_the_pixel_budget_are_refused_before_any_pixel_is_decoded(monkeypatch, size):
    assert MAX_PIXELS == Image.MAX_IMAGE_PIXELS == 25_000_000
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    bomb = png(size)
    assert len(bomb) < 20_000  # a few kB that would decode to tens of megapixels
    with pytest.raises(InvalidImage) as refused:
        reencode_image(bomb, max_bytes=5_000_000, max_side=4000)
    assert refused.value.reason == "too_many_pixels"
    assert decoded == []


def test_where_pillow_only_warns_the_image_is_refused_all_the_same():
    """In production warnings are not errors: Pillow prints its warning and lets the file
    through Image.open, and the budget refuses it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InvalidImage) as refused:
            reencode_image(png((6000, 5000)), max_bytes=5_000_000, max_side=4000)
    assert refused.value.reason == "too_many_pixels"
    assert [w.category for w in caught] == [Image.DecompressionBombWarning]


def test_a_24_megapixel_photo_is_within_the_budget():
    data, extension = reencode_image(png((6000, 4000), "L"), max_bytes=5_000_000, max_side=4000)
    with Image.open(io.BytesIO(data)) as image:
        assert extension == "jpg" and image.size == (4000, 2667)


def test_stored_names_come_from_the_content(tmp_path):
    first = store_image(tmp_path, b"abc", "jpg")
    assert first == store_image(tmp_path, b"abc", "jpg")
    assert first != store_image(tmp_path, b"abd", "jpg")
    assert (tmp_path / first).read_bytes() == b"abc"
    assert not list(tmp_path.glob("*.part"))


# --- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"), HERO_IMAGE_MAX_BYTES=200_000)


def _form(campaign, image: bytes, filename: str) -> dict:
    return {
        "slug": campaign.slug,
        "default_locale": "en",
        "text_en-title": "Title",
        "action": "save",
        "hero_image": (io.BytesIO(image), filename),
    }


def test_upload_stores_a_clean_copy_and_serves_it(app, client, make_user, log_in, make_campaign):
    campaign = make_campaign(status="published")
    log_in(client, make_user("admin"))
    response = client.post(
        f"/staff/campaigns/{campaign.slug}",
        data=_form(campaign, jpeg_with_gps(), "holiday.jpg"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    with app.app_context():
        name = db.session.get(Campaign, campaign.id).hero_image
    assert_clean((Path(app.config["UPLOAD_DIR"]) / name).read_bytes())
    with app.test_client().get(f"/uploads/{name}") as served:
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg"
        assert "immutable" in served.headers["Cache-Control"]
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert_clean(served.get_data())
    public_page = app.test_client().get(f"/en/campaigns/{campaign.slug}").get_data(as_text=True)
    assert f'src="/uploads/{name}"' in public_page


def test_upload_refuses_non_images_with_a_clear_error(
    app, client, make_user, log_in, make_campaign
):
    campaign = make_campaign(status="draft")
    log_in(client, make_user("admin"))
    response = client.post(
        f"/staff/campaigns/{campaign.slug}",
        data=_form(campaign, b"%PDF-1.4 not an image", "photo.jpg"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "This file is not an image we can read" in response.get_data(as_text=True)
    too_big = client.post(
        f"/staff/campaigns/{campaign.slug}",
        data=_form(campaign, b"\xff" * 300_000, "huge.jpg"),
        content_type="multipart/form-data",
    )
    assert too_big.status_code == 422
    assert "The image is larger than 0.2 MB" in too_big.get_data(as_text=True)
    uploads = Path(app.config["UPLOAD_DIR"])
    assert not uploads.exists() or not any(uploads.iterdir())
    with app.app_context():
        assert db.session.get(Campaign, campaign.id).hero_image is None


@pytest.mark.parametrize(
    ("lang", "size"), [("en", (10000, 10000)), ("fr", (6000, 5000)), ("ar", (5001, 5000))]
)
def test_upload_of_a_decompression_bomb_is_refused_with_a_clear_error(
    app, client, make_user, log_in, make_campaign, lang, size
):
    campaign = make_campaign(status="draft")
    log_in(client, make_user("admin"))
    bomb = png(size)  # 100 megapixels in about 12 kB, or 25 to 30 in a few kB
    assert len(bomb) < 20_000
    response = client.post(
        f"/staff/campaigns/{campaign.slug}",
        data=_form(campaign, bomb, "bomb.png"),
        content_type="multipart/form-data",
        headers={"Accept-Language": lang},
    )
    assert response.status_code == 422
    assert {
        "en": "The image has too many pixels. Upload a smaller one.",
        "fr": "L’image comporte trop de pixels. Importez une image plus petite.",
        "ar": "تحتوي الصورة على عدد كبير جدًا من البكسلات. يُرجى رفع صورة أصغر.",
    }[lang] in response.get_data(as_text=True)
    uploads = Path(app.config["UPLOAD_DIR"])
    assert not uploads.exists() or not any(uploads.iterdir())
    with app.app_context():
        assert db.session.get(Campaign, campaign.id).hero_image is None


def test_uploads_route_serves_only_stored_names(client):
    for name in ("../conftest.py", "x.jpg", "0" * 32 + ".png", "%2e%2e%2fsecret"):
        assert client.get(f"/uploads/{name}").status_code == 404
