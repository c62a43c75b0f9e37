"""Serang Siaga 112 (Diskominfo command centre): its record and its mapping.

112 has no public record format, so this one is ours (docs/channels.md). Most
calls are noise (190 real emergencies in 33,196 calls, Jan-Nov 2020), so:

- a call the operator classed `prank` or `ghost` is refused (422 `not_a_complaint`)
  and nothing is stored;
- an `emergency` is stored with status `emergency` and never sent to LAPOR! (the
  command centre dispatches it; the hub keeps the record for operators);
- anything else waits in `awaiting_confirmation` until an operator confirms it
  (`POST /v1/admin/complaints/{id}/confirm`), unless the record says `confirmed`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.channels.common import (
    ChannelTime,
    Normalised,
    category_for,
    channel_attributes,
    location_of,
    not_a_complaint,
)
from chalicelib.domain.models import Reporter, Status
from chalicelib.schemas import ComplaintSubmission
from chalicelib.services.intake import NewComplaint

CHANNEL = "call112"

FIELD_NAMES = {
    "location": "lat/lon/kelurahan_code",
    "location.kelurahan_code": "kelurahan_code",
    "location.lat": "lat",
    "location.lon": "lon",
    "category": "incident_type",
}


class Call112Record(BaseModel):
    """One 112 call as the command centre's system sends it (our published format)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    call_id: str = Field(min_length=1, max_length=64)
    received_at: ChannelTime  # WIB when no zone is given
    incident_type: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=10, max_length=5000)
    call_class: Literal["genuine", "prank", "ghost"] = "genuine"
    emergency: bool = False
    confirmed: bool = False
    caller_phone: str | None = Field(default=None, max_length=32)
    caller_name: str | None = Field(default=None, max_length=120)
    location_text: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    kelurahan_code: str | None = Field(default=None, max_length=16)
    anonymous: bool = False
    confidential: bool = False


def initial_status(record: Call112Record) -> Status:
    if record.emergency:
        return Status.EMERGENCY
    return Status.RECEIVED if record.confirmed else Status.AWAITING_CONFIRMATION


def normalise(record: Call112Record) -> Normalised:
    if record.call_class != "genuine":
        raise not_a_complaint(record.call_class)
    category, note = category_for(CHANNEL, record.incident_type)
    has_caller = bool(record.caller_phone or record.caller_name)
    submission = ComplaintSubmission(
        category=category,
        title=None,
        description=record.description,
        location=location_of(record.lat, record.lon, record.kelurahan_code, record.location_text, "lat", "lon"),
        reporter=Reporter(name=record.caller_name, phone=record.caller_phone) if has_caller else None,
        anonymous=record.anonymous,
        confidential=record.confidential,
    )
    attrs = channel_attributes(record.received_at, note, channel_code=record.incident_type)
    new = NewComplaint(submission=submission, channel=CHANNEL, channel_ref=record.call_id,
                       initial_status=initial_status(record), attributes=attrs)
    return Normalised(new=new, native_id=record.call_id, field_names=FIELD_NAMES,
                      native_id_field="call_id")
