"""Items of the table <-> Python values: attribute values, key instants, complaint and timeline items.

Every number becomes the nearest number DynamoDB holds and every text valid Unicode
(`to_item` never fails on a value it can be given), so no write fails after a request
was accepted."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.storage import keys
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import Complaint, TimelineEntry
from chalicelib.domain.numbers import storable_decimal

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer


@cache
def _codec() -> tuple[TypeSerializer, TypeDeserializer]:
    """boto3's DynamoDB type codec, built at the first item: importing it loads all of boto3,
    which adapters/aws.py leaves to the first client."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def iso(dt: datetime) -> str:
    """One sortable text form for instants in keys: UTC, microseconds, Z (`domain.instants`)."""
    return utc_text(dt)


def stream_position(seq: str | int) -> str:
    """A stream record's sequence number as sortable text (they run to 40 digits)."""
    return str(seq).zfill(40)


def text(value: Any) -> Any:
    """Instants as their key text (`iso`), also inside maps and lists; any other value as it is."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [text(v) for v in value]
    return value


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """Attribute values for DynamoDB; never fails on a value it can be given.

    Numbers become the nearest number DynamoDB holds (`domain.numbers.storable_decimal`:
    38 digits, tiny magnitudes 0, NaN null), text that is not valid Unicode (a lone
    surrogate) a replacement character, other objects their text. The boundary refuses such input
    with a 400 first; this is the last line, so no write fails after a request was accepted."""
    encoded = json.dumps(data, default=str, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
    clean = json.loads(
        encoded, parse_float=storable_decimal, parse_int=storable_decimal, parse_constant=storable_decimal
    )
    serializer = _codec()[0]
    return {k: serializer.serialize(v) for k, v in clean.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    deserializer = _codec()[1]
    out = {k: deserializer.deserialize(v) for k, v in item.items()}
    return dict(json.loads(json.dumps(out, default=_decimal)))


def _decimal(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    raise TypeError(type(v))


def values(**kw: Any) -> dict[str, Any]:
    """Expression attribute values from keyword arguments (`:name` -> value)."""
    return to_item({f":{k}": v for k, v in kw.items()})


def complaint_item(c: Complaint, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    data = c.model_dump(mode="json")
    data.update(pk=keys.complaint_pk(c.tracking_id), sk=keys.COMPLAINT_SK, type="complaint")
    if extra:
        data.update(extra)
    return to_item(data)


def timeline_item(tracking_id: str, entry: TimelineEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json")
    data.update(
        pk=keys.complaint_pk(tracking_id), sk=keys.timeline_sk(iso(entry.at), entry.ref or entry.kind), type="timeline"
    )
    return to_item(data)


def tracking_id_of(item: dict[str, Any]) -> str:
    """The tracking id of a complaint item (its partition key names it)."""
    return keys.tracking_id_from_pk(str(item["pk"]))
