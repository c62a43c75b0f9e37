"""What every HTTP answer and body shares: reading a JSON body, and the one error shape."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.text import clean_texts


def json_payload(raw: bytes | str | None) -> Any:
    """A request body as JSON, or a 400 naming why: empty, not JSON (nested beyond the
    parser's depth too), or holding text that is not Unicode (a lone surrogate such as
    "\\ud800" is valid JSON but cannot be stored or sent on). Its texts come back without
    control characters (domain/text.py)."""
    if not raw:
        raise InvalidInput([FieldProblem("body", "missing", "Isi permintaan kosong", "The request body is empty")])
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise InvalidInput(
            [
                FieldProblem(
                    "body", "invalid_json", "Isi permintaan bukan JSON yang sah", "The request body is not valid JSON"
                )
            ]
        ) from None
    where = _not_unicode(payload)
    if where is not None:
        raise InvalidInput(
            [
                FieldProblem(
                    where,
                    "invalid_text",
                    f"{where} berisi teks yang bukan Unicode yang sah",
                    f"{where} holds text that is not valid Unicode",
                )
            ]
        )
    return clean_texts(payload)


def _not_unicode(payload: Any) -> str | None:
    """The path of the first key or text that cannot be encoded as UTF-8, if any."""
    todo: list[tuple[str, Any]] = [("", payload)]
    while todo:
        path, node = todo.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return path or "body"
        elif isinstance(node, dict):
            for k, v in node.items():
                child = f"{path}.{k}" if path else str(k)
                try:
                    k.encode("utf-8")
                except UnicodeEncodeError:
                    return path or "body"
                todo.append((child, v))
        elif isinstance(node, list):
            todo.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(node))
    return None


class ProblemBody(BaseModel):
    """One bad field of a 400: which, why (machine code) and a message in Indonesian and English."""

    model_config = ConfigDict(defer_build=True)

    field: str
    reason: str
    message: str
    message_id: str
    message_en: str


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the hub: a machine code and a message in Indonesian and English."""

    model_config = ConfigDict(defer_build=True)

    error: str
    message: str  # "<Indonesian> / <English>"
    message_id: str
    message_en: str
    errors: list[ProblemBody] | None = None  # 400: one entry per bad field
