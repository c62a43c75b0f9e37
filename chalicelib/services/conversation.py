"""Reporters answer back: comments while a complaint is open, one rating once it is done.

Both need the reporter token (X-Reporter-Token, checked by reporter_auth before
these are called), as reopen does.

- A comment is one timeline entry (operators read it; the public view shows
  only that the reporter wrote, never the words: they may name people) and,
  in the same transaction, a LAPOR! follow-up outbox item, so the unit reads it
  at LAPOR! too (services/lapor_followups.py), marked as the reporter's words
  so the status sync never takes it for the unit's answer.
- A rating (1-5 stars, an optional comment for the operators) is accepted once,
  when the complaint is resolved or closed: `rating_stars`, `rated_at`.

Each write is conditional on the version read (and, for the rating, on there
being none yet), so a double tap records one comment per tap and one rating.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.domain.errors import NotFound, WrongState
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.domain.reference import load_json
from chalicelib.observability import complaint_context, count, logger
from chalicelib.services.lapor_followups import LaporFollowups
from chalicelib.services.ports import ABSENT, Complaints, ConditionFailed, Write
from chalicelib.services.status_events import StatusEvents, Transition, at_version

RATEABLE = frozenset({Status.RESOLVED, Status.CLOSED})


@lru_cache(maxsize=1)
def max_comments() -> int:
    return int(load_json("reporter_limits.json")["max_comments_per_complaint"])


def comment_followup_text(message: str) -> str:
    return f"Tanggapan pelapor: {message}"


def _closed() -> WrongState:
    return WrongState(
        "complaint_closed",
        "Pengaduan ini sudah selesai; tanggapan tidak dapat ditambahkan",
        "This complaint is finished; no comment can be added",
    )


def _too_many(n: int) -> WrongState:
    return WrongState(
        "too_many_comments", f"Maksimal {n} tanggapan per pengaduan", f"At most {n} comments per complaint"
    )


def _not_rateable(status: Status) -> WrongState:
    return WrongState(
        "not_rateable",
        f"Penilaian hanya setelah pengaduan selesai atau ditutup (status sekarang: {status.value})",
        f"A rating is possible once the complaint is resolved or closed (now: {status.value})",
    )


def _already_rated() -> WrongState:
    return WrongState("already_rated", "Pengaduan ini sudah dinilai", "This complaint has been rated already")


class ConversationService:
    def __init__(self, complaints: Complaints, events: StatusEvents, followups: LaporFollowups) -> None:
        self.complaints = complaints
        self.events = events
        self.followups = followups

    def comment(self, tracking_id: str, message: str) -> Complaint:
        with complaint_context(tracking_id):
            for _ in range(3):  # the version may move under us (the sync's bookkeeping): read again
                c, item = self._load(tracking_id)
                if c.status in FINAL_STATUSES:
                    raise _closed()
                n = int(item.get("comment_count") or 0)
                if n >= max_comments():
                    raise _too_many(max_comments())
                now = utcnow()
                entry = TimelineEntry(at=now, kind="comment", ref=f"comment:{n + 1}", message=message)
                after = c.model_copy(update={"version": c.version + 1})
                note = self.followups.item(c, c.version + 1, "pelapor", comment_followup_text(message), now)
                if self._commit(
                    c,
                    after,
                    entry,
                    {"comment_count": n + 1, "last_comment_at": now, "last_comment": message},
                    new_items=[note],
                ):
                    logger.info("reporter comment added", extra={"comment_count": n + 1})
                    count("ReporterComments")
                    self.followups.nudge(tracking_id)
                    return after
            raise WrongState("busy", "Pengaduan sedang diperbarui; coba lagi", "The complaint is being updated; retry")

    def rate(self, tracking_id: str, stars: int, comment: str | None) -> Complaint:
        with complaint_context(tracking_id):
            for _ in range(3):
                c, item = self._load(tracking_id)
                if item.get("rating_stars") is not None:
                    raise _already_rated()
                if c.status not in RATEABLE or item.get("closed_how") == "dismissed":
                    raise _not_rateable(c.status)
                now = utcnow()
                entry = TimelineEntry(
                    at=now,
                    kind="rated",
                    ref="rated",
                    reason=comment or None,
                    message=f"Pelapor memberi penilaian {stars} dari 5",
                )
                after = c.model_copy(update={"version": c.version + 1, "rating_stars": stars, "rated_at": now})
                attrs = {"rating_stars": stars, "rated_at": now, "rating_comment": comment or None}
                if self._commit(c, after, entry, attrs, unrated=True):
                    logger.info("reporter rating", extra={"rating_stars": stars})
                    count("ReporterRatings")
                    return after
            raise WrongState("busy", "Pengaduan sedang diperbarui; coba lagi", "The complaint is being updated; retry")

    def _commit(
        self,
        c: Complaint,
        after: Complaint,
        entry: TimelineEntry,
        attrs: dict[str, Any],
        new_items: list[Write] | None = None,
        unrated: bool = False,
    ) -> bool:
        """One conditional write at the version read (and, `unrated`, before any rating); False
        when the version moved (read again)."""
        expect: dict[str, Any] = {**at_version(c.version), "status": c.status.value}
        if unrated:
            expect["rating_stars"] = ABSENT
        try:
            self.events.commit(
                Transition(
                    c,
                    after,
                    entry,
                    attrs,
                    expect=expect,
                    new_items=new_items or [],
                    announce=False,
                )
            )
        except ConditionFailed:
            return False
        return True

    def _load(self, tracking_id: str) -> tuple[Complaint, dict[str, Any]]:
        item = self.complaints.item(tracking_id, consistent=True)
        if item is None:
            raise NotFound(tracking_id)
        return Complaint.model_validate(item), item
