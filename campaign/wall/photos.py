"""A supporter's photo: checked, decoded, cleaned and stored in two sizes.

campaign.web.images does the dangerous part (formats, the pixel budget read from the header
before any pixel is decoded, decompression bombs, EXIF orientation, pixels alone). Here: no
animation, and three files: the display size and the thumbnail as JPEG, which every browser
and mail client shows, and the thumbnail again as WebP, which the wall offers first (a quarter
fewer bytes on the page that shows 24 of them). The display size is opened by a link, which
cannot offer a choice of format, so it stays JPEG alone.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from PIL import Image, ImageFilter

from campaign.web.images import decode_image, store_image

PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# The photo opened from the wall, and the one on the wall itself (twice a phone's column).
DISPLAY_SIDE = 1200
THUMBNAIL_SIDE = 480
# A blur's radius is the picture's longest side over this: about 60 pixels on a display photo,
# wider than a face's eyes, nose and mouth at any size a face fills.
BLUR_DIVISOR = 20


@dataclass(frozen=True)
class Photo:
    display: bytes
    thumbnail: bytes
    thumbnail_webp: bytes
    thumbnail_size: tuple[int, int]


@dataclass(frozen=True)
class StoredPhoto:
    display: str
    thumbnail: str
    thumbnail_webp: str
    thumbnail_size: tuple[int, int]


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def _webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80)
    return out.getvalue()


def process_photo(data: bytes, *, max_bytes: int) -> Photo:
    """The display and thumbnail JPEGs of an upload; raises campaign.web.images.InvalidImage."""
    image = decode_image(
        data, max_bytes=max_bytes, formats=PHOTO_FORMATS, still_only=True, draft_side=DISPLAY_SIDE
    )
    if image.mode == "RGBA":
        # JPEG has no transparency: what was transparent shows as white, as on the page.
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    image.thumbnail((DISPLAY_SIDE, DISPLAY_SIDE), Image.Resampling.LANCZOS)
    display = _jpeg(image)
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return Photo(
        display=display,
        thumbnail=_jpeg(image),
        thumbnail_webp=_webp(image),
        thumbnail_size=image.size,
    )


def store_photo(directory: str | os.PathLike, photo: Photo) -> StoredPhoto:
    return StoredPhoto(
        display=store_image(directory, photo.display, "jpg"),
        thumbnail=store_image(directory, photo.thumbnail, "jpg"),
        thumbnail_webp=store_image(directory, photo.thumbnail_webp, "webp"),
        thumbnail_size=photo.thumbnail_size,
    )


def blurred(data: bytes) -> bytes:
    """The stored JPEG or WebP `data` blurred past recognising a face, in its own format and
    size, without metadata.

    The radius follows the picture's size, so a thumbnail is as unreadable as the large photo.
    """
    with Image.open(io.BytesIO(data), formats=["JPEG", "WEBP"]) as source:
        kind = source.format
        image = source.convert("RGB")
    radius = max(image.size) / BLUR_DIVISOR
    encode = _webp if kind == "WEBP" else _jpeg
    return encode(image.filter(ImageFilter.GaussianBlur(radius)))
