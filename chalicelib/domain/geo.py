"""Geography of the default region: the desa/kelurahan of a reported point, and geohash cells.

Pure Python on purpose (no shapely): the Lambda package stays small and cold starts
short. The only I/O is reading the packaged kelurahan polygons, lazily on first use,
cached.

The polygons are simplified (see chalicelib/data and the data README), so neighbours
have tiny overlaps and gaps, and the city's coast is approximate. ``locate`` therefore:

1. tests the point against every polygon whose bounding box holds it (ray casting);
2. if several contain it (a sliver overlap), keeps the one whose own boundary is
   farthest away, then the lowest code: deterministic, even on a shared border;
3. if none contains it (a gap, GPS noise, the shore), takes the nearest polygon edge
   within ``max_outside_m``, reporting that distance;
4. otherwise answers None: the point is outside the region; ask the reporter.

Coordinates in the GeoJSON are [lng, lat]; this module's functions take (lat, lon), as
people say them, and return (lat, lon) too.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import reference

__all__ = [
    "EARTH_RADIUS_M",
    "MAP_MAX_POSITIONS",
    "NEARBY_STRIPES",
    "NEARBY_STRIPE_DEG",
    "Outline",
    "SERVICE_AREA_MARGIN_DEG",
    "Placement",
    "StripeRange",
    "ServiceArea",
    "boundaries",
    "distance_to_kelurahan_m",
    "haversine_m",
    "interior_point",
    "lat_key",
    "locate",
    "outlines",
    "point_in_ring",
    "service_area",
    "stripe_of",
    "stripes_within",
]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0

# "Open complaints within ~200 m" is answered from index partitions of one category in one
# north-south stripe of the map, each stripe NEARBY_STRIPE_DEG of longitude wide (25 m at the
# equator, 24.9 m at the first region's latitude), sorted by latitude. A question reads, in each
# stripe the 200 m circle crosses, only the latitudes the circle reaches there: one Query per
# stripe, 17 or 18 of them, reading about 1.08 times the circle's area (the stripes' corners).
# Wider stripes need fewer Queries and read more beyond the circle (40 m: 11 Queries, 1.13 times;
# 80 m: 6 Queries, 1.26 times); square geohash cells (precision 7, ~153 m) needed 9 to 14 Queries
# and read about twice the circle.
NEARBY_STRIPES = 1_600_000  # stripes round the globe
NEARBY_STRIPE_DEG = 360.0 / NEARBY_STRIPES
# Refuse absurd radii (or points at the poles) instead of building huge lists.
_MAX_STRIPES = 2_000


@dataclass(frozen=True)
class Placement:
    """Where a point was placed: kelurahan and kecamatan codes (Kemendagri), and how
    far outside the polygon it was (0 inside, >0 when snapped to the nearest one)."""

    kelurahan_code: str
    kecamatan_code: str
    distance_m: float


@dataclass(frozen=True)
class _Polygon:
    code: str
    kecamatan_code: str
    xs: tuple[float, ...]  # longitudes of the closed ring (first vertex repeated last)
    ys: tuple[float, ...]  # latitudes
    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float


# --------------------------------------------------------------------------- distances


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres; exact enough for anything inside a city."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _ring_distance_m(lat: float, lon: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    """Distance from the point to the nearest edge of a closed ring.

    Uses a local equirectangular projection centred on the point: at the scale of a city
    (a few km) its error is far below the precision of the simplified polygons.
    """
    kx = math.cos(math.radians(lat)) * _M_PER_DEG
    ky = _M_PER_DEG
    best = math.inf
    ax = (xs[0] - lon) * kx
    ay = (ys[0] - lat) * ky
    for i in range(1, len(xs)):
        bx = (xs[i] - lon) * kx
        by = (ys[i] - lat) * ky
        dx = bx - ax
        dy = by - ay
        seg2 = dx * dx + dy * dy
        if seg2 > 0.0:
            # Parameter of the projection of the origin (the point) on the segment.
            t = -(ax * dx + ay * dy) / seg2
            t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
            px = ax + t * dx
            py = ay + t * dy
        else:
            px, py = ax, ay
        d2 = px * px + py * py
        if d2 < best:
            best = d2
        ax, ay = bx, by
    return math.sqrt(best)


# --------------------------------------------------------------------------- polygons


def _contains(xs: Sequence[float], ys: Sequence[float], lon: float, lat: float) -> bool:
    """Ray casting (even-odd) on a closed ring.

    The half-open test ``(y1 > lat) != (y2 > lat)`` counts a vertex exactly once, so a
    point on an edge shared by two polygons with the same vertices is inside exactly
    one of them.
    """
    inside = False
    x1 = xs[0]
    y1 = ys[0]
    for i in range(1, len(xs)):
        x2 = xs[i]
        y2 = ys[i]
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1 = x2
        y1 = y2
    return inside


def _split_ring(
    ring: Sequence[Sequence[float]],
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """GeoJSON ring ([lng, lat] pairs) to closed coordinate tuples."""
    if len(ring) < 3:
        raise ValueError("a polygon ring needs at least 3 vertices")
    xs = [float(p[0]) for p in ring]
    ys = [float(p[1]) for p in ring]
    if xs[0] != xs[-1] or ys[0] != ys[-1]:
        xs.append(xs[0])
        ys.append(ys[0])
    return tuple(xs), tuple(ys)


def point_in_ring(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> bool:
    """Whether (lat, lon) is inside a GeoJSON ring of [lng, lat] pairs."""
    xs, ys = _split_ring(ring)
    return _contains(xs, ys, lon, lat)


def polygons_from(collection: Mapping[str, Any]) -> tuple[_Polygon, ...]:
    """A region's desa/kelurahan polygons from its GeoJSON (``properties.kode``, Polygon or
    MultiPolygon: islands are one polygon each, all under the area's code). Only outer rings:
    the layer has no holes. Sorted by code, so every tie-break is independent of file order."""
    polygons = []
    for feature in collection["features"]:
        props = feature["properties"]
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            rings = [geometry["coordinates"][0]]
        elif geometry["type"] == "MultiPolygon":
            rings = [part[0] for part in geometry["coordinates"]]
        else:
            raise ValueError(f"{props.get('kode')}: expected a Polygon, got {geometry['type']}")
        code = props["kode"]
        for ring in rings:
            xs, ys = _split_ring(ring)
            polygons.append(
                _Polygon(
                    code=code,
                    kecamatan_code=props.get("kode_kec") or code.rsplit(".", 1)[0],
                    xs=xs,
                    ys=ys,
                    lon_min=min(xs),
                    lon_max=max(xs),
                    lat_min=min(ys),
                    lat_max=max(ys),
                )
            )
    polygons.sort(key=lambda p: p.code)
    return tuple(polygons)


@functools.lru_cache(maxsize=1)
def _polygons() -> tuple[_Polygon, ...]:
    """The default region's polygons, loaded once per container, on first use (not import)."""
    with reference.boundaries_file().open(encoding="utf-8") as fh:
        return polygons_from(json.load(fh))


