"""What each list costs per page, and intake's latency while three clients loop on the largest list.

Run as ``python -m benchmarks.bench_reads`` (from the repository root). A private moto server
and stack are seeded through the complaint store (what intake writes: the `created`, `geo`,
inbox and outbox keys, and the status note on the item) with 1,200 complaints over the last
60 days, 60 of them with a point within about 450 m of one spot, some parked by LAPOR!, then counted into the
public lists (`statistics.recompute`, as the stream does).

Each list route's largest page goes through the API (Chalice's test client, rendering
included). Counted on the wire (botocore hooks): DynamoDB calls, apart from the rate limiter's
counter, and the items they read: a Query's `ScannedCount` (what DynamoDB bills, filtered out or
not), a BatchGetItem's and a GetItem's items. Then intake: 40 complaints filed one after the
other, alone and while three clients each loop on `GET /open311/v2/requests.json?page_size=1000`;
moto answers a GSI Query by walking its whole table, so the absolute times say little about AWS,
but the difference between the two runs says what the lists take from intake on this stack.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import local_stack  # noqa: E402
from benchmarks.schema import emit, figure, result  # noqa: E402

N_COMPLAINTS = 1_200
DAYS = 60
NEAR_SHARE = 0.05  # 60 open road complaints with a point, spread over a square of about 900 m
SPREAD = 0.004
POINT = (-6.1201, 106.1502)
SEED = 21
INTAKE_SAMPLES = 40
LOOPERS = 3
GOAL = 1.1


class Wire:
    """DynamoDB calls and items read, from botocore's hooks (the rate limiter's counter left out)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.items = 0
        self.lock = threading.Lock()
        self.only: int | None = None  # the thread whose calls count (None: every thread, -1: none)
        client.meta.events.register("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def _before(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        rate = str(params.get("Key", {}).get("pk", {}).get("S", "")).startswith("RATE#")
        context["bench_counted"] = not rate and (self.only is None or self.only == threading.get_ident())
        context["bench_target"] = params.get("IndexName") or "table"

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if not context.get("bench_counted"):
            return
        with self.lock:
            self.calls[f"{model.name} {context.get('bench_target', 'table')}"] += 1
            if model.name in ("Query", "Scan"):
                self.items += int(parsed.get("ScannedCount", 0))
            elif model.name == "BatchGetItem":
                self.items += sum(len(v) for v in (parsed.get("Responses") or {}).values())
            elif model.name == "GetItem":
                self.items += 1 if parsed.get("Item") else 0

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.items = 0
            self.only = None


def _seed(now: Any) -> dict[str, Any]:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import created_attributes
    from chalicelib.domain import reference
    from chalicelib.domain.changes import Placement
    from chalicelib.domain.models import Complaint, Location, Status, TimelineEntry
    from chalicelib.domain.tracking import new_tracking_id
    from chalicelib.services.inbox import holder_of

    rng = random.Random(SEED)
    kelurahan = sorted(reference.areas().kelurahan.values(), key=lambda k: k.code)
    cats = sorted(reference.categories())
    units = reference.units()
    store = bootstrap.complaints()
    made: list[str] = []
    holders: Counter[str] = Counter()
    for i in range(N_COMPLAINTS):
        at = now - timedelta(seconds=DAYS * 86400 * (i + rng.random()) / N_COMPLAINTS)
        near = rng.random() < NEAR_SHARE
        kel = rng.choice(kelurahan)
        cat = "jalan-rusak" if near else rng.choice(cats)
        parked = rng.random() < 0.05
        status = Status.NEEDS_ATTENTION if parked else rng.choice([Status.FORWARDED, Status.IN_PROGRESS])
        lat = POINT[0] + rng.uniform(-SPREAD, SPREAD) if near else None
        lon = POINT[1] + rng.uniform(-SPREAD, SPREAD) if near else None
        c = Complaint(
            tracking_id=new_tracking_id(),
            category=cat,
            title="Jalan rusak",
            description="Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
            location=Location(kelurahan_code=kel.code, lat=lat, lon=lon),
            kecamatan_code=kel.kecamatan_code,
            unit=units[reference.categories()[cat].unit or "opd:diskominfo"],
            status=status,
            created_at=at,
            updated_at=at,
            deadline=at + timedelta(days=5),
        )
        entry = TimelineEntry(at=at, kind="received", status=Status.RECEIVED, message="Diterima", ref="received")
        placement = Placement(listed=near and not parked, holder=holder_of(c), **({"parked_at": at} if parked else {}))
        store.create(c, entry, created_attributes(c.tracking_id, at), placement)
        made.append(c.tracking_id)
        holders[holder_of(c)] += 1
    oldest = now - timedelta(days=DAYS + 1)
    bootstrap.statistics().recompute(oldest.strftime("%Y-%m"), bootstrap.settings().shards, repair=True)
    return {"ids": made, "busiest": max((h for h in holders if h.startswith("opd:")), key=lambda h: holders[h])}


def _patient_clients() -> None:
    """moto walks the whole table for every GSI Query; a longer read timeout, for the emulator only."""
    from botocore.config import Config

    from chalicelib import bootstrap
    from chalicelib.adapters import aws

    aws._CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=900)
    bootstrap.reset()


