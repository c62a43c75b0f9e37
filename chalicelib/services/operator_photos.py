"""The reporter's photos on the operator's complaint page, scoped like the complaint itself.

An operator reads the photos of a complaint they may see (outside the scope: the same 404 as
the complaint), numbered as the complaint names them (1 = its first attachment). Only a photo
that passed the hub's check (services/photo_checks.py: re-encoded, no metadata) is served; a
refused file, a PDF or video, or one not arrived yet is "not found". The bytes go through the
API (same origin, the operator's bearer) so the console's policy needs no bucket origin.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.adapters.s3 import StoredFile
from chalicelib.domain.access import Principal
from chalicelib.domain.attachments import rules
from chalicelib.domain.errors import NotFound
from chalicelib.domain.models import TimelineEntry
from chalicelib.domain.photos import is_photo
from chalicelib.services.inbox import InboxService
from chalicelib.services.photo_checks import CLEAN, PhotoChecks


def photo_numbers(keys: Sequence[str], timeline: Sequence[TimelineEntry]) -> list[int]:
    """The numbers of the attachments that are photos and were not refused by the check."""
    photo_ext = {ext for ctype, ext in rules().extensions.items() if is_photo(ctype)}
    refused = {e.ref for e in timeline if e.kind == "attachment_refused"}
    out = []
    for number, key in enumerate(keys, start=1):
        ext = key[key.rfind(".") :].lower() if "." in key.rsplit("/", 1)[-1] else ""
        if ext in photo_ext and f"attachment-refused:{number}" not in refused:
            out.append(number)
    return out


class OperatorPhotos:
    def __init__(self, inbox: InboxService, checks: PhotoChecks) -> None:
        self.inbox = inbox
        self.checks = checks

    def photo(self, p: Principal, tracking_id: str, number: int) -> StoredFile:
        """The checked photo `number` of a complaint `p` may see; NotFound otherwise."""
        complaint, _item, _timeline = self.inbox.detail(p, tracking_id)
        if not 1 <= number <= len(complaint.attachments):
            raise NotFound(tracking_id)
        stored = self.checks.read(complaint.attachments[number - 1])
        if stored is None or stored.check != CLEAN or not is_photo(stored.content_type) or not stored.data:
            raise NotFound(tracking_id)
        return stored
