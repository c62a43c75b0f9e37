"""PSC 119 (Public Safety Center, Dinas Kesehatan): its record and its mapping.

No public record format exists; this one is ours (docs/channels.md). A call the
PSC triaged as an emergency (`emergency`, or triage `merah` / `kuning` / `hitam`)
is stored with status `emergency` and never sent to LAPOR! (the PSC handles it);
a triage of `hijau` or none is a complaint about health services and is
forwarded like any other. Prank and ghost calls are refused as for 112.
"""

from __future__ import annotations

from typing import Literal

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
from chalicelib.domain.models import Severity, Status

CHANNEL = "psc119"

FIELD_NAMES = {**CALL_FIELD_NAMES, "category": "case_code"}

#: Triage colours (START / PSC practice) that mean the PSC is handling an emergency.
EMERGENCY_TRIAGE = frozenset({"merah", "kuning", "hitam"})


class Psc119Record(CallCentreRecord):
    """One 119 call as the PSC's system sends it (our published format)."""

    case_code: str = Field(min_length=1, max_length=32)
    triage: Literal["merah", "kuning", "hijau", "hitam"] | None = None


def is_emergency(record: Psc119Record) -> bool:
    return record.emergency or record.triage in EMERGENCY_TRIAGE


def normalise(record: Psc119Record) -> Normalised:
    category, note = category_for(CHANNEL, record.case_code)
    submission = call_submission(record, category, Severity.BERAT if record.triage in EMERGENCY_TRIAGE else None)
    attrs = channel_attributes(record.received_at, note, channel_code=record.case_code, channel_triage=record.triage)
    status = Status.EMERGENCY if is_emergency(record) else Status.RECEIVED
    new = NewComplaint(
        submission=submission, channel=CHANNEL, channel_ref=record.call_id, initial_status=status, attributes=attrs
    )
    return Normalised(new=new, native_id=record.call_id, field_names=FIELD_NAMES, native_id_field="call_id")
