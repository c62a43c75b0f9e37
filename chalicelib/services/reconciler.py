"""The outbox safety net: a complaint stored but not at LAPOR! gets there, or an alarm fires.

Intake writes the complaint first and sends the SQS message second; when the send
fails (or the process dies in between) the complaint sits in the sparse `outbox`
index. Every few minutes this sweep re-queues, from that index:

- complaints never attempted (`fwd_attempts` absent) older than two minutes;
- complaints attempted, still `received`, whose last attempt (`fwd_last_at`) is
  long past (30 minutes: longer than any gap of the forwarder's SQS backoff, so
  their message is gone: in the DLQ after every retry, or lost). The forwarder
  looks the ticket up at LAPOR! before any re-send, so this never makes a second
  ticket;
- complaints whose re-queue of ours is itself old.

A conditional write claims each re-queue (and skips a complaint a forwarder holds
the lease of), so two overlapping sweeps never send the same complaint twice.

Each sweep publishes `OldestReceivedAgeSeconds`, the age of the oldest complaint
waiting in the outbox (0 when none is older than the two-minute grace), read from
the first item of each shard's Query; the alarm `aduan-hub-oldest-received` fires
past 30 minutes.

The same sweep is the safety net of the other two outboxes: channel events
whose commit succeeded but whose queueing did not (services/status_events.py),
and LAPOR! follow-ups not yet delivered (services/lapor_followups.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.sqs import Queues
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import Status, utcnow
from chalicelib.observability import MetricUnit, complaint_context, count, logger, metrics
from chalicelib.services.lapor_followups import LaporFollowups
from chalicelib.services.ports import Complaints, ConditionFailed
from chalicelib.services.status_events import StatusEvents

MIN_AGE = timedelta(minutes=2)  # give the normal path time to work
REQUEUE_AFTER = timedelta(minutes=10)  # a re-queue of ours that did not help
STALE_ATTEMPT = timedelta(minutes=30)  # attempted, and no attempt since: the message is gone
#: the metric the alarm `aduan-hub-oldest-received` watches (infra/template.json)
OLDEST_METRIC = "OldestReceivedAgeSeconds"


@dataclass
class ReconcileReport:
    seen: int = 0
    requeued: list[str] = field(default_factory=list)
    oldest_received_age_s: int = 0
    outboxes: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "requeued": len(self.requeued),
            "oldest_received_age_s": self.oldest_received_age_s,
            **self.outboxes,
        }


def needs_requeue(item: dict[str, Any], now: datetime, waiting_since: str | None = None) -> bool:
    """Never attempted, or attempted long ago, and no recent re-queue of ours."""
    if item.get("lapor_id") is not None or item.get("status") != Status.RECEIVED.value:
        return False
    if (item.get("fwd_lease_until") or "") >= utc_text(now):
        return False  # a forwarder is at it right now
    requeued_at = item.get("requeued_at")
    if requeued_at is not None:
        return str(requeued_at) < utc_text(now - REQUEUE_AFTER)
    if item.get("fwd_attempts") is None:
        return True
    last = item.get("fwd_last_at") or waiting_since or ""
    return last < utc_text(now - STALE_ATTEMPT)


class Reconciler:
    def __init__(
        self,
        complaints: Complaints,
        queues: Queues,
        shards: int,
        per_shard: int = 200,
        events: StatusEvents | None = None,
        followups: LaporFollowups | None = None,
    ) -> None:
        self.complaints = complaints
        self.queues = queues
        self.shards = shards
        self.per_shard = per_shard
        self.events = events
        self.followups = followups

    def sweep(self, now: datetime | None = None) -> ReconcileReport:
        now = now or utcnow()
        report = ReconcileReport()
        until = utc_text(now - MIN_AGE)
        oldest: str | None = None
        for shard in range(self.shards):
            for item in self.complaints.waiting_for_lapor(shard, until, self.per_shard):
                report.seen += 1
                since = self.complaints.waiting_since(item) or ""
                if oldest is None or since < oldest:
                    oldest = since  # the Query is in waiting order: the shard's first is its oldest
                if needs_requeue(item, now, since):
                    tracking_id = str(item["tracking_id"])
                    with complaint_context(tracking_id):
                        if self._requeue(tracking_id, now):
                            report.requeued.append(tracking_id)
        if oldest is not None:
            report.oldest_received_age_s = max(0, int((now - datetime.fromisoformat(oldest)).total_seconds()))
        metrics.add_metric(name="OldestReceivedAgeSeconds", unit=MetricUnit.Seconds, value=report.oldest_received_age_s)
        if report.requeued:
            count("OutboxRequeued", len(report.requeued))
        if self.events is not None:
            report.outboxes.update(self.events.resend_pending(now, self.shards, self.per_shard))
        if self.followups is not None:
            report.outboxes.update(self.followups.sweep(now, self.shards, self.per_shard))
        # a quiet run says so only at DEBUG: the SweepCompleted metric shows that it ran
        (logger.info if report.seen else logger.debug)("outbox reconciled", extra=report.as_dict())
        return report

    def _requeue(self, tracking_id: str, now: datetime) -> bool:
        try:
            self.complaints.requeue_for_lapor(tracking_id, now, now - REQUEUE_AFTER, now - STALE_ATTEMPT)
        except ConditionFailed:
            return False  # another sweep, or the forwarder, got there first
        try:
            self.queues.send_forward(tracking_id)
        except Exception:  # noqa: BLE001 - the next sweep after REQUEUE_AFTER tries again
            logger.exception("re-queue failed")
            count("OutboxRequeueFailed")
            return False
        logger.warning("complaint not at LAPOR! and not on its way; re-queued")
        return True
