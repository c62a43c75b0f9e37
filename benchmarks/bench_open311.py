"""Open311 `GET requests`: what a list costs, from the `created` index, with 4,000 complaints.

Run as ``python -m benchmarks.bench_open311`` (from the repository root); prints each case
to stderr as it goes, then the result line. A private moto server and stack are seeded with
BatchWriteItem: 4,000 complaints spread evenly over the last 100 days (so ~3,600 in the
default 90-day window), categories weighted as complaints are, a third closed, each with
its first timeline entry on the item and most with a "forwarded" timeline entry.

Each case goes through the API (Chalice's test client, JSON rendering included; the XML
size is the same answer rendered as XML). Counted on the wire: DynamoDB calls and the items
the Queries evaluated (`ScannedCount`, what DynamoDB bills, filters included), apart for the
`created` index and the table (none: the status note is on each row). moto
answers a GSI Query by walking the whole table, so its latency says nothing about AWS; the
read counts do.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import local_stack  # noqa: E402
from benchmarks.schema import emit, figure, result  # noqa: E402

N_COMPLAINTS = 4_000
DAYS = 100
SEED = 11
WEIGHTS = {
    "sampah": 20,
    "jalan-rusak": 18,
    "drainase-banjir": 12,
    "lampu-jalan": 10,
    "lalu-lintas": 6,
    "ketertiban": 6,
    "air-bersih": 5,
    "kesehatan": 3,
    "pendidikan": 3,
    "adminduk": 2,
    "bansos": 2,
    "perizinan": 1,
    "bencana": 1,
    "lainnya": 2,
}
TEXT = (
    "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor, sudah dua minggu tidak "
    "diperbaiki. Mohon segera ditindaklanjuti oleh dinas terkait sebelum musim hujan tiba. "
)


class Wire:
    """DynamoDB calls and items evaluated (ScannedCount) per index or the table, from botocore's hooks."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.evaluated: Counter[str] = Counter()
        client.meta.events.register("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    @staticmethod
    def _before(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_target"] = params.get("IndexName") or "table"

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        target = context.get("bench_target", "table")
        self.calls[f"{model.name} {target}"] += 1
        if model.name in ("Query", "Scan"):
            self.evaluated[target] += int(parsed.get("ScannedCount", 0))

    def reset(self) -> None:
        self.calls.clear()
        self.evaluated.clear()


def _seed(now: datetime) -> list[dict[str, Any]]:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import complaint_item, timeline_item
    from chalicelib.adapters.storage.keys import created_attributes as created_keys
    from chalicelib.adapters.storage.keys import note_attributes
    from chalicelib.domain import reference
    from chalicelib.domain.models import Complaint, Location, Status, TimelineEntry
    from chalicelib.domain.tracking import new_tracking_id

    rng = random.Random(SEED)
    kelurahan = sorted(reference.areas().kelurahan.values(), key=lambda k: k.code)
    units = reference.units()
    cats, weights = list(WEIGHTS), list(WEIGHTS.values())
    repo = bootstrap.repository()
    items: list[dict[str, Any]] = []
    made = []
    for i in range(N_COMPLAINTS):
        at = now - timedelta(seconds=DAYS * 86400 * (i + rng.random()) / N_COMPLAINTS)
        kel = rng.choice(kelurahan)
        cat = rng.choices(cats, weights)[0]
        status = rng.choices([Status.FORWARDED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED], [3, 3, 2, 2])[0]
        c = Complaint(
            tracking_id=new_tracking_id(),
            channel=rng.choice(["app", "rabeg", "open311"]),
            category=cat,
            description=TEXT[: rng.randint(80, len(TEXT))],
            location=Location(kelurahan_code=kel.code, address="Jl. Contoh No. 1"),
            kecamatan_code=kel.kecamatan_code,
            unit=units[reference.categories()[cat].unit or "opd:diskominfo"],
            status=status,
            created_at=at,
            updated_at=at + timedelta(hours=2),
            deadline=at + timedelta(days=3),
            confidential=rng.random() < 0.05,
        )
        first = TimelineEntry(
            at=at, kind="received", status=Status.RECEIVED, message="Diterima melalui app", ref="received"
        )
        forwarded = (
            TimelineEntry(
                at=at + timedelta(minutes=1),
                kind="forwarded",
                status=Status.FORWARDED,
                message="Diteruskan ke SP4N-LAPOR!",
                ref="forwarded",
            )
            if rng.random() < 0.8
            else None
        )
        extra = {
            **created_keys(c.tracking_id, at),
            "first_entry": first.model_dump(mode="json"),
            **note_attributes(forwarded or first),  # the newest entry with a message, as the writers keep it
        }
        items.append(complaint_item(c, extra))
        if forwarded is not None:
            items.append(timeline_item(c.tracking_id, forwarded))
        made.append({"tracking_id": c.tracking_id, "category": cat, "status": status.value})
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        repo.db.batch_write_item(RequestItems={repo.table: batch})
    return made


def _patient_clients() -> None:
    """moto walks the whole table for every GSI Query (seconds each at this size, longer with 8 in
    parallel); DynamoDB answers from the index. A longer read timeout, for the emulator only."""
    from botocore.config import Config

    from chalicelib import bootstrap
    from chalicelib.adapters import aws

    aws._CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=900)
    bootstrap.reset()


def main() -> dict[str, Any]:
    with local_stack("bench-open311"):
        from chalice.test import Client

        import app as app_module
        from chalicelib import bootstrap
        from chalicelib.domain.models import utcnow
        from chalicelib.http.open311_answers import to_xml

        _patient_clients()

        now = utcnow()
        t0 = time.perf_counter()
        made = _seed(now)
        seeded_s = time.perf_counter() - t0
        wire = Wire(bootstrap.repository().db)
        ids = ",".join(m["tracking_id"] for m in made[:100])
        road_open = sum(
            1 for m in made[:3600] if m["category"] == "jalan-rusak" and m["status"] in ("forwarded", "in_progress")
        )
        cases = [
            ("first_1000", "last 90 days, first 1,000 (page_size=1000)", "requests.json?page_size=1000"),
            ("newest_100", "last 90 days, no page_size (the newest 100)", "requests.json"),
            ("page_5", "page 5 of 100", "requests.json?page=5&page_size=100"),
            (
                "filtered",
                f"service_code=jalan-rusak&status=open (~{road_open} match in 90 days)",
                "requests.json?service_code=jalan-rusak&status=open",
            ),
            (
                "filtered_first_50",
                "the same, first 50",
                "requests.json?service_code=jalan-rusak&status=open&page_size=50",
            ),
            ("ids_100", "100 ids", f"requests.json?service_request_id={ids}"),
            ("one", "one request", f"requests/{made[0]['tracking_id']}.json"),
        ]
        measured = []
        with Client(app_module.app) as client:
            for key, name, path in cases:
                wire.reset()
                t = time.perf_counter()
                resp = client.http.get(f"/open311/v2/{path}")
                ms = (time.perf_counter() - t) * 1000
                assert resp.status_code == 200, resp.body[:300]
                body = json.loads(resp.body)
                results = len(body)
                case = {
                    "key": key,
                    "case": name,
                    "results": results,
                    "dynamodb_calls": dict(wire.calls),
                    "items_evaluated": dict(wire.evaluated),
                    "index_items_per_result": round(wire.evaluated["created"] / results, 2)
                    if wire.evaluated["created"]
                    else None,
                    "json_bytes": len(resp.body),
                    "xml_bytes": len(to_xml("service_requests", body).encode()),
                    "ms_on_moto": round(ms),
                }
                print(json.dumps(case), file=sys.stderr, flush=True)  # progress: a case takes minutes on moto
                measured.append(case)
        return {"complaints": N_COMPLAINTS, "days": DAYS, "seeded_s": round(seeded_s, 1), "cases": measured}


def report(raw: dict[str, Any]) -> dict[str, Any]:
    figures = []
    for case in raw["cases"]:
        key, name = case["key"], case["case"]
        figures.append(figure(f"{key}.results", f"{name}: results", case["results"], "results"))
        if case["index_items_per_result"] is not None:
            figures += [
                figure(
                    f"{key}.created_queries",
                    f"{name}: `created` index Queries",
                    case["dynamodb_calls"].get("Query created", 0),
                    "Queries",
                ),
                figure(
                    f"{key}.index_items_per_result",
                    f"{name}: `created` index items evaluated / result",
                    case["index_items_per_result"],
                    "items/result",
                ),
            ]
        figures += [
            figure(
                f"{key}.status_note_queries",
                f"{name}: status-note Queries (table)",
                case["dynamodb_calls"].get("Query table", 0),
                "Queries",
            ),
            figure(f"{key}.json_kb", f"{name}: JSON answer", round(case["json_bytes"] / 1024, 1), "KB"),
            figure(f"{key}.xml_kb", f"{name}: the same as XML", round(case["xml_bytes"] / 1024, 1), "KB"),
        ]
    figures.append(figure("seeded_s", "seeding the table (BatchWriteItem)", raw["seeded_s"], "s"))
    return result(
        "open311",
        "Open311 `GET requests`",
        "python -m benchmarks.bench_open311",
        figures,
        {"complaints": raw["complaints"], "days_of_complaints": raw["days"], "cases": len(raw["cases"])},
        ["Counted on the wire (botocore hooks): Queries and the items they evaluated (`ScannedCount`)."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
