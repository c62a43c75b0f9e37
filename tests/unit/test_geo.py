"""Kelurahan placement and geohash cells, checked against the packaged data."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import geo

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "chalicelib" / "data"

with (DATA / "kota-serang-kelurahan.geojson").open(encoding="utf-8") as _fh:
    FEATURES = json.load(_fh)["features"]
with (DATA / "kota-serang.json").open(encoding="utf-8") as _fh:
    KOTA = json.load(_fh)

KECAMATAN_OF = {kel["code"]: kec["code"] for kec in KOTA["kecamatan"] for kel in kec["kelurahan"]}
RINGS = {f["properties"]["kode"]: f["geometry"]["coordinates"][0] for f in FEATURES}
BY_NAME = {}
for _f in FEATURES:
    BY_NAME.setdefault(_f["properties"]["nama"], []).append(_f)

KALIGANDU = "36.73.01.1010"
TERONDOL = "36.73.01.1011"
SUKAWANA_SERANG = "36.73.01.1008"
SUKAWANA_CURUG = "36.73.04.1007"


def destination(lat: float, lon: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """Point reached from (lat, lon) along a great circle (same sphere as geo)."""
    d = distance_m / geo.EARTH_RADIUS_M
    b = math.radians(bearing_deg)
    p1 = math.radians(lat)
    l1 = math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1),
        math.cos(d) - math.sin(p1) * math.sin(p2),
    )
    lon2 = (math.degrees(l2) + 540.0) % 360.0 - 180.0
    return math.degrees(p2), lon2


# --------------------------------------------------------------------------- data sanit


def test_geojson_and_reference_list_have_the_same_67_codes() -> None:
    assert len(FEATURES) == 67
    assert set(RINGS) == set(KECAMATAN_OF)
    for f in FEATURES:
        assert f["properties"]["kode_kec"] == KECAMATAN_OF[f["properties"]["kode"]]


def test_polygons_are_not_loaded_at_import_time() -> None:
    code = "import chalicelib.domain.geo as g; print(g._polygons.cache_info().currsize)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "0"


# --------------------------------------------------------------------------- locate


@pytest.mark.parametrize("code", sorted(RINGS))
def test_interior_point_of_each_kelurahan_is_located_in_it(code: str) -> None:
    ring = RINGS[code]
    lat, lon = geo.interior_point(ring)
    assert geo.point_in_ring(lat, lon, ring)
    placement = geo.locate(lat, lon)
    assert placement == geo.Placement(code, KECAMATAN_OF[code], 0.0)


def test_interior_point_is_not_the_centroid_for_a_concave_ring() -> None:
    # A "C" shape whose vertex average (0.5, ~0.5) lies in the notch, outside the ring.
    ring = [
        [0, 0],
        [1, 0],
        [1, 0.2],
        [0.2, 0.2],
        [0.2, 0.8],
        [1, 0.8],
        [1, 1],
        [0, 1],
        [0, 0],
    ]
    assert not geo.point_in_ring(0.5, 0.6, ring)
    lat, lon = geo.interior_point(ring)
    assert geo.point_in_ring(lat, lon, ring)


def test_kaligandu_source_centroid_is_placed_in_terondol() -> None:
    (kaligandu,) = BY_NAME["Kaligandu"]
    assert kaligandu["properties"]["kode"] == KALIGANDU
    lat = kaligandu["properties"]["centroid_lat"]
    lon = kaligandu["properties"]["centroid_lng"]
    assert not geo.point_in_ring(lat, lon, RINGS[KALIGANDU])
    assert geo.point_in_ring(lat, lon, RINGS[TERONDOL])
    assert geo.locate(lat, lon) == geo.Placement(TERONDOL, "36.73.01", 0.0)


def test_both_sukawana_are_locatable_by_code() -> None:
    assert sorted(f["properties"]["kode"] for f in BY_NAME["Sukawana"]) == [
        SUKAWANA_SERANG,
        SUKAWANA_CURUG,
    ]
    serang = geo.locate(*geo.interior_point(RINGS[SUKAWANA_SERANG]))
    curug = geo.locate(*geo.interior_point(RINGS[SUKAWANA_CURUG]))
    assert serang is not None and curug is not None
    assert (serang.kelurahan_code, serang.kecamatan_code) == (
        SUKAWANA_SERANG,
        "36.73.01",
    )
    assert (curug.kelurahan_code, curug.kecamatan_code) == (SUKAWANA_CURUG, "36.73.04")


def _extreme_vertex(key) -> tuple[float, float, set[str]]:
    """The city's extreme vertex by key (so it lies on the outer edge) and the polygons
    that have it."""
    vertices = [(v[1], v[0]) for ring in RINGS.values() for v in ring]
    lat, lon = min(vertices, key=key)
    owners = {code for code, ring in RINGS.items() if [lon, lat] in ring}
    return lat, lon, owners


@pytest.mark.parametrize(
    ("name", "key", "bearing"),
    [
        ("south", lambda v: v[0], 180.0),
        ("north", lambda v: -v[0], 0.0),
        ("west", lambda v: v[1], 270.0),
        ("east", lambda v: -v[1], 90.0),
    ],
)
def test_point_100_m_beyond_the_city_edge_goes_to_the_nearest_kelurahan(name: str, key, bearing: float) -> None:
    lat, lon, owners = _extreme_vertex(key)
    out_lat, out_lon = destination(lat, lon, bearing, 100.0)
    # Beyond the extreme vertex, so inside no polygon at all.
    assert not any(geo.point_in_ring(out_lat, out_lon, ring) for ring in RINGS.values())
    placement = geo.locate(out_lat, out_lon)
    assert placement is not None, name
    assert placement.kelurahan_code in owners
    assert placement.kecamatan_code == KECAMATAN_OF[placement.kelurahan_code]
    # Nothing of the city lies beyond the extreme vertex, so the vertex is the nearest
    # point.
    assert placement.distance_m == pytest.approx(100.0, abs=1.0)
    # A tighter margin refuses the same point.
    assert geo.locate(out_lat, out_lon, max_outside_m=50.0) is None


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (-6.2, 106.8),  # Jakarta
        (-5.95, 106.15),  # Teluk Banten, north of the city's coast
        (-6.0, 106.19),  # sea, ~1.7 km north of the northernmost vertex
        (6.12, -106.15),  # the mirror image on the other side of the globe
    ],
)
def test_far_points_are_outside_kota_serang(lat: float, lon: float) -> None:
    assert geo.locate(lat, lon) is None


def test_shared_border_point_is_placed_deterministically() -> None:
    # An edge (two consecutive vertices) that two kelurahan both have, and its midpoint.
    edges: dict[tuple[tuple[float, float], tuple[float, float]], set[str]] = {}
    for code, ring in RINGS.items():
        for a, b in zip(ring, ring[1:], strict=False):
            edges.setdefault(tuple(sorted([tuple(a), tuple(b)])), set()).add(code)
    shared = sorted((e, c) for e, c in edges.items() if len(c) == 2)
    assert shared, "the data has shared edges"
    for (a, b), codes in shared[:: max(1, len(shared) // 25)]:
        lat = (a[1] + b[1]) / 2
        lon = (a[0] + b[0]) / 2
        first = geo.locate(lat, lon)
        assert first is not None
        assert first.kelurahan_code in codes
        assert first.distance_m < 0.01
        assert all(geo.locate(lat, lon) == first for _ in range(3))


@pytest.mark.parametrize(("lat", "lon"), [(math.nan, 106.15), (-6.1, math.inf), (-91.0, 106.0), (0.0, 181.0)])
def test_locate_rejects_invalid_coordinates(lat: float, lon: float) -> None:
    with pytest.raises(ValueError):
        geo.locate(lat, lon)


def test_haversine_known_distance() -> None:
    # One degree of latitude on the mean sphere, and symmetry.
    assert geo.haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195.08, abs=0.1)
    a = geo.haversine_m(-6.12, 106.15, -6.13, 106.16)
    assert a == pytest.approx(geo.haversine_m(-6.13, 106.16, -6.12, 106.15))
    # Over 1.6 km the sphere is flat: Pythagoras on 0.01 deg north and 0.01 deg *
    # cos(6.125) east.
    m_per_deg = 111_195.08
    flat = math.hypot(0.01 * m_per_deg, 0.01 * m_per_deg * math.cos(math.radians(6.125)))
    assert a == pytest.approx(flat, abs=0.5)
    assert a == pytest.approx(1_568.05, abs=0.1)


# --------------------------------------------------------------------------- nearby stripes


def _assert_covers(lat: float, lon: float, radius_m: float) -> list[geo.StripeRange]:
    """Every point within the radius lies in a listed stripe between its latitudes, and every
    stripe listed comes within the radius."""
    ranges = geo.stripes_within(lat, lon, radius_m)
    by_stripe = {r.stripe: r for r in ranges}
    assert len(by_stripe) == len(ranges) and ranges[0].stripe == geo.stripe_of(lon)
    for bearing in range(0, 360, 3):
        for fraction in (1.0, 0.999, 0.7, 0.35, 0.0):
            p_lat, p_lon = destination(lat, lon, bearing, radius_m * fraction)
            r = by_stripe.get(geo.stripe_of(p_lon))
            assert r is not None and r.lat_lo <= p_lat <= r.lat_hi, (lat, lon, bearing, fraction)
            assert geo.lat_key(r.lat_lo) <= geo.lat_key(p_lat) <= geo.lat_key(r.lat_hi)
    for r in ranges:
        west = r.stripe * geo.NEARBY_STRIPE_DEG - 180.0
        near_lon = min(max(lon, west), west + geo.NEARBY_STRIPE_DEG)
        if abs(near_lon - lon) < 180:
            assert geo.haversine_m(lat, lon, lat, near_lon) <= radius_m + 1.0
        assert geo.haversine_m(r.lat_lo, 0.0, r.lat_hi, 0.0) <= 2 * radius_m + 1.0
    return ranges


def test_stripes_cover_the_circle_around_points_in_serang() -> None:
    rng = random.Random(2024)
    counts = []
    for _ in range(60):
        lat, lon = rng.uniform(-6.22, -6.01), rng.uniform(106.06, 106.26)
        counts.append(len(_assert_covers(lat, lon, 200.0)))
    # The figure documented next to NEARBY_STRIPES.
    assert 17 <= min(counts) and max(counts) <= 18


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-11.5, 6.5),
    lon=st.floats(94.5, 141.5),
    bearing=st.floats(0.0, 360.0),
    fraction=st.floats(0.0, 1.0),
    radius=st.floats(0.0, 5_000.0),
)
def test_a_point_within_the_radius_is_always_in_a_stripe_read(
    lat: float, lon: float, bearing: float, fraction: float, radius: float
) -> None:
    p_lat, p_lon = destination(lat, lon, bearing, radius * fraction)
    if geo.haversine_m(lat, lon, p_lat, p_lon) > radius:
        return  # the destination's own rounding put it outside
    r = {s.stripe: s for s in geo.stripes_within(lat, lon, radius)}.get(geo.stripe_of(p_lon))
    assert r is not None and geo.lat_key(r.lat_lo) <= geo.lat_key(p_lat) <= geo.lat_key(r.lat_hi)


def test_the_stripes_read_about_the_circle_and_no_more() -> None:
    """What the Queries read, as area: the stripes' corners beyond the circle, about 8 %."""
    rng = random.Random(5)
    ratios = []
    for _ in range(300):
        lat, lon = rng.uniform(-6.22, -6.01), rng.uniform(106.06, 106.26)
        width = geo.haversine_m(lat, 0.0, lat, geo.NEARBY_STRIPE_DEG)
        area = sum(geo.haversine_m(r.lat_lo, 0.0, r.lat_hi, 0.0) * width for r in geo.stripes_within(lat, lon, 200.0))
        ratios.append(area / (math.pi * 200.0**2))
    assert 1.0 < min(ratios) and sum(ratios) / len(ratios) < 1.1


