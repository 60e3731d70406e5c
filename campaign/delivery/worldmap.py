"""The world map of a petition's signatures, drawn on the server as SVG.

Country shapes are Natural Earth's (public domain), simplified and projected once by
build_support/world_map.py into campaign/data/world-map.json (about 50 kB), read once per
process. Only countries shown in the table are shaded, so the map folds small countries
exactly as the table does."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from campaign.delivery.countries import CountryCounts

MAP_DATA = Path(__file__).parent.parent / "data" / "world-map.json"
# Light to dark: land with no figures, then five steps of more signatures.
NO_FIGURES = "#e4e2dc"
SHADES = ("#fde0c5", "#f9b98a", "#f08a4b", "#d1581c", "#8f3508")
BORDER = "#ffffff"


@cache
def _shapes() -> dict:
    return json.loads(MAP_DATA.read_text(encoding="utf-8"))


def map_aspect() -> float:
    """Height over width of the map, for placing it on a page."""
    data = _shapes()
    return data["height"] / data["width"]


def shade_for(count: int, most: int) -> str:
    """A step on a logarithmic scale up to the petition's largest country, so that a country
    with a tenth of the signatures still shows."""
    if most <= 1:
        return SHADES[-1]
    step = math.log(count) / math.log(most)
    return SHADES[min(len(SHADES) - 1, int(step * len(SHADES)))]


def world_map_svg(
    counts: CountryCounts, names: dict[str, str], *, title: str, description: str
) -> bytes:
    data = _shapes()
    shown = dict(counts.countries)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="map-title map-desc"'
        f' viewBox="0 0 {data["width"]} {data["height"]}" width="{data["width"]}"'
        f' height="{data["height"]}">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(description)}</desc>',
        f'<g stroke="{BORDER}" stroke-width="0.5" stroke-linejoin="round">',
    ]
    for code, path in data["shapes"].items():
        count = shown.get(code)
        if count is None:
            parts.append(f'<path fill="{NO_FIGURES}" d="{path}"/>')
            continue
        label = f"{names.get(code, code)}: {count}"
        parts.append(
            f'<path fill="{shade_for(count, counts.most)}" data-country={quoteattr(code)}'
            f' data-count="{count}" d="{path}"><title>{escape(label)}</title></path>'
        )
    parts.append("</g></svg>")
    return "".join(parts).encode("utf-8")
