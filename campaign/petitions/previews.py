"""Link-preview images: a 1200x630 PNG card with a petition's title and count.

Drawn with Pillow and the bundled Noto fonts (static/fonts, SIL Open Font License). Arabic is
shaped and laid out right to left by libraqm when Pillow has it; without it the card is still
drawn (unshaped) rather than failing. A line that mixes scripts is cut into runs, each drawn
in a font that covers it and in its own direction, the runs placed in the line's direction:
the two-level case of the Unicode bidirectional algorithm, which is all a title needs.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from PIL import Image, ImageDraw, ImageFont, features

from campaign.config import ROOT

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
FONT_DIR = ROOT / "static" / "fonts"
# Bump when the drawing changes, so caches and ETags do not keep the old picture.
DESIGN_VERSION = "1"
RAQM_AVAILABLE = features.check("raqm")

_INK = (29, 29, 27)
_WHITE = (255, 255, 255)
_ACCENT = (255, 138, 128)
_MUTED = (201, 198, 189)
_TRACK = (68, 66, 61)
_STRIPE = (179, 38, 30)
_TITLE_SIZES = (72, 64, 56, 50, 44)
_TITLE_TOP, _TITLE_BOTTOM = 170, 470
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


@dataclass(frozen=True)
class PreviewCard:
    """Everything drawn on a card; equal cards give the same image (the cache key)."""

    slug: str
    title: str
    count_line: str
    hashtag: str
    footer: str
    progress: float | None
    rtl: bool

    @property
    def etag(self) -> str:
        return hashlib.blake2b(repr((DESIGN_VERSION, self)).encode(), digest_size=16).hexdigest()


def rounded_count(count: int) -> int:
    """The count kept to two significant figures (rounded down) once it reaches 100.

    Networks keep a preview for days, so an exact number would be wrong anyway; this way one
    image serves many signatures, and "more than" stays true.
    """
    if count < 100:
        return count
    step = 10 ** (len(str(count)) - 2)
    return count // step * step


def _is_rtl_char(ch: str) -> bool:
    return bool(_ARABIC.match(ch)) or unicodedata.bidirectional(ch) in {"R", "AL"}


def _strong(ch: str) -> str | None:
    """'R' for right-to-left letters, 'L' for left-to-right letters and digits, None otherwise."""
    if _is_rtl_char(ch):
        return "R"
    if unicodedata.bidirectional(ch) in {"L", "EN"}:
        return "L"
    return None


def paragraph_is_rtl(text: str) -> bool:
    """The Unicode rule: a paragraph takes the direction of its first strong character."""
    for ch in text:
        if (kind := _strong(ch)) is not None:
            return kind == "R"
    return False


def bidi_runs(text: str, rtl: bool) -> list[tuple[str, bool]]:
    """(text, is right-to-left) runs in logical order; neutral characters between two runs of
    one direction join them, otherwise they take the paragraph's direction."""
    base = "R" if rtl else "L"
    kinds = [_strong(ch) for ch in text]
    resolved: list[str] = []
    for i, kind in enumerate(kinds):
        if kind is not None:
            resolved.append(kind)
            continue
        before = next((k for k in reversed(kinds[:i]) if k), base)
        after = next((k for k in kinds[i + 1 :] if k), base)
        resolved.append(before if before == after else base)
    runs: list[tuple[str, bool]] = []
    for ch, kind in zip(text, resolved, strict=True):
        if runs and runs[-1][1] == (kind == "R"):
            runs[-1] = (runs[-1][0] + ch, runs[-1][1])
        else:
            runs.append((ch, kind == "R"))
    return runs


@cache
def _font(shaping: bool, rtl: bool, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    family = "NotoSansArabic" if rtl else "NotoSans"
    weight = "Bold" if bold else "Regular"
    engine = ImageFont.Layout.RAQM if shaping else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONT_DIR / f"{family}-{weight}.ttf"), size, layout_engine=engine)


