"""What serving every kabupaten and kota costs a request and a sweep: one region against all 514.

A private moto server and stack. The same operations run twice on the same table: first with the
default region alone (onboarded as `make run` does), then after every other kabupaten/kota of the
national list is onboarded with `make jurisdiction`'s code (codes only; boundaries for the regions
that have files). Each operation is measured on the wire (DynamoDB calls and items read, botocore
hooks) and in time (median of its runs after one warm-up: a container's first use of a region is
its cold start, shown apart):

- intake: `POST /v1/complaints` with a kelurahan code of the default region;
- an inbox page: `GET /v1/operator/complaints` (a kelurahan's operator, 30 complaints);
- a figures read: `GET /v1/stats?level=kelurahan`;
- the sweeps: the statistics refresh, the overdue sweep and the status sync, as their schedules
  call them.

The ratios (514 / 1) of the calls and items read are the figures the goal names (at most 1.1x),
the time ratios beside them; with 514, intake by a point in another region and that region's
figures are measured too. moto answers a GSI Query by walking its whole table, so a fuller table
is slower there whatever the keys: the one-region run holds the very items onboarding writes (made
in a scratch table) under a partition of their own, deleted before the regions are written, so
both runs walk the same table. The calls and items read say what DynamoDB would bill.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import local_stack  # noqa: E402
from benchmarks.schema import emit, figure, result  # noqa: E402

RUNS = 15
GOAL = 1.1
DEFAULT = ROOT / "infra" / "local" / "default_jurisdiction.json"
KEL = "36.73.01.1002"  # the inbox the page reads (seeded before)
KEL_MEASURED = "36.73.02.1001"  # where the measured intake files (so no later read meets them)


class Wire:
    """DynamoDB calls and items read (Query/Scan items, GetItem, BatchGetItem), the rate limiter's counter included."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.items = 0
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name in ("Query", "Scan"):
            self.items += int(parsed.get("ScannedCount", len(parsed.get("Items", []))))
        elif model.name == "GetItem":
            self.items += 1 if "Item" in parsed else 0
        elif model.name == "BatchGetItem":
            self.items += sum(len(v) for v in parsed.get("Responses", {}).values())

    def cost(self, run: Callable[[], Any]) -> tuple[int, int]:
        before_calls, before_items = sum(self.calls.values()), self.items
        run()
        return sum(self.calls.values()) - before_calls, self.items - before_items


