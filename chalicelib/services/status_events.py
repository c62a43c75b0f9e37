"""The one door for a change of a complaint that its timeline records.

Every writer of a status change (forwarder, confirm / dismiss, status sync,
escalation, closing, admin retry, the operators' actions, the reporter's
replies) builds a `Transition` and calls `StatusEvents.commit`, which writes in
ONE DynamoDB transaction:

- the complaint update, conditional as the writer needs it, plus what every
  change implies: the inbox keys of the new state (services/inbox.py), the
  `geo` keys removed for a final status, `resolved_at` on a move to resolved
  (and `version` + 1, as every write of a complaint);
- its timeline entry;
- the channel event for it (an outbox item, adapters/storage/outboxes.py), when
  the complaint came from a channel and the entry is announced, so a crash
  after the status change can no longer lose the event;
- the writer's own further items (an escalation notice, a LAPOR! follow-up).

After the commit the event goes to the FIFO callback queue (group = tracking
id, deduplication id = event id) and its outbox item is marked sent. When that
fails the item stays in the sparse `outbox` index, and the
reconciler's sweep queues it again (same event id: SQS drops a repeat within
five minutes, receivers drop repeats by `event_id`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.sqs import Queues
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.observability import complaint_context, count, logger
from chalicelib.schemas import ChannelEvent
from chalicelib.services.callbacks import event_for
from chalicelib.services.inbox import holder_of
from chalicelib.services.ports import (
    Change,
    Complaints,
    ConditionFailed,
    Expect,
    Outboxes,
    Placement,
    Timelines,
    Version,
    Work,
    Write,
)
from chalicelib.settings import settings

RESEND_AFTER = timedelta(minutes=2)  # give the normal path time to finish


@dataclass
class Transition:
    """One change of a complaint: its state before and after, the update and the entry."""

    before: Complaint
    after: Complaint
    entry: TimelineEntry
    attrs: dict[str, Any]  # attributes to set (None removes)
    expect: Expect | None = None  # what the complaint must still hold (else ConditionFailed)
    placement: Placement = field(default_factory=Placement)  # the indexes it enters or leaves
    new_items: list[Write] = field(default_factory=list)  # the writer's own items, each only if absent
    announce: bool = True  # False: nothing for the channel (notes, the reporter's own replies)


def at_version(version: int) -> dict[str, Any]:
    """An expectation pinning the complaint's version (what If-Match checks).

    An item written before versions existed has none and reads as version 1 (the model's default)."""
    return {"version": Version(version)}


class StatusEvents:
    def __init__(
        self, complaints: Complaints, timelines: Timelines, outboxes: Outboxes, work: Work, queues: Queues
    ) -> None:
        self.complaints = complaints
        self.timelines = timelines
        self.outboxes = outboxes
        self.work = work
        self.queues = queues

    def commit(self, t: Transition) -> ChannelEvent | None:
        """Write the transition (ConditionFailed when its condition is false), then send its event."""
        now = utcnow()
        attrs = dict(t.attrs)
        final = t.after.status in FINAL_STATUSES
        # the inbox keys of the new state; "already reported nearby" lists open ones only
        # the status note the lists show comes with the row: the entry, when it has a message
        placement = replace(
            t.placement, holder=holder_of(t.after), listed=False if final else t.placement.listed, note=t.entry
        )
        if t.after.status == Status.RESOLVED and t.before.status != Status.RESOLVED:
            attrs.setdefault("resolved_at", t.entry.at)
        event = None
        work = self.work.begin()
        work.add(self.complaints.change_write(t.after, Change(attrs, t.expect, placement)))
        work.add(self.timelines.write(t.after.tracking_id, t.entry))
        for item in t.new_items:
            work.add(item)
        if t.announce and t.entry.public and t.after.channel != "app":
            event = event_for(t.after, t.entry)
            work.add(
                self.outboxes.event_write(
                    event.tracking_id, event.occurred_at, event.event_id, event.model_dump(mode="json"), now
                )
            )
        work.commit()
        with complaint_context(t.after.tracking_id):
            logger.info(
                "complaint changed",
                extra={"status": t.after.status.value, "kind": t.entry.kind, "from": t.before.status.value},
            )
            if event is not None:
                self.send(event)
        return event

    def note(self, c: Complaint, change: Change, entry: TimelineEntry, new_items: list[Write]) -> None:
        """A change the timeline records that is no status change (an overdue notice): the
        complaint, its entry and the writer's items in one atomic write, nothing announced."""
        work = self.work.begin()
        work.add(self.complaints.change_write(c, replace(change, placement=replace(change.placement, note=entry))))
        work.add(self.timelines.write(c.tracking_id, entry))
        for item in new_items:
            work.add(item)
        work.commit()

    def send(self, event: ChannelEvent) -> bool:
        """Queue one event and mark its outbox item sent. False: left for the sweep."""
        try:
            self.queues.send_json(
                settings().callback_queue_url,
                event.model_dump(mode="json"),
                group=event.tracking_id,
                dedup_id=event.event_id,
            )
        except Exception:  # noqa: BLE001 - the change stands; the outbox item is sent later
            logger.exception("channel event could not be queued; left in the outbox")
            count("ChannelEventEnqueueFailed")
            return False
        count("ChannelEventsQueued")
        try:
            self.outboxes.event_sent(event.tracking_id, event.occurred_at, event.event_id, utcnow())
        except Exception:  # noqa: BLE001 - queued; a re-send is dropped as a repeat
            logger.exception("channel event queued but not marked sent")
        logger.info("channel event queued", extra={"event_id": event.event_id, "channel": event.channel})
        return True

    def resend_pending(self, now: datetime, shards: int, per_shard: int = 200) -> Counter[str]:
        """Queue the events whose commit succeeded but whose send did not (older than a grace period)."""
        out: Counter[str] = Counter()
        for shard in range(shards):
            for item in self.outboxes.events_due(shard, now - RESEND_AFTER, per_shard):
                if item.get("sent_at"):
                    continue
                try:  # claim: an overlapping sweep sends it at most once more
                    self.outboxes.postpone(item, now + RESEND_AFTER)
                except ConditionFailed:
                    out["event_resend_skipped"] += 1
                    continue
                event = ChannelEvent.model_validate(item["event"])
                with complaint_context(event.tracking_id):
                    ok = self.send(event)
                out["events_resent" if ok else "event_resend_failed"] += 1
        if out.get("events_resent"):
            count("ChannelEventsResent", out["events_resent"])
        return out
