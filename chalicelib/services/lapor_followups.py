"""Follow-ups the hub posts to LAPOR! (answers, reopens, comments): exactly once, after.

An action LAPOR! must know of writes a follow-up *outbox item* in the same
transaction as its own change (`LaporFollowups.item`, keyed by the complaint and
its version after the change, so a complaint's follow-ups sort in the order they
were written). The caller answers at once; delivery follows:

1. a message on the forward queue (`{"tracking_id", "followups": true}`) asks
   the forwarder to post the complaint's pending follow-ups, in order; the
   reconciler's sweep re-asks for items left behind (sparse `outbox` index, by
   when to look again);
2. each item is claimed (a lease), and the attempt is recorded (`attempted_at`)
   BEFORE the post: LAPOR!'s `followup/add` has no idempotency key;
3. the content ends with a marker (`[aduan-hub:<tracking id>:<seq>-<side>]`,
   adapters/lapor_wire.py): after any earlier attempt, the complaint's
   follow-ups at LAPOR! are read and the marker looked for BEFORE any re-send;
   the status sync recognises the marker too, so it never takes the hub's own
   post for a new answer from the unit, even before its LAPOR! id is recorded;
4. the LAPOR! id is recorded on the outbox item (sent); the status sync reads
   these ids too (`posted_ids`), for a post whose marker LAPOR! would not show.

A follow-up written before the complaint has a LAPOR! ticket waits for it;
one for a complaint that will never reach LAPOR! (dismissed, rejected or a
duplicate before forwarding) is dropped. LAPOR! refusing one (4xx) parks it
(a shelf of its own, metric `LaporFollowupsRefused`) and the next
one goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import lapor_wire
from chalicelib.adapters.lapor import LaporClient, LaporError
from chalicelib.domain.models import FINAL_STATUSES, Complaint, utcnow
from chalicelib.observability import complaint_context, count, logger
from chalicelib.services.ports import Complaints, ConditionFailed, Outboxes, Write

LEASE = timedelta(seconds=120)
RETRY_AFTER = timedelta(minutes=2)  # the sweep re-asks after this (the queue retries sooner)
WAIT_FOR_TICKET = timedelta(minutes=3)


class FollowupRetryLater(Exception):
    """A follow-up could not be posted now; the queue message is retried."""

    def __init__(self, reason: str, delay_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay_s = delay_s


def posted_ids(outboxes: Outboxes, tracking_id: str) -> set[str]:
    """LAPOR! ids of the follow-ups the hub posted for a complaint (one Query of its outbox items)."""
    items = outboxes.followups(tracking_id)
    return {str(i["lapor_followup_id"]) for i in items if i.get("lapor_followup_id") is not None}


def marker_for(item: dict[str, Any]) -> lapor_wire.Marker:
    return lapor_wire.Marker(str(item["tracking_id"]), int(item["seq"]), str(item["side"]))


class LaporFollowups:
    def __init__(
        self,
        outboxes: Outboxes,
        complaints: Complaints,
        lapor: Callable[[dict[str, Any]], LaporClient],
        nudge: Callable[[str], None],
    ) -> None:
        self.outboxes = outboxes
        self.complaints = complaints
        self._lapor = lapor
        self._nudge = nudge  # sends {"tracking_id", "followups": true} to the forward queue

    def item(self, c: Complaint, seq: int, side: str, content: str, now: datetime) -> Write:
        """The outbox item to write in the same transaction as the change it reports (`seq`: the
        complaint's version after it)."""
        return self.outboxes.followup_write(c.tracking_id, seq, side, content, c.confidential, now, now + RETRY_AFTER)

    def nudge(self, tracking_id: str) -> None:
        """Ask for delivery now; a failure is left to the sweep."""
        try:
            self._nudge(tracking_id)
        except Exception:  # noqa: BLE001 - written in the outbox already; the sweep asks again
            logger.exception("follow-up delivery request failed; left for the sweep")
            count("FollowupNudgeFailed")

    def pending(self, tracking_id: str) -> list[dict[str, Any]]:
        items = self.outboxes.followups(tracking_id, consistent=True)
        return [i for i in items if not i.get("sent_at") and not i.get("dropped_at") and not self.outboxes.is_parked(i)]

    # -- delivery (forward queue) ------------------------------------------------

    def deliver(self, tracking_id: str, now: datetime | None = None) -> Counter[str]:
        """Post the complaint's pending follow-ups in order; stop at the first that cannot go now."""
        out: Counter[str] = Counter()
        items = self.pending(tracking_id)
        if not items:
            return out
        complaint = self.complaints.item(tracking_id, consistent=True) or {}
        lapor_id = complaint.get("lapor_id")
        if lapor_id is None:
            if complaint.get("status") in FINAL_STATUSES or not complaint:
                for item in items:
                    self._drop(item, "the complaint never reached LAPOR!")
                out["dropped"] += len(items)
                return out
            for item in items:
                self._later(item, (now or utcnow()) + WAIT_FOR_TICKET)
            out["waiting_for_ticket"] += len(items)
            return out
        lapor = self._lapor(complaint)
        for item in items:
            outcome = self._deliver_one(item, int(lapor_id), lapor)
            out[outcome] += 1
            if outcome not in ("posted", "found", "parked"):
                break
        return out

    def _deliver_one(self, item: dict[str, Any], lapor_id: int, lapor: LaporClient) -> str:
        now = utcnow()
        try:
            old = self.outboxes.claim_followup(item, now, now + LEASE)
        except ConditionFailed:
            return "busy"  # another worker is posting it, or it was posted meanwhile
        marker = marker_for(item)
        content = lapor_wire.marked(str(item["content"]), marker)
        earlier = bool(old.get("attempted_at"))
        try:
            if earlier:  # an earlier post may have reached LAPOR!: never send blind
                found = self._find(lapor, lapor_id, marker)
                if found is not None:
                    self._sent(item, found, now)
                    logger.info("follow-up of an earlier attempt found at LAPOR!", extra={"seq": marker.seq})
                    return "found"
            fid = lapor.add_followup(lapor_id, content, is_secret=bool(item.get("is_secret")))
        except LaporError as err:
            if err.permanent:
                self._park(item, err.message)
                return "parked"
            # the attempt stays recorded: LAPOR!'s client does not tell a post that never left from
            # one whose answer was lost (adapters/lapor.py), so the next try looks before posting
            self._release(item)
            count("LaporFollowupTransientFailures")
            logger.warning(
                "LAPOR! follow-up failed; will retry",
                extra={"error": err.message, "outcome": err.outcome, "status_code": err.status},
            )
            raise FollowupRetryLater(err.message, err.retry_after) from err
        if fid is None:  # LAPOR! answered without an id: the marker finds it
            try:
                fid = self._find(lapor, lapor_id, marker)
            except LaporError:
                fid = None
        self._sent(item, fid, now)
        count("LaporFollowupsPosted")
        logger.info(
            "follow-up posted to LAPOR!", extra={"seq": marker.seq, "side": marker.side, "lapor_followup_id": fid}
        )
        return "posted"

    @staticmethod
    def _find(lapor: LaporClient, lapor_id: int, marker: lapor_wire.Marker) -> str | None:
        for f in lapor.followups(lapor_id):
            if lapor_wire.marker_of(f.content) == marker:
                return f.id
        return None

    # -- bookkeeping ---------------------------------------------------------------

    def _sent(self, item: dict[str, Any], fid: str | None, now: datetime) -> None:
        """Mark the item sent, with LAPOR!'s id for it (never the complaint item: its version is
        the operators' If-Match, and our own bookkeeping must not make it stale). LAPOR! often
        answers what the hub just told it: the status sync asks about the complaint soon (its
        `acted` tier), without a new version."""
        self.outboxes.followup_sent(item, fid, now)
        try:
            self.complaints.mark_acted(str(item["tracking_id"]), now)
        except Exception:  # noqa: BLE001 - an earlier check is a nicety; the sync checks it anyway
            logger.warning("could not bring the status check forward")

    def _release(self, item: dict[str, Any]) -> None:
        self.outboxes.release_followup(item, utcnow() + RETRY_AFTER)

    def _later(self, item: dict[str, Any], when: datetime) -> None:
        self.outboxes.followup_later(item, when)

    def _drop(self, item: dict[str, Any], why: str) -> None:
        try:
            self.outboxes.drop_followup(item, why, utcnow())
        except ConditionFailed:
            return
        logger.info("follow-up dropped", extra={"seq": item.get("seq"), "why": why})
        count("LaporFollowupsDropped")

    def _park(self, item: dict[str, Any], reason: str) -> None:
        self.outboxes.park_followup(item, reason, utcnow())
        logger.error("LAPOR! refused a follow-up; parked", extra={"seq": item.get("seq"), "reason": reason[:300]})
        count("LaporFollowupsRefused")

    # -- the safety net (reconciler schedule) --------------------------------------

    def sweep(self, now: datetime, shards: int, per_shard: int = 200) -> Counter[str]:
        """Ask again for follow-ups whose time to look again has come (one request per complaint)."""
        out: Counter[str] = Counter()
        asked: set[str] = set()
        for shard in range(shards):
            for item in self.outboxes.followups_due(shard, now, per_shard):
                tid = str(item["tracking_id"])
                if tid in asked or item.get("sent_at"):
                    continue
                try:  # claim the re-ask, so overlapping sweeps ask once
                    self.outboxes.postpone(item, now + RETRY_AFTER)
                except ConditionFailed:
                    continue
                asked.add(tid)
                with complaint_context(tid):
                    self.nudge(tid)
                out["followups_requeued"] += 1
        return out