class Typesetter:
    """Measures and draws mixed-script lines with the bundled fonts."""

    def __init__(self, shaping: bool = RAQM_AVAILABLE):
        self.shaping = shaping

    def font(self, rtl: bool, bold: bool, size: int) -> ImageFont.FreeTypeFont:
        return _font(self.shaping, rtl, bold, size)

    def _options(self, rtl: bool) -> dict:
        # Basic layout refuses a direction; it draws characters in logical order, unshaped.
        if not self.shaping:
            return {}
        return {"direction": "rtl", "language": "ar"} if rtl else {"direction": "ltr"}

    def runs(self, text: str, rtl: bool, bold: bool, size: int):
        for run, run_rtl in bidi_runs(text, rtl):
            font = self.font(run_rtl, bold, size)
            yield run, run_rtl, font, font.getlength(run, **self._options(run_rtl))

    def width(self, text: str, rtl: bool, bold: bool, size: int) -> float:
        return sum(width for *_, width in self.runs(text, rtl, bold, size))

    def draw_line(
        self,
        draw: ImageDraw.ImageDraw,
        text: str,
        *,
        baseline: int,
        align_right: bool,
        rtl: bool | None = None,
        bold: bool,
        size: int,
        fill,
    ) -> None:
        rtl = paragraph_is_rtl(text) if rtl is None else rtl
        runs = list(self.runs(text, rtl, bold, size))
        total = sum(width for *_, width in runs)
        x = WIDTH - MARGIN - total if align_right else MARGIN
        # Runs sit left to right on the page: reversed when the line reads right to left.
        for run, run_rtl, font, width in reversed(runs) if rtl else runs:
            draw.text(
                (x, baseline), run, font=font, fill=fill, anchor="ls", **self._options(run_rtl)
            )
            x += width

    def wrap(self, text: str, *, bold: bool, size: int, max_width: int) -> list[str]:
        """Greedy line breaking at spaces; a word wider than a line is cut where it must be."""
        rtl = paragraph_is_rtl(text)
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, rtl, bold, size) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while self.width(current, rtl, bold, size) > max_width and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and self.width(current[:cut], rtl, bold, size) > max_width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        if current:
            lines.append(current)
        return lines

    def fit_title(self, title: str, max_width: int) -> tuple[int, list[str]]:
        """The largest size at which the title fits the title area; cut with "…" if none does."""
        for size in _TITLE_SIZES:
            lines = self.wrap(title, bold=True, size=size, max_width=max_width)
            if len(lines) <= _max_lines(size):
                return size, lines
        size = _TITLE_SIZES[-1]
        lines = self.wrap(title, bold=True, size=size, max_width=max_width)[: _max_lines(size)]
        rtl = paragraph_is_rtl(title)
        last = lines[-1]
        while last and self.width(last + "…", rtl, True, size) > max_width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last + "…"
        return size, lines


_SHAPING = Typesetter()


def _line_height(size: int) -> int:
    return int(size * 1.25)


def _max_lines(size: int) -> int:
    return (_TITLE_BOTTOM - _TITLE_TOP) // _line_height(size)


def render_preview(card: PreviewCard, *, typesetter: Typesetter | None = None) -> bytes:
    """The card as PNG bytes."""
    setter = typesetter or _SHAPING
    image = Image.new("RGB", (WIDTH, HEIGHT), _INK)
    draw = ImageDraw.Draw(image)
    stripe_x = WIDTH - 16 if card.rtl else 0
    draw.rectangle((stripe_x, 0, stripe_x + 15, HEIGHT), fill=_STRIPE)
    text_width = WIDTH - 2 * MARGIN
    line = {"draw": draw, "align_right": card.rtl}
    if card.hashtag:
        setter.draw_line(text=card.hashtag, baseline=120, bold=True, size=40, fill=_ACCENT, **line)
    size, lines = setter.fit_title(card.title, text_width)
    title_rtl = paragraph_is_rtl(card.title)
    for i, title_line in enumerate(lines):
        baseline = _TITLE_TOP + size + i * _line_height(size)
        setter.draw_line(
            text=title_line,
            rtl=title_rtl,
            baseline=baseline,
            bold=True,
            size=size,
            fill=_WHITE,
            **line,
        )
    setter.draw_line(text=card.count_line, baseline=525, bold=True, size=44, fill=_ACCENT, **line)
    if card.progress is not None:
        top = 548
        draw.rounded_rectangle((MARGIN, top, WIDTH - MARGIN, top + 14), radius=7, fill=_TRACK)
        filled = int(text_width * max(0.0, min(card.progress, 1.0)))
        if filled >= 14:
            left = WIDTH - MARGIN - filled if card.rtl else MARGIN
            draw.rounded_rectangle((left, top, left + filled, top + 14), radius=7, fill=_ACCENT)
    setter.draw_line(text=card.footer, baseline=605, bold=False, size=26, fill=_MUTED, **line)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@lru_cache(maxsize=256)
def cached_preview(card: PreviewCard) -> bytes:
    """Rendering takes tens of milliseconds; a card changes only when its count does."""
    return render_preview(card)