def _measure(wire: Wire, ops: dict[str, Callable[[], Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, run in ops.items():
        first = time.perf_counter()
        cold_calls, _ = wire.cost(run)
        cold_ms = (time.perf_counter() - first) * 1000
        samples: list[float] = []
        calls = items = 0
        for _ in range(RUNS):
            t = time.perf_counter()
            calls, items = wire.cost(run)
            samples.append(time.perf_counter() - t)
        out[name] = {
            "median_ms": round(statistics.median(samples) * 1000, 2),
            "calls": calls,
            "items": items,
            "cold_ms": round(cold_ms, 1),
            "cold_calls": cold_calls,
        }
    return out


def main() -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ["RATE_LIMIT_SCALE"] = "100000"  # one client sends them all: the limiter still runs
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    from infra.jurisdictions.onboard import Request, Target, run
    from infra.jurisdictions.wilayah import load, shared_dir, wilayah_csv

    if not wilayah_csv().is_file():
        raise SystemExit(f"the national area list is missing: {wilayah_csv()}")
    with local_stack(f"bench-regions-{os.getpid()}", lapor=True) as stack:
        import boto3
        from chalice.test import Client

        from chalicelib import bootstrap
        from chalicelib.adapters.aws import client
        from infra.local.dev_issuer import DevIssuer

        issuer = DevIssuer(audience="bench-regions")
        issuer.start("127.0.0.1", 0)
        os.environ.update(issuer.env())
        env = stack["env"]
        target = Target(env["TABLE_NAME"], env["ATTACHMENTS_BUCKET"], "aduan-hub-bench", "the benchmark's moto")
        spec = json.loads(DEFAULT.read_text())
        lines: list[str] = []
        home = Request(spec["code"], prefix=spec.get("prefix"), boundaries=ROOT / spec["boundaries"])
        assert run(home, target, out=lines.append, err=lines.append) == 0, lines
        bootstrap.reset()
        import app as app_module
        from chalicelib import handlers

        wire = Wire(client("dynamodb"))
        boss = {"Authorization": f"Bearer {issuer.mint('operator', f'kel:{KEL}', 'bench')}"}
        seed = {
            "category": "pelayanan-kelurahan",
            "description": "Antrean surat keterangan di kelurahan sangat panjang setiap pagi.",
            "location": {"kelurahan_code": KEL},
        }
        body = json.dumps({**seed, "location": {"kelurahan_code": KEL_MEASURED}})
        form = {"Content-Type": "application/json"}

        with Client(app_module.app) as api:

            def intake() -> None:
                resp = api.http.post("/v1/complaints", body=body, headers=form)
                assert resp.status_code == 201, resp.body[:300]

            def inbox() -> None:
                resp = api.http.get("/v1/operator/complaints?limit=50", headers=boss)
                assert resp.status_code == 200, resp.body[:300]

            def figures() -> None:
                resp = api.http.get("/v1/stats?level=kelurahan&window=30d")
                assert resp.status_code == 200, resp.body[:300]

            def refresh() -> None:
                handlers.refresh_statistics({}, None)

            def overdue() -> None:
                bootstrap.escalation().sweep()

            def sync() -> None:
                bootstrap.status_sync().sweep()

            ops = {
                "inbox": inbox,
                "figures": figures,
                "statistics_refresh": refresh,
                "overdue_sweep": overdue,
                "status_sync": sync,
                "intake": intake,
            }
            for _ in range(30):  # the inbox the page reads
                resp = api.http.post("/v1/complaints", body=json.dumps(seed), headers=form)
                assert resp.status_code == 201, resp.body[:300]
            handlers.refresh_statistics({}, None)
            db = boto3.client("dynamodb")
            table = env["TABLE_NAME"]
            wilayah = load()
            folder = shared_dir() / "data" / "wilayah"
            files = {p.stem.removeprefix("batas-"): p for p in folder.glob("batas-*.geojson")}
            others = [a.code for a in wilayah.regions() if a.code != spec["code"]]
            pad = _padding(stack["endpoint"], target, others, files)
            for i in range(0, len(pad), 25):
                db.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": k}} for k in pad[i : i + 25]]})
            one = _measure(wire, ops)

            for i in range(0, len(pad), 25):  # the regions' own items take the padding's place
                keys = [{"pk": k["pk"], "sk": k["sk"]} for k in pad[i : i + 25]]
                db.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": k}} for k in keys]})
            t0 = time.perf_counter()
            onboarded = 1
            for code in others:
                status = run(Request(code, boundaries=files.get(code)), target, lines.append, lines.append)
                onboarded += 1 if status == 0 else 0
            onboard_s = time.perf_counter() - t0
            bootstrap.reset()  # new containers: they know nothing of the regions yet
            wire = Wire(client("dynamodb"))  # the new containers' own client
            many = _measure(wire, ops)

            cilegon = next(iter(sorted(f["properties"]["kode"] for f in _features(files.get("36.72")))), None)
            extra: dict[str, Callable[[], Any]] = {}
            if cilegon:
                from chalicelib.domain.geo import interior_point

                ring = _ring(files["36.72"], cilegon)
                lat, lon = interior_point(ring)
                other = json.dumps(
                    {**json.loads(body), "category": "lampu-jalan", "location": {"lat": lat, "lon": lon}}
                )

                def intake_elsewhere() -> None:
                    resp = api.http.post("/v1/complaints", body=other, headers=form)
                    assert resp.status_code == 201, resp.body[:300]

                def figures_elsewhere() -> None:
                    resp = api.http.get("/v1/stats?level=kelurahan&window=30d&jurisdiction=36.72")
                    assert resp.status_code == 200, resp.body[:300]

                extra = {"intake_by_point_elsewhere": intake_elsewhere, "figures_elsewhere": figures_elsewhere}
            elsewhere = _measure(wire, extra)
    ratios = {name: round(many[name]["median_ms"] / one[name]["median_ms"], 3) for name in ops}
    call_ratios = {name: round(many[name]["calls"] / max(1, one[name]["calls"]), 3) for name in ops}
    cost_ratios = {
        name: round((many[name]["calls"] + many[name]["items"]) / max(1, one[name]["calls"] + one[name]["items"]), 3)
        for name in ops
    }
    return {
        "one": one,
        "many": many,
        "elsewhere": elsewhere,
        "ratios": ratios,
        "call_ratios": call_ratios,
        "cost_ratios": cost_ratios,
        "onboarded": onboarded,
        "onboard_s": round(onboard_s, 1),
        "runs": RUNS,
    }


def _padding(endpoint: str, target: Any, codes: list[str], files: dict[str, Path]) -> list[dict[str, Any]]:
    """The items onboarding the other regions writes, under a partition key of their own: the same
    count and sizes, written in a scratch table first (moto's GSI walk costs by the table's items)."""
    from dataclasses import replace

    import boto3

    from infra.jurisdictions.onboard import Request, run
    from infra.local.provision import create_table_like

    scratch = create_table_like(f"bench-regions-pad-{os.getpid()}", endpoint)
    lines: list[str] = []
    for code in codes:
        run(Request(code, boundaries=files.get(code)), replace(target, table=scratch), lines.append, lines.append)
    db = boto3.client("dynamodb")
    items = [i for page in db.get_paginator("scan").paginate(TableName=scratch) for i in page["Items"]]
    db.delete_table(TableName=scratch)  # a benchmark's own scan of its scratch table; the app never scans
    return [{**i, "pk": {"S": f"BENCHPAD#{n}"}, "sk": {"S": "x"}} for n, i in enumerate(items)]


def _features(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.is_file():
        return []
    features: list[dict[str, Any]] = json.loads(path.read_text())["features"]
    return features


def _ring(path: Path, code: str) -> list[list[float]]:
    feature = next(f for f in _features(path) if f["properties"]["kode"] == code)
    geometry = feature["geometry"]
    ring: list[list[float]] = (
        geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
    )
    return ring


def report(raw: dict[str, Any]) -> dict[str, Any]:
    one, many, ratios = raw["one"], raw["many"], raw["ratios"]
    labels = {
        "intake": "intake (a kelurahan code)",
        "inbox": "an inbox page (a kelurahan's, 30 complaints)",
        "figures": "a figures read (/v1/stats, kelurahan)",
        "statistics_refresh": "the statistics refresh",
        "overdue_sweep": "the overdue sweep",
        "status_sync": "the status sync sweep",
    }
    n = raw["onboarded"]
    figures = [
        figure(
            f"{name}_cost_ratio",
            f"{label}: DynamoDB calls and items read with {n} regions / with one",
            raw["cost_ratios"][name],
            "x",
            ("<=", GOAL),
        )
        for name, label in labels.items()
    ]
    figures += [
        figure(f"{name}_time_ratio", f"{label}: time on moto with {n} regions / with one, medians", ratios[name], "x")
        for name, label in labels.items()
    ]
    notes = [
        f"Medians of {raw['runs']} runs after one warm-up, same moto table before and after onboarding "
        f"{raw['onboarded']} regions ({raw['onboard_s']} s). Calls and items read per run, one region -> 514: "
        + "; ".join(f"{n} {one[n]['calls']}/{one[n]['items']} -> {many[n]['calls']}/{many[n]['items']}" for n in labels)
        + ".",
        "A container's first use after the regions are onboarded (its cold start, not in the ratio): "
        + "; ".join(f"{n} {many[n]['cold_ms']} ms, {many[n]['cold_calls']} calls" for n in labels)
        + ".",
        "Another region, with 514 onboarded: "
        + "; ".join(
            f"{n} {v['median_ms']} ms, {v['calls']} calls, {v['items']} items (first use {v['cold_ms']} ms)"
            for n, v in raw["elsewhere"].items()
        )
        + ". The goal is read on what DynamoDB bills and what grows with the regions: the calls and the "
        "items they read. The times are moto's, which walks its whole table for every GSI Query; they "
        "vary by tens of percent between runs of the same code on this shared 2-core machine.",
    ]
    return result(
        "regions",
        "Serving all 514 kabupaten/kota: a request and a sweep, against one region",
        "python -m benchmarks.bench_regions",
        figures,
        {"runs": raw["runs"], "regions": raw["onboarded"]},
        notes,
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
