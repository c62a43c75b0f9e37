"""Open311 GeoReport v2 answers: JSON or XML in the spec's element names, and its error form.

Errors are `[{"code", "description"}]` or `<errors><error><code/><description/></error></errors>`;
XML follows the spec's element names (a list's items are `service`, `request`, `attribute`, ...).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from chalice.app import Response

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: the spec's required format, used when the path names none we know
DEFAULT_FORMAT = "xml"
MAX_ERRORS = 20

#: XML: the element name of each item of a list, by the list's element name (the spec's names)
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
#: characters XML 1.0 cannot carry, even escaped: everything outside #x9 | #xA | #xD | [#x20-#xD7FF] |
#: [#xE000-#xFFFD] | [#x10000-#x10FFFF], listed as they are (the complement compiles ~20x slower, at import)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _element(tag: str, value: Any) -> ET.Element:
    el = ET.Element(tag)
    if isinstance(value, dict):
        for k, v in value.items():
            el.append(_element(k, v))
    elif isinstance(value, list):
        for v in value:
            el.append(_element(_ITEM[tag], v))
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = _NOT_XML.sub("", str(value))
    return el


def to_xml(root: str, body: Any) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(_element(root, body), encoding="unicode")


def render(fmt: str, status: int, root: str, body: Any, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False) if fmt == "json" else to_xml(root, body)
    return Response(body=text, status_code=status, headers={"Content-Type": CONTENT_TYPES[fmt], **(headers or {})})


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    body = [{"code": status, "description": d} for d in descriptions[:MAX_ERRORS]]
    return render(fmt, status, "errors", body, {"Cache-Control": "no-store"})
