"""Median cost of geo.locate() per call, to keep kelurahan lookup cheap on Lambda.

Run as ``python benchmarks/bench_locate.py`` (from any directory); prints one JSON line.
Points: one interior point per kelurahan (67, all inside) plus points just outside the
city (the nearest-edge path) and far away (the bounding-box reject path). Each round
times every point once; the median over all timings is the figure. Bounded to ~10 s.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.schema import emit, figure, result  # noqa: E402
from chalicelib.domain import geo  # noqa: E402  (needs the path set above)

DATA = ROOT / "chalicelib" / "data" / "kota-serang-kelurahan.geojson"
MAX_ROUNDS = 2_000
TIME_BUDGET_S = 10.0

OUTSIDE = [
    (-6.2200, 106.1754),  # ~125 m south of the southernmost vertex: nearest edge
    (-6.0140, 106.1923),  # ~130 m north of the coast: nearest edge
    (-6.1744, 106.0640),  # ~200 m west of the westernmost vertex: nearest edge
    (-5.9500, 106.1500),  # Teluk Banten: None
    (-6.2000, 106.8000),  # Jakarta: None
]


def _points() -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    with DATA.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    inside = [geo.interior_point(f["geometry"]["coordinates"][0]) for f in features]
    return inside, OUTSIDE


def _time_calls(points: list[tuple[float, float]]) -> list[int]:
    out = []
    clock = time.perf_counter_ns
    locate = geo.locate
    for lat, lon in points:
        t0 = clock()
        locate(lat, lon)
        out.append(clock() - t0)
    return out


def main() -> dict[str, Any]:
    inside, outside = _points()
    cold_t0 = time.perf_counter_ns()
    geo.locate(*inside[0])  # first call loads and caches the polygons
    cold_ms = (time.perf_counter_ns() - cold_t0) / 1e6

    t_inside: list[int] = []
    t_outside: list[int] = []
    deadline = time.perf_counter() + TIME_BUDGET_S
    rounds = 0
    while rounds < MAX_ROUNDS and time.perf_counter() < deadline:
        t_inside += _time_calls(inside)
        t_outside += _time_calls(outside)
        rounds += 1

    def us(values: list[int]) -> float:
        return round(statistics.median(values) / 1000, 2)

    return {
        "median_us": us(t_inside + t_outside),
        "median_us_inside": us(t_inside),
        "median_us_outside": us(t_outside),
        "p99_us": round(statistics.quantiles(t_inside + t_outside, n=100)[98] / 1000, 2),
        "first_call_ms_incl_load": round(cold_ms, 2),
        "points": len(inside) + len(outside),
        "rounds": rounds,
        "calls": len(t_inside) + len(t_outside),
        "python": platform.python_version(),
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "locate",
        "Locating a point: `geo.locate()`",
        "python -m benchmarks.bench_locate",
        [
            figure("median_us", "median per call", raw["median_us"], "µs"),
            figure("median_us_inside", "median, point inside a kelurahan", raw["median_us_inside"], "µs"),
            figure("median_us_outside", "median, point outside (nearest-edge path)", raw["median_us_outside"], "µs"),
            figure("p99_us", "p99", raw["p99_us"], "µs"),
            figure("first_call_ms_incl_load", "first call, loading the GeoJSON", raw["first_call_ms_incl_load"], "ms"),
        ],
        {"points": raw["points"], "rounds": raw["rounds"], "calls": raw["calls"]},
        ["Points: one interior point per kelurahan, a few just outside the city and a few far away."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