def _returned(key: str, body: bytes) -> int:
    if key.startswith("open311_xml"):
        return body.count(b"<request>")
    data = json.loads(body)
    return len(data) if isinstance(data, list) else len(data["complaints"])


def _pcts(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered) * 1000), round(p95 * 1000)


def _intake(client: Any, n: int) -> list[float]:
    body = json.dumps(
        {
            "category": "sampah",
            "description": "Sampah menumpuk di pinggir jalan dan belum diangkut sejak minggu lalu.",
            "location": {"kelurahan_code": "36.73.01.1002"},
        }
    )
    out = []
    for _ in range(n):
        t = time.perf_counter()
        who = f"citizen-{uuid.uuid4().hex[:8]}"  # each complaint a citizen of its own
        resp = client.http.post(
            "/v1/complaints", body=body, headers={"Content-Type": "application/json", "X-Client-Id": who}
        )
        out.append(time.perf_counter() - t)
        assert resp.status_code == 201, resp.body[:300]
    return out


def _loop(stop: Any, answers: Any) -> None:
    """One client looping on the largest list until told to stop; its answers by status."""
    _patient_clients()
    from chalice.test import Client

    import app as app_module

    me = {"X-Client-Id": f"bench-reader-{uuid.uuid4().hex[:8]}"}
    answers.put({"started": 1})
    seen: Counter[str] = Counter()
    with Client(app_module.app) as mine:
        while not stop.is_set():
            seen[str(mine.http.get("/open311/v2/requests.json?page_size=1000", headers=me).status_code)] += 1
    answers.put(dict(seen))


def _wait_for_loops(answers: Any) -> None:
    """Until every looping client has sent its first request (and a moment more)."""
    for _ in range(LOOPERS):
        answers.get(timeout=300)
    time.sleep(5)


