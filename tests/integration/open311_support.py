"""Helpers for the Open311 tests: the published schemas, a form POST, XML as the spec shows it."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema
import xmltodict
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).resolve().parents[1] / "open311_schemas"
BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
#: W3C datetime with its offset, to the second (what we send)
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
#: the XML lists whose items xmltodict must give as lists, even when there is one
XML_LISTS = ("service", "request", "attribute", "value", "endpoint", "format", "error")

CIPARE = "36.73.01.1002"  # a kelurahan of Kecamatan Serang

REQUEST = {
    "service_code": "jalan-rusak",
    "description": "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
    "address_string": "Jl. Contoh No. 1",
    "address_id": CIPARE,
    "first_name": "Siti",
    "last_name": "Aminah",
    "email": "siti@example.org",
    "phone": "+6281234567890",
    "device_id": "device-42",
    "account_id": "acct-42",
}


@lru_cache(maxsize=1)
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        resources.append(
            (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT7))
        )
    return Registry().with_resources(resources)


def validate(schema_file: str, body: Any) -> None:
    """Validate against a published schema, `date-time` formats included."""
    schema = json.loads((SCHEMAS / schema_file).read_text())
    jsonschema.Draft7Validator(
        schema, registry=_registry(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(body)


def parse_xml(text: str | bytes) -> dict[str, Any]:
    assert (text.decode() if isinstance(text, bytes) else text).startswith('<?xml version="1.0" encoding="utf-8"?>')
    return xmltodict.parse(text, force_list=XML_LISTS)


def post(
    client: Any,
    fields: dict[str, Any] | list[tuple[str, str]],
    fmt: str = "json",
    headers: dict[str, str] | None = None,
) -> Any:
    return client.http.post(f"{BASE}/requests.{fmt}", body=urlencode(fields), headers=headers or FORM)


def spec_errors(resp: Any, status: int, fmt: str = "json") -> list[dict[str, Any]]:
    """The spec's error form, checked; returns the errors (code as sent)."""
    assert resp.status_code == status, resp.body
    if fmt == "json":
        found = json.loads(resp.body)
        assert isinstance(found, list) and found
        for e in found:
            assert set(e) == {"code", "description"} and e["code"] == status and e["description"]
        return list(found)
    found = parse_xml(resp.body)["errors"]["error"]
    for e in found:
        assert set(e) == {"code", "description"} and e["code"] == str(status) and e["description"]
    return list(found)
