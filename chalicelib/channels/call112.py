"""Siaga 112 (the region's Diskominfo command centre): its record and its mapping.

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

from pydantic import Field

from chalicelib.channels.common import (
    CALL_FIELD_NAMES,
    CallCentreRecord,
    Normalised,
    call_submission,
    category_for,
    channel_attributes,
)
from chalicelib.domain.commands import NewComplaint
from chalicelib.domain.models import Status

CHANNEL = "call112"

FIELD_NAMES = {**CALL_FIELD_NAMES, "category": "incident_type"}


class Call112Record(CallCentreRecord):
    """One 112 call as the command centre's system sends it (our published format)."""

    incident_type: str = Field(min_length=1, max_length=32)
    confirmed: bool = False


def initial_status(record: Call112Record) -> Status:
    if record.emergency:
        return Status.EMERGENCY
    return Status.RECEIVED if record.confirmed else Status.AWAITING_CONFIRMATION


def normalise(record: Call112Record) -> Normalised:
    category, note = category_for(CHANNEL, record.incident_type)
    submission = call_submission(record, category)
    attrs = channel_attributes(record.received_at, note, channel_code=record.incident_type)
    new = NewComplaint(
        submission=submission,
        channel=CHANNEL,
        channel_ref=record.call_id,
        initial_status=initial_status(record),
        attributes=attrs,
    )
    return Normalised(new=new, native_id=record.call_id, field_names=FIELD_NAMES, native_id_field="call_id")
