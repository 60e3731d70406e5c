"""QR codes of a petition's link, for posters and leaflets."""

from __future__ import annotations

import io
from functools import lru_cache

import segno

# Medium error correction survives a crease or a smudge on a printed leaflet.
ERROR_LEVEL = "m"
BORDER = 4  # the quiet zone scanners need around the code


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False)


@lru_cache(maxsize=256)
def qr_svg(url: str, title: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(
        buffer, kind="svg", scale=10, border=BORDER, dark="#000", light="#fff", title=title
    )
    return buffer.getvalue()


@lru_cache(maxsize=256)
def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=12, border=BORDER, dark="#000", light="#fff")
    return buffer.getvalue()