def test_stripes_at_edges_other_radii_and_across_the_antimeridian() -> None:
    west = geo.stripe_of(106.15) * geo.NEARBY_STRIPE_DEG - 180.0
    for lon in (west, west + geo.NEARBY_STRIPE_DEG / 2, math.nextafter(west + geo.NEARBY_STRIPE_DEG, -math.inf)):
        _assert_covers(-6.12, lon, 200.0)
    _assert_covers(-6.12, 106.15, 1_000.0)
    _assert_covers(51.5, 10.0, 200.0)
    ranges = _assert_covers(0.0, 179.9995, 200.0)
    assert {geo.stripe_of(-179.9999), geo.stripe_of(179.9999)} <= {r.stripe for r in ranges}
    only = geo.stripes_within(-6.12, 106.15, 0.0)
    assert [r.stripe for r in only] == [geo.stripe_of(106.15)] and only[0].lat_lo <= -6.12 <= only[0].lat_hi


def test_stripes_and_latitude_keys_refuse_absurd_requests() -> None:
    with pytest.raises(ValueError):
        geo.stripes_within(-6.12, 106.15, 50_000.0)
    with pytest.raises(ValueError):
        geo.stripes_within(-6.12, 106.15, -1.0)
    with pytest.raises(ValueError):
        geo.stripes_within(89.999, 0.0, 200.0)
    with pytest.raises(ValueError):
        geo.stripes_within(70.0, 0.0, 200.0, max_stripes=40)
    assert len(geo.stripes_within(55.0, 0.0, 200.0, max_stripes=40)) <= 40
    for bad in (math.nan, 91.0):
        with pytest.raises(ValueError):
            geo.lat_key(bad)
    with pytest.raises(ValueError):
        geo.stripe_of(math.inf)
    keys = [geo.lat_key(x) for x in (-90.0, -6.5, -6.12, 0.0, 5.9, 90.0)]
    assert keys == sorted(keys) and len({len(k) for k in keys}) == 1


def test_service_area_is_every_vertex_of_the_city_plus_the_margin() -> None:
    area = geo.service_area()
    lons = [pt[0] for f in FEATURES for ring in f["geometry"]["coordinates"] for pt in ring]
    lats = [pt[1] for f in FEATURES for ring in f["geometry"]["coordinates"] for pt in ring]
    m = geo.SERVICE_AREA_MARGIN_DEG
    assert (area.lat_min, area.lat_max) == (round(min(lats) - m, 3), round(max(lats) + m, 3))
    assert (area.lon_min, area.lon_max) == (round(min(lons) - m, 3), round(max(lons) + m, 3))
    assert area.holds(area.lat_min, area.lon_max) == (True, True)
    assert area.holds(area.lat_min - 0.001, area.lon_max + 0.001) == (False, False)
    assert area.holds(*geo.interior_point(RINGS[KALIGANDU])) == (True, True)
