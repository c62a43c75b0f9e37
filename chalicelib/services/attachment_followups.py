"""A file added after the complaint went to LAPOR!: sent as a follow-up attachment, once.

LAPOR!'s `POST /complaints/followup/add` takes files as `attachment[i]` but has no
idempotency key, and its answers carry no follow-up id. Exactly once is built the
way the forwarder builds it:

1. one job per complaint at a time: a lease on the complaint (`att_owner`,
   `att_lease_until`, conditional write), only once the complaint has a LAPOR! id;
2. the attempt is recorded (`attachment_followups[key].state = sending`) before
   the post, and the follow-up's text ends with a marker naming the complaint and
   the file (`[aduan-hub:<tracking id>:lampiran-<n>]`);
3. after an attempt that may have reached LAPOR!, the follow-ups are read back and
   searched for the marker before anything is posted again;
4. the follow-up LAPOR! holds is recorded as seen (`lapor_followup_ids`): the status
   sync never takes it for the unit's answer (it also skips anything with a marker).

A file refused by its content (services/photo_checks.py) is not sent; the timeline says so.
A file that has not arrived in S3 is waited for `upload_wait_s` from when its form
was asked for, then left out (log line, metric `AttachmentsMissing`). Files sent
with the create (`lapor_docs`) are never sent again here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import lapor_wire
from chalicelib.adapters.lapor import LaporClient, LaporError
from chalicelib.domain.attachments import rules
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import AT_LAPOR_STATUSES, Status, TimelineEntry, utcnow
from chalicelib.observability import count, logger
from chalicelib.services.attachments import lapor_file
from chalicelib.services.photo_checks import PhotoChecks, refusal_of
from chalicelib.services.ports import Complaints, ConditionFailed, Timelines

#: the forward queue's message for this job: {"tracking_id", "job": JOB, "asked_at"}
JOB = "attachments"


def followup_text(tracking_id: str, number: int, name: str) -> str:
    marker = lapor_wire.followup_marker(tracking_id, f"lampiran-{number}")
    return f"Lampiran tambahan dari pelapor: {name} {marker}"


class AttachmentFollowups:
    def __init__(
        self,
        complaints: Complaints,
        timelines: Timelines,
        files: PhotoChecks,
        lapor: Callable[[dict[str, Any]], LaporClient],
        retry_later: Callable[[str, float | None], Exception],
        lease_s: int = 120,
    ) -> None:
        self.complaints = complaints
        self.timelines = timelines
        self.files = files
        self._lapor = lapor
        self._retry_later = retry_later  # the forwarder's RetryLater: the message comes back later
        self.lease_s = lease_s
        self.owner = uuid.uuid4().hex

    def send(self, tracking_id: str, asked_at: str | None = None) -> str:
        """Send every file of the complaint not yet at LAPOR!; raises RetryLater to be asked again."""
        item = self.complaints.item(tracking_id, consistent=True)
        if item is None:
            return "missing"
        if not self._pending(item):
            return "nothing_to_send"
        if item.get("lapor_id") is None:
            if item.get("status") != Status.RECEIVED.value:
                logger.info("complaint will not go to LAPOR!; attachment stays with the hub")
                return "not_forwardable"
            lease = item.get("fwd_lease_until")
            if lease and str(lease) >= utc_text(utcnow()):  # a forward that read the complaint before the file
                raise self._retry_later("complaint on its way to LAPOR!", rules().upload_check_every_s)
            # the next forward reads the file with the complaint; if it only finds an earlier
            # ticket (no create), it queues this job again (needs_follow_up)
            return "goes_with_the_create"
        if Status(item["status"]) not in AT_LAPOR_STATUSES:
            logger.info("complaint closed at LAPOR!; attachment not sent")
            return "closed"
        item = self._acquire(tracking_id)
        try:
            return self._send_pending(item, asked_at)
        finally:
            self._release(tracking_id)

    @classmethod
    def needs_follow_up(cls, item: dict[str, Any]) -> bool:
        """After a forward read this item: does any of its files still have to reach LAPOR!?"""
        return bool(cls._pending(item))

    @staticmethod
    def _pending(item: dict[str, Any]) -> list[tuple[int, str]]:
        done = set(item.get("lapor_docs") or {}) | {
            k for k, v in (item.get("attachment_followups") or {}).items() if v.get("state") != "sending"
        }
        return [(n, k) for n, k in enumerate(item.get("attachments") or [], start=1) if k not in done]

    def _send_pending(self, item: dict[str, Any], asked_at: str | None) -> str:
        tracking_id = str(item["tracking_id"])
        lapor = self._lapor(item)
        state: dict[str, Any] = dict(item.get("attachment_followups") or {})
        waiting: list[int] = []
        sent = 0
        for number, key in self._pending(item):
            stored = self.files.read(key)
            if stored is not None and refusal_of(stored) is not None:
                self.files.note_refusal(tracking_id, number, stored, item.get("lapor_id"))
                state[key] = {"state": "refused", "at": utc_text(utcnow())}
                self._save(tracking_id, state)
                continue
            if stored is None:
                if self._may_still_come(asked_at):
                    waiting.append(number)
                    continue
                logger.warning("attachment never uploaded; not sent to LAPOR!", extra={"attachment": number})
                count("AttachmentsMissing")
                state[key] = {"state": "missing", "at": utc_text(utcnow())}
                self._save(tracking_id, state)
                continue
            name, data, ctype = lapor_file(number, stored)
            content = followup_text(tracking_id, number, name)
            secret = bool(item.get("confidential"))
            try:
                fid = None
                if state.get(key, {}).get("state") == "sending":  # an earlier post may have landed
                    fid = self._find(lapor, int(item["lapor_id"]), content)
                if fid is None:
                    state[key] = {"state": "sending", "at": utc_text(utcnow())}
                    self._save(tracking_id, state)
                    fid = lapor.add_followup(int(item["lapor_id"]), content, secret, files=[(name, data, ctype)])
                    fid = fid or self._find(lapor, int(item["lapor_id"]), content)
            except LaporError as err:
                if not err.permanent:
                    count("AttachmentFollowupRetries")
                    logger.warning(
                        "attachment follow-up to LAPOR! failed; will retry",
                        extra={"attachment": number, "error": err.message, "outcome": err.outcome},
                    )
                    raise self._retry_later(err.message, err.retry_after) from err
                logger.error(
                    "LAPOR! refused the attachment follow-up",
                    extra={"attachment": number, "error": err.message, "status_code": err.status},
                )
                count("AttachmentFollowupRefused")
                state[key] = {"state": "refused", "at": utc_text(utcnow())}
                self._save(tracking_id, state)
                continue
            state[key] = {"state": "sent", "at": utc_text(utcnow()), "lapor_followup_id": fid}
            self._save(tracking_id, state, seen=fid)
            self.timelines.add(
                tracking_id,
                TimelineEntry(
                    at=utcnow(),
                    kind="attachment",
                    lapor_id=item.get("lapor_id"),
                    ref=f"attachment:{number}",
                    message="Lampiran tambahan dari pelapor diteruskan ke SP4N-LAPOR!",
                ),
            )
            logger.info(
                "attachment sent to LAPOR! as a follow-up", extra={"attachment": number, "lapor_followup_id": fid}
            )
            count("AttachmentFollowupsSent")
            sent += 1
        if waiting:
            count("AttachmentWaits")
            logger.info("waiting for an attachment upload", extra={"attachments": waiting})
            raise self._retry_later("waiting for an attachment upload", rules().upload_check_every_s)
        return "sent" if sent else "nothing_sent"

    @staticmethod
    def _may_still_come(asked_at: str | None) -> bool:
        if not asked_at:
            return False
        return utcnow() < datetime.fromisoformat(asked_at) + timedelta(seconds=rules().upload_wait_s)

    @staticmethod
    def _find(lapor: LaporClient, lapor_id: int, content: str) -> str | None:
        """Our follow-up at LAPOR!, by its marker (its answer to the post carries no id)."""
        marker = content[content.rindex("[") :]
        return next((f.id for f in reversed(lapor.followups(lapor_id)) if marker in f.content), None)

    # -- writes -----------------------------------------------------------

    def _acquire(self, tracking_id: str) -> dict[str, Any]:
        now = utcnow()
        try:
            old = self.complaints.claim_attachment_lease(
                tracking_id, self.owner, now, now + timedelta(seconds=self.lease_s)
            )
        except ConditionFailed:
            count("AttachmentFollowupLeaseBusy")
            raise self._retry_later("another job holds the attachment lease", self.lease_s) from None
        return old

    def _save(self, tracking_id: str, state: dict[str, Any], seen: str | None = None) -> None:
        self.complaints.save_attachment_state(tracking_id, self.owner, state, seen)

    def _release(self, tracking_id: str) -> None:
        self.complaints.release_attachment_lease(tracking_id, self.owner)
