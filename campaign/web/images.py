"""Uploaded images: decoded, re-encoded from their pixels alone, stored under a content name.

Re-encoding from pixel data drops everything else a file may carry: EXIF (GPS position, camera
serial numbers), XMP, comments, embedded thumbnails, and any payload hidden behind the image.

A file of a few kilobytes can claim 10,000 by 10,000 pixels (a flat PNG compresses that well),
and decoding it would take seconds and gigabytes: the dimensions are checked from the header,
which Pillow reads first, before any pixel is decoded.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
# The pixel budget: what this platform decodes in well under a second, and still the photos of
# 24-megapixel cameras. Measured here with Pillow 13 (CPU time, best of three, on a 2-core
# machine): a 25-megapixel image (6124 x 4082) decodes in 20-50 ms as a palette PNG or a GIF,
# 90 ms as a JPEG, 150 ms as an RGB PNG and 260 ms as a WebP; the whole re-encoding (decoding,
# scaling to 4000 px, writing the JPEG) takes 0.7 to 0.95 s. 50 megapixels take twice that.
MAX_PIXELS = 25_000_000
# Pillow's own guard, for every image this process opens: it warns above this many pixels and
# raises DecompressionBombError above twice as many, inside Image.open, before the check below.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|webp)$")


class InvalidImage(ValueError):
    """`reason` is one of: not_an_image, too_large, too_many_pixels, animated."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def decode_image(
    data: bytes,
    *,
    max_bytes: int,
    formats: frozenset[str] = ACCEPTED_FORMATS,
    still_only: bool = False,
    draft_side: int | None = None,
) -> Image.Image:
    """The image's pixels alone, upright (EXIF orientation applied), in RGB or RGBA mode.

    `still_only` refuses animations. `draft_side`: the caller will scale the image to fit
    this many pixels a side, so a JPEG may be decoded at a reduced scale (DCT scaling), which
    costs a fraction of a full decode.
    """
    if len(data) > max_bytes:
        raise InvalidImage("too_large")
    try:
        # Only the formats we accept are tried, so no other decoder ever sees the bytes.
        with Image.open(io.BytesIO(data), formats=sorted(formats)) as source:
            if source.format not in formats:
                raise InvalidImage("not_an_image")
            # The size comes from the header: nothing is decoded until load().
            if source.width * source.height > MAX_PIXELS:
                raise InvalidImage("too_many_pixels")
            if still_only and getattr(source, "n_frames", 1) > 1:
                raise InvalidImage("animated")
            if draft_side and source.format == "JPEG":
                source.draft("RGB", (draft_side, draft_side))
            source.load()
            image = ImageOps.exif_transpose(source)
    except InvalidImage:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        # The warning is raised only where warnings are errors (the tests); elsewhere Pillow
        # prints it and the check above refuses the image. No filter is changed here: the
        # warnings filters are global to the process, and its other threads serve requests.
        raise InvalidImage("too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage("not_an_image") from exc
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    pixels = image.convert(mode)
    # A new image from the pixels alone: no info dict, no EXIF, no ICC profile, no comments.
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


def reencode_image(data: bytes, *, max_bytes: int, max_side: int) -> tuple[bytes, str]:
    """Return (clean image bytes, extension): JPEG, or WebP when the image has transparency.

    Images larger than `max_side` on a side are scaled down to fit.
    """
    clean = decode_image(data, max_bytes=max_bytes)
    clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if clean.mode == "RGBA":
        clean.save(out, "WEBP", quality=85)
        return out.getvalue(), "webp"
    clean.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue(), "jpg"


def store_image(directory: str | os.PathLike, data: bytes, extension: str) -> str:
    """Write the image under a name derived from its content; return that name."""
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.{extension}"
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        # Written aside then renamed, so a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a front web server may serve it
        os.replace(temporary, target)
    return name


def discard_images(directory: str | os.PathLike, names: list[str]) -> None:
    """Delete stored images that nothing uses any more (the caller checked)."""
    for name in names:
        if STORED_NAME.match(name):
            (Path(directory) / name).unlink(missing_ok=True)
