"""HTTP entrypoint helpers: parse, call a service, answer. No business rules here."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib import bootstrap
from chalicelib.domain import reference, tracking
from chalicelib.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from chalicelib.observability import complaint_context, logger
from chalicelib.schemas import ComplaintSubmission, PublicComplaint
from chalicelib.services.intake import NewComplaint, request_fingerprint

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

# pydantic error types -> (Indonesian, English)
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("wajib diisi", "is required"),
    "extra_forbidden": ("tidak dikenal", "is not a known field"),
    "string_too_short": ("terlalu pendek", "is too short"),
    "string_too_long": ("terlalu panjang", "is too long"),
    "string_type": ("harus berupa teks", "must be text"),
    "bool_type": ("harus true atau false", "must be true or false"),
    "bool_parsing": ("harus true atau false", "must be true or false"),
    "float_type": ("harus berupa angka", "must be a number"),
    "float_parsing": ("harus berupa angka", "must be a number"),
    "int_parsing": ("harus berupa bilangan bulat", "must be a whole number"),
    "greater_than_equal": ("di luar rentang", "is out of range"),
    "less_than_equal": ("di luar rentang", "is out of range"),
    "enum": ("bukan pilihan yang sah", "is not an allowed value"),
    "literal_error": ("bukan pilihan yang sah", "is not an allowed value"),
    "model_type": ("harus berupa objek JSON", "must be a JSON object"),
    "dict_type": ("harus berupa objek JSON", "must be a JSON object"),
}


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body, default=str, ensure_ascii=False),
                    status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def error_response(status: int, code: str, message_id: str, message_en: str,
                   problems: list[FieldProblem] | None = None) -> Response:
    body: dict[str, Any] = {"error": code, "message": f"{message_id} / {message_en}",
                            "message_id": message_id, "message_en": message_en}
    if problems is not None:
        body["errors"] = [p.as_dict() for p in problems]
    return respond(status, body)


def problems_of(err: ValidationError) -> list[FieldProblem]:
    out = []
    for e in err.errors(include_url=False):
        field = ".".join(str(p) for p in e["loc"]) or "body"
        id_text, en_text = _MESSAGES.get(e["type"], ("tidak valid", "is not valid"))
        out.append(FieldProblem(field, e["type"], f"{field} {id_text}", f"{field} {en_text}"))
    return out


def invalid(problems: list[FieldProblem]) -> Response:
    return error_response(400, "invalid_request", "Data tidak valid", "The request is not valid", problems)


def handles_errors(fn: Callable[..., Response]) -> Callable[..., Response]:
    """Turn caller mistakes into clear 4xx answers; never a 500 for bad input."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as err:
            return invalid(err.problems)
        except ValidationError as err:
            return invalid(problems_of(err))
        except NotFound:
            return error_response(404, "not_found", "Pengaduan tidak ditemukan", "Complaint not found")
        except Conflict as err:
            return error_response(422, err.reason, err.message_id, err.message_en)

    return wrapper


def json_body(request: Request) -> Any:
    raw = request.raw_body
    if not raw:
        raise InvalidInput([FieldProblem("body", "missing", "Isi permintaan kosong", "The request body is empty")])
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput([FieldProblem("body", "invalid_json", "Isi permintaan bukan JSON yang sah",
                                         "The request body is not valid JSON")]) from None


def parse(model: type[BaseModel], payload: Any) -> Any:
    if not isinstance(payload, dict):
        raise InvalidInput([FieldProblem("body", "model_type", "Isi permintaan harus berupa objek JSON",
                                         "The request body must be a JSON object")])
    return model.model_validate(payload)


def header(request: Request, name: str) -> str | None:
    for k, v in (request.headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


# -- routes -----------------------------------------------------------------


def list_categories() -> Response:
    cats = [c.model_dump() for c in reference.categories().values()]
    return respond(200, {"categories": cats}, {"Cache-Control": "public, max-age=300"})


@handles_errors
def submit_complaint(request: Request) -> Response:
    payload = json_body(request)
    key = header(request, "Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 128):
        raise InvalidInput([FieldProblem("Idempotency-Key", "invalid", "Idempotency-Key harus 1-128 karakter",
                                         "Idempotency-Key must be 1-128 characters")])
    submission = parse(ComplaintSubmission, payload)
    accepted = bootstrap.intake().accept(
        NewComplaint(submission=submission), idempotency_scope="app", idempotency_key=key,
        fingerprint=request_fingerprint(payload) if key else None,
    )
    headers = {"Location": f"/v1/complaints/{accepted.tracking_id}"}
    if accepted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(201, accepted.body(), headers)


@handles_errors
def get_complaint(raw_id: str) -> Response:
    tracking_id = tracking.normalise(raw_id)
    if tracking_id is None:
        raise NotFound(raw_id)
    repo = bootstrap.repository()
    complaint = repo.get(tracking_id)
    if complaint is None:
        raise NotFound(tracking_id)
    with complaint_context(tracking_id):
        logger.debug("complaint read")
    view = PublicComplaint.of(complaint, repo.timeline(tracking_id))
    return respond(200, view.model_dump(mode="json"))
