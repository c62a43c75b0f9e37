"""Free text as the hub keeps it: nothing invisible that could hide or reorder what people read.

Pure. Every text that comes in (the app's and the operators' JSON, the channels' records, Open311
forms) loses its control characters at intake, before it is checked, stored or sent on: C0 and C1
controls (NUL, ESC, DEL, ...) except the tab and the line breaks (CR, LF), and the bidirectional
overrides and isolates that can make a text read otherwise than it is stored (U+202A-U+202E,
U+2066-U+2069), with the byte order mark. Nothing of them reaches LAPOR!, the CSV or the pages.
"""

from __future__ import annotations

import re
from typing import Any

_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str) -> str:
    """The text without control characters (tabs and line breaks kept)."""
    return _INVISIBLE.sub("", text)


def clean_texts(payload: Any) -> Any:
    """Every text value (and key) of a parsed JSON document, cleaned; the shape is kept."""
    if isinstance(payload, str):
        return clean_text(payload)
    if isinstance(payload, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_texts(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [clean_texts(v) for v in payload]
    return payload
