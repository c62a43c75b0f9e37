"""Closing the loop with the reporter after the unit says it is done.

A `resolved` complaint waits for the reporter for the `resolved` stage's
deadline (10 working days, data/sla_policy.json). Within that window the
reporter (holder of the reporter token, checked by services/reporter_auth.py
before these are called) may reopen it (the unit's clock restarts: status
`in_progress` with a fresh stage deadline) or confirm it (closed at once).
After the window the overdue sweep closes it by itself (`auto_close`).

A reopen is also posted to LAPOR! as a follow-up carrying the reporter's
reason, so the unit sees it there: written to the follow-up outbox in the same
transaction as the reopen and delivered after (services/lapor_followups.py),
with the hub's marker, so the status sync does not take our own words for the
unit's new answer. Only a follow-up from LAPOR!'s side after that lets a
"Selesai" resolve it again.

Every change is one conditional write on the status (and the deadline that was
read), so a reopen racing the sweep's auto-close ends in exactly one of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.errors import NotFound, WrongState
from chalicelib.domain.models import Complaint, Status, TimelineEntry, utcnow
from chalicelib.domain.overdue import is_overdue
from chalicelib.domain.sla import describe
from chalicelib.observability import complaint_context, count, logger
from chalicelib.services.deadlines import Deadlines
from chalicelib.services.lapor_followups import LaporFollowups
from chalicelib.services.ports import After, Complaints, ConditionFailed, Placement
from chalicelib.services.status_events import StatusEvents, Transition, at_version

#: the status a reopened complaint goes back to: the unit has answered before
REOPEN_TO = Status.IN_PROGRESS


def not_resolved() -> WrongState:
    return WrongState(
        "not_resolved",
        "Pengaduan hanya dapat dibuka kembali atau dikonfirmasi saat berstatus selesai ditindaklanjuti",
        "A complaint can only be reopened or confirmed while it is resolved",
    )


def window_closed() -> WrongState:
    return WrongState(
        "reopen_window_closed",
        "Batas waktu untuk membuka kembali pengaduan ini sudah lewat (10 hari kerja setelah selesai)",
        "The time to reopen this complaint has passed (10 working days after it was resolved)",
    )


def closed_attributes(now: datetime, how: str) -> dict[str, Any]:
    return {"status": Status.CLOSED.value, "updated_at": now, "closed_at": now, "closed_how": how}


#: a closed complaint leaves every work index (due, sync, geo)
CLOSED_PLACEMENT = Placement(deadline=None, next_check=None, listed=False)


def reopen_followup_text(reason: str) -> str:
    return f"Pelapor membuka kembali pengaduan ini karena belum selesai: {reason}"


def _closed_by_confirmation(c: Complaint, item: dict[str, Any]) -> bool:
    """A confirmation repeated (a client's retry after a lost answer) gets the same success."""
    return c.status == Status.CLOSED and item.get("closed_how") == "confirmed"


def _reopened_with(c: Complaint, item: dict[str, Any], reason: str) -> bool:
    """A reopen repeated with the same reason while the complaint is still reopened: the same success."""
    return c.status == REOPEN_TO and bool(item.get("reopened_at")) and item.get("reopen_reason") == reason


class ClosingService:
    def __init__(
        self,
        complaints: Complaints,
        events: StatusEvents,
        followups: LaporFollowups,
        deadlines: Deadlines | None = None,
    ) -> None:
        self.deadlines = deadlines or Deadlines()  # by the complaint's region's rules
        self.complaints = complaints
        self.events = events
        self.followups = followups

    def auto_close(self, c: Complaint, due_at: str, now: datetime) -> str:
        """Close a resolved complaint whose reporter did not answer in time (called by the sweep)."""
        rule = describe(self.deadlines.rules(c).sla.rule(Status.RESOLVED.value, c.severity.value))
        entry = TimelineEntry(
            at=now,
            kind="closed",
            status=Status.CLOSED,
            ref="closed:auto",
            message=f"Ditutup otomatis: tidak ada tanggapan pelapor dalam {rule} setelah selesai",
        )
        after = c.model_copy(update={"status": Status.CLOSED, "deadline": None, "updated_at": now})
        try:
            self.events.commit(
                Transition(
                    c,
                    after,
                    entry,
                    closed_attributes(now, "auto"),
                    expect={"status": Status.RESOLVED.value, "deadline": due_at},
                    placement=CLOSED_PLACEMENT,
                )
            )
        except ConditionFailed:
            count("AutoCloseLostRace")
            return "lost_race"
        logger.info("closed automatically")
        count("ComplaintsAutoClosed")
        return "closed"

    def reopen(self, tracking_id: str, reason: str) -> Complaint:
        """The reporter objects within the window: back to the unit with a fresh deadline."""
        with complaint_context(tracking_id):
            for _ in range(3):  # a background write (the sync's bookkeeping) may move the version
                c, item = self._load(tracking_id)
                now = utcnow()
                if _reopened_with(c, item, reason):
                    logger.info("reopen repeated; answered as before")
                    return c
                if c.status == Status.CLOSED and item.get("closed_how") == "auto":
                    raise window_closed()
                if c.status != Status.RESOLVED:
                    raise not_resolved()
                if is_overdue(c.deadline, now):  # the reporter's window is the stage's deadline
                    raise window_closed()
                try:
                    updated = self._reopen(c, item, reason, now)
                except ConditionFailed:
                    latest, latest_item = self._load(tracking_id)
                    if _reopened_with(latest, latest_item, reason):  # the same request, a moment earlier
                        return latest
                    if latest.status == Status.RESOLVED and latest.version != c.version:
                        continue
                    raise self._why_not(tracking_id) from None
                self.followups.nudge(tracking_id)
                return updated
            raise self._why_not(tracking_id)

    def _reopen(self, c: Complaint, item: dict[str, Any], reason: str, now: datetime) -> Complaint:
        deadline = self.deadlines.deadline_for(c, REOPEN_TO, now)
        reopen_count = int(item.get("reopen_count") or 0) + 1
        attrs = {
            "status": REOPEN_TO.value,
            "updated_at": now,
            "reopened_at": now,
            "reopen_count": reopen_count,
            "reopen_reason": reason,  # not public: may name people
        }
        # still resolved, within its window, at the version and deadline read
        window: list[Any] = [After(now)] if c.deadline is None else [After(now), c.deadline]
        expect = {"status": Status.RESOLVED.value, "deadline": window, **at_version(c.version)}
        rule = describe(self.deadlines.rules(c).sla.rule(REOPEN_TO.value, c.severity.value))
        entry = TimelineEntry(
            at=now,
            kind="reopened",
            status=REOPEN_TO,
            ref=f"reopened:{reopen_count}",
            message=f"Dibuka kembali oleh pelapor; unit diberi tenggat baru {rule}",
        )
        updated = c.model_copy(
            update={
                "status": REOPEN_TO,
                "deadline": deadline,
                "updated_at": now,
                "version": c.version + 1,
                "reopen_count": reopen_count,
            }
        )
        # the unit hears of it at LAPOR! too: outbox item in the same transaction, posted after
        note = self.followups.item(c, c.version + 1, "pelapor", reopen_followup_text(reason), now)
        self.events.commit(
            Transition(
                c, updated, entry, attrs, expect=expect, placement=Placement(deadline=deadline), new_items=[note]
            )
        )
        logger.info("reopened by reporter", extra={"reopen_count": reopen_count})
        count("ComplaintsReopened")
        return updated

    def confirm_resolved(self, tracking_id: str) -> Complaint:
        """The reporter agrees the problem is solved: closed at once."""
        with complaint_context(tracking_id):
            c, item = self._load(tracking_id)
            if _closed_by_confirmation(c, item):
                logger.info("confirmation repeated; answered as before")
                return c
            if c.status != Status.RESOLVED:
                raise not_resolved()
            now = utcnow()
            entry = TimelineEntry(
                at=now,
                kind="closed",
                status=Status.CLOSED,
                ref="closed:confirmed",
                message="Ditutup: pelapor menyatakan masalah sudah selesai",
            )
            updated = c.model_copy(update={"status": Status.CLOSED, "deadline": None, "updated_at": now})
            try:
                self.events.commit(
                    Transition(
                        c,
                        updated,
                        entry,
                        closed_attributes(now, "confirmed"),
                        expect={"status": Status.RESOLVED.value},
                        placement=CLOSED_PLACEMENT,
                    )
                )
            except ConditionFailed:
                now_c, now_item = self._load(tracking_id)
                if _closed_by_confirmation(now_c, now_item):  # the same request, a moment earlier
                    return now_c
                raise not_resolved() from None
            logger.info("closed on the reporter's confirmation")
            count("ComplaintsConfirmedClosed")
            return updated

    def _load(self, tracking_id: str) -> tuple[Complaint, dict[str, Any]]:
        item = self.complaints.item(tracking_id, consistent=True)
        if item is None:
            raise NotFound(tracking_id)
        return Complaint.model_validate(item), item

    def _why_not(self, tracking_id: str) -> WrongState:
        """After a lost conditional write: the answer that fits the complaint now."""
        c, item = self._load(tracking_id)
        if c.status == Status.CLOSED and item.get("closed_how") == "auto":
            return window_closed()
        if c.status == Status.RESOLVED:
            return window_closed()
        return not_resolved()
