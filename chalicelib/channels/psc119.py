"""PSC 119 (Public Safety Center, Dinas Kesehatan): its record and its mapping.

No public record format exists; this one is ours (docs/channels.md). A call the
PSC triaged as an emergency (`emergency`, or triage `merah` / `kuning` / `hitam`)
is stored with status `emergency` and never sent to LAPOR! (the PSC handles it);
a triage of `hijau` or none is a complaint about health services and is
forwarded like any other. Prank and ghost calls are refused as for 112.
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
from chalicelib.domain.models import Reporter, Severity, Status
from chalicelib.schemas import ComplaintSubmission
from chalicelib.services.intake import NewComplaint

CHANNEL = "psc119"

FIELD_NAMES = {
    "location": "lat/lon/kelurahan_code",
    "location.kelurahan_code": "kelurahan_code",
    "location.lat": "lat",
    "location.lon": "lon",
    "category": "case_code",
}

#: Triage colours (START / PSC practice) that mean the PSC is handling an emergency.
EMERGENCY_TRIAGE = frozenset({"merah", "kuning", "hitam"})


class Psc119Record(BaseModel):
    """One 119 call as the PSC's system sends it (our published format)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    call_id: str = Field(min_length=1, max_length=64)
    received_at: ChannelTime  # WIB when no zone is given
    case_code: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=10, max_length=5000)
    triage: Literal["merah", "kuning", "hijau", "hitam"] | None = None
    emergency: bool = False
    call_class: Literal["genuine", "prank", "ghost"] = "genuine"
    caller_phone: str | None = Field(default=None, max_length=32)
    caller_name: str | None = Field(default=None, max_length=120)
    location_text: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    kelurahan_code: str | None = Field(default=None, max_length=16)
    anonymous: bool = False
    confidential: bool = False


def is_emergency(record: Psc119Record) -> bool:
    return record.emergency or record.triage in EMERGENCY_TRIAGE


def normalise(record: Psc119Record) -> Normalised:
    if record.call_class != "genuine":
        raise not_a_complaint(record.call_class)
    category, note = category_for(CHANNEL, record.case_code)
    has_caller = bool(record.caller_phone or record.caller_name)
    submission = ComplaintSubmission(
        category=category,
        title=None,
        description=record.description,
        location=location_of(record.lat, record.lon, record.kelurahan_code, record.location_text, "lat", "lon"),
        reporter=Reporter(name=record.caller_name, phone=record.caller_phone) if has_caller else None,
        anonymous=record.anonymous,
        confidential=record.confidential,
        severity=Severity.BERAT if record.triage in EMERGENCY_TRIAGE else None,
    )
    attrs = channel_attributes(record.received_at, note, channel_code=record.case_code, channel_triage=record.triage)
    status = Status.EMERGENCY if is_emergency(record) else Status.RECEIVED
    new = NewComplaint(submission=submission, channel=CHANNEL, channel_ref=record.call_id,
                       initial_status=status, attributes=attrs)
    return Normalised(new=new, native_id=record.call_id, field_names=FIELD_NAMES,
                      native_id_field="call_id")
