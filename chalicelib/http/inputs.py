"""Reading a request: headers, the JSON body into a model, ids in the path, the caller's app and address."""

from __future__ import annotations

import re
from typing import Any

from chalice.app import Request
from pydantic import BaseModel

from chalicelib.domain import tracking
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound
from chalicelib.schemas.common import json_payload

#: an Idempotency-Key: 16-255 visible ASCII characters (a random UUID is 36)
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{16,255}")
#: the app installation's id (docs/intake.md): scopes its keys, and its rate limit
CLIENT_ID_HEADER = "X-Client-Id"
CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def header(request: Request, name: str) -> str | None:
    """A header's value whatever the case of its name (API Gateway keeps the client's)."""
    for k, v in (request.headers or {}).items():
        if k.lower() == name.lower():
            return str(v)
    return None


def body_bytes(request: Request) -> bytes:
    """The request body as bytes (Chalice hands over bytes; its type allows text too)."""
    raw = request.raw_body or b""
    return raw.encode("utf-8") if isinstance(raw, str) else raw


def json_body(request: Request) -> Any:
    return json_payload(request.raw_body)


def parse(model: type[BaseModel], payload: Any) -> Any:
    """`payload` as `model`; anything but a JSON object is a 400 naming the body."""
    if not isinstance(payload, dict):
        raise InvalidInput(
            [
                FieldProblem(
                    "body",
                    "model_type",
                    "Isi permintaan harus berupa objek JSON",
                    "The request body must be a JSON object",
                )
            ]
        )
    return model.model_validate(payload)


def known_id(raw_id: str) -> str:
    """The tracking id in a path, normalised; a text that cannot be one is a 404 like an unknown id."""
    tracking_id = tracking.normalise(raw_id)
    if tracking_id is None:
        raise NotFound(raw_id)
    return tracking_id


def source_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it (requestContext.identity.sourceIp)."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def client_id(request: Request) -> str | None:
    """A well-formed X-Client-Id, or None (an ill-formed one is refused by the routes that read it)."""
    value = header(request, CLIENT_ID_HEADER)
    return value if value is not None and CLIENT_ID.fullmatch(value) else None


def idempotency_scope(request: Request) -> str:
    """`app#<client id>` for an app that sends X-Client-Id, else `app`; an ill-formed
    X-Client-Id or Idempotency-Key is a 400 naming it."""
    problems = []
    key = header(request, "Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        problems.append(
            FieldProblem(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "Idempotency-Key harus 16-255 karakter ASCII tanpa spasi (mis. UUID acak baru per pengaduan)",
                "Idempotency-Key must be 16-255 ASCII characters without spaces (e.g. a new random UUID per complaint)",
            )
        )
    raw_client = header(request, CLIENT_ID_HEADER)
    if raw_client is not None and not CLIENT_ID.fullmatch(raw_client):
        problems.append(
            FieldProblem(
                CLIENT_ID_HEADER,
                "invalid_client_id",
                f"{CLIENT_ID_HEADER} harus 8-64 karakter: huruf, angka, titik, titik dua, garis bawah "
                "atau tanda hubung",
                f"{CLIENT_ID_HEADER} must be 8-64 characters: letters, digits, dot, colon, underscore or hyphen",
            )
        )
    if problems:
        raise InvalidInput(problems)
    return f"app#{raw_client}" if raw_client else "app"
