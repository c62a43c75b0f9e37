"""Complaint attachments: presigned uploads in, LAPOR! documents out.

In, photos first (the way mobile apps work): `POST /v1/uploads` gives a presigned
S3 form under `uploads/` before the complaint exists; the complaint names its
uploads in `attachments` and intake claims each key once (an `UPLOAD#<key>` item
written in the complaint's own transaction). A file can also be added to an
existing complaint (`POST /v1/complaints/{id}/attachments`, reporter token): its key
`attachments/<tracking_id>/<random><ext>` is appended to the complaint with a
conditional list append that also enforces the per-complaint maximum. The app's
file name is never used, stored, logged or sent on (KTP_<NIK>.jpg): keys are a
random id plus the content type's extension (domain/attachments.py).

Out: the forwarder calls `LaporAttachments` (its `attachment_ids` hook) under its
lease, uploads each stored file to LAPOR! once, checked by its content first
(services/photo_checks.py), and records the LAPOR! document ids on the complaint
(`lapor_docs`, key -> id), so a retry after a failed create re-uses them. A named
file that has not arrived in S3 yet is waited for, a bounded time
(`upload_wait_s` from the complaint's creation, checked every `upload_check_every_s`,
through SQS redeliveries); after that the complaint goes without it (log line,
metric `AttachmentsMissing`), and the file follows if it still comes. A file added
once the forward is under way or done goes to LAPOR! as a follow-up attachment
(services/attachment_followups.py).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.lapor import LaporClient
from chalicelib.adapters.s3 import AttachmentStore, StoredFile
from chalicelib.domain.attachments import (
    extension_for,
    new_complaint_key,
    new_upload_key,
    normal_content_type,
    rules,
)
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound, WrongState
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import AT_LAPOR_STATUSES, Status, utcnow
from chalicelib.observability import count, logger
from chalicelib.schemas import AttachmentRequest, UploadRequest
from chalicelib.services.photo_checks import PhotoChecks, refusal_of
from chalicelib.services.ports import Complaints, ConditionFailed

__all__ = ["AttachmentService", "LaporAttachments", "UploadForm", "extension_for", "lapor_file", "rules"]

#: a file can be added while the complaint is on its way to LAPOR! or being handled there
OPEN_FOR_FILES = (Status.RECEIVED, *sorted(AT_LAPOR_STATUSES))


@dataclass(frozen=True)
class UploadForm:
    url: str
    fields: dict[str, str]
    key: str
    expires_in: int

    def body(self) -> dict[str, Any]:
        return {"upload": {"url": self.url, "fields": self.fields}, "key": self.key, "expires_in": self.expires_in}


def _allowed(content_type: str) -> str:
    r = rules()
    ctype = normal_content_type(content_type)
    if ctype not in r.allowed_content_types:
        allowed = ", ".join(r.allowed_content_types)
        raise InvalidInput(
            [
                FieldProblem(
                    "content_type",
                    "unsupported_content_type",
                    f"content_type tidak didukung; gunakan salah satu dari: {allowed}",
                    f"content_type is not supported; use one of: {allowed}",
                )
            ]
        )
    return ctype


def lapor_file(number: int, stored: StoredFile) -> tuple[str, bytes, str]:
    """A file as LAPOR! gets it: a neutral name ("lampiran-2.pdf"), never the app's."""
    ctype = stored.content_type
    if ctype in ("", "binary/octet-stream", "application/octet-stream"):
        ctype = mimetypes.guess_type(stored.key)[0] or "application/octet-stream"
    return f"lampiran-{number}{extension_for(ctype)}", stored.data, ctype