def main() -> dict[str, Any]:
    with local_stack(f"bench-reads-{os.getpid()}"):
        from chalice.test import Client

        from chalicelib import bootstrap
        from chalicelib.domain.models import utcnow
        from infra.local.dev_issuer import DevIssuer

        issuer = DevIssuer(audience="bench-reads")
        issuer.start("127.0.0.1", 0)
        os.environ.update(issuer.env())
        _patient_clients()
        import app as app_module

        t0 = time.perf_counter()
        seeded = _seed(utcnow())
        seeded_s = time.perf_counter() - t0
        wire = Wire(bootstrap.repository().db)
        operator = {"Authorization": f"Bearer {issuer.mint('operator', seeded['busiest'], 'bench')}"}
        admin = {"Authorization": f"Bearer {issuer.mint('admin', 'city', 'bench')}"}
        ids = ",".join(seeded["ids"][:1000])
        cases = [
            ("open311_json", "Open311 requests.json, page_size=1000", "/open311/v2/requests.json?page_size=1000", {}),
            ("open311_xml", "Open311 requests.xml, page_size=1000", "/open311/v2/requests.xml?page_size=1000", {}),
            (
                "open311_ids",
                "Open311 requests.json, 1,000 ids",
                f"/open311/v2/requests.json?page_size=1000&service_request_id={ids}",
                {},
            ),
            ("public", "/v1/public/complaints, the city, limit=50", "/v1/public/complaints?unit=city&limit=50", {}),
            ("inbox", "/v1/operator/complaints, limit=100", "/v1/operator/complaints?limit=100", operator),
            (
                "admin",
                "/v1/admin/complaints, limit=100",
                "/v1/admin/complaints?status=needs_attention&limit=100",
                admin,
            ),
            (
                "nearby",
                "/v1/complaints/nearby (about 200 m)",
                f"/v1/complaints/nearby?lat={POINT[0]}&lon={POINT[1]}&category=jalan-rusak",
                {},
            ),
        ]
        measured = []
        with Client(app_module.app) as client:
            for key, name, path, headers in cases:
                wire.reset()
                resp = client.http.get(path, headers=headers)
                assert resp.status_code == 200, (path, resp.body[:300])
                returned = _returned(key, resp.body)
                case = {
                    "key": key,
                    "case": name,
                    "returned": returned,
                    "items_read": wire.items,
                    "calls": dict(wire.calls),
                    "calls_total": sum(wire.calls.values()),
                    "items_read_per_returned": round(wire.items / returned, 3) if returned else None,
                }
                print(json.dumps(case), file=sys.stderr, flush=True)
                measured.append(case)

            wire.only = -1  # intake's own calls are not the lists' cost
            alone = _intake(client, INTAKE_SAMPLES)
            # each looping client in a process of its own, as Lambda gives each request a container
            ctx = multiprocessing.get_context("spawn")
            stop = ctx.Event()
            answers = ctx.Queue()
            loopers = [ctx.Process(target=_loop, args=(stop, answers), daemon=True) for _ in range(LOOPERS)]
            for proc in loopers:
                proc.start()
            _wait_for_loops(answers)
            loaded = _intake(client, INTAKE_SAMPLES)
            stop.set()
            served: Counter[str] = Counter()
            for proc in loopers:
                proc.join(timeout=900)
            while not answers.empty():
                served.update(answers.get())
        issuer.stop()
        return {
            "complaints": N_COMPLAINTS,
            "seeded_s": round(seeded_s, 1),
            "cases": measured,
            "intake_alone_ms": _pcts(alone),
            "intake_loaded_ms": _pcts(loaded),
            "list_answers_while_loaded": dict(served),
        }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    figures = []
    for case in raw["cases"]:
        key, name = case["key"], case["case"]
        figures += [
            figure(f"{key}.returned", f"{name}: items returned", case["returned"], "items"),
            figure(
                f"{key}.items_read_per_returned",
                f"{name}: items read / item returned",
                case["items_read_per_returned"],
                "items/item",
                ("<=", GOAL),
            ),
            figure(f"{key}.calls", f"{name}: DynamoDB calls for the page", case["calls_total"], "calls"),
        ]
    (a50, a95), (l50, l95) = raw["intake_alone_ms"], raw["intake_loaded_ms"]
    figures += [
        figure("intake_alone.p50", "POST /v1/complaints, nothing else running: p50", a50, "ms"),
        figure("intake_alone.p95", "POST /v1/complaints, nothing else running: p95", a95, "ms"),
        figure(
            "intake_loaded.p50", f"POST /v1/complaints while {LOOPERS} clients loop on page_size=1000: p50", l50, "ms"
        ),
        figure(
            "intake_loaded.p95", f"POST /v1/complaints while {LOOPERS} clients loop on page_size=1000: p95", l95, "ms"
        ),
    ]
    return result(
        "reads",
        "Lists: items read per item returned, calls per page; intake under list load",
        "python -m benchmarks.bench_reads",
        figures,
        {"complaints": raw["complaints"], "intake_samples": INTAKE_SAMPLES, "loopers": LOOPERS},
        [
            "Counted on the wire (botocore hooks): a Query's ScannedCount, a BatchGetItem's items; the rate "
            "limiter's counter left out. moto walks its whole table for each GSI Query: latencies are moto's.",
            "List answers (by status) to the looping clients while intake was measured: "
            f"{raw['list_answers_while_loaded']}.",
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
