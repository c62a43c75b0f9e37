"""Each region's map: its desa/kelurahan outlines for places.geojson, simplified only as much as
keeps the answer near the default region's size, islands kept, worked out once per container."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain import geo, reference
from chalicelib.domain.jurisdiction_record import JurisdictionRecord
from chalicelib.services.jurisdictions import JurisdictionService
from infra.jurisdictions.wilayah import shared_dir
from tests.unit.test_jurisdiction_registry import FakeStore, _region

BATAS = shared_dir() / "data" / "wilayah"
needs_shared = pytest.mark.skipif(not (BATAS / "batas-36.72.geojson").is_file(), reason=f"no boundaries in {BATAS}")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


SQUARE = [(0, 0), (0.5, 0), (1, 0), (1, 0.5), (1, 1), (0.5, 1), (0, 1), (0, 0.5), (0, 0)]


def _positions(outlines: list[geo.Outline]) -> int:
    return sum(len(ring) for _code, _kec, rings in outlines for ring in rings)


def _well_formed(outlines: list[geo.Outline]) -> None:
    for code, _kec, rings in outlines:
        for ring in rings:
            assert len(ring) >= 4 and ring[0] == ring[-1], code
            twice_area = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))
            assert twice_area > 0, code  # counterclockwise (RFC 7946)


def test_the_default_regions_outlines_are_its_boundaries_when_nothing_needs_simplifying() -> None:
    polygons = geo.polygons_from(_load(reference.boundaries_file()))
    assert geo.outlines(polygons, max_positions=10**6) == [(c, k, [r]) for c, k, r in geo.boundaries()]


def test_a_ring_loses_only_what_the_tolerance_allows_and_stays_a_triangle() -> None:
    # a square of about 1 km with a point in the middle of each side (collinear: it carries no shape)
    square = {
        "type": "FeatureCollection",
        "features": [
            {
                "properties": {"kode": "99.01.01.1001"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x / 100, y / 100] for x, y in SQUARE]],
                },
            }
        ],
    }
    polygons = geo.polygons_from(square)
    [(_code, _kec, [ring])] = geo.outlines(polygons, max_positions=5)
    assert ring == [[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]
    [(_code, _kec, [tiny])] = geo.outlines(polygons, max_positions=1)  # nothing fits: a triangle each
    assert len(tiny) == 4 and tiny[0] == tiny[-1]


@needs_shared
def test_cilegon_keeps_every_position_and_its_islands() -> None:
    collection = _load(BATAS / "batas-36.72.geojson")
    outlines = geo.outlines(geo.polygons_from(collection))
    assert len(outlines) == 43 and all(code.startswith("36.72.") for code, _k, _r in outlines)
    parts = {
        f["properties"]["kode"]: 1 if f["geometry"]["type"] == "Polygon" else len(f["geometry"]["coordinates"])
        for f in collection["features"]
    }
    assert {code: len(rings) for code, _k, rings in outlines} == parts and max(parts.values()) > 1  # islands
    assert _positions(outlines) == 3367 <= geo.MAP_MAX_POSITIONS  # small enough as it is
    _well_formed(outlines)


@needs_shared
def test_a_kabupaten_of_326_desa_is_simplified_to_the_default_regions_size() -> None:
    collection = _load(BATAS / "batas-36.04.geojson")
    polygons = geo.polygons_from(collection)
    assert sum(len(p.xs) for p in polygons) > 5 * geo.MAP_MAX_POSITIONS  # 26,199 as supplied
    outlines = geo.outlines(polygons)
    assert len(outlines) == 326
    assert 0.8 * geo.MAP_MAX_POSITIONS < _positions(outlines) <= geo.MAP_MAX_POSITIONS  # no more simplified than needed
    _well_formed(outlines)
    supplied = {(round(x, 6), round(y, 6)) for p in polygons for x, y in zip(p.xs, p.ys, strict=True)}
    assert all((x, y) in supplied for _c, _k, rings in outlines for ring in rings for x, y in ring)  # no point moved
    features = [{"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}}
                for _c, _k, rings in outlines]  # fmt: skip
    assert len(json.dumps(features, separators=(",", ":"))) < 130_000


class _Files:
    def __init__(self, collection: dict[str, Any]) -> None:
        self.collection = collection
        self.reads = 0

    def read(self, key: str) -> dict[str, Any]:
        self.reads += 1
        return self.collection


def test_a_regions_outlines_are_worked_out_once_and_go_with_the_region() -> None:
    ring = [[106.0, -6.0], [106.01, -6.0], [106.01, -6.01], [106.0, -6.0]]
    boundaries = {
        "features": [{"properties": {"kode": "90.01.01.1001"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]
    }
    bare = _region("91.01", "BBB")
    records: dict[str, JurisdictionRecord] = {
        "90.01": _region("90.01", "AAA"),
        "91.01": JurisdictionRecord(bare.jurisdiction, boundaries_key=None, version=1),
    }
    files = _Files(boundaries)
    svc = JurisdictionService(FakeStore(records), files, capacity=1)
    first = svc.outlines("90.01")
    assert first is not None and [code for code, _k, _r in first] == ["90.01.01.1001"]
    assert svc.outlines("90.01") is first and files.reads == 1
    assert svc.outlines("91.01") == []  # onboarded without boundaries: no map (and 90.01 is forgotten)
    assert svc.outlines("99.99") is None
    assert svc.outlines("90.01") is not first and files.reads == 2
    assert svc.outlines(reference.default_code()) == [(c, k, [r]) for c, k, r in geo.boundaries()]
