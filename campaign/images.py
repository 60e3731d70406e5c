"""Uploaded images: decoded, re-encoded from their pixels alone, stored under a content name.

Re-encoding from pixel data drops everything else a file may carry: EXIF (GPS position, camera
serial numbers), XMP, comments, embedded thumbnails, and any payload hidden behind the image.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
# Beyond this a file is a decompression bomb rather than a photograph.
MAX_PIXELS = 50_000_000
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|webp)$")


class InvalidImage(ValueError):
    """`reason` is one of: not_an_image, too_large, too_many_pixels."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def reencode_image(data: bytes, *, max_bytes: int, max_side: int) -> tuple[bytes, str]:
    """Return (clean image bytes, extension): JPEG, or WebP when the image has transparency.

    Images larger than `max_side` on a side are scaled down to fit.
    """
    if len(data) > max_bytes:
        raise InvalidImage("too_large")
    with warnings.catch_warnings():
        # Pillow only warns about mid-sized bombs; treat the warning as the refusal it is.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as source:
                if source.format not in ACCEPTED_FORMATS:
                    raise InvalidImage("not_an_image")
                if source.width * source.height > MAX_PIXELS:
                    raise InvalidImage("too_many_pixels")
                source.load()
                image = ImageOps.exif_transpose(source)
        except InvalidImage:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise InvalidImage("too_many_pixels") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise InvalidImage("not_an_image") from exc
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    pixels = image.convert(mode)
    # A new image from the pixels alone: no info dict, no EXIF, no ICC profile, no comments.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
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
