"""A complaint's photos as the public sees them: the hub's checked copies, by position.

The public view lists them and `GET /v1/complaints/{tracking_id}/photos/{n}` serves them;
which ones may be seen is decided in domain/public_view.py. The truth is the file's own
S3 metadata (`hub-check`, written by services/photo_checks.py), read on each request:
this function never checks or re-encodes a file itself (Pillow is not in its package),
so a file not checked yet is simply not shown until the forwarder has checked it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from chalicelib.adapters.s3 import AttachmentStore
from chalicelib.domain import public_view
from chalicelib.domain.errors import NotFound
from chalicelib.domain.models import Complaint
from chalicelib.domain.public_view import FileCheck

__all__ = ["PublicPhotos"]


class PublicPhotos:
    def __init__(self, store: AttachmentStore) -> None:
        self.store = store

    def listed(self, c: Complaint) -> list[int]:
        """The numbers of the complaint's photos the public may see (one HEAD per file, in parallel)."""
        if not c.attachments or not public_view.shows_photos(c.confidential, c.status):
            return []
        keys = list(c.attachments)
        found: list[FileCheck | None]
        if len(keys) == 1:
            found = [self.store.checked(keys[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(keys)) as pool:
                found = list(pool.map(self.store.checked, keys))
        return public_view.public_photo_numbers(c.confidential, c.status, found)

    def jpeg(self, c: Complaint | None, raw_n: str) -> bytes:
        """The checked JPEG of photo n; NotFound for anything the public may not see
        (an unknown complaint, a forged or absent number, an unchecked or refused file)."""
        if c is None:
            raise NotFound(raw_n)
        n = public_view.photo_number(raw_n, len(c.attachments))
        if n is None or not public_view.shows_photos(c.confidential, c.status):
            raise NotFound(c.tracking_id)
        stored = self.store.get(c.attachments[n - 1])  # the key comes from the table, never from the path
        if stored is None or not public_view.is_public_photo(FileCheck(stored.check, stored.content_type)):
            raise NotFound(c.tracking_id)
        return stored.data