class AttachmentService:
    def __init__(
        self, complaints: Complaints, store: AttachmentStore, follow_up: Callable[[str, datetime], None] | None = None
    ) -> None:
        self.complaints = complaints
        self.store = store
        self._follow_up = follow_up  # queues the job that sends a late file to LAPOR!

    def _form(self, key: str, ctype: str) -> UploadForm:
        r = rules()
        form = self.store.presigned_post(key, ctype, r.max_bytes, r.url_expires_s)
        count("AttachmentUploadsPresigned")
        return UploadForm(form["url"], dict(form["fields"]), key, r.url_expires_s)

    def presign_upload(self, request: UploadRequest) -> UploadForm:
        """A form for a photo taken before the complaint is sent (it names the key later)."""
        ctype = _allowed(request.content_type)
        return self._form(new_upload_key(ctype), ctype)

    def presign(self, tracking_id: str, request: AttachmentRequest) -> UploadForm:
        """A form for one more file of an existing complaint (the reporter's token was checked)."""
        r = rules()
        ctype = _allowed(request.content_type)
        key = new_complaint_key(tracking_id, ctype)
        now = utcnow()
        try:
            item = self.complaints.add_attachment(
                tracking_id, key, [s.value for s in OPEN_FOR_FILES], r.max_per_complaint
            )
        except ConditionFailed:
            raise self._refusal(tracking_id) from None
        if item is not None and self._after_forward(item, now):
            self._queue_follow_up(tracking_id, now)
        return self._form(key, ctype)

    @staticmethod
    def _after_forward(item: dict[str, Any], now: datetime) -> bool:
        """True when the next forward will not pick the file up: the complaint is at
        LAPOR! already, or a forward holding the complaint read it before the append."""
        if item.get("lapor_id") is not None or item.get("status") != Status.RECEIVED.value:
            return True
        lease = item.get("fwd_lease_until")
        return bool(lease) and str(lease) >= utc_text(now)

    def _queue_follow_up(self, tracking_id: str, asked_at: datetime) -> None:
        if self._follow_up is None:
            return
        try:
            self._follow_up(tracking_id, asked_at)
        except Exception:  # noqa: BLE001 - the form is still good; the file then stays with the hub
            logger.exception("could not queue the attachment follow-up")
            count("AttachmentFollowupEnqueueFailed")

    def _refusal(self, tracking_id: str) -> Exception:
        current = self.complaints.get(tracking_id, consistent=True)
        if current is None:
            return NotFound(tracking_id)
        if current.status not in OPEN_FOR_FILES:
            return WrongState(
                "attachments_closed",
                f"Lampiran tidak dapat ditambahkan lagi pada pengaduan ini (status sekarang: {current.status.value})",
                f"No more attachments can be added to this complaint (current status: {current.status.value})",
            )
        n = rules().max_per_complaint
        return WrongState(
            "too_many_attachments", f"Maksimal {n} lampiran per pengaduan", f"At most {n} attachments per complaint"
        )


class LaporAttachments:
    """The forwarder's `attachment_ids` hook: checked S3 files -> LAPOR! document ids, once each.
    A file refused by its content is left out, and the complaint's timeline says so."""

    def __init__(
        self, complaints: Complaints, files: PhotoChecks, retry_later: Callable[[str, float], Exception]
    ) -> None:
        self.complaints = complaints
        self.files = files
        self._retry_later = retry_later  # the forwarder's RetryLater (the message comes back later)

    def __call__(self, item: dict[str, Any], lapor: LaporClient) -> list[int]:
        keys: list[str] = list(item.get("attachments") or [])
        if not keys:
            return []
        known: dict[str, int] = {k: int(v) for k, v in (item.get("lapor_docs") or {}).items()}
        files: dict[str, StoredFile] = {}
        absent: list[int] = []
        for number, key in enumerate(keys, start=1):
            if key in known:
                continue
            stored = self.files.read(key)
            if stored is None:
                absent.append(number)
            elif refusal_of(stored) is not None:
                self.files.note_refusal(str(item["tracking_id"]), number, stored)
            else:
                files[key] = stored
        if absent:
            self._wait_or_go_without(item, absent)
        new: dict[str, int] = {}
        for number, key in enumerate(keys, start=1):
            if key not in files:
                continue
            [doc_id] = lapor.upload([lapor_file(number, files[key])])
            new[key] = doc_id
            # recorded at once, so a failure on a later file does not upload this one again
            self._record(item, {**known, **new})
        all_docs = {**known, **new}
        return [all_docs[k] for k in keys if k in all_docs]

    def _wait_or_go_without(self, item: dict[str, Any], absent: list[int]) -> None:
        """Within the wait: raise the forwarder's RetryLater. After it: go without them, loudly.
        (The position, never the key: keys written before uuid-only keys held the file name.)"""
        r = rules()
        created = datetime.fromisoformat(str(item.get("created_at")))
        left = (created + timedelta(seconds=r.upload_wait_s) - utcnow()).total_seconds()
        if left > 0:
            count("AttachmentWaits")
            logger.info("waiting for an attachment upload", extra={"attachments": absent, "wait_left_s": int(left)})
            raise self._retry_later("waiting for an attachment upload", max(1.0, min(left, r.upload_check_every_s)))
        logger.warning("attachment never uploaded; forwarded without it", extra={"attachments": absent})
        count("AttachmentsMissing", len(absent))

    def _record(self, item: dict[str, Any], docs: dict[str, int]) -> None:
        self.complaints.record_lapor_docs(str(item["tracking_id"]), docs)
