"""Onboarding every kabupaten and kota of Indonesia (514) with `make jurisdiction`'s code, on moto.

A private moto server and stack; each region onboarded by `infra.jurisdictions.onboard.run` (what
`make jurisdiction CODE=...` runs once it has found its target) from its code alone, with a prefix
derived from its name, and the three regions with boundary files (the default region's own,
Kabupaten Serang's and Kota Cilegon's) with them. Then the three again (running it again updates),
and what a container pays to read the registry: the list of all regions, and one region's first load.

Figures: total and per-region time, the table items and objects written, the items the table holds.
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

from benchmarks.common import CallCounter, local_stack  # noqa: E402
from benchmarks.schema import emit, figure, result  # noqa: E402

DEFAULT = ROOT / "infra" / "local" / "default_jurisdiction.json"


def _boundary_files() -> dict[str, tuple[Path, str | None]]:
    """Code -> (boundaries, prefix) for the regions that have boundary files."""
    from infra.jurisdictions.wilayah import shared_dir

    spec = json.loads(DEFAULT.read_text())
    wilayah_dir = shared_dir() / "data" / "wilayah"
    out: dict[str, tuple[Path, str | None]] = {spec["code"]: (ROOT / spec["boundaries"], spec.get("prefix"))}
    for path in sorted(wilayah_dir.glob("batas-*.geojson")):
        out[path.stem.removeprefix("batas-")] = (path, None)
    return out


def main() -> dict[str, Any]:
    from infra.jurisdictions.onboard import Request, Target, run
    from infra.jurisdictions.wilayah import load, wilayah_csv

    if not wilayah_csv().is_file():
        raise SystemExit(f"the national area list is missing: {wilayah_csv()}")
    with local_stack("aduan-hub-bench-onboarding") as stack:
        import boto3

        from chalicelib import bootstrap
        from chalicelib.adapters.aws import client

        env = stack["env"]
        target = Target(env["TABLE_NAME"], env["ATTACHMENTS_BUCKET"], "aduan-hub-bench", "the benchmark's moto")
        t0 = time.perf_counter()
        wilayah = load()
        load_s = time.perf_counter() - t0
        with_files = _boundary_files()
        default = json.loads(DEFAULT.read_text())["code"]
        regions = [default] + [a.code for a in wilayah.regions() if a.code != default]  # as `make run` starts
        counter = CallCounter(client("dynamodb"))
        lines: list[str] = []
        failed: list[str] = []
        per_region: list[float] = []
        per_boundaries: dict[str, float] = {}
        items_written = 0
        started = time.perf_counter()
        for code in regions:
            boundaries, prefix = with_files.get(code, (None, None))
            request = Request(code, boundaries=boundaries, prefix=prefix)
            t = time.perf_counter()
            status = run(request, target, out=lines.append, err=lines.append)
            took = time.perf_counter() - t
            per_region.append(took)
            if boundaries is not None:
                per_boundaries[code] = took
            if status != 0:
                failed.append(f"{code}: {' '.join(lines[-2:])[:300]}")
                continue
            items_written += int(lines[-1].rsplit("; ", 1)[-1].split(" table items")[0])
        total_s = time.perf_counter() - started
        calls_first = dict(counter.calls)
        again: dict[str, float] = {}
        for code, (boundaries, prefix) in with_files.items():
            t = time.perf_counter()
            status = run(Request(code, boundaries=boundaries, prefix=prefix), target, lines.append, lines.append)
            again[code] = time.perf_counter() - t
            if status != 0:
                failed.append(f"{code} again: {' '.join(lines[-2:])[:300]}")
        ddb = boto3.client("dynamodb")
        held = 0
        pages = ddb.get_paginator("scan").paginate(TableName=env["TABLE_NAME"], Select="COUNT")
        for page in pages:  # a benchmark's own count: the app never scans
            held += page["Count"]
        s3 = boto3.client("s3").list_objects_v2(Bucket=env["ATTACHMENTS_BUCKET"], Prefix="jurisdictions/")
        objects = len(s3.get("Contents", []))
        bootstrap.reset()
        svc = bootstrap.jurisdictions()
        t = time.perf_counter()
        listed = svc.summaries()
        list_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        kab = svc.get("36.04")
        first_load_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        svc.boundaries("36.04")
        boundaries_ms = (time.perf_counter() - t) * 1000
        prefixes = {s["prefix"] for s in listed}
    return {
        "regions": len(regions),
        "onboarded": len(regions) - len([f for f in failed if " again" not in f]),
        "failed": failed,
        "total_s": round(total_s, 1),
        "median_ms": round(statistics.median(per_region) * 1000, 1),
        "p95_ms": round(statistics.quantiles(per_region, n=20)[18] * 1000, 1),
        "max_ms": round(max(per_region) * 1000, 1),
        "with_boundaries_ms": {k: round(v * 1000) for k, v in per_boundaries.items()},
        "again_ms": {k: round(v * 1000) for k, v in again.items()},
        "items_written": items_written,
        "items_held": held,
        "objects": objects,
        "dynamodb_calls": calls_first,
        "list_ms": round(list_ms, 1),
        "listed": len(listed),
        "distinct_prefixes": len(prefixes),
        "first_load_ms": round(first_load_ms, 1),
        "first_load_villages": len(kab.desa_kelurahan) if kab else 0,
        "boundaries_ms": round(boundaries_ms, 1),
        "wilayah_load_s": round(load_s, 2),
        "python": platform.python_version(),
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    calls = raw["dynamodb_calls"]
    return result(
        "onboarding",
        "Onboarding all 514 kabupaten/kota (`make jurisdiction`)",
        "python -m benchmarks.bench_onboarding",
        [
            figure("total_s", f"all {raw['regions']} regions, one after another", raw["total_s"], "s"),
            figure("median_ms", "per region, median", raw["median_ms"], "ms"),
            figure("p95_ms", "per region, p95", raw["p95_ms"], "ms"),
            figure("items_written", "table items written", raw["items_written"], "items"),
            figure("items_held", "table items held afterwards", raw["items_held"], "items"),
            figure("objects", "boundary objects in S3", raw["objects"], "objects"),
            figure("list_ms", f"a container's first list of the {raw['listed']} regions", raw["list_ms"], "ms"),
            figure("first_load_ms", "a container's first load of one kabupaten", raw["first_load_ms"], "ms"),
        ],
        {"regions": raw["regions"], "onboarded": raw["onboarded"], "with_boundaries": len(raw["with_boundaries_ms"])},
        [
            "Codes only, prefixes derived from the names; boundaries for the three regions that have files "
            f"(each onboarding with its boundaries: {raw['with_boundaries_ms']} ms; again, as an update: "
            f"{raw['again_ms']} ms).",
            f"DynamoDB calls for the 514: {calls} (per region: its items, one BatchGetItem; the prefix "
            "derived from its name, one GetItem per candidate tried; one transaction). Failed: "
            f"{raw['failed'] or 'none'}.",
            f"{raw['distinct_prefixes']} distinct prefixes for {raw['listed']} regions; "
            f"one kabupaten's boundaries read in {raw['boundaries_ms']} ms; the national list read in "
            f"{raw['wilayah_load_s']} s. Against moto's server on loopback, on a 2-core machine shared with "
            "other work: AWS's latencies differ.",
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
