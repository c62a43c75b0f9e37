"""Write the public page's kelurahan map (served as /static/kelurahan.json) from the boundaries.

`python -m infra.local.simplify_map`: the default region's kelurahan polygons (its `boundaries`
file in chalicelib/data/jurisdictions.json; cahyadsn/wilayah_boundaries, MIT) into its `map` file,
simplified (Douglas-Peucker) and projected once into SVG path strings in a
1000-wide view box, so the page draws them without any projection code or
third-party library. `projection` gives the view box's west edge, north edge and
units per degree, so that a point tapped on the map (the report form) turns back
into a latitude and longitude. Run it again when the boundary file changes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from chalicelib.domain import reference

ROOT = Path(__file__).resolve().parents[2]
SOURCE = reference.boundaries_file()
TARGET = reference.map_file()
TOLERANCE_DEG = 0.0004  # ~45 m: plenty for a city map on a phone
WIDTH = 1000.0


def _perp(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    if len(points) < 3:
        return points
    idx, dmax = 0, 0.0
    for i in range(1, len(points) - 1):
        d = _perp(points[i], points[0], points[-1])
        if d > dmax:
            idx, dmax = i, d
    if dmax <= tol:
        return [points[0], points[-1]]
    return simplify(points[: idx + 1], tol)[:-1] + simplify(points[idx:], tol)


def main() -> None:
    features = json.loads(SOURCE.read_text(encoding="utf-8"))["features"]
    rings = {
        f["properties"]["kode"]: [(float(x), float(y)) for x, y in f["geometry"]["coordinates"][0]] for f in features
    }
    lons = [p[0] for r in rings.values() for p in r]
    lats = [p[1] for r in rings.values() for p in r]
    kx = math.cos(math.radians(sum(lats) / len(lats)))  # equirectangular, true to scale at the centre
    scale = WIDTH / ((max(lons) - min(lons)) * kx)
    height = (max(lats) - min(lats)) * scale

    def xy(p: tuple[float, float]) -> str:
        return f"{(p[0] - min(lons)) * kx * scale:.1f},{(max(lats) - p[1]) * scale:.1f}"

    out = []
    for f in features:
        props = f["properties"]
        ring = simplify(rings[props["kode"]], TOLERANCE_DEG)
        if len(ring) < 4:
            ring = rings[props["kode"]]
        out.append(
            {
                "code": props["kode"],
                "name": props["nama"],
                "kecamatan": props["kode_kec"],
                "path": "M" + "L".join(xy(p) for p in ring[:-1]) + "Z",
            }
        )
    body = {
        "source": "cahyadsn/wilayah_boundaries (MIT, (c) 2024 Cahya DSN), simplified",
        "viewBox": f"0 0 {WIDTH:.0f} {height:.0f}",
        # x = (lon - west) * x_per_deg, y = (north - lat) * y_per_deg (equirectangular)
        "projection": {
            "west": min(lons),
            "north": max(lats),
            "x_per_deg": round(kx * scale, 6),
            "y_per_deg": round(scale, 6),
        },
        "kelurahan": sorted(out, key=lambda k: k["code"]),
    }
    TARGET.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(out)} kelurahan, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main()
