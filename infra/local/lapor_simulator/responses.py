"""The wire format (moto's responses.py): what each LAPOR! call answers.

Strict (the default) answers with exactly the fields /work/shared/lapor-api.md
documents, and the assumed look-up's documented shape, nothing more: the hub's
tests then see no field the evidence does not promise. The rich form adds what
public integration code also shows (ids, titles, paging) and exists to prove
the hub ignores what it does not need.
"""

from __future__ import annotations

from typing import Any

from infra.local.lapor_simulator.forms import (
    ATTACHMENT_KEY,
    FOLLOWUP_FILE_KEY,
    Request,
    as_bool,
    as_int,
    attachment_ids,
    loose_id,
    scalar,
)
from infra.local.lapor_simulator.models import (
    MIN_CONTENT_CHARS,
    STATUS_BY_NAME,
    STATUSES,
    Complaint,
    DataLog,
    Followup,
    LaporBackend,
    NotFound,
    ValidationFailed,
    format_wib,
)

Response = tuple[int, dict[str, Any], dict[str, str]]


class LaporResponses:
    """Wire format of each call; methods return (status, JSON body, extra headers).

    `strict` (the default): the documented fields only. The /_sim/ admin calls are
    not LAPOR!'s: they always show everything, for tests and demos."""

    def __init__(self, backend: LaporBackend, strict: bool = True) -> None:
        self.backend = backend
        self.strict = strict

    # -- helpers --------------------------------------------------------------

    @staticmethod
    def ok(results: dict[str, Any], status: int = 200) -> Response:
        return status, {"results": results}, {}

    @staticmethod
    def error(status: int, message: str, errors: dict[str, list[str]] | None = None) -> Response:
        body: dict[str, Any] = {"message": message}
        if errors is not None:
            body["errors"] = errors
        return status, body, {}

    def _complaint_id(self, request: Request) -> int:
        return int(request.params["id"])

    def complaint_data(self, c: Complaint) -> dict[str, Any]:
        """`results.data` of GET /complaints/{id}/complaint."""
        b = self.backend
        documented = {
            "status_code": c.status_code,
            "status_name": STATUSES[c.status_code],
            "disposition_id": c.disposition_id,
            "disposition_name": b.institution_name(c.disposition_id),
        }
        if self.strict:
            return documented
        return {
            "complaint_id": c.complaint_id,
            "tracking_id": f"#{c.complaint_id}",
            "title": c.title,
            "content": c.content,
            "channel": c.channel,
            "classification_id": c.classification_id,
            "category_id": c.category_id,
            "location_id": c.location_id,
            "date_of_incident": c.date_of_incident,
            "status_code": c.status_code,
            "status_name": STATUSES[c.status_code],
            "disposition_id": c.disposition_id,
            "disposition_name": b.institution_name(c.disposition_id),
            "tags_raw": c.tags_raw,
            "is_anonymous": c.is_anonymous,
            "is_secret": c.is_secret,
            "is_priority": c.is_priority,
            "attachments": [{"id": d, "name": b.docs[d].name} for d in c.attachments if d in b.docs],
            "created_at": format_wib(c.created_ts),
        }

    def data_log(self, log: DataLog, strict: bool | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "institution_from": log.institution_from,
            "institution_to": log.institution_to,
            "content": log.content,
            "data": {
                "status_old": {"name": log.status_old},
                "status_new": {"name": log.status_new},
            },
        }
        if not (self.strict if strict is None else strict):
            out["created_at"] = format_wib(log.created_ts)
        return out

    def followup(self, fu: Followup, strict: bool | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"content": fu.content, "created_at": format_wib(fu.created_ts)}
        if self.strict if strict is None else strict:
            return out
        return {
            "id": fu.id,
            **out,
            "is_secret": fu.is_secret,
            "rating": fu.rating,
            "institution_name": fu.institution_name,
            "attachments": [self.document(d) for d in fu.attachments],
        }

    def document(self, doc_id: int) -> dict[str, Any]:
        """A stored file as the admin view shows it (its bytes are not kept, their hash is)."""
        d = self.backend.docs[doc_id]
        return {"id": d.id, "name": d.name, "content_type": d.content_type, "size": d.size, "sha256": d.sha256}

    def summary(self, c: Complaint, strict: bool | None = None) -> dict[str, Any]:
        """One row of the tag look-up (the assumed call's documented shape when strict)."""
        out: dict[str, Any] = {"complaint_id": c.complaint_id, "tags_raw": c.tags_raw, "title": c.title}
        if self.strict if strict is None else strict:
            return out
        return {
            **out,
            "status_code": c.status_code,
            "status_name": STATUSES[c.status_code],
            "disposition_id": c.disposition_id,
            "disposition_name": self.backend.institution_name(c.disposition_id),
            "created_at": format_wib(c.created_ts),
        }

    def admin_row(self, c: Complaint) -> dict[str, Any]:
        """Everything the simulator knows about a ticket (/_sim/ only, never LAPOR!'s wire)."""
        return {
            **self.summary(c, strict=False),
            "content": c.content,
            "channel": c.channel,
            "classification_id": c.classification_id,
            "category_id": c.category_id,
            "location_id": c.location_id,
            "date_of_incident": c.date_of_incident,
            "is_anonymous": c.is_anonymous,
            "is_secret": c.is_secret,
            "is_priority": c.is_priority,
            "attachments": [self.document(d) for d in c.attachments if d in self.backend.docs],
            "agency": c.agency,
            "data_logs": [self.data_log(log, strict=False) for log in c.data_logs],
            "followups": [self.followup(fu, strict=False) for fu in c.followups],
        }

    # -- LAPOR! calls
    # --------------------------------------------------------------------------

    def upload_files(self, request: Request) -> Response:
        _, files = request.form()
        chosen = [f for f in files if ATTACHMENT_KEY.match(f.field)]
        if not chosen:
            return self.error(
                422,
                "The given data was invalid.",
                {"attachments": ["At least one file in attachments[] is required."]},
            )
        docs = self.backend.add_documents([(f.filename, f.content_type, f.data) for f in chosen], request.agency)
        if self.strict:
            return self.ok({"docs": [{"id": d.id} for d in docs]})
        return self.ok({"docs": [{"id": d.id, "name": d.name} for d in docs]})

    def create_complaint(self, request: Request) -> Response:
        fields, _ = request.form()
        errors: dict[str, list[str]] = {}
        title = scalar(fields.get("title"))
        title = title.strip() if isinstance(title, str) else ""
        if not title:
            errors.setdefault("title", []).append("The title field is required.")
        content = scalar(fields.get("content"))
        content = content.strip() if isinstance(content, str) else ""
        if not content:
            errors.setdefault("content", []).append("The content field is required.")
        elif len(content) < MIN_CONTENT_CHARS:
            errors.setdefault("content", []).append(f"The content must be at least {MIN_CONTENT_CHARS} characters.")
        tags = fields.get("tags_raw")
        if isinstance(tags, list):
            tags = ",".join(str(t) for t in tags)
        values = {
            "title": title,
            "content": content,
            "channel": scalar(fields.get("channel")),
            "classification_id": loose_id(fields.get("classification_id")),
            "disposition_id": as_int("disposition_id", fields.get("disposition_id"), errors),
            "category_id": loose_id(fields.get("category_id")),
            "location_id": loose_id(fields.get("location_id")),
            "date_of_incident": scalar(fields.get("date_of_incident")),
            "is_anonymous": as_bool("is_anonymous", fields.get("is_anonymous"), errors),
            "is_secret": as_bool("is_secret", fields.get("is_secret"), errors),
            "is_priority": as_bool("is_priority", fields.get("is_priority"), errors),
            "attachments": attachment_ids(fields, errors),
            "tags_raw": "" if tags is None else str(tags),
        }
        if errors:
            return self.error(422, "The given data was invalid.", errors)
        try:
            complaint = self.backend.create_complaint(values, request.agency)
        except ValidationFailed as exc:
            return self.error(422, exc.message, exc.errors)
        return self.ok({"complaint_id": complaint.complaint_id})

    def get_complaint(self, request: Request) -> Response:
        with self.backend.lock:
            c = self.backend.get(self._complaint_id(request), request.agency)
            return self.ok(
                {
                    "data": self.complaint_data(c),
                    "data_logs": [self.data_log(log) for log in c.data_logs],
                }
            )

    def get_followups(self, request: Request) -> Response:
        with self.backend.lock:
            c = self.backend.get(self._complaint_id(request), request.agency)
            return self.ok({"data": [self.followup(fu) for fu in c.followups]})

    def add_followup(self, request: Request) -> Response:
        """Multipart `complaint_id`, `content`, `is_secret`, `rating`, `attachment[i]` files.

        What it answers is not documented: strict answers an empty `results`."""
        fields, files = request.form()
        errors: dict[str, list[str]] = {}
        complaint_id = as_int("complaint_id", fields.get("complaint_id"), errors)
        if complaint_id is None and "complaint_id" not in errors:
            errors["complaint_id"] = ["The complaint id field is required."]
        content = scalar(fields.get("content"))
        content = content.strip() if isinstance(content, str) else ""
        if not content:
            errors.setdefault("content", []).append("The content field is required.")
        is_secret = as_bool("is_secret", fields.get("is_secret"), errors)
        rating = as_int("rating", fields.get("rating"), errors)
        if errors:
            return self.error(422, "The given data was invalid.", errors)
        assert complaint_id is not None
        attached = [(f.filename, f.content_type, f.data) for f in files if FOLLOWUP_FILE_KEY.match(f.field)]
        try:
            fu = self.backend.add_followup(
                complaint_id, content, is_secret, rating, attachments=attached, agency=request.agency
            )
        except NotFound:
            return self.error(
                422,
                "The given data was invalid.",
                {"complaint_id": ["Unknown complaint id."]},
            )
        return self.ok({} if self.strict else {"id": fu.id})

    def institutions(self, request: Request) -> Response:
        """Paged like a list call: default page_size 10; callers must ask for more."""
        errors: dict[str, list[str]] = {}
        page = as_int("page", request.query.get("page"), errors) or 1
        size = as_int("page_size", request.query.get("page_size"), errors) or 10
        if errors or page < 1 or size < 1:
            return self.error(422, "Invalid paging.", errors or {"page": ["Must be >= 1."]})
        items = self.backend.institutions
        chunk = items[(page - 1) * size : page * size]
        data = [{"id": i.id, "name": i.name} for i in chunk]
        if self.strict:
            return self.ok({"data": data})
        return self.ok({"data": data, "page": page, "page_size": size, "total": len(items)})

    def find_by_tag(self, request: Request) -> Response:
        """The ASSUMED look-up GET /complaints?tag=<text> (see lapor-api.md)."""
        tag = (scalar(request.query.get("tag")) or "").strip()
        if not tag:
            return self.error(422, "The tag parameter is required.", {"tag": ["Required."]})
        with self.backend.lock:
            return self.ok({"data": [self.summary(c) for c in self.backend.find_by_tag(tag, request.agency)]})

    # -- admin (/_sim/)
    # ------------------------------------------------------------------------

    def sim_complaints(self, request: Request) -> Response:
        with self.backend.lock:
            rows = [self.admin_row(c) for c in self.backend.all()]
        return self.ok({"data": rows, "total": len(rows)})

    def sim_force_status(self, request: Request) -> Response:
        body = request.json()
        code = body.get("status_code")
        name = body.get("status_name")
        if code is None and isinstance(name, str):
            code = STATUS_BY_NAME.get(name.strip().lower())
        if code not in STATUSES:
            return self.error(
                422,
                "Unknown status.",
                {"status_name": [f"One of {list(STATUSES.values())}."]},
            )
        disposition = body.get("disposition_id")
        c = self.backend.force_status(
            self._complaint_id(request),
            int(code),
            body.get("content"),
            int(disposition) if disposition is not None else None,
        )
        with self.backend.lock:
            return self.ok({"data": self.admin_row(c)})

    def sim_add_followup(self, request: Request) -> Response:
        body = request.json()
        content = str(body.get("content") or "").strip()
        if not content:
            return self.error(422, "content is required", {"content": ["Required."]})
        with self.backend.lock:
            c = self.backend.get(self._complaint_id(request))
            institution = body.get("institution_name") or self.backend._disposition_target(c)
            fu = self.backend.add_followup(c.complaint_id, content, institution_name=institution)
        return self.ok({"id": fu.id})
