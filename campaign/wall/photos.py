"""A supporter's photo: checked, decoded, cleaned and stored in two sizes.

campaign.web.images does the dangerous part (formats, the pixel budget read from the header
before any pixel is decoded, decompression bombs, EXIF orientation, pixels alone). Here: no
animation, and two JPEG files. One format only: every browser and mail client shows JPEG, so
the wall needs no <picture> fallback, and a second format would double the files to store,
erase and purge for about a quarter fewer bytes.
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
    thumbnail_size: tuple[int, int]


@dataclass(frozen=True)
class StoredPhoto:
    display: str
    thumbnail: str
    thumbnail_size: tuple[int, int]


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
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
    return Photo(display=display, thumbnail=_jpeg(image), thumbnail_size=image.size)


def store_photo(directory: str | os.PathLike, photo: Photo) -> StoredPhoto:
    return StoredPhoto(
        display=store_image(directory, photo.display, "jpg"),
        thumbnail=store_image(directory, photo.thumbnail, "jpg"),
        thumbnail_size=photo.thumbnail_size,
    )


def blurred(data: bytes) -> bytes:
    """The JPEG `data` blurred past recognising a face, at the same size and without metadata.

    The radius follows the picture's size, so a thumbnail is as unreadable as the large photo.
    """
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    radius = max(image.size) / BLUR_DIVISOR
    return _jpeg(image.filter(ImageFilter.GaussianBlur(radius)))