def _rfc_ring(xs: Sequence[float], ys: Sequence[float], digits: int) -> list[list[float]]:
    """[lon, lat] pairs rounded to `digits` decimals, the exterior counterclockwise (RFC 7946)."""
    ring = [[round(x, digits), round(y, digits)] for x, y in zip(xs, ys, strict=True)]
    twice_area = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))
    if twice_area < 0:  # clockwise: the right-hand rule asks for the exterior counterclockwise
        ring.reverse()
    return ring


def boundaries(digits: int = 6) -> list[tuple[str, str, list[list[float]]]]:
    """Every kelurahan's outer ring as RFC 7946 wants it: (code, kecamatan code, [lon, lat] pairs
    in WGS 84, closed, counterclockwise), rounded to `digits` decimals (6: about 10 cm)."""
    return [(p.code, p.kecamatan_code, _rfc_ring(p.xs, p.ys, digits)) for p in _polygons()]


#: one desa/kelurahan on a map: (code, kecamatan code, its outer rings, one per island)
Outline = tuple[str, str, list[list[list[float]]]]

#: At most this many positions in a region's map (the default region's 67 kelurahan have 4,221):
#: its places.geojson stays near the default region's size (~150 KB, ~30 KB compressed) however
#: many desa a kabupaten has.
MAP_MAX_POSITIONS = 5000

