"""Closing the loop with the reporter after the unit says it is done.

A `resolved` complaint waits for the reporter for the `resolved` stage's
deadline (10 working days, data/sla_policy.json). Within that window the
reporter (holder of the reporter token, checked by services/reporter_auth.py
before these are called) may reopen it (the unit's clock restarts: status
`in_progress` with a fresh stage deadline) or confirm it (closed at once).
After the window the overdue sweep closes it by itself (`auto_close`).

A reopen is also posted to LAPOR! as a follow-up carrying the reporter's
reason, so the unit sees it there; its LAPOR! id is recorded as seen, so the
status sync does not take our own words for the unit's new answer. Only a
follow-up from LAPOR!'s side after that lets a "Selesai" resolve it again.

Every change is one conditional write on the status (and the deadline that was
read), so a reopen racing the sweep's auto-close ends in exactly one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb import ConditionFailed, Repository, iso, set_remove, values
from chalicelib.domain.errors import NotFound, WrongState
from chalicelib.domain.models import Complaint, Status, TimelineEntry, utcnow
from chalicelib.domain.sla import default_policy, describe
from chalicelib.observability import complaint_context, count, logger
from chalicelib.services import status_events
from chalicelib.services.deadlines import deadline_for, due_attributes

if TYPE_CHECKING:
    from chalicelib.adapters.lapor import LaporClient

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


def closed_attributes(tracking_id: str, now: datetime, how: str) -> dict[str, Any]:
    """A closed complaint leaves every work index (due, sync, geo)."""
    return {
        "status": Status.CLOSED.value, "updated_at": iso(now), "closed_at": iso(now), "closed_how": how,
        **due_attributes(tracking_id, None),
        "sync_pk": None, "sync_sk": None, "geo_pk": None, "geo_sk": None,
    }


def reopen_followup_text(reason: str) -> str:
    return f"Pelapor membuka kembali pengaduan ini karena belum selesai: {reason}"


def _closed_by_confirmation(c: Complaint, item: dict[str, Any]) -> bool:
    """A confirmation repeated (a client's retry after a lost answer) gets the same success."""
    return c.status == Status.CLOSED and item.get("closed_how") == "confirmed"


def _reopened_with(c: Complaint, item: dict[str, Any], reason: str) -> bool:
    """A reopen repeated with the same reason while the complaint is still reopened: the same success."""
    return c.status == REOPEN_TO and bool(item.get("reopened_at")) and item.get("reopen_reason") == reason


class ClosingService:
    def __init__(self, repo: Repository, lapor: Callable[[], LaporClient] | None = None) -> None:
        self.repo = repo
        self._lapor = lapor  # a getter: the client is built only when a reopen needs it

    def auto_close(self, c: Complaint, due_sk: str, now: datetime) -> str:
        """Close a resolved complaint whose reporter did not answer in time (called by the sweep)."""
        rule = describe(default_policy().rule(Status.RESOLVED.value, c.severity.value))
        entry = TimelineEntry(
            at=now, kind="closed", status=Status.CLOSED, ref="closed:auto",
            message=f"Ditutup otomatis: tidak ada tanggapan pelapor dalam {rule} setelah selesai",
        )
        expr, names, vals = set_remove(closed_attributes(c.tracking_id, now, "auto"))
        names.update({"#st": "status", "#dl": "deadline"})
        vals.update(values(resolved=Status.RESOLVED.value, old=due_sk))
        try:
            self.repo.update(c.tracking_id, expr, condition="#st = :resolved AND #dl = :old",
                             names=names, vals=vals, timeline=entry)
        except ConditionFailed:
            count("AutoCloseLostRace")
            return "lost_race"
        logger.info("closed automatically")
        count("ComplaintsAutoClosed")
        status_events.publish(c.model_copy(update={"status": Status.CLOSED, "deadline": None, "updated_at": now}),
                              entry)
        return "closed"

    def reopen(self, tracking_id: str, reason: str) -> Complaint:
        """The reporter objects within the window: back to the unit with a fresh deadline."""
        with complaint_context(tracking_id):
            c, item = self._load(tracking_id)
            now = utcnow()
            if _reopened_with(c, item, reason):
                logger.info("reopen repeated; answered as before")
                return c
            if c.status == Status.CLOSED and item.get("closed_how") == "auto":
                raise window_closed()
            if c.status != Status.RESOLVED:
                raise not_resolved()
            if c.deadline is not None and now > c.deadline:
                raise window_closed()
            deadline = deadline_for(c, REOPEN_TO, now)
            reopen_count = int(item.get("reopen_count") or 0) + 1
            attrs = {
                "status": REOPEN_TO.value, "updated_at": iso(now), "reopened_at": iso(now),
                "reopen_count": reopen_count, "reopen_reason": reason,  # not public: may name people
                **due_attributes(tracking_id, deadline),
            }
            expr, names, vals = set_remove(attrs)
            names.update({"#st": "status", "#dl": "deadline"})
            vals.update(values(resolved=Status.RESOLVED.value, now=iso(now)))
            condition = "#st = :resolved AND (attribute_not_exists(#dl) OR #dl > :now)"
            if c.deadline is not None:
                vals.update(values(old=iso(c.deadline)))
                condition += " AND #dl = :old"
            rule = describe(default_policy().rule(REOPEN_TO.value, c.severity.value))
            entry = TimelineEntry(at=now, kind="reopened", status=REOPEN_TO, ref=f"reopened:{reopen_count}",
                                  message=f"Dibuka kembali oleh pelapor; unit diberi tenggat baru {rule}")
            try:
                self.repo.update(tracking_id, expr, condition=condition, names=names, vals=vals, timeline=entry)
            except ConditionFailed:
                now_c, now_item = self._load(tracking_id)
                if _reopened_with(now_c, now_item, reason):  # the same request, a moment earlier
                    return now_c
                raise self._why_not(tracking_id) from None
            logger.info("reopened by reporter", extra={"reopen_count": reopen_count})
            count("ComplaintsReopened")
            updated = c.model_copy(update={"status": REOPEN_TO, "deadline": deadline, "updated_at": now})
            status_events.publish(updated, entry)
            self._tell_lapor(c, item, reason)
            return updated

    def _tell_lapor(self, c: Complaint, item: dict[str, Any], reason: str) -> None:
        """Best effort: the reopen stands in the hub whatever LAPOR! answers."""
        lapor_id = item.get("lapor_id")
        if lapor_id is None or self._lapor is None:
            logger.info("reopened complaint not at LAPOR!; no follow-up posted")
            return
        content = reopen_followup_text(reason)
        try:
            lapor = self._lapor()
            fid = lapor.add_followup(int(lapor_id), content, is_secret=c.confidential)
            if fid is None:  # no id in LAPOR!'s answer: find ours by its text
                seen = set(item.get("lapor_followup_ids") or [])
                fid = next((f.id for f in reversed(lapor.followups(int(lapor_id)))
                            if f.content == content and f.id not in seen), None)
        except Exception as err:  # noqa: BLE001 - the hub's status is reopened already
            logger.warning("reopen follow-up to LAPOR! failed",
                           extra={"error": getattr(err, "message", type(err).__name__)})
            count("ReopenFollowupFailed")
            return
        count("ReopenFollowupsPosted")
        if fid is None:
            logger.warning("reopen follow-up posted but not found at LAPOR!; the sync will see it as new")
            count("ReopenFollowupUnmatched")
            return
        # our own words are not the unit's answer: mark them seen for the status sync
        try:
            self.repo.update(c.tracking_id, "SET lapor_followup_ids = list_append(if_not_exists("
                             "lapor_followup_ids, :none), :ids), reopen_followup_id = :fid",
                             vals=values(none=[], ids=[fid], fid=fid))
        except Exception:  # noqa: BLE001 - as above; the next sync then takes it for new
            logger.exception("could not record the reopen follow-up as seen")
            count("ReopenFollowupUnmatched")
            return
        logger.info("reopen posted to LAPOR! as a follow-up", extra={"lapor_followup_id": fid})

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
            entry = TimelineEntry(at=now, kind="closed", status=Status.CLOSED, ref="closed:confirmed",
                                  message="Ditutup: pelapor menyatakan masalah sudah selesai")
            expr, names, vals = set_remove(closed_attributes(tracking_id, now, "confirmed"))
            names["#st"] = "status"
            vals.update(values(resolved=Status.RESOLVED.value))
            try:
                self.repo.update(tracking_id, expr, condition="#st = :resolved", names=names, vals=vals,
                                 timeline=entry)
            except ConditionFailed:
                now_c, now_item = self._load(tracking_id)
                if _closed_by_confirmation(now_c, now_item):  # the same request, a moment earlier
                    return now_c
                raise not_resolved() from None
            logger.info("closed on the reporter's confirmation")
            count("ComplaintsConfirmedClosed")
            updated = c.model_copy(update={"status": Status.CLOSED, "deadline": None, "updated_at": now})
            status_events.publish(updated, entry)
            return updated

    def _load(self, tracking_id: str) -> tuple[Complaint, dict[str, Any]]:
        item = self.repo.get_item(tracking_id, consistent=True)
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
