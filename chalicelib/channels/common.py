"""What every channel adapter shares: code maps, coordinates, time, and the
result of normalising one native record into our complaint model.

Each channel's own wire format lives in its module (rabeg.py, call112.py,
psc119.py); this module holds only the rules they have in common.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from chalicelib.domain import reference
from chalicelib.domain.calendar import WIB
from chalicelib.domain.commands import NewComplaint
from chalicelib.domain.errors import Conflict, FieldProblem, InvalidInput
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import Location, Severity
from chalicelib.domain.numbers import Latitude, Longitude
from chalicelib.schemas.public import ComplaintSubmission, ReporterContact

FALLBACK_CATEGORY = "lainnya"


@dataclass(frozen=True)
class Normalised:
    """One native record in our vocabulary, and how to name its fields in errors."""

    new: NewComplaint
    native_id: str
    #: our field (as intake reports it) -> the channel's field, so a 400 names what the sender sent
    field_names: dict[str, str] = field(default_factory=dict)
    #: the channel's name for its record id (named when an id comes back with other content)
    native_id_field: str = "id"


@lru_cache(maxsize=1)
def _code_maps() -> dict[str, dict[str, str]]:
    raw = reference.load_json("channel_codes.json")
    return {ch: {k.upper(): v for k, v in spec["codes"].items()} for ch, spec in raw.items() if not ch.startswith("_")}


def category_for(channel: str, code: str) -> tuple[str, str | None]:
    """Our category for a channel's code; unknown codes go to 'lainnya' with a note
    for the operator instead of refusing a citizen's complaint."""
    category = _code_maps().get(channel, {}).get(code.strip().upper())
    if category is not None and category in reference.categories():
        return category, None
    return FALLBACK_CATEGORY, f"Kode kategori {channel} '{code}' tidak dikenal; dimasukkan ke '{FALLBACK_CATEGORY}'"


#: Years a channel's own timestamp may carry. Outside them it is a bug or a default
#: value upstream (0001-01-01), and near the ends of datetime's range the UTC
#: conversion overflows: refused with the channel's field named.
SANE_YEARS = (2000, 2100)


def _sane_year(value: datetime) -> datetime:
    # the error types of pydantic's own ge/le, so the 400 reads "di luar rentang / is out of range"
    lo, hi = SANE_YEARS
    if value.year < lo:
        raise PydanticCustomError("greater_than_equal", "year must be {ge} or later", {"ge": lo})
    if value.year > hi:
        raise PydanticCustomError("less_than_equal", "year must be {le} or earlier", {"le": hi})
    return value


#: A channel timestamp: WIB when it has no zone, and a year in SANE_YEARS.
ChannelTime = Annotated[datetime, AfterValidator(_sane_year)]


def as_wib(value: datetime) -> datetime:
    """The channels write local time without a zone: read it as WIB."""
    return value.replace(tzinfo=WIB) if value.tzinfo is None else value


def location_of(
    lat: float | None, lon: float | None, kelurahan_code: str | None, address: str | None, lat_name: str, lon_name: str
) -> Location:
    """A Location from a record's coordinates; half a coordinate pair is refused."""
    if (lat is None) != (lon is None):
        missing = lon_name if lon is None else lat_name
        raise InvalidInput(
            [
                FieldProblem(
                    missing,
                    "missing",
                    f"{lat_name} dan {lon_name} harus diisi bersama",
                    f"{lat_name} and {lon_name} must be given together",
                )
            ]
        )
    return Location(
        kelurahan_code=kelurahan_code or None, lat=lat, lon=lon, address=(address or None) and address[:500]
    )


def not_a_complaint(kind: str) -> Conflict:
    return Conflict(
        "not_a_complaint",
        f"Panggilan {kind} bukan pengaduan; tidak disimpan",
        f"A {kind} call is not a complaint; nothing was stored",
    )


def channel_attributes(received_at: datetime, note: str | None, **more: Any) -> dict[str, Any]:
    """Admin-only attributes stored on the complaint item (never in public views)."""
    out: dict[str, Any] = {"channel_received_at": utc_text(as_wib(received_at))}
    if note:
        out["channel_note"] = note
    out.update({k: v for k, v in more.items() if v is not None})
    return out


CALL_FIELD_NAMES = {
    "location": "lat/lon/kelurahan_code",
    "location.kelurahan_code": "kelurahan_code",
    "location.lat": "lat",
    "location.lon": "lon",
}


class CallCentreRecord(BaseModel):
    """What the 112 and 119 call centres' records share (our published format)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    call_id: str = Field(min_length=1, max_length=64)
    received_at: ChannelTime  # WIB when no zone is given
    description: str = Field(min_length=10, max_length=5000)
    call_class: Literal["genuine", "prank", "ghost"] = "genuine"
    emergency: bool = False
    caller_phone: str | None = Field(default=None, max_length=32)
    caller_name: str | None = Field(default=None, max_length=120)
    location_text: str | None = Field(default=None, max_length=500)
    lat: Latitude | None = None
    lon: Longitude | None = None
    kelurahan_code: str | None = Field(default=None, max_length=16)
    anonymous: bool = False
    confidential: bool = False


def call_submission(record: CallCentreRecord, category: str, severity: Severity | None = None) -> ComplaintSubmission:
    """A call-centre record in our vocabulary; prank and ghost calls are refused."""
    if record.call_class != "genuine":
        raise not_a_complaint(record.call_class)
    has_caller = bool(record.caller_phone or record.caller_name)
    return ComplaintSubmission(
        category=category,
        title=None,
        description=record.description,
        location=location_of(record.lat, record.lon, record.kelurahan_code, record.location_text, "lat", "lon"),
        reporter=ReporterContact(name=record.caller_name, phone=record.caller_phone) if has_caller else None,
        anonymous=record.anonymous,
        confidential=record.confidential,
        severity=severity,
    )
