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
- the channel event for it (outbox item `pk = CHEVENT#<tracking_id>`), when
  the complaint came from a channel and the entry is announced, so a crash
  after the status change can no longer lose the event;
- the writer's own further items (an escalation notice, a LAPOR! follow-up).

After the commit the event goes to the FIFO callback queue (group = tracking
id, deduplication id = event id) and its outbox item is marked sent. When that
fails the item stays in the sparse `outbox` index (`CHEVENT#<shard>`), and the
reconciler's sweep queues it again (same event id: SQS drops a repeat within
five minutes, receivers drop repeats by `event_id`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.dynamodb import ConditionFailed, Repository, iso, set_remove, shard_of, values
from chalicelib.adapters.sqs import Queues
from chalicelib.adapters.storage.keys import inbox_attributes
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.observability import complaint_context, count, logger
from chalicelib.schemas import ChannelEvent
from chalicelib.services.callbacks import event_for
from chalicelib.settings import settings

EVENT_PK = "CHEVENT#"
RESEND_AFTER = timedelta(minutes=2)  # give the normal path time to finish


@dataclass
class Transition:
    """One change of a complaint: its state before and after, the update and the entry."""

    before: Complaint
    after: Complaint
    entry: TimelineEntry
    attrs: dict[str, Any]  # attributes to set (None removes)
    condition: str | None = None
    names: dict[str, str] | None = None
    vals: dict[str, Any] | None = None
    new_items: list[dict[str, Any]] = field(default_factory=list)  # Puts, each only if absent
    announce: bool = True  # False: nothing for the channel (notes, the reporter's own replies)


def at_version(version: int) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A condition pinning the complaint's version (what If-Match checks): condition, names, values.

    An item written before versions existed has none and reads as version 1 (the model's default)."""
    cond = "(#vrsn = :vrsn_expected OR attribute_not_exists(#vrsn))" if version == 1 else "#vrsn = :vrsn_expected"
    return cond, {"#vrsn": "version"}, values(vrsn_expected=version)


def event_item(event: ChannelEvent, now: datetime) -> dict[str, Any]:
    return {
        "pk": f"{EVENT_PK}{event.tracking_id}",
        "sk": f"{iso(event.occurred_at)}#{event.event_id}",
        "type": "channel_event",
        "event": event.model_dump(mode="json"),
        "created_at": iso(now),
        "outbox_pk": f"{EVENT_PK}{shard_of(event.tracking_id)}",
        "outbox_sk": iso(now),
    }


class StatusEvents:
    def __init__(self, repo: Repository, queues: Queues) -> None:
        self.repo = repo
        self.queues = queues

    def commit(self, t: Transition) -> ChannelEvent | None:
        """Write the transition (ConditionFailed when its condition is false), then send its event."""
        now = utcnow()
        attrs = dict(t.attrs)
        attrs.update(inbox_attributes(t.after))
        if t.after.status in FINAL_STATUSES:
            attrs.update(geo_pk=None, geo_sk=None)  # "already reported nearby" lists open ones only
        if t.after.status == Status.RESOLVED and t.before.status != Status.RESOLVED:
            attrs.setdefault("resolved_at", iso(t.entry.at))
        expr, names, vals = set_remove(attrs)
        names.update(t.names or {})
        vals.update(t.vals or {})
        event = None
        new_items = list(t.new_items)
        if t.announce and t.entry.public and t.after.channel != "app":
            event = event_for(t.after, t.entry)
            new_items.append(event_item(event, now))
        self.repo.transact_update(
            t.after.tracking_id, expr, t.condition, names, vals, timeline=t.entry, new_items=new_items
        )
        with complaint_context(t.after.tracking_id):
            logger.info(
                "complaint changed",
                extra={"status": t.after.status.value, "kind": t.entry.kind, "from": t.before.status.value},
            )
            if event is not None:
                self.send(event)
        return event

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
            self.repo.update_raw(
                f"{EVENT_PK}{event.tracking_id}",
                f"{iso(event.occurred_at)}#{event.event_id}",
                "SET sent_at = :now REMOVE outbox_pk, outbox_sk",
                condition="attribute_exists(pk)",
                vals=values(now=iso(utcnow())),
            )
        except Exception:  # noqa: BLE001 - queued; a re-send is dropped as a repeat
            logger.exception("channel event queued but not marked sent")
        logger.info("channel event queued", extra={"event_id": event.event_id, "channel": event.channel})
        return True

    def resend_pending(self, now: datetime, shards: int, per_shard: int = 200) -> Counter[str]:
        """Queue the events whose commit succeeded but whose send did not (older than a grace period)."""
        out: Counter[str] = Counter()
        until = iso(now - RESEND_AFTER)
        for shard in range(shards):
            for item in self.repo.query_index_until("outbox", f"{EVENT_PK}{shard}", until, limit=per_shard):
                if item.get("sent_at"):
                    continue
                try:  # claim: an overlapping sweep sends it at most once more
                    self.repo.update_raw(
                        item["pk"],
                        item["sk"],
                        "SET outbox_sk = :later",
                        condition="outbox_sk = :old AND attribute_not_exists(sent_at)",
                        vals=values(later=iso(now + RESEND_AFTER), old=item["outbox_sk"]),
                    )
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
