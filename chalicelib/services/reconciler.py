"""The outbox safety net: a complaint stored but never queued still reaches LAPOR!.

Intake writes the complaint first and sends the SQS message second; when the
send fails (or the process dies in between) the complaint sits in the sparse
`outbox` index. Every few minutes this sweep re-queues the ones that were
never attempted. Complaints that have been attempted are on their SQS retry
path already (then the DLQ and `make redrive`), so they are left alone unless
a re-queue of ours is itself old. A conditional write claims each re-queue,
so two overlapping sweeps never send the same complaint twice.

The same sweep is the safety net of the other two outboxes: channel events
whose commit succeeded but whose queueing did not (services/status_events.py),
and LAPOR! follow-ups not yet delivered (services/lapor_followups.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.dynamodb import ConditionFailed, Repository, iso, values
from chalicelib.adapters.sqs import Queues
from chalicelib.domain.models import Status, utcnow
from chalicelib.observability import complaint_context, count, logger
from chalicelib.services.lapor_followups import LaporFollowups
from chalicelib.services.status_events import StatusEvents

MIN_AGE = timedelta(minutes=2)  # give the normal path time to work
REQUEUE_AFTER = timedelta(minutes=10)  # a re-queue of ours that did not help


@dataclass
class ReconcileReport:
    seen: int = 0
    requeued: list[str] = field(default_factory=list)
    outboxes: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"seen": self.seen, "requeued": len(self.requeued), **self.outboxes}


def needs_requeue(item: dict[str, Any], now: datetime) -> bool:
    """Never attempted and not just re-queued, or our last re-queue is old."""
    if item.get("lapor_id") is not None or item.get("status") != Status.RECEIVED.value:
        return False
    requeued_at = item.get("requeued_at")
    if requeued_at is not None:
        return requeued_at < iso(now - REQUEUE_AFTER)
    return item.get("fwd_attempts") is None


class Reconciler:
    def __init__(self, repo: Repository, queues: Queues, shards: int, per_shard: int = 200,
                 events: StatusEvents | None = None, followups: LaporFollowups | None = None) -> None:
        self.repo = repo
        self.queues = queues
        self.shards = shards
        self.per_shard = per_shard
        self.events = events
        self.followups = followups

    def sweep(self, now: datetime | None = None) -> ReconcileReport:
        now = now or utcnow()
        report = ReconcileReport()
        until = iso(now - MIN_AGE)
        for shard in range(self.shards):
            for item in self.repo.query_index_until("outbox", f"OUTBOX#{shard}", until, limit=self.per_shard):
                report.seen += 1
                if needs_requeue(item, now):
                    tracking_id = item["pk"].removeprefix("C#")
                    with complaint_context(tracking_id):
                        if self._requeue(tracking_id, now):
                            report.requeued.append(tracking_id)
        if report.requeued:
            count("OutboxRequeued", len(report.requeued))
        if self.events is not None:
            report.outboxes.update(self.events.resend_pending(now, self.shards, self.per_shard))
        if self.followups is not None:
            report.outboxes.update(self.followups.sweep(now, self.shards, self.per_shard))
        logger.info("outbox reconciled", extra=report.as_dict())
        return report

    def _requeue(self, tracking_id: str, now: datetime) -> bool:
        try:
            self.repo.update(
                tracking_id, "SET requeued_at = :now",
                condition="attribute_not_exists(lapor_id) AND #s = :received AND ("
                          "(attribute_not_exists(requeued_at) AND attribute_not_exists(fwd_attempts)) "
                          "OR requeued_at < :old)",
                names={"#s": "status"},
                vals=values(now=iso(now), received=Status.RECEIVED.value, old=iso(now - REQUEUE_AFTER)),
            )
        except ConditionFailed:
            return False  # another sweep, or the forwarder, got there first
        try:
            self.queues.send_forward(tracking_id)
        except Exception:  # noqa: BLE001 - the next sweep after REQUEUE_AFTER tries again
            logger.exception("re-queue failed")
            count("OutboxRequeueFailed")
            return False
        logger.warning("complaint was never queued; re-queued")
        return True
