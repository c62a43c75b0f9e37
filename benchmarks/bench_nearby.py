""" "Already reported nearby": DynamoDB items read per complaint returned, 10,000 complaints.

Run as ``python -m benchmarks.bench_nearby`` (from the repository root); prints one JSON
line. A private moto server and stack (``provision(stack_name=...)``) are seeded with
BatchWriteItem: 10,000 open complaints with coordinates, spread over the city the way
complaints are (denser in the central kecamatan Serang and Cipocok Jaya, a third of
them clustered around 40 hot spots such as markets and main roads, categories weighted
towards rubbish, roads and drainage). All 10,000 are open and listed, the worst case
for the index: closed and confidential complaints are not in it.

Requests: half at the place of an existing complaint (a citizen standing at a reported
problem, the common case), half at random points in the city. The figure is the total
of items the Queries returned over the total of complaints within 200 m that were
listed. 30 requests go through NearbyService against moto (items counted on the wire);
moto answers a GSI Query by walking the whole table, so 3,000 more are answered from
the seeded data by the same rule, after checking that rule gives exactly moto's answer
on the 30. moto's latency is printed but means nothing for AWS. ~3 minutes.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CallCounter, local_stack  # noqa: E402
from benchmarks.schema import emit, figure, result  # noqa: E402

N_COMPLAINTS = 10_000
N_QUERIES = 30  # through moto's server (a GSI Query there walks the whole table: ~0.4 s each)
N_OFFLINE_QUERIES = 3_000  # the same data, answered from the seed (checked equal on the 30 above)
SEED = 5
CATEGORY_WEIGHTS = {
    "sampah": 20,
    "jalan-rusak": 18,
    "drainase-banjir": 12,
    "lampu-jalan": 10,
    "lalu-lintas": 6,
    "ketertiban": 6,
    "air-bersih": 5,
    "pelayanan-kelurahan": 5,
    "lingkungan-rt-rw": 4,
    "kesehatan": 3,
    "pendidikan": 3,
    "adminduk": 2,
    "bansos": 2,
    "perizinan": 1,
    "bencana": 1,
    "lainnya": 2,
}
CENTRAL_KECAMATAN = {"36.73.01", "36.73.06"}  # Serang, Cipocok Jaya: the densest part of the city


def _polygons() -> list[tuple[str, str, list[list[float]]]]:
    from chalicelib.domain import reference

    with open(reference.boundaries_file(), encoding="utf-8") as fh:
        return [
            (f["properties"]["kode"], f["properties"]["kode_kec"], f["geometry"]["coordinates"][0])
            for f in json.load(fh)["features"]
        ]


def _random_point_in(ring: list[list[float]], rng: random.Random) -> tuple[float, float]:
    from chalicelib.domain import geo

    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    while True:
        lat, lon = rng.uniform(min(lats), max(lats)), rng.uniform(min(lons), max(lons))
        if geo.point_in_ring(lat, lon, ring):
            return lat, lon


def _city_point(polys: list[Any], weights: list[float], rng: random.Random) -> tuple[float, float]:
    from chalicelib.domain import geo

    while True:
        _code, _kec, ring = rng.choices(polys, weights)[0]
        lat, lon = _random_point_in(ring, rng)
        if geo.locate(lat, lon) is not None:
            return lat, lon


def _jitter(lat: float, lon: float, sigma_m: float, rng: random.Random) -> tuple[float, float]:
    return (
        lat + rng.gauss(0, sigma_m) / 111_195.0,
        lon + rng.gauss(0, sigma_m) / (111_195.0 * math.cos(math.radians(lat))),
    )


def seed_items(rng: random.Random) -> list[dict[str, Any]]:
    from chalicelib.adapters.storage.codec import complaint_item
    from chalicelib.adapters.storage.keys import geo_attributes
    from chalicelib.domain import geo, reference, routing
    from chalicelib.domain.models import Complaint, Location, Status
    from chalicelib.domain.tracking import new_tracking_id

    polys = _polygons()
    weights = [3.0 if kec in CENTRAL_KECAMATAN else 1.0 for _c, kec, _r in polys]
    hotspots = [_city_point(polys, weights, rng) for _ in range(40)]
    cats, cat_w = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items: list[dict[str, Any]] = []
    while len(items) < N_COMPLAINTS:
        if rng.random() < 1 / 3:
            lat, lon = _jitter(*rng.choice(hotspots), sigma_m=150, rng=rng)
        else:
            lat, lon = _city_point(polys, weights, rng)
        placement = geo.locate(lat, lon)
        if placement is None:
            continue
        category = rng.choices(cats, cat_w)[0]
        place = routing.Place(placement.kelurahan_code, placement.kecamatan_code)
        created = start + timedelta(minutes=rng.uniform(0, 60 * 24 * 120))
        c = Complaint(
            tracking_id=new_tracking_id(),
            category=category,
            description="Keluhan warga untuk uji beban.",
            title=f"Uji {category}",
            location=Location(lat=lat, lon=lon, kelurahan_code=place.kelurahan_code),
            kecamatan_code=place.kecamatan_code,
            unit=routing.unit_for(category, place),
            severity=reference.categories()[category].severity,
            status=rng.choice([Status.RECEIVED, Status.FORWARDED, Status.VERIFIED, Status.IN_PROGRESS]),
            created_at=created,
            updated_at=created,
        )
        items.append(complaint_item(c, {k: v for k, v in geo_attributes(c).items() if v}))
    return items


def batch_write(db: Any, table: str, items: list[dict[str, Any]]) -> None:
    for i in range(0, len(items), 25):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]}
        while pending:
            pending = db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def offline_answer(
    by_pk: dict[str, list[tuple[float, float, str]]], lat: float, lon: float, category: str
) -> tuple[int, int, int]:
    """(items the Queries return, complaints within 200 m, Queries) computed from the seed
    itself: what DynamoDB must answer, checked against moto on a sample below."""
    from chalicelib.adapters.storage.keys import geo_lat_range, geo_pk
    from chalicelib.domain import geo
    from chalicelib.services.nearby import RADIUS_M

    stripes = geo.stripes_within(lat, lon, RADIUS_M)
    read = found = 0
    for s in stripes:
        lo, hi = geo_lat_range(s.lat_lo, s.lat_hi)
        for p_lat, p_lon, sk in by_pk.get(geo_pk(category, s.stripe), []):
            if lo <= sk <= hi:
                read += 1
                found += geo.haversine_m(lat, lon, p_lat, p_lon) <= RADIUS_M
    return read, found, len(stripes)


def query_points(items: list[dict[str, Any]], n: int, rng: random.Random) -> list[tuple[float, float, str]]:
    """Half at the place of an existing complaint, half anywhere in the city."""
    points = [
        (float(it["location"]["M"]["lat"]["N"]), float(it["location"]["M"]["lon"]["N"]), it["category"]["S"])
        for it in rng.sample(items, n // 2)
    ]
    polys = _polygons()
    weights = [3.0 if kec in CENTRAL_KECAMATAN else 1.0 for _c, kec, _r in polys]
    cats, cat_w = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    points += [(*_city_point(polys, weights, rng), rng.choices(cats, cat_w)[0]) for _ in range(n - len(points))]
    return points


def summary(rows: list[tuple[int, int, int]]) -> dict[str, Any]:
    read = sum(r for r, _f, _q in rows)
    found = sum(f for _r, f, _q in rows)
    with_results = [r / f for r, f, _q in rows if f]
    return {
        "requests": len(rows),
        "items_read": read,
        "complaints_returned": found,
        "items_read_per_returned": round(read / max(found, 1), 2),
        "median_items_read_per_returned_when_any": round(statistics.median(with_results), 2) if with_results else None,
        "share_of_requests_with_results": round(len(with_results) / len(rows), 2),
        "median_items_read_per_request": statistics.median(r for r, _f, _q in rows),
        "p95_items_read_per_request": sorted(r for r, _f, _q in rows)[int(0.95 * (len(rows) - 1))],
        "queries_per_request": {
            "median": statistics.median(q for _r, _f, q in rows),
            "max": max(q for _r, _f, q in rows),
        },
    }


def main() -> dict[str, Any]:
    rng = random.Random(SEED)
    items = seed_items(rng)
    by_pk: dict[str, list[tuple[float, float, str]]] = {}
    for it in items:
        by_pk.setdefault(it["geo_pk"]["S"], []).append(
            (float(it["location"]["M"]["lat"]["N"]), float(it["location"]["M"]["lon"]["N"]), it["geo_sk"]["S"])
        )
    offline = [offline_answer(by_pk, *p) for p in query_points(items, N_OFFLINE_QUERIES, rng)]

    with local_stack("bench-nearby") as _stack:
        from chalicelib import bootstrap
        from chalicelib.domain import geo

        repo = bootstrap.repository()
        t0 = time.perf_counter()
        batch_write(repo.db, repo.table, items)
        seed_s = time.perf_counter() - t0

        counter = CallCounter(repo.db)
        service = bootstrap.nearby()
        measured, latencies = [], []
        for lat, lon, category in query_points(items, N_QUERIES, rng):
            t = time.perf_counter()
            result = service.find(lat, lon, category, limit=10_000)
            latencies.append(time.perf_counter() - t)
            row = (result.items_read, len(result.matches), result.queries)
            assert row == offline_answer(by_pk, lat, lon, category), row  # the model matches DynamoDB (moto)
            measured.append(row)
        assert counter.items_read == sum(r for r, _f, _q in measured)  # counted on the wire, not by us
        assert counter.calls.get("Scan", 0) == 0
        return {
            "complaints": N_COMPLAINTS,
            "radius_m": 200,
            "stripe_m": round(geo.haversine_m(-6.12, 0.0, -6.12, geo.NEARBY_STRIPE_DEG), 1),
            "seed_batch_write_s": round(seed_s, 1),
            "measured_on_moto": {
                **summary(measured),
                "moto_median_ms": round(statistics.median(latencies) * 1000),
            },
            "same_data_more_requests": summary(offline),
        }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    figures = []
    for key, where in (("measured_on_moto", "via moto"), ("same_data_more_requests", "from the seed")):
        s = raw[key]
        figures += [
            figure(
                f"{key}.items_read_per_returned",
                f"{where}: DynamoDB items read / complaint returned",
                s["items_read_per_returned"],
                "items/complaint",
                target=("<=", 1.1),
            ),
            figure(
                f"{key}.median_items_read_per_returned_when_any",
                f"{where}: median of that ratio, requests with any result",
                s["median_items_read_per_returned_when_any"],
                "items/complaint",
            ),
            figure(
                f"{key}.share_of_requests_with_results",
                f"{where}: requests with at least one complaint within {raw['radius_m']} m",
                round(s["share_of_requests_with_results"] * 100),
                "%",
            ),
            figure(
                f"{key}.median_items_read_per_request",
                f"{where}: items read per request, median",
                s["median_items_read_per_request"],
                "items",
            ),
            figure(
                f"{key}.p95_items_read_per_request",
                f"{where}: items read per request, p95",
                s["p95_items_read_per_request"],
                "items",
            ),
            figure(
                f"{key}.queries_per_request_median",
                f"{where}: Queries per request (stripes the circle crosses), median",
                s["queries_per_request"]["median"],
                "Queries",
            ),
            figure(
                f"{key}.queries_per_request_max",
                f"{where}: Queries per request, max",
                s["queries_per_request"]["max"],
                "Queries",
            ),
        ]
    figures += [
        figure("seed_batch_write_s", "seeding the table (BatchWriteItem)", raw["seed_batch_write_s"], "s"),
        figure(
            "moto_median_ms",
            "moto's latency per request (moto only; DynamoDB answers each Query in ms)",
            raw["measured_on_moto"]["moto_median_ms"],
            "ms",
        ),
    ]
    return result(
        "nearby",
        '"Already reported nearby"',
        "python -m benchmarks.bench_nearby",
        figures,
        {
            "complaints": raw["complaints"],
            "requests_via_moto": raw["measured_on_moto"]["requests"],
            "requests_from_the_seed": raw["same_data_more_requests"]["requests"],
            "stripe_width_cm_at_the_city": round(raw["stripe_m"] * 100),
        },
        ["The benchmark asserts no Scan call and that the seed's answers equal moto's on the requests via moto."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
