"""Complaint attachments: presigned uploads in, LAPOR! documents out.

In: the app asks for an upload form while the complaint is still `received`
(not yet at LAPOR!); the S3 key is recorded on the complaint first, with a
conditional list append that also enforces the per-complaint maximum. The key
is `attachments/<tracking_id>/<random><ext>`, the extension taken from the
content type: the app's file name is never used, stored, logged or sent on,
since people name files after what is in them (KTP_<NIK>.jpg).

Out: the forwarder calls `LaporAttachments` (its `attachment_ids` hook) under
its lease, uploads each stored file to LAPOR! once and records the LAPOR!
document ids on the complaint (`lapor_docs`, key -> id), so a retry after a
failed create re-uses them instead of uploading again. A key whose file never
arrived in S3 (the app asked for a form and never used it) is skipped with a
log line: the complaint must not wait for a file that may never come.
"""

from __future__ import annotations

import mimetypes
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.adapters.dynamodb import ConditionFailed, Repository, values
from chalicelib.adapters.lapor import LaporClient
from chalicelib.adapters.s3 import AttachmentStore
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound, WrongState
from chalicelib.domain.models import Status
from chalicelib.domain.reference import load_json
from chalicelib.observability import count, logger
from chalicelib.schemas import AttachmentRequest

_SAFE_EXT = re.compile(r"\.[a-z0-9]{1,5}")


class AttachmentRules(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    allowed_content_types: tuple[str, ...]
    extensions: dict[str, str]  # content type -> ".ext"
    max_bytes: int = Field(gt=0)
    max_per_complaint: int = Field(gt=0)
    url_expires_s: int = Field(gt=0)

    @model_validator(mode="after")
    def _every_type_has_a_safe_extension(self) -> AttachmentRules:
        missing = set(self.allowed_content_types) - set(self.extensions)
        if missing or not all(_SAFE_EXT.fullmatch(e) for e in self.extensions.values()):
            raise ValueError(f"attachments.json: extensions must give a safe one for every allowed type {missing}")
        return self


@lru_cache(maxsize=1)
def rules() -> AttachmentRules:
    return AttachmentRules.model_validate(load_json("attachments.json"))


def extension_for(content_type: str) -> str:
    """".jpg" for image/jpeg, ...; "" for a type outside the allow-list."""
    return rules().extensions.get(content_type.strip().lower(), "")


@dataclass(frozen=True)
class UploadForm:
    url: str
    fields: dict[str, str]
    key: str
    expires_in: int

    def body(self) -> dict[str, Any]:
        return {"upload": {"url": self.url, "fields": self.fields}, "key": self.key, "expires_in": self.expires_in}


class AttachmentService:
    def __init__(self, repo: Repository, store: AttachmentStore) -> None:
        self.repo = repo
        self.store = store

    def presign(self, tracking_id: str, request: AttachmentRequest) -> UploadForm:
        r = rules()
        ctype = request.content_type.strip().lower()
        if ctype not in r.allowed_content_types:
            allowed = ", ".join(r.allowed_content_types)
            raise InvalidInput([FieldProblem(
                "content_type", "unsupported_content_type",
                f"content_type tidak didukung; gunakan salah satu dari: {allowed}",
                f"content_type is not supported; use one of: {allowed}")])
        key = f"attachments/{tracking_id}/{uuid.uuid4().hex}{extension_for(ctype)}"
        try:
            self.repo.update(
                tracking_id, "SET attachments = list_append(if_not_exists(attachments, :empty), :key)",
                condition="attribute_exists(pk) AND #s = :received AND "
                          "(attribute_not_exists(attachments) OR size(attachments) < :max)",
                names={"#s": "status"},
                vals=values(empty=[], key=[key], received=Status.RECEIVED.value, max=r.max_per_complaint),
            )
        except ConditionFailed:
            raise self._refusal(tracking_id) from None
        form = self.store.presigned_post(key, ctype, r.max_bytes, r.url_expires_s)
        count("AttachmentUploadsPresigned")
        return UploadForm(form["url"], dict(form["fields"]), key, r.url_expires_s)

    def _refusal(self, tracking_id: str) -> Exception:
        current = self.repo.get(tracking_id, consistent=True)
        if current is None:
            return NotFound(tracking_id)
        if current.status != Status.RECEIVED:
            return WrongState(
                "attachments_closed",
                "Lampiran hanya dapat ditambahkan sebelum pengaduan diteruskan ke SP4N-LAPOR! "
                f"(status sekarang: {current.status.value})",
                "Attachments can only be added before the complaint is forwarded to SP4N-LAPOR! "
                f"(current status: {current.status.value})",
            )
        n = rules().max_per_complaint
        return WrongState("too_many_attachments", f"Maksimal {n} lampiran per pengaduan",
                          f"At most {n} attachments per complaint")


class LaporAttachments:
    """The forwarder's `attachment_ids` hook: S3 files -> LAPOR! document ids, once each."""

    def __init__(self, repo: Repository, store: AttachmentStore) -> None:
        self.repo = repo
        self.store = store

    def __call__(self, item: dict[str, Any], lapor: LaporClient) -> list[int]:
        keys: list[str] = list(item.get("attachments") or [])
        if not keys:
            return []
        known: dict[str, int] = {k: int(v) for k, v in (item.get("lapor_docs") or {}).items()}
        new: dict[str, int] = {}
        for number, key in enumerate(keys, start=1):
            if key in known:
                continue
            stored = self.store.get(key)
            if stored is None:
                # the position, not the key: keys written before uuid-only keys held the file name
                logger.warning("attachment never uploaded; skipped", extra={"attachment": number})
                count("AttachmentsMissing")
                continue
            ctype = stored.content_type
            if ctype in ("", "binary/octet-stream", "application/octet-stream"):
                ctype = mimetypes.guess_type(key)[0] or "application/octet-stream"
            # a neutral name at LAPOR! too: "lampiran-2.pdf"
            name = f"lampiran-{number}{extension_for(ctype)}"
            [doc_id] = lapor.upload([(name, stored.data, ctype)])
            new[key] = doc_id
            # recorded at once, so a failure on a later file does not upload this one again
            self._record(item, {**known, **new})
        all_docs = {**known, **new}
        return [all_docs[k] for k in keys if k in all_docs]

    def _record(self, item: dict[str, Any], docs: dict[str, int]) -> None:
        tracking_id = item["pk"].removeprefix("C#")
        self.repo.update(tracking_id, "SET lapor_docs = :docs", condition="attribute_not_exists(lapor_id)",
                         vals=values(docs=docs))
