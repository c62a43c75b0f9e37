"""Every attachment is checked by its content before anyone sees it.

Uploads go from the citizen's app straight to S3 (a presigned POST): the hub never
sees a file on its way in, so it checks each one when it lands. The bucket's event
(`s3:ObjectCreated:Post`, infra/template.json) reaches the forward queue; the forwarder
checks the file at once (`landed`) and, when a complaint already names it, sends it on
without waiting for its next look. Whoever reads a file before its event was handled
(`read`) checks it first, the same way: nothing leaves the hub unchecked.

The check trusts no declared type (domain/photos.py): a photo (JPEG, PNG, WebP, HEIC) is
re-encoded (adapters/photos.py: orientation applied, longest side capped, no metadata);
a PDF or MP4 is passed on as it is when its bytes are one; anything else (an HTML page
sent as `image/jpeg`) is refused. The result replaces the upload under the same key
(metadata `hub-check`), so what the forwarder, LAPOR!, operators and the public get is
the checked file; a refused file is emptied, and the complaint's timeline says that it
was not passed on and why (`note_refusal`), never silently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.adapters.photos import PhotoEncoder, UnreadablePhoto
from chalicelib.adapters.s3 import AttachmentStore, StoredFile
from chalicelib.domain.attachments import UPLOAD_PREFIX, rules
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import TimelineEntry, utcnow
from chalicelib.domain.photos import (
    CHECKED_PHOTO_TYPE,
    CLEAN,
    HEAD_BYTES,
    NOT_A_PHOTO,
    UNREADABLE_PHOTO,
    Refusal,
    is_photo,
    sniff,
)
from chalicelib.observability import count, logger
from chalicelib.services.ports import Complaints, Timelines

__all__ = ["CLEAN", "PhotoChecks", "refusal_of"]

REFUSED = "refused:"
_REFUSALS = {r.reason: r for r in (NOT_A_PHOTO, UNREADABLE_PHOTO)}
#: prefixes of keys that belong to one complaint: `<prefix><tracking_id>/<random><ext>`
_COMPLAINT_PREFIXES = ("attachments/",)


def refusal_of(stored: StoredFile) -> Refusal | None:
    """Why a checked file was refused (None: it was not)."""
    if not stored.check.startswith(REFUSED):
        return None
    return _REFUSALS.get(stored.check[len(REFUSED) :], NOT_A_PHOTO)


class PhotoChecks:
    def __init__(
        self,
        store: AttachmentStore,
        complaints: Complaints,
        timelines: Timelines,
        encoder: Callable[[], PhotoEncoder] | None = None,
    ) -> None:
        self.store = store
        self.complaints = complaints
        self.timelines = timelines
        self._encoder = encoder or (lambda: PhotoEncoder(rules().photo_max_side_px, rules().photo_jpeg_quality))

    def read(self, key: str) -> StoredFile | None:
        """The file as it may be seen (checked first when it was not yet), or None when it has
        not arrived. A refused file comes back empty: `refusal_of` says why."""
        stored = self.store.get(key)
        if stored is None or stored.check:
            return stored
        return self._check(stored)

    def landed(self, key: str) -> str | None:
        """The bucket says a file landed: check it now. The complaint that names it, if any yet."""
        self.read(key)
        if key.startswith(UPLOAD_PREFIX):
            return self.complaints.upload_owner(key)
        for prefix in _COMPLAINT_PREFIXES:
            if key.startswith(prefix) and key.count("/") == 2:
                return key.split("/")[1]
        return None  # an operator's proof photo: checked, and no LAPOR! upload waits for it

    def note_refusal(self, tracking_id: str, number: int, stored: StoredFile, lapor_id: int | None = None) -> None:
        """The complaint's timeline says the file was dropped and why (once: the entry's time is the check's)."""
        refusal = refusal_of(stored) or NOT_A_PHOTO
        at = datetime.fromisoformat(stored.checked_at) if stored.checked_at else utcnow()
        self.timelines.add(
            tracking_id,
            TimelineEntry(
                at=at,
                kind="attachment_refused",
                lapor_id=lapor_id,
                ref=f"attachment-refused:{number}",
                message=f"Lampiran {number} tidak diteruskan: {refusal.message_id}",
                reason=refusal.reason,
            ),
        )

    def _check(self, stored: StoredFile) -> StoredFile:
        now = utc_text(utcnow())
        kind = sniff(stored.data[:HEAD_BYTES])
        refusal: Refusal | None = None
        data, ctype = stored.data, kind or ""
        if kind is None or kind not in rules().allowed_content_types:
            refusal = NOT_A_PHOTO
        elif is_photo(kind):
            try:
                data, ctype = self._encoder().reencode(stored.data), CHECKED_PHOTO_TYPE
            except UnreadablePhoto:
                refusal = UNREADABLE_PHOTO
        if refusal is not None:
            check = f"{REFUSED}{refusal.reason}"
            self.store.replace(stored.key, b"", "application/octet-stream", check, now)
            count("AttachmentsRefused")
            logger.warning(
                "attachment refused by its content",
                extra={"reason": refusal.reason, "declared": stored.content_type, "found": kind or "unknown"},
            )
            return StoredFile(stored.key, b"", "application/octet-stream", check, now)
        self.store.replace(stored.key, data, ctype, CLEAN, now)
        count("AttachmentsChecked")
        return StoredFile(stored.key, data, ctype, CLEAN, now)
