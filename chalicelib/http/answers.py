"""JSON answers and the one error shape, in Indonesian and English, for every /v1 route.

Caller mistakes become clear 4xx answers here (`handles_errors`), never a 500: pydantic's
errors are named per field in both languages, within the sizes of data/limits.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from chalice.app import Response
from pydantic import ValidationError

from chalicelib.domain.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    SignInUnavailable,
    Unauthenticated,
    WrongState,
)
from chalicelib.domain.limits import cut, limits
from chalicelib.observability import logger

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

# pydantic error types -> (Indonesian, English)
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("wajib diisi", "is required"),
    "unknown_category": ("tidak dikenal; lihat GET /v1/categories", "is not a known category; see GET /v1/categories"),
    "extra_forbidden": ("tidak dikenal", "is not a known field"),
    "string_too_short": ("terlalu pendek", "is too short"),
    "string_too_long": ("terlalu panjang", "is too long"),
    "string_type": ("harus berupa teks", "must be text"),
    "bool_type": ("harus true atau false", "must be true or false"),
    "bool_parsing": ("harus true atau false", "must be true or false"),
    "float_type": ("harus berupa angka", "must be a number"),
    "float_parsing": ("harus berupa angka", "must be a number"),
    "finite_number": ("harus berupa angka terhingga", "must be a finite number"),
    "number_not_storable": (
        "tidak dapat disimpan (terlalu besar, terlalu dekat ke nol, atau terlalu banyak digit)",
        "cannot be stored (too large, too close to zero, or too many digits)",
    ),
    "int_type": ("harus berupa bilangan bulat", "must be a whole number"),
    "int_from_float": ("harus berupa bilangan bulat", "must be a whole number"),
    "list_type": ("harus berupa daftar", "must be a list"),
    "too_long": ("terlalu banyak isinya", "has too many items"),
    "datetime_type": ("harus berupa tanggal dan waktu", "must be a date and time"),
    "datetime_from_date_parsing": ("harus berupa tanggal dan waktu", "must be a date and time"),
    "datetime_parsing": ("harus berupa tanggal dan waktu", "must be a date and time"),
    "int_parsing": ("harus berupa bilangan bulat", "must be a whole number"),
    "greater_than_equal": ("di luar rentang", "is out of range"),
    "less_than_equal": ("di luar rentang", "is out of range"),
    "enum": ("bukan pilihan yang sah", "is not an allowed value"),
    "literal_error": ("bukan pilihan yang sah", "is not an allowed value"),
    "model_type": ("harus berupa objek JSON", "must be a JSON object"),
    "dict_type": ("harus berupa objek JSON", "must be a JSON object"),
}


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, default=str, ensure_ascii=False),
        status_code=status,
        headers={**JSON_HEADERS, **(headers or {})},
    )


def error_response(
    status: int,
    code: str,
    message_id: str,
    message_en: str,
    problems: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The one error shape; field problems listed at most `max_problems` times, names cut short."""
    body: dict[str, Any] = {
        "error": code,
        "message": f"{message_id} / {message_en}",
        "message_id": message_id,
        "message_en": message_en,
    }
    if problems is not None:
        caps = limits().errors
        body["errors"] = [_bounded(p, caps.max_field_chars) for p in problems[: caps.max_problems]]
        if len(problems) > caps.max_problems:
            body["errors_total"] = len(problems)
    return respond(status, body, headers)


def _bounded(p: FieldProblem, max_field_chars: int) -> dict[str, str]:
    """A problem whose echoed field name (and so its messages) stays short."""
    field = cut(p.field, max_field_chars)
    message_id, message_en = p.message_id, p.message_en
    if field != p.field:
        message_id, message_en = message_id.replace(p.field, field), message_en.replace(p.field, field)
    limit = 4 * max_field_chars + 200  # our own wording is shorter; this only guards the bound
    return FieldProblem(field, cut(p.reason, max_field_chars), cut(message_id, limit), cut(message_en, limit)).as_dict()


def problems_of(err: ValidationError) -> list[FieldProblem]:
    out = []
    cap = limits().errors.max_field_chars
    for e in err.errors(include_url=False, include_input=False, include_context=False):
        field = cut(".".join(str(p) for p in e["loc"]) or "body", cap)
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
        except (Unauthenticated, SignInUnavailable) as err:
            return refusal(err)
        except WrongState as err:
            return error_response(409, err.reason, err.message_id, err.message_en)
        except Conflict as err:
            return error_response(422, err.reason, err.message_id, err.message_en)

    return wrapper


#: the realm of the Bearer challenge (RFC 6750) in WWW-Authenticate
REALM = "aduan-hub"


def refusal(err: Unauthenticated | SignInUnavailable) -> Response:
    """401 / 403 with `WWW-Authenticate` (RFC 6750), or 503 when nobody can be verified."""
    if isinstance(err, SignInUnavailable):
        logger.error("sign-in unavailable", extra={"error": str(err)})
        resp = error_response(
            503,
            "signin_unavailable",
            "Layanan masuk sedang tidak tersedia; coba lagi sebentar",
            "Sign-in is unavailable right now; try again shortly",
        )
        resp.headers["Retry-After"] = "5"
        return resp
    if isinstance(err, Forbidden):
        status, challenge = 403, f'Bearer realm="{REALM}", error="insufficient_scope"'
    elif err.reason == "token_missing":  # RFC 6750 3.1: no error code when no credentials were sent
        status, challenge = 401, f'Bearer realm="{REALM}"'
    else:
        code = "invalid_request" if err.reason == "not_bearer" else "invalid_token"
        status, challenge = 401, f'Bearer realm="{REALM}", error="{code}", error_description="{err.reason}"'
    resp = error_response(status, err.reason, err.message_id, err.message_en)
    resp.headers["WWW-Authenticate"] = challenge
    resp.headers["Cache-Control"] = "no-store"
    return resp
