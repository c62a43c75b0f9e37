"""Send one stored complaint to LAPOR!, exactly once, whatever fails.

LAPOR! has no idempotency key, so exactly-once is ours to build:

1. A lease (conditional write) lets one forwarder at a time work on a
   complaint; a crashed forwarder's lease simply expires.
2. The attempt is recorded (`fwd_sent_at`) *before* the create is sent, and
   our tracking id travels inside the LAPOR! complaint (`tags_raw`).
3. When an earlier attempt may have reached LAPOR! (timeout, reset, 5xx, a
   crash before our write), the ticket is looked up by tag before any re-send.
4. The LAPOR! id is written with `attribute_not_exists(lapor_id)`, so
   redeliveries and racing forwarders all end on the same single ticket.

Permanent refusals (4xx other than 429 and auth) park the complaint in
`needs_attention` with LAPOR!'s text; everything else is retried via SQS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import lapor_wire
from chalicelib.adapters.lapor import LaporClient, LaporError
from chalicelib.domain import reference, sync_policy
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.observability import MetricUnit, count, logger, observe
from chalicelib.services.deadlines import Deadlines
from chalicelib.services.lapor_accounts import NoLaporCredentials
from chalicelib.services.ports import ABSENT, Change, Complaints, ConditionFailed, Placement
from chalicelib.services.status_events import StatusEvents, Transition

#: the public timeline's words when the complaint's region has no LAPOR! account yet
NO_CREDENTIALS_MESSAGE = "Perlu tindakan admin: akun SP4N-LAPOR! wilayah pengaduan ini belum tersedia"

#: what only a complaint still waiting for LAPOR! holds (no ticket yet, still received)
_WAITING = {"lapor_id": ABSENT, "status": Status.RECEIVED.value}


class RetryLater(Exception):
    """Transient: the message goes back to the queue, after `delay_s` at least."""

    def __init__(self, reason: str, delay_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay_s = delay_s


@dataclass(frozen=True)
class ForwardResult:
    outcome: str  # forwarded | already_forwarded | not_forwardable | parked | missing
    lapor_id: int | None = None


def accepted_at(item: dict[str, Any]) -> datetime | None:
    """When the hub accepted the complaint for LAPOR!: an operator's confirmation of a call
    (112 calls wait for it), else its creation."""
    raw = item.get("confirmed_at") or item.get("created_at")
    return datetime.fromisoformat(raw) if isinstance(raw, str) and raw else None


class ForwardingService:
    def __init__(
        self,
        complaints: Complaints,
        lapor: Callable[[dict[str, Any]], LaporClient],
        events: StatusEvents,
        attachment_ids: Callable[[dict[str, Any], LaporClient], list[int]] | None = None,
        before_create: Callable[[Complaint], object] | None = None,
        lease_s: int = 120,
        sync_schedule: sync_policy.SyncSchedule | None = None,
        after_forward: Callable[[str, dict[str, Any]], None] | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        self.deadlines = deadlines or Deadlines()  # by the complaint's region's rules
        self.complaints = complaints
        self._lapor = lapor
        self.events = events
        self._attachment_ids = attachment_ids
        self._before_create = before_create
        self._after_forward = after_forward  # e.g. files the create did not carry follow it
        self.lease_s = lease_s
        self.sync_schedule = sync_schedule
        self.owner = uuid.uuid4().hex

    def forward(self, tracking_id: str) -> ForwardResult:
        item = self.complaints.item(tracking_id, consistent=True)
        if item is None:
            logger.error("forward: complaint not found")
            return ForwardResult("missing")
        if item.get("lapor_id") is not None:
            count("ForwardRedeliveryIgnored")
            return ForwardResult("already_forwarded", item["lapor_id"])
        if item.get("status") != Status.RECEIVED.value:
            return ForwardResult("not_forwardable")

        old = self._acquire(tracking_id)
        if isinstance(old, ForwardResult):
            return old
        complaint = Complaint.model_validate(old)
        try:
            lapor = self._lapor(old)
        except NoLaporCredentials as err:
            # never another region's account: the complaint waits, visibly, for its own
            self.park(complaint, err.message, public_message=NO_CREDENTIALS_MESSAGE)
            return ForwardResult("parked")
        creating = False
        try:
            if old.get("fwd_sent_at"):
                # An earlier attempt may have reached LAPOR!: never send blind.
                found = self._look_up(lapor, tracking_id)
                if found:
                    if len(found) > 1:
                        logger.error("duplicate LAPOR! tickets", extra={"lapor_ids": found})
                        count("DuplicateLaporTickets")
                    logger.info("found ticket of an earlier attempt", extra={"lapor_id": found[0]})
                    return self._announce(
                        old, self._complete(complaint, found[0], recovered=True, accepted_at=accepted_at(old))
                    )
            if self._before_create:
                self._before_create(complaint)
            docs = self._attachment_ids(old, lapor) if self._attachment_ids else []
            payload = lapor_wire.create_payload(complaint, reference.disposition_id(complaint.unit), docs)
            self._mark_sent(tracking_id)
            creating = True
            lapor_id = lapor.create(payload)
        except LaporError as err:
            # Forget the attempt only when *this* create surely did not reach LAPOR!
            # and no earlier attempt may have: a failed look-up or upload says
            # nothing about an earlier create whose answer was lost.
            return self._failed(complaint, err, clear_sent=creating and not old.get("fwd_sent_at"))
        except Exception:
            self._release(tracking_id, clear_sent=False)
            raise
        try:
            return self._announce(
                old, self._complete(complaint, lapor_id, recovered=False, accepted_at=accepted_at(old))
            )
        except Exception:
            # LAPOR! has the ticket but our write failed: keep fwd_sent_at (the retry
            # looks the ticket up) and free the lease so the retry need not wait for it.
            self._release(tracking_id, clear_sent=False)
            raise

    # -- steps ------------------------------------------------------------

    def _announce(self, snapshot: dict[str, Any], result: ForwardResult) -> ForwardResult:
        """Tell the `after_forward` hook (never failing the forward: the ticket exists)."""
        if result.outcome == "forwarded" and self._after_forward is not None:
            try:
                self._after_forward(str(snapshot["tracking_id"]), snapshot)
            except Exception:  # noqa: BLE001
                logger.exception("after-forward step failed")
                count("AfterForwardFailed")
        return result

    @staticmethod
    def _look_up(lapor: LaporClient, tracking_id: str) -> list[int]:
        """A refused look-up says nothing about the complaint (the call itself is an
        assumption about LAPOR!): retry it and let the DLQ alarm speak, never park."""
        try:
            return lapor.find_by_tracking_id(tracking_id)
        except LaporError as err:
            if err.permanent:
                count("LaporLookupRefused")
                logger.error("LAPOR! look-up refused", extra={"error": err.message, "status_code": err.status})
                raise LaporError(err.message, "unknown", err.status) from err
            raise

    def _acquire(self, tracking_id: str) -> dict[str, Any] | ForwardResult:
        now = utcnow()
        try:
            old = self.complaints.claim_forward_lease(
                tracking_id, self.owner, now, now + timedelta(seconds=self.lease_s)
            )
        except ConditionFailed:
            item = self.complaints.item(tracking_id, consistent=True) or {}
            if item.get("lapor_id") is not None:
                return ForwardResult("already_forwarded", item["lapor_id"])
            if item.get("status") != Status.RECEIVED.value:
                return ForwardResult("not_forwardable")
            count("ForwardLeaseBusy")
            raise RetryLater("another forwarder holds the lease", self.lease_s) from None
        return old

    def _mark_sent(self, tracking_id: str) -> None:
        self.complaints.mark_forward_sent(tracking_id, self.owner, utcnow())

    def _release(self, tracking_id: str, clear_sent: bool) -> None:
        self.complaints.release_forward_lease(tracking_id, self.owner, clear_sent)

    def _complete(
        self, c: Complaint, lapor_id: int, recovered: bool, accepted_at: datetime | None = None
    ) -> ForwardResult:
        now = utcnow()
        deadline = self.deadlines.deadline_for(c, Status.FORWARDED, now)
        attrs: dict[str, Any] = {
            "lapor_id": lapor_id,
            "status": Status.FORWARDED.value,
            "updated_at": now,
            "forwarded_at": now,
            "fwd_owner": None,
            "fwd_lease_until": None,
            "fwd_sent_at": None,
        }
        placement = Placement(
            deadline=deadline,
            next_check=sync_policy.first_check(now, self.sync_schedule),
            waiting_since=None,
        )
        entry = TimelineEntry(
            at=now,
            kind="forwarded",
            status=Status.FORWARDED,
            lapor_id=lapor_id,
            ref="forwarded",
            message=f"Diteruskan ke SP4N-LAPOR! dengan nomor #{lapor_id}",
        )
        updated = c.model_copy(
            update={"status": Status.FORWARDED, "lapor_id": lapor_id, "deadline": deadline, "updated_at": now}
        )
        before = c.model_copy(update={"status": Status.RECEIVED})
        try:
            self.events.commit(
                Transition(
                    before,
                    updated,
                    entry,
                    attrs,
                    expect=_WAITING,
                    placement=placement,
                )
            )
        except ConditionFailed:
            return self._not_completed(c, lapor_id)
        waited = (now - (accepted_at or c.created_at)).total_seconds()
        logger.info(
            "forwarded to LAPOR!",
            extra={"lapor_id": lapor_id, "recovered": recovered, "seconds_since_accepted": round(waited, 1)},
        )
        count("ComplaintsForwarded")
        observe("TimeToLaporTicket", waited, MetricUnit.Seconds)
        return ForwardResult("forwarded", lapor_id)

    def _not_completed(self, c: Complaint, lapor_id: int) -> ForwardResult:
        """The complete lost its condition: another forwarder recorded a ticket, or (after
        an expired lease) an operator moved the complaint on. LAPOR! has our ticket either way."""
        current = self.complaints.item(c.tracking_id, consistent=True) or {}
        if current.get("lapor_id") not in (None, lapor_id):
            logger.error(
                "two LAPOR! tickets for one complaint", extra={"lapor_ids": [current.get("lapor_id"), lapor_id]}
            )
            count("DuplicateLaporTickets")
        elif current.get("lapor_id") is None and current:
            # moved on meanwhile (returned, rejected, a duplicate): keep the ticket's number, not its status
            try:
                now = utcnow()
                final = Status(current["status"]) in FINAL_STATUSES
                first = None if final else sync_policy.first_check(now, self.sync_schedule)
                self.complaints.change(
                    c.tracking_id,
                    Change(
                        {
                            "lapor_id": lapor_id,
                            "forwarded_at": now,
                            "fwd_owner": None,
                            "fwd_lease_until": None,
                            "fwd_sent_at": None,
                        },
                        expect={"lapor_id": ABSENT},
                        placement=Placement(waiting_since=None, next_check=first),
                    ),
                )
                logger.warning(
                    "ticket recorded after the complaint moved on",
                    extra={"lapor_id": lapor_id, "status": current.get("status")},
                )
                return ForwardResult("forwarded", lapor_id)
            except ConditionFailed:
                current = self.complaints.item(c.tracking_id, consistent=True) or {}
        return ForwardResult("already_forwarded", current.get("lapor_id"))

    def _failed(self, c: Complaint, err: LaporError, clear_sent: bool) -> ForwardResult:
        if err.permanent:
            self.park(c, f"LAPOR! menolak: {err.message}", clear_sent=clear_sent)
            return ForwardResult("parked")
        self._release(c.tracking_id, clear_sent=clear_sent and err.outcome == "not_sent")
        count("LaporTransientFailures")
        # an answer we cannot read will not read better in ten seconds: the error schedule
        delay = sync_policy.retry_after_error().total_seconds() if err.unexpected else err.retry_after
        logger.warning(
            "LAPOR! call failed; will retry",
            extra={
                "error": err.message,
                "outcome": err.outcome,
                "status_code": err.status,
                "unexpected": err.unexpected,
                "delay_s": delay,
            },
        )
        raise RetryLater(err.message, delay)

    def park(
        self,
        c: Complaint,
        reason: str,
        clear_sent: bool = False,
        public_message: str = "Perlu tindakan admin: pengaduan ditolak SP4N-LAPOR!",
    ) -> None:
        """Stop retrying and show the complaint to admins with the reason.

        The record of an earlier attempt (`fwd_sent_at`) stays unless this create
        was surely refused and none before it may have landed, so an admin's
        retry still looks the ticket up before sending."""
        now = utcnow()
        attrs: dict[str, Any] = {
            "status": Status.NEEDS_ATTENTION.value,
            "park_reason": reason[:1000],
            "updated_at": now,
            "fwd_owner": None,
            "fwd_lease_until": None,
        }
        if clear_sent:
            attrs["fwd_sent_at"] = None
        entry = TimelineEntry(
            at=now,
            kind="parked",
            status=Status.NEEDS_ATTENTION,
            ref="parked",
            message=public_message,
        )
        before = c.model_copy(update={"status": Status.RECEIVED})
        after = c.model_copy(update={"status": Status.NEEDS_ATTENTION, "updated_at": now})
        try:
            self.events.commit(
                Transition(
                    before,
                    after,
                    entry,
                    attrs,
                    expect=_WAITING,
                    placement=Placement(parked_at=now),
                )
            )
        except ConditionFailed:
            return
        logger.error("complaint parked", extra={"reason": reason[:300]})
        count("ComplaintsParked")
