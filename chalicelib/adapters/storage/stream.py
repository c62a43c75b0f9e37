"""The table's stream records as changes of complaint items (other items' records: None)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import from_item
from chalicelib.domain.changes import ComplaintImages


def complaint_changes(records: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], ComplaintImages | None]]:
    """Lambda's DynamoDB stream records -> changes of complaint items (others: None)."""
    for rec in records:
        ddb = rec.get("dynamodb") or {}
        found = ddb.get("Keys") or {}
        pk = (found.get("pk") or {}).get("S", "")
        sk = (found.get("sk") or {}).get("S", "")
        if not keys.is_complaint_key(pk, sk):
            yield rec, None
            continue
        old = from_item(ddb["OldImage"]) if ddb.get("OldImage") else None
        new = from_item(ddb["NewImage"]) if ddb.get("NewImage") else None
        yield rec, ComplaintImages(keys.tracking_id_from_pk(pk), old, new, str(ddb.get("SequenceNumber", "0")))