#: the simplification tolerances tried, in degrees (0, then ~5 m doubling): the first that fits wins
_TOLERANCES = (0.0, *(0.00005 * 2**k for k in range(12)))


def _perp_deg(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> float:
    """Distance in degrees from (x, y) to the line through two points (to the point when they meet)."""
    dx, dy = x2 - x1, y2 - y1
    if dx == 0.0 and dy == 0.0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def _importance(xs: Sequence[float], ys: Sequence[float]) -> list[float]:
    """Each vertex's Douglas-Peucker weight: kept at tolerance t exactly when its weight exceeds t
    (the ends always), so every tolerance is tried without simplifying again."""
    n = len(xs)
    weight = [0.0] * n
    weight[0] = weight[-1] = math.inf
    stack = [(0, n - 1, math.inf)]
    while stack:
        i, j, cap = stack.pop()
        if j - i < 2:
            continue
        far, dmax = i + 1, -1.0
        for k in range(i + 1, j):
            d = _perp_deg(xs[k], ys[k], xs[i], ys[i], xs[j], ys[j])
            if d > dmax:
                far, dmax = k, d
        w = min(dmax, cap)  # a vertex is reached only when every split above it was made
        weight[far] = w
        stack.append((i, far, w))
        stack.append((far, j, w))
    return weight


def _kept(weights: Sequence[float], tolerance: float) -> list[int]:
    """The vertices a ring keeps at `tolerance`: at least a triangle (4 positions, closed)."""
    keep = [k for k, w in enumerate(weights) if w > tolerance]
    if len(keep) < 4:
        best = sorted(range(1, len(weights) - 1), key=lambda k: -weights[k])[:2]
        keep = sorted({0, len(weights) - 1, *best})
    return keep


def outlines(polygons: Sequence[_Polygon], max_positions: int = MAP_MAX_POSITIONS, digits: int = 6) -> list[Outline]:
    """Each desa/kelurahan of a region's polygons (:func:`polygons_from`) for a map, by code: its
    outer rings as RFC 7946 wants them (as :func:`boundaries`), simplified (Douglas-Peucker) with
    the smallest tolerance of 0, ~5 m, ~11 m, ~22 m, ... that keeps at most `max_positions`
    positions in all; every ring stays at least a triangle."""
    weights = [_importance(p.xs, p.ys) for p in polygons]
    tolerance = _TOLERANCES[-1]
    for t in _TOLERANCES:
        if sum(len(_kept(w, t)) for w in weights) <= max_positions:
            tolerance = t
            break
    by_code: dict[str, Outline] = {}
    for p, w in zip(polygons, weights, strict=True):
        keep = _kept(w, tolerance)
        ring = _rfc_ring([p.xs[k] for k in keep], [p.ys[k] for k in keep], digits)
        by_code.setdefault(p.code, (p.code, p.kecamatan_code, []))[2].append(ring)
    return sorted(by_code.values())


#: How far beyond the outermost kelurahan boundary a point still counts as "in the city"
#: (~11 km): GPS noise, the coast, a reporter standing just across the border.
SERVICE_AREA_MARGIN_DEG = 0.1


@dataclass(frozen=True)
class ServiceArea:
    """The box the city's points fall in: the kelurahan polygons' bounds plus a margin."""

    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    def holds(self, lat: float, lon: float) -> tuple[bool, bool]:
        """(latitude inside, longitude inside), so a refusal can name the coordinate."""
        return self.lat_min <= lat <= self.lat_max, self.lon_min <= lon <= self.lon_max


@functools.lru_cache(maxsize=1)
def service_area() -> ServiceArea:
    """The kelurahan polygons' bounding box plus a margin, worked out once on first use.

    Bounds the nearby question to the city: far away there is nothing to find, and
    near the poles one 200 m circle would need hundreds of geohash cells (Queries)."""
    polygons = _polygons()
    m = SERVICE_AREA_MARGIN_DEG
    return ServiceArea(
        round(min(p.lat_min for p in polygons) - m, 3),
        round(max(p.lat_max for p in polygons) + m, 3),
        round(min(p.lon_min for p in polygons) - m, 3),
        round(max(p.lon_max for p in polygons) + m, 3),
    )


def locate(
    lat: float, lon: float, max_outside_m: float = 300.0, polygons: Sequence[_Polygon] | None = None
) -> Placement | None:
    """The kelurahan of a point; None when farther than max_outside_m from all (``polygons``:
    a region's, from :func:`polygons_from`; the default region's when not given).

    Raises ValueError for coordinates that are not finite or out of range: that is bad
    input, not "outside the region".
    """
    _check_point(lat, lon)
    if not (max_outside_m >= 0.0 and math.isfinite(max_outside_m)):
        raise ValueError("max_outside_m must be a finite number >= 0")
    if polygons is None:
        polygons = _polygons()

    hits = [
        p
        for p in polygons
        if p.lat_min <= lat <= p.lat_max and p.lon_min <= lon <= p.lon_max and _contains(p.xs, p.ys, lon, lat)
    ]
    if len(hits) == 1:
        return Placement(hits[0].code, hits[0].kecamatan_code, 0.0)
    if hits:
        # Overlap left by the simplification: the polygon the point is deepest inside
        # wins; the polygons are sorted by code, and max() keeps the first of equals.
        best = max(hits, key=lambda p: _ring_distance_m(lat, lon, p.xs, p.ys))
        return Placement(best.code, best.kecamatan_code, 0.0)

    # Inside none: nearest edge among polygons whose box, grown by the margin, holds the
    # point.
    dlat = max_outside_m / _M_PER_DEG
    cos_lat = math.cos(math.radians(lat))
    dlon = dlat / cos_lat if cos_lat > 1e-9 else 360.0
    nearest: _Polygon | None = None
    nearest_d = math.inf
    for p in polygons:
        if p.lat_min - dlat <= lat <= p.lat_max + dlat and p.lon_min - dlon <= lon <= p.lon_max + dlon:
            d = _ring_distance_m(lat, lon, p.xs, p.ys)
            if d < nearest_d:  # strict: on a tie the lower code (seen first) stays
                nearest, nearest_d = p, d
    if nearest is None or nearest_d > max_outside_m:
        return None
    # A point exactly on an edge that ray casting put outside is still "on" the polygon.
    return Placement(nearest.code, nearest.kecamatan_code, nearest_d)


def distance_to_kelurahan_m(
    lat: float, lon: float, kelurahan_code: str, polygons: Sequence[_Polygon] | None = None
) -> float | None:
    """How far a point lies outside one kelurahan's polygon (0 inside; None: no such polygon).

    A flat projection centred on the point: exact enough within a city, and far points
    are far whatever the projection's error."""
    _check_point(lat, lon)
    best: float | None = None
    for p in _polygons() if polygons is None else polygons:
        if p.code == kelurahan_code:  # an island area has several polygons: the nearest counts
            inside = p.lat_min <= lat <= p.lat_max and p.lon_min <= lon <= p.lon_max and _contains(p.xs, p.ys, lon, lat)
            d = 0.0 if inside else _ring_distance_m(lat, lon, p.xs, p.ys)
            best = d if best is None else min(best, d)
    return best


def interior_point(polygon_ring: Sequence[Sequence[float]]) -> tuple[float, float]:
    """A point guaranteed inside a GeoJSON ring ([lng, lat] pairs), as (lat, lon).

    Centroids can fall outside concave polygons (the source's Kaligandu centroid lies
    in Terondol), so instead: cut the ring with horizontal scanlines, take the midpoint
    of each inside interval, and keep the one farthest from the boundary. Each
    candidate is inside by construction; the middle-latitude scanline is among them.
    """
    xs, ys = _split_ring(polygon_ring)
    lat_lo, lat_hi = min(ys), max(ys)
    vertex_lats = set(ys)
    best: tuple[float, float] | None = None
    best_depth = -1.0
    steps = 16
    for k in range(1, steps):
        # k == steps // 2 is the middle latitude.
        y = lat_lo + (lat_hi - lat_lo) * k / steps
        if y in vertex_lats:
            # A scanline through a vertex makes the crossings ambiguous: nudge it.
            y = math.nextafter(y, lat_hi)
            while y in vertex_lats:
                y = math.nextafter(y, lat_hi)
        crossings = sorted(
            xs[i] + (y - ys[i]) * (xs[i + 1] - xs[i]) / (ys[i + 1] - ys[i])
            for i in range(len(xs) - 1)
            if (ys[i] > y) != (ys[i + 1] > y)
        )
        for j in range(0, len(crossings) - 1, 2):
            x = (crossings[j] + crossings[j + 1]) / 2
            if crossings[j + 1] - crossings[j] <= 0.0 or not _contains(xs, ys, x, y):
                continue  # degenerate interval; the check guards against rounding
            depth = _ring_distance_m(y, x, xs, ys)
            if depth > best_depth:
                best, best_depth = (y, x), depth
    if best is None:
        raise ValueError("degenerate polygon: no interior found")
    return best


def _check_point(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError("latitude and longitude must be finite numbers")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError("latitude must be in [-90, 90] and longitude in [-180, 180]")


# --------------------------------------------------------------------------- nearby stripes


@dataclass(frozen=True)
class StripeRange:
    """One stripe of longitude and the latitudes in it a circle can reach (inclusive)."""

    stripe: int
    lat_lo: float
    lat_hi: float


def stripe_of(lon: float) -> int:
    """The north-south stripe a longitude lies in (0 .. NEARBY_STRIPES - 1)."""
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError("longitude must be in [-180, 180]")
    return min(math.floor((lon + 180.0) * NEARBY_STRIPES / 360.0), NEARBY_STRIPES - 1)


def lat_key(lat: float) -> str:
    """A latitude as text that sorts as the number does (fixed width, 1 cm steps)."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError("latitude must be in [-90, 90]")
    return f"{lat + 90.0:011.7f}"


def stripes_within(lat: float, lon: float, radius_m: float, max_stripes: int = _MAX_STRIPES) -> list[StripeRange]:
    """Every stripe the circle around the point crosses, with the latitudes it reaches there.

    A point within `radius_m` (by `haversine_m`) lies in one of these stripes, between its
    lat_lo and lat_hi: exact spherical geometry, with a centimetre of slack. The point's own
    stripe comes first. ValueError when it would take more than `max_stripes` (a long answer: a
    large radius, or a point far from the equator, where a degree of longitude is short).
    """
    _check_point(lat, lon)
    if not (radius_m >= 0.0 and math.isfinite(radius_m)):
        raise ValueError("radius_m must be a finite number >= 0")
    ang = (radius_m * (1 + 1e-9) + 0.01) / EARTH_RADIUS_M
    if ang >= math.pi / 2 or abs(lat) + math.degrees(ang) >= 90.0:
        raise ValueError("radius too large for this point: the circle reaches a pole")
    dlon = math.degrees(math.asin(min(1.0, math.sin(ang) / math.cos(math.radians(lat)))))
    first = math.floor((lon - dlon + 180.0) * NEARBY_STRIPES / 360.0) - 1
    last = math.floor((lon + dlon + 180.0) * NEARBY_STRIPES / 360.0) + 1
    if last - first + 1 > max_stripes:
        raise ValueError("radius too large: too many stripes")
    phi0 = math.radians(lat)
    own = stripe_of(lon)
    out: list[StripeRange] = []
    for k in range(first, last + 1):
        west = k * NEARBY_STRIPE_DEG - 180.0
        # the stripe's nearest longitude to the point, measured the short way round
        off = (lon - west + 180.0) % 360.0 - 180.0
        nearest = 0.0 if 0.0 <= off <= NEARBY_STRIPE_DEG else min(abs(off), abs(off - NEARBY_STRIPE_DEG))
        # points of that meridian within the circle: sin(p0)sin(p) + cos(p0)cos(p)cos(dl) >= cos(ang)
        a, b = math.sin(phi0), math.cos(phi0) * math.cos(math.radians(nearest))
        amplitude = math.hypot(a, b)
        if math.cos(ang) > amplitude:
            continue
        centre, half = math.atan2(a, b), math.acos(min(1.0, math.cos(ang) / amplitude))
        out.append(
            StripeRange(k % NEARBY_STRIPES, math.degrees(centre - half) - 1e-7, math.degrees(centre + half) + 1e-7)
        )
    out.sort(key=lambda r: r.stripe != own)
    return out
