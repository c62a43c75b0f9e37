"""Moved to chalicelib/adapters/storage (kept while the services move over)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.storage.codec import (
    complaint_item,
    from_item,
    iso,
    stream_position,
    timeline_item,
    to_item,
    values,
)
from chalicelib.adapters.storage.expressions import set_remove, with_version
from chalicelib.adapters.storage.gateway import TableGateway as Repository
from chalicelib.adapters.storage.gateway import conditional as _conditional
from chalicelib.adapters.storage.keys import (
    COMPLAINT_SK,
    COUNTER_SK,
    INDEXES,
    TTL_ATTRIBUTE,
    VERSION,
    complaint_key,
    shard_of,
)
from chalicelib.adapters.storage.keys import upload_claim_pk as upload_claim_key
from chalicelib.services.ports import Append, ConditionFailed, IfAbsent, UploadClaimed


def put_over_position(table: str, data: dict[str, Any], read: dict[str, Any] | None) -> dict[str, Any]:
    """A transaction Put of an item that records which stream record was applied (`seq`):
    only over the item as it was `read` (only when absent if None), so a record applied
    twice, or by two readers at once, changes nothing the second time."""
    put: dict[str, Any] = {"TableName": table, "Item": to_item(data)}
    if read is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "#seq = :seq"
        put["ExpressionAttributeNames"] = {"#seq": "seq"}
        put["ExpressionAttributeValues"] = values(seq=read.get("seq"))
    return put


__all__ = [
    "COMPLAINT_SK",
    "COUNTER_SK",
    "INDEXES",
    "TTL_ATTRIBUTE",
    "VERSION",
    "Append",
    "ConditionFailed",
    "IfAbsent",
    "Repository",
    "UploadClaimed",
    "_conditional",
    "complaint_item",
    "complaint_key",
    "from_item",
    "iso",
    "put_over_position",
    "set_remove",
    "shard_of",
    "stream_position",
    "timeline_item",
    "to_item",
    "upload_claim_key",
    "values",
    "with_version",
]
