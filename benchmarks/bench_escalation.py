"""Cost of the overdue sweep: DynamoDB items read per overdue complaint, and its wall time
against the writes it cannot avoid.

Run as ``python -m benchmarks.bench_escalation``; prints one JSON line. A private moto
server and stack (``bench-escalation-<pid>``) is seeded with BatchWriteItem: 10,000
complaints in the `due` index, 100 of them past their deadline. One sweep then runs
with a botocore hook counting every item returned by Query/GetItem (and any Scan, which
must stay at zero). The baseline is measured in the same run: the same 100 complaints
are escalated once more by calling only the unavoidable writes (the transaction, the
SNS publish and the mark-sent update, requests built beforehand), so the ratio shows
what the sweep adds on top of its writes. Figures, not pass/fail thresholds.
"""

from __future__ import annotations

import os
import platform
import time
from datetime import timedelta
from typing import Any

from benchmarks.schema import emit, figure, result

N_TOTAL = 10_000
N_OVERDUE = 100


def _seed(repo: Any, now: Any) -> list[str]:
    from chalicelib.adapters.storage.codec import complaint_item
    from chalicelib.adapters.storage.keys import due_attributes
    from chalicelib.domain.models import Complaint, Severity, Status, Unit
    from chalicelib.domain.tracking import new_tracking_id

    unit = Unit(code="opd:dpupr", kind="opd", name="Dinas Pekerjaan Umum dan Penataan Ruang")
    overdue: list[str] = []
    batch: list[dict[str, Any]] = []
    for i in range(N_TOTAL):
        tid = new_tracking_id()
        late = i % (N_TOTAL // N_OVERDUE) == 0
        deadline = now - timedelta(hours=2 + i % 48) if late else now + timedelta(days=1 + i % 20)
        c = Complaint(
            tracking_id=tid,
            category="jalan-rusak",
            description="Jalan berlubang di depan pasar.",
            unit=unit,
            severity=Severity.SEDANG,
            status=Status.IN_PROGRESS,
            created_at=now,
            updated_at=now,
            deadline=deadline,
        )
        batch.append({"PutRequest": {"Item": complaint_item(c, due_attributes(tid, deadline))}})
        if late:
            overdue.append(tid)
        if len(batch) == 25:
            _write(repo, batch)
            batch = []
    if batch:
        _write(repo, batch)
    return overdue


def _write(repo: Any, batch: list[dict[str, Any]]) -> None:
    pending = {repo.table: batch}
    while pending:
        pending = repo.db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _timed_calls(db: Any, sns: Any) -> dict[str, float]:
    """Seconds spent inside calls, by kind (botocore before-call / after-call hooks)."""
    spent = {"query_s": 0.0, "writes_s": 0.0}
    started: dict[int, float] = {}

    def before(context: Any, **_: Any) -> None:
        started[id(context)] = time.perf_counter()

    def after_as(kind: str) -> Any:
        def after(context: Any, **_: Any) -> None:
            t0 = started.pop(id(context), None)
            if t0 is not None:
                spent[kind] += time.perf_counter() - t0

        return after

    for client, op, kind in (
        (db, "Query", "query_s"),
        (db, "TransactWriteItems", "writes_s"),
        (db, "UpdateItem", "writes_s"),
        (sns, "Publish", "writes_s"),
    ):
        svc = client.meta.service_model.endpoint_prefix
        client.meta.events.register(f"before-call.{svc}.{op}", before)
        client.meta.events.register(f"after-call.{svc}.{op}", after_as(kind))
    return spent


class _NoTableBackup:
    """moto backs up the WHOLE table (deepcopy) for every item of every TransactWriteItems
    call, so one transaction costs O(table size) there (10,000 items: seconds and GBs).
    DynamoDB has no such cost. The benchmark swaps moto's copy module for one whose
    deepcopy is the identity; no transaction here may fail (asserted), so the skipped
    rollback copy is never needed."""

    @staticmethod
    def deepcopy(x: Any, memo: Any = None) -> Any:
        return x


def _patch_moto() -> None:
    import moto.dynamodb.models as models

    models.copy = _NoTableBackup  # type: ignore[assignment]


def main() -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from benchmarks.common import CallCounter, local_stack

    _patch_moto()

    with local_stack(f"bench-escalation-{os.getpid()}"):
        from chalicelib import bootstrap
        from chalicelib.adapters.aws import client
        from chalicelib.adapters.storage.codec import iso, values
        from chalicelib.adapters.storage.expressions import set_remove
        from chalicelib.adapters.storage.keys import due_attributes
        from chalicelib.domain.models import Complaint, TimelineEntry, utcnow
        from chalicelib.services.deadlines import Deadlines
        from chalicelib.services.escalation import EscalationService

        repo = bootstrap.repository()
        notifier = bootstrap.notifier()
        service: EscalationService = bootstrap.escalation()
        now = utcnow()
        t0 = time.perf_counter()
        overdue = _seed(repo, now)
        seed_s = time.perf_counter() - t0

        counter = CallCounter(client("dynamodb"))
        in_sweep = _timed_calls(client("dynamodb"), client("sns"))
        t0 = time.perf_counter()
        outcome = service.sweep(now)
        sweep_s = time.perf_counter() - t0
        reads, calls, inside = counter.items_read, dict(counter.calls), dict(in_sweep)
        assert calls.get("Scan", 0) == 0, calls
        assert outcome == {"escalated": N_OVERDUE}, outcome  # no failed transaction: no rollback needed

        t0 = time.perf_counter()
        assert list(repo.query_index_until("due", "DUE#no-such-shard", iso(now))) == []
        empty_query_s = time.perf_counter() - t0  # moto's price of one Query that returns nothing

        # Baseline: only the writes one escalation needs, requests built before the clock starts.
        later = now + timedelta(days=30)
        jobs = []
        for tid in overdue:
            c = Complaint.model_validate(repo.get_item(tid, consistent=True))
            expr, names, vals = set_remove(
                {
                    "escalation_level": 2,
                    "updated_at": iso(later),
                    **due_attributes(tid, Deadlines().rung_deadline_for(c, later)),
                }
            )
            names.update({"#lvl": "escalation_level", "#dl": "deadline"})
            vals.update(values(old_level=1, old_deadline=iso(c.deadline) if c.deadline else ""))
            entry = TimelineEntry(at=later, kind="escalated", status=c.status, ref="escalation:2", message="x")
            notice = service._notification(
                c,
                sk="2",
                kind="escalated",
                level=2,
                unit_code="opd:inspektorat",
                subject=f"[Aduan] Eskalasi tingkat 2: {tid}",
                lines=["bench"],
            )
            jobs.append((tid, expr, names, vals, entry, service._outbox_item(notice, later), notice))
        t0 = time.perf_counter()
        for tid, expr, names, vals, entry, item, (sk, n) in jobs:
            repo.transact_update(
                tid, expr, "#lvl = :old_level AND #dl = :old_deadline", names, vals, timeline=entry, new_items=[item]
            )
            notifier.publish(n)
            repo.update_raw(f"NOTIFY#{tid}", sk, "SET sent_at = :t REMOVE due_pk, due_sk", vals=values(t=iso(later)))
        writes_s = time.perf_counter() - t0

    return {
        "complaints": N_TOTAL,
        "overdue": N_OVERDUE,
        "outcome": outcome,
        "items_read": reads,
        "items_read_per_overdue": round(reads / N_OVERDUE, 3),
        "dynamodb_calls": calls,
        "scan_calls": calls.get("Scan", 0),
        "sweep_s": round(sweep_s, 3),
        "writes_only_s": round(writes_s, 3),
        "sweep_over_writes": round(sweep_s / writes_s, 2),
        "inside_sweep_query_s": round(inside["query_s"], 3),
        "moto_one_empty_query_s": round(empty_query_s, 3),
        "inside_sweep_write_calls_s": round(inside["writes_s"], 3),
        "sweep_minus_moto_query_s_over_writes": round((sweep_s - inside["query_s"]) / writes_s, 2),
        "seed_s": round(seed_s, 1),
        "python": platform.python_version(),
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "escalation",
        "Escalation sweep",
        "python -m benchmarks.bench_escalation",
        [
            figure(
                "items_read_per_overdue",
                "DynamoDB items read / overdue complaint",
                raw["items_read_per_overdue"],
                "items/complaint",
                ("<=", 1.1),
            ),
            figure("query_calls", "Query calls", raw["dynamodb_calls"].get("Query", 0), "calls"),
            figure("scan_calls", "Scan calls", raw["scan_calls"], "calls", ("==", 0)),
            figure("sweep_s", "sweep wall time", raw["sweep_s"], "s"),
            figure(
                "writes_only_s",
                "the same transactions, publishes and mark-sent updates alone",
                raw["writes_only_s"],
                "s",
            ),
            figure("sweep_over_writes", "sweep / writes", raw["sweep_over_writes"], "x", ("<=", 2)),
            figure("inside_sweep_query_s", "of the sweep: time inside its Queries", raw["inside_sweep_query_s"], "s"),
            figure("moto_one_empty_query_s", "one empty Query on moto", raw["moto_one_empty_query_s"], "s"),
            figure(
                "sweep_minus_moto_query_s_over_writes",
                "(sweep - Query time) / writes",
                raw["sweep_minus_moto_query_s_over_writes"],
                "x",
            ),
            figure("seed_s", "seeding the table (BatchWriteItem)", raw["seed_s"], "s"),
        ],
        {"complaints": raw["complaints"], "overdue": raw["overdue"], "sweeps": 1},
        [
            "moto's whole-table copy on every TransactWriteItems item is disabled (see _NoTableBackup); the benchmark "
            "asserts no transaction is cancelled, so the skipped rollback copy is never needed."
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
