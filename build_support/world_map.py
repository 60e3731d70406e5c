"""Build campaign/data/world-map.json, the country shapes of the petition page's map.

Run by hand when the source changes, never at run time:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python build_support/world_map.py package/countries-110m.json

The source is Natural Earth's 1:110m countries (public domain) as TopoJSON from the world-atlas
package (ISC licence, Copyright 2013-2019 Michael Bostock). This decodes it, projects it with
the Equal Earth projection into a 1000-wide box, rounds to whole units (about 40 km at the
equator, finer than the source) and keeps one SVG path per ISO 3166-1 alpha-2 code. Shapes
that have no code of their own are kept under "" and drawn as land with no figures;
Antarctica is left out.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from babel import Locale

OUT = Path(__file__).resolve().parent.parent / "campaign" / "data" / "world-map.json"
WIDTH = 1000
# world-atlas names some countries in short forms Babel does not know: by ISO numeric code.
NUMERIC_CODES = {
    "732": "EH", "840": "US", "180": "CD", "214": "DO", "238": "FK", "260": "TF", "384": "CI",
    "140": "CF", "178": "CG", "226": "GQ", "748": "SZ", "275": "PS", "104": "MM", "792": "TR",
    "090": "SB", "070": "BA", "807": "MK", "780": "TT", "728": "SS",
}  # fmt: skip
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def decoded_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indices: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    return points


def unwrapped(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that crosses the antimeridian (Fiji, the east of Russia) kept in one piece, its
    far side beyond the map's edge, instead of drawn as a line across the whole world."""
    result: list[tuple[float, float]] = []
    for longitude, latitude in points:
        if result:
            previous = result[-1][0]
            longitude += 360 * round((previous - longitude) / 360)
        result.append((longitude, latitude))
    return result


def main(source: Path) -> None:
    topology = json.loads(source.read_text(encoding="utf-8"))
    arcs = decoded_arcs(topology)
    right, top = equal_earth(180, 0)[0], equal_earth(0, 90)[1]
    scale = WIDTH / (2 * right)
    lowest = 0
    names = {name: code for code, name in Locale("en").territories.items() if len(code) == 2}
    shapes: dict[str, list[str]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = NUMERIC_CODES.get(geometry.get("id")) or names.get(geometry["properties"]["name"])
        if code == "AQ":
            continue  # no signers there, and it would take a fifth of the map
        polygons = geometry.get("arcs", [])
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for indices in polygon:
                drawn = []
                for longitude, latitude in unwrapped(ring(arcs, indices)):
                    x, y = equal_earth(longitude, latitude)
                    point = (round((x + right) * scale), round((top - y) * scale))
                    if not drawn or point != drawn[-1]:
                        drawn.append(point)
                        lowest = max(lowest, point[1])
                if len(drawn) >= 3:
                    moves = "l".join(
                        f"{x - px},{y - py}"
                        for (px, py), (x, y) in zip(drawn, drawn[1:], strict=False)
                    )
                    shapes.setdefault(code or "", []).append(
                        f"M{drawn[0][0]},{drawn[0][1]}l{moves}z"
                    )
    document = {
        "source": "Natural Earth 1:110m countries (public domain), via world-atlas 2.0.2 "
        "(ISC, Michael Bostock); Equal Earth projection",
        "width": WIDTH,
        "height": lowest + 2,
        "shapes": {code: "".join(paths) for code, paths in sorted(shapes.items())},
    }
    OUT.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(shapes)} shapes, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
