"""Request bodies as LAPOR! accepts them: JSON, form-encoded and multipart alike."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Request:
    """A parsed HTTP request as the response layer sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    agency: str | None = None  # the agency whose credentials the call carries (set by the server)
    _parsed: tuple[dict[str, Any], list[UploadedFile]] | None = None

    def form(self) -> tuple[dict[str, Any], list[UploadedFile]]:
        """Fields and files from a JSON, form-encoded or multipart body (cached)."""
        if self._parsed is None:
            self._parsed = parse_body(self.headers.get("Content-Type", ""), self.body)
        return self._parsed

    def json(self) -> dict[str, Any]:
        """An admin JSON body (empty body -> {})."""
        if not self.body.strip():
            return {}
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise BadRequest("JSON body must be an object")
        return data


class BadRequest(Exception):
    """A body that cannot be parsed at all (400)."""


def _add_field(fields: dict[str, Any], name: str, value: str) -> None:
    """Collect form values; a repeated name becomes a list."""
    if name in fields:
        prev = fields[name]
        fields[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
    else:
        fields[name] = value


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], list[UploadedFile]]:
    """A small multipart/form-data parser (the stdlib `cgi` module is deprecated)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.I)
    if not match:
        raise BadRequest("multipart body without boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, Any] = {}
    files: list[UploadedFile] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, data = chunk.partition(b"\n\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        params = dict(
            (m.group(1).lower(), m.group(2) if m.group(2) is not None else m.group(3))
            for m in re.finditer(r';\s*([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))', disposition)
        )
        name = params.get("name")
        if name is None:
            continue
        if "filename" in params:
            files.append(
                UploadedFile(
                    name,
                    params["filename"],
                    headers.get("content-type", "application/octet-stream"),
                    data,
                )
            )
        else:
            _add_field(fields, name, data.decode("utf-8", "replace"))
    return fields, files


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], list[UploadedFile]]:
    """Accept JSON, application/x-www-form-urlencoded and multipart/form-data alike."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "multipart/form-data":
        return parse_multipart(content_type, body)
    text = body.decode("utf-8", "replace")
    if ctype == "application/json" or (not ctype and text.lstrip().startswith("{")):
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise BadRequest(f"invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadRequest("JSON body must be an object")
        return data, []
    fields: dict[str, Any] = {}
    for key, values in parse_qs(text, keep_blank_values=True).items():
        for value in values:
            _add_field(fields, key, value)
    return fields, []


def scalar(value: Any) -> Any:
    """The last value of a repeated form field."""
    return value[-1] if isinstance(value, list) and value else value


def as_bool(name: str, value: Any, errors: dict[str, list[str]]) -> bool:
    value = scalar(value)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
    ):
        return value.strip().lower() in ("1", "true", "yes", "on")
    errors.setdefault(name, []).append(f"The {name} field must be true or false.")
    return False


def as_int(name: str, value: Any, errors: dict[str, list[str]]) -> int | None:
    value = scalar(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.setdefault(name, []).append(f"The {name} must be an integer.")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.setdefault(name, []).append(f"The {name} must be an integer.")
        return None


def loose_id(value: Any) -> Any:
    """Ids we do not validate: integers when they look like integers, else as given."""
    value = scalar(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


ATTACHMENT_KEY = re.compile(r"^attachments(\[\d*\])?$")
#: files of a follow-up: `attachment[0]`, `attachment[1]`, ...
FOLLOWUP_FILE_KEY = re.compile(r"^attachment\[\d*\]$")


def attachment_ids(fields: Mapping[str, Any], errors: dict[str, list[str]]) -> list[int]:
    """Attachment ids from JSON/comma lists, `attachments[]` or `attachments[0]`."""
    raw: list[Any] = []
    for key, value in fields.items():
        if ATTACHMENT_KEY.match(key):
            raw.extend(value if isinstance(value, list) else [value])
    ids: list[int] = []
    for item in raw:
        parts = item.split(",") if isinstance(item, str) else [item]
        for part in parts:
            if isinstance(part, str) and not part.strip():
                continue
            if isinstance(part, bool):
                part = "x"
            try:
                ids.append(int(part))
            except (TypeError, ValueError):
                errors.setdefault("attachments", []).append(f"Invalid attachment id {part!r}.")
    return ids
