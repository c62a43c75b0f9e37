"""DynamoDB reads per complaint due for a LAPOR! status check.

10,000 forwarded complaints in a private table (seeded with BatchWriteItem), of which 100 are
due; one sweep of the status sync, with a LAPOR! call budget that lets it ask about all of them.
Items read are counted with a botocore hook on the repository's client
(Query/GetItem/BatchGetItem items returned); Scan calls are counted too and must be 0. Target:
<= 1.1 reads per complaint due. Run: python -m benchmarks.bench_sync (prints one JSON line)
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from typing import Any

from benchmarks.common import CallCounter, local_stack
from benchmarks.schema import emit, figure, result

TOTAL = 10_000
DUE = 100


def main() -> dict[str, Any]:
    # every complaint due asked in one sweep: ten times the LAPOR! call budget of one minute
    os.environ["LAPOR_BUDGET_SCALE"] = "10"
    with local_stack("bench-sync", lapor=True) as stack:
        from chalicelib import bootstrap
        from chalicelib.adapters.storage.codec import complaint_item, iso
        from chalicelib.adapters.storage.keys import sync_attributes
        from chalicelib.domain.models import Complaint, Status, utcnow
        from chalicelib.domain.tracking import new_tracking_id

        sim = stack["sim"]
        repo = bootstrap.repository()
        now = utcnow()
        rng = random.Random(3)
        t0 = time.perf_counter()
        batch: list[dict[str, object]] = []
        for i in range(TOTAL):
            tid = new_tracking_id()
            due = i < DUE
            lapor_id = (
                sim.backend.create_complaint({"title": "t", "content": "bench content", "tags_raw": tid}).complaint_id
                if due
                else 9_000_000 + i
            )
            when = now - timedelta(minutes=rng.randint(1, 60)) if due else now + timedelta(minutes=rng.randint(5, 1440))
            c = Complaint(
                tracking_id=tid,
                category="jalan-rusak",
                description="bench complaint text",
                status=Status.FORWARDED,
                lapor_id=lapor_id,
                created_at=now - timedelta(hours=2),
            )
            extra = {"forwarded_at": iso(now - timedelta(hours=2)), **sync_attributes(tid, when)}
            batch.append({"PutRequest": {"Item": complaint_item(c, extra)}})
            if len(batch) == 25:
                repo.db.batch_write_item(RequestItems={repo.table: batch})
                batch = []
        if batch:
            repo.db.batch_write_item(RequestItems={repo.table: batch})
        seed_s = time.perf_counter() - t0

        counter = CallCounter(repo.db)
        t1 = time.perf_counter()
        report = bootstrap.status_sync().sweep(now)
        sweep_s = time.perf_counter() - t1
        out = {
            "benchmark": "status_sync_sweep",
            "complaints_in_table": TOTAL,
            "complaints_due": DUE,
            "checked": report.checked,
            "items_read": counter.items_read,
            "reads_per_due_complaint": round(counter.items_read / DUE, 3),
            "target": 1.1,
            "scan_calls": counter.calls.get("Scan", 0),
            "dynamodb_calls": dict(counter.calls),
            "lapor_calls": sim.stats()["total_calls"],
            "sweep_s": round(sweep_s, 2),
            "seed_s": round(seed_s, 2),
        }
        assert out["scan_calls"] == 0 and report.checked == DUE
        return out


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "sync",
        "Status sync sweep",
        "python -m benchmarks.bench_sync",
        [
            figure(
                "reads_per_due_complaint",
                "DynamoDB items read / complaint due for a LAPOR! status check",
                raw["reads_per_due_complaint"],
                "items/complaint",
                ("<=", 1.1),
            ),
            figure("items_read", "items read", raw["items_read"], "items"),
            figure("query_calls", "Query calls", raw["dynamodb_calls"].get("Query", 0), "calls"),
            figure("scan_calls", "Scan calls", raw["scan_calls"], "calls", ("==", 0)),
            figure("sweep_s", "sweep wall time, LAPOR! calls included", raw["sweep_s"], "s"),
            figure("lapor_calls", "LAPOR! calls", raw["lapor_calls"], "calls"),
            figure("seed_s", "seeding the table (BatchWriteItem)", raw["seed_s"], "s"),
        ],
        {"complaints_in_table": raw["complaints_in_table"], "complaints_due": raw["complaints_due"]},
        ["The status sync's due index is sharded: one Query per shard."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
