"""Photos and forms for the wall of support's tests."""

from __future__ import annotations

import io
import re

from PIL import ExifTags, Image, ImageDraw

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (46.0, 12.0, 30.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (6.0, 8.0, 40.0),
}
SECRETS = (b"WhistleblowerCam", b"Jane Source", b"safe house", b"Exif", b"GPS")
AUTHOR_LINK = re.compile(r"https?://\S+/wall/mine/[A-Za-z0-9_.\-]+")
WALL_CONFIRM_LINK = re.compile(r"https?://\S+/wall/confirm/[A-Za-z0-9_.\-]+")


def photo(size=(1600, 1200), *, fmt="JPEG", gps=False, orientation=None, mode="RGB") -> bytes:
    """A picture that is not all one colour (so scaling shows), optionally with GPS EXIF."""
    image = Image.new(mode, size, (30, 90, 160) if mode == "RGB" else (30, 90, 160, 255))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2, size[1] // 4), fill=(220, 40, 40))
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "WhistleblowerCam"
        exif[ExifTags.Base.Artist] = "Jane Source"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    extra = {"exif": exif} if (gps or orientation) else {}
    if fmt == "JPEG" and gps:
        extra["comment"] = b"taken at the safe house"
    image.save(out, fmt, **extra)
    return out.getvalue()


def post_fields(**overrides: str | None) -> dict[str, str]:
    fields = {
        "display_name": "Amal",
        "email": "amal@example.org",
        "country": "LB",
        "message": "No one should be tortured. Hats off to everyone here.",
        "consent": "y",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def assert_no_metadata(data: bytes, kind: str = "JPEG") -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == kind
        assert not image.getexif()
        for key in ("exif", "comment", "icc_profile", "xmp", "photoshop"):
            assert key not in image.info, key
    for secret in SECRETS:
        assert secret not in data, secret
