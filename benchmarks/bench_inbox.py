"""An inbox page against the bare DynamoDB Query it needs.

Run as ``python -m benchmarks.bench_inbox``; prints one JSON line. A private moto
server and stack (``bench-inbox-<pid>``) is seeded with BatchWriteItem: 10,000
complaints across every unit of the city (categories weighted as the city's
complaints are: roads, rubbish, drainage, kelurahan services first), spread over
six months, 40 % still open, each with its inbox keys, and the inbox counters
they add up to. Then, interleaved in random order, ``SAMPLES`` times each:

- ``GET /v1/operator/complaints?limit=50`` through the Chalice test client with a
  bearer token (sign-in, the Query, the counter read, the rows, JSON), for an
  operator of the busiest OPD, newest first and urgent first;
- the same for a kecamatan supervisor (the area index);
- the bare Query each page needs (``Limit`` 51: the page and "is there a next one"),
  built beforehand.

The ratio is median page / median bare Query. moto answers a GSI Query by walking
the whole table, so every Query here costs what the table's size makes it cost;
a page that makes more than one Query shows it at once. The time a page spends
outside its DynamoDB calls (sign-in, parsing, rows, JSON) is measured too: that
part does not depend on the emulator. Figures, not thresholds.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from benchmarks.schema import emit, figure, result

N_TOTAL = 10_000
SAMPLES = 25
OPEN_SHARE = 0.4
WEIGHTS = {
    "jalan-rusak": 18,
    "sampah": 14,
    "drainase-banjir": 10,
    "pelayanan-kelurahan": 12,
    "lingkungan-rt-rw": 8,
    "lampu-jalan": 6,
    "pelayanan-kecamatan": 4,
    "lalu-lintas": 4,
    "kesehatan": 4,
    "adminduk": 4,
    "pendidikan": 3,
    "bansos": 3,
    "ketertiban": 3,
    "air-bersih": 3,
    "perizinan": 1,
    "bencana": 1,
    "pungli-asn": 1,
    "lainnya": 1,
}


def _seed(repo: Any) -> Counter[tuple[str, str]]:
    from chalicelib.adapters.storage.codec import complaint_item
    from chalicelib.adapters.storage.keys import due_attributes, inbox_attributes
    from chalicelib.domain import reference, routing
    from chalicelib.domain.models import Complaint, Location, Status, utcnow
    from chalicelib.domain.tracking import new_tracking_id
    from chalicelib.services.deadlines import Deadlines
    from chalicelib.services.inbox import holder_of

    rng = random.Random(11)
    kelurahan = sorted(reference.areas().kelurahan)
    categories = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    open_statuses = [
        Status.RECEIVED,
        Status.FORWARDED,
        Status.VERIFIED,
        Status.VERIFIED,
        Status.IN_PROGRESS,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.RETURNED,
    ]
    done_statuses = [Status.CLOSED] * 8 + [Status.REJECTED, Status.DUPLICATE]
    now = utcnow()
    counts: Counter[tuple[str, str]] = Counter()
    batch: list[dict[str, Any]] = []
    for _ in range(N_TOTAL):
        category = rng.choices(categories, weights)[0]
        kel = rng.choice(kelurahan)
        place = routing.place_of(Location(kelurahan_code=kel))
        unit = routing.unit_for(category, place)
        created = now - timedelta(minutes=rng.randrange(180 * 24 * 60))
        status = rng.choice(open_statuses) if rng.random() < OPEN_SHARE else rng.choice(done_statuses)
        c = Complaint(
            tracking_id=new_tracking_id(),
            category=category,
            title="Judul pengaduan",
            description="Isi pengaduan untuk pengukuran kotak masuk operator.",
            location=Location(kelurahan_code=kel),
            kecamatan_code=place.kecamatan_code,
            unit=unit,
            status=status,
            created_at=created,
            updated_at=created,
        )
        deadline = Deadlines().deadline_for(c, status, created + timedelta(days=rng.randrange(10)))
        c = c.model_copy(update={"deadline": deadline})
        extra = {**due_attributes(c.tracking_id, deadline), **inbox_attributes(c)}
        batch.append({"PutRequest": {"Item": complaint_item(c, {k: v for k, v in extra.items() if v is not None})}})
        counts[(holder_of(c), status.value)] += 1
        if len(batch) == 25:
            _write(repo, batch)
            batch = []
    if batch:
        _write(repo, batch)
    counters: dict[str, dict[str, int]] = {}
    for (holder, status), n in counts.items():
        counters.setdefault(holder, {})[f"n_{status}"] = n
    items = [{"PutRequest": {"Item": _counter_item(holder, values)}} for holder, values in counters.items()]
    for i in range(0, len(items), 25):
        _write(repo, items[i : i + 25])
    return counts


def _counter_item(holder: str, numbers: dict[str, int]) -> dict[str, Any]:
    from chalicelib.adapters.storage.codec import to_item
    from chalicelib.adapters.storage.keys import INBOX_COUNT_PREFIX as COUNT_PREFIX
    from chalicelib.adapters.storage.keys import INBOX_COUNT_SK as COUNT_SK

    return to_item({"pk": f"{COUNT_PREFIX}{holder}", "sk": COUNT_SK, **numbers})


def _write(repo: Any, batch: list[dict[str, Any]]) -> None:
    pending = {repo.table: batch}
    while pending:
        pending = repo.db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _time_inside(db: Any) -> dict[int, float]:
    """Seconds spent inside DynamoDB calls (botocore hooks), per call; the caller sums and clears."""
    spent: dict[int, float] = {}
    started: dict[int, float] = {}

    def before(context: Any, **_: Any) -> None:
        started[id(context)] = time.perf_counter()

    def after(context: Any, **_: Any) -> None:
        t0 = started.pop(id(context), None)
        if t0 is not None:
            spent[len(spent)] = time.perf_counter() - t0

    db.meta.events.register("before-call.dynamodb.*", before)
    db.meta.events.register("after-call.dynamodb.*", after)
    return spent


def main() -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from benchmarks.common import local_stack

    with local_stack(f"bench-inbox-{os.getpid()}"):
        from chalice.test import Client

        from chalicelib import bootstrap
        from infra.local.dev_issuer import DevIssuer

        issuer = DevIssuer(audience="bench-inbox")
        issuer.start("127.0.0.1", 0)
        os.environ.update(issuer.env())
        bootstrap.reset()
        import app as app_module

        repo = bootstrap.repository()
        t0 = time.perf_counter()
        counts = _seed(repo)
        seed_s = time.perf_counter() - t0
        per_holder: Counter[str] = Counter()
        open_in: Counter[str] = Counter()
        for (h, s), n in counts.items():
            per_holder[h] += n
            if s not in ("closed", "rejected", "duplicate", "emergency", "archived"):
                open_in[h] += n
        busiest_opd = max((h for h in per_holder if h.startswith("opd:")), key=lambda h: per_holder[h])
        kec = "kec:36.73.01"
        kec_open = sum(n for h, n in open_in.items() if h == kec or h.startswith("kel:36.73.01."))

        operator = {"Authorization": f"Bearer {issuer.mint('operator', busiest_opd, 'bench')}"}
        supervisor = {"Authorization": f"Bearer {issuer.mint('supervisor', kec, 'bench')}"}
        db = repo.db

        def bare(index: str, attr: str, key: str, forward: bool) -> Any:
            req = {
                "TableName": repo.table,
                "IndexName": index,
                "KeyConditionExpression": f"{attr} = :p",
                "ExpressionAttributeValues": {":p": {"S": key}},
                "Limit": 51,
                "ScanIndexForward": forward,
            }
            return lambda: db.query(**req)

        with Client(app_module.app) as client:

            def page(headers: dict[str, str], query: str) -> Any:
                def run() -> None:
                    resp = client.http.get(f"/v1/operator/complaints?limit=50{query}", headers=headers)
                    assert resp.status_code == 200 and len(resp.json_body["complaints"]) == 50, resp.body[:300]

                return run

            from chalicelib.domain.access import Principal, Role
            from chalicelib.domain.models import utcnow
            from chalicelib.schemas.operators import InboxPageOut, InboxRow
            from chalicelib.services.inbox import InboxQuery

            def service(p: Principal) -> Any:
                def run() -> None:  # the same page without HTTP and sign-in: the service, rows, JSON
                    now = utcnow()
                    got = bootstrap.inbox().page(p, InboxQuery(limit=50), now)
                    out = InboxPageOut(
                        complaints=[InboxRow.of(i, now) for i in got.items],
                        counts=got.counts,
                        next=got.next,
                        inbox=got.holder,
                        sort="newest",
                    )
                    assert len(json.dumps(out.model_dump(mode="json"))) > 1000

                return run

            cases = {
                "operator_service_page": service(Principal("bench", Role.OPERATOR, busiest_opd)),
                "operator_page": page(operator, ""),
                "operator_page_urgent": page(operator, "&sort=urgent"),
                "supervisor_page": page(supervisor, ""),
                "supervisor_page_urgent": page(supervisor, "&sort=urgent"),
                "bare_query": bare("inbox", "inbox_pk", busiest_opd, False),
                "bare_query_urgent": bare("inbox_urgent", "inbox_pk", busiest_opd, True),
                "bare_area_query": bare("inbox_area", "inbox_area_pk", kec, False),
                "bare_area_query_urgent": bare("inbox_area_urgent", "inbox_area_pk", kec, True),
            }
            for run in cases.values():  # warm up: imports, calendar, keys
                run()
            samples: dict[str, list[float]] = {k: [] for k in cases}
            in_db: dict[str, list[float]] = {k: [] for k in cases}
            spent = _time_inside(db)
            order = list(cases)
            rng = random.Random(5)
            for _ in range(SAMPLES):
                rng.shuffle(order)
                for name in order:
                    spent.clear()
                    t = time.perf_counter()
                    cases[name]()
                    samples[name].append(time.perf_counter() - t)
                    in_db[name].append(sum(spent.values()))
        issuer.stop()
        med = {k: statistics.median(v) * 1000 for k, v in samples.items()}
        # what a page costs beyond its DynamoDB calls: sign-in, parsing, rows, JSON (moto-independent)
        own = {
            k: statistics.median([t - d for t, d in zip(samples[k], in_db[k], strict=True)]) * 1000
            for k in cases
            if "page" in k
        }
        return {
            "complaints": N_TOTAL,
            "seed_s": round(seed_s, 1),
            "samples": SAMPLES,
            "operator_unit": busiest_opd,
            "operator_unit_complaints": per_holder[busiest_opd],
            "operator_unit_open": open_in[busiest_opd],
            "kecamatan": kec,
            "kecamatan_open": kec_open,
            **{f"{k}_median_ms": round(v, 1) for k, v in med.items()},
            **{f"{k}_outside_dynamodb_median_ms": round(v, 1) for k, v in own.items()},
            "operator_ratio": round(med["operator_page"] / med["bare_query"], 2),
            "operator_urgent_ratio": round(med["operator_page_urgent"] / med["bare_query_urgent"], 2),
            "supervisor_ratio": round(med["supervisor_page"] / med["bare_area_query"], 2),
            "supervisor_urgent_ratio": round(med["supervisor_page_urgent"] / med["bare_area_query_urgent"], 2),
            "python": platform.python_version(),
        }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    unit, kec = raw["operator_unit"], raw["kecamatan"]
    own = "the page's own time outside DynamoDB (sign-in, parsing, rows, JSON, test client)"
    return result(
        "inbox",
        "The operators' inbox",
        "python -m benchmarks.bench_inbox",
        [
            figure(
                "operator_ratio",
                f"operator of the busiest OPD (`{unit}`), newest first: page / bare `inbox` Query",
                raw["operator_ratio"],
                "x",
                ("<=", 2),
            ),
            figure("operator_page_median_ms", "operator page, median", raw["operator_page_median_ms"], "ms"),
            figure("bare_query_median_ms", "bare `inbox` Query, median", raw["bare_query_median_ms"], "ms"),
            figure(
                "operator_urgent_ratio", "the same, urgent first (`inbox_urgent`)", raw["operator_urgent_ratio"], "x"
            ),
            figure(
                "supervisor_ratio",
                f"kecamatan supervisor (`{kec}`): page / bare `inbox_area` Query",
                raw["supervisor_ratio"],
                "x",
                ("<=", 3),
            ),
            figure("supervisor_page_median_ms", "supervisor page, median", raw["supervisor_page_median_ms"], "ms"),
            figure(
                "bare_area_query_median_ms", "bare `inbox_area` Query, median", raw["bare_area_query_median_ms"], "ms"
            ),
            figure(
                "supervisor_urgent_ratio",
                "the same, urgent first (`inbox_area_urgent`)",
                raw["supervisor_urgent_ratio"],
                "x",
            ),
            figure(
                "operator_page_outside_dynamodb_median_ms",
                f"{own}, operator, newest first",
                raw["operator_page_outside_dynamodb_median_ms"],
                "ms",
            ),
            figure(
                "operator_page_urgent_outside_dynamodb_median_ms",
                "the same, urgent first",
                raw["operator_page_urgent_outside_dynamodb_median_ms"],
                "ms",
            ),
            figure(
                "supervisor_page_outside_dynamodb_median_ms",
                "the same for the supervisor, newest first",
                raw["supervisor_page_outside_dynamodb_median_ms"],
                "ms",
            ),
            figure(
                "supervisor_page_urgent_outside_dynamodb_median_ms",
                "the same for the supervisor, urgent first",
                raw["supervisor_page_urgent_outside_dynamodb_median_ms"],
                "ms",
            ),
            figure(
                "operator_service_page_outside_dynamodb_median_ms",
                "the same through the service alone (no HTTP, no sign-in)",
                raw["operator_service_page_outside_dynamodb_median_ms"],
                "ms",
            ),
            figure("seed_s", "seeding the table (BatchWriteItem)", raw["seed_s"], "s"),
        ],
        {
            "complaints": raw["complaints"],
            "samples_per_case": raw["samples"],
            "operator_unit_complaints": raw["operator_unit_complaints"],
            "operator_unit_open": raw["operator_unit_open"],
            "kecamatan_open": raw["kecamatan_open"],
        },
        [],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
