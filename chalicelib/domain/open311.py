"""Open311 GeoReport v2 in our vocabulary: services, attributes, open/closed, dates.

Pure: reads the packaged data only (open311.json, categories.json, the
default region's areas). Services are our complaint categories; every service
definition offers the same attributes, each mapping onto one field of a
complaint (the kelurahan, the severity, ...). The jurisdiction ids, the
discovery text and the limits are data, so another city changes a file, not
this code.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain import reference
from chalicelib.domain.calendar import local_tz
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.models import Severity, Status

OPEN = "open"
CLOSED = "closed"

#: Our statuses an Open311 client sees as closed ("it has been resolved"). By value,
#: so a status the lifecycle gains later (a duplicate) is mapped here, in one place;
#: every other status is open.
_CLOSED_VALUES = frozenset({"resolved", "closed", "rejected", "archived", "duplicate"})

#: Never served through Open311: 112/119 emergencies (held out of LAPOR!, may hold
#: health data) and 112 calls an operator has not confirmed (may be noise).
_UNLISTED_VALUES = frozenset({"emergency", "awaiting_confirmation"})


class UnknownJurisdiction(Exception):
    """A jurisdiction_id that is not ours (HTTP 404)."""


class UnknownService(Exception):
    """A service_code that names no service (HTTP 404)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def status_of(status: Status | str) -> str:
    """`open` or `closed`, from our lifecycle."""
    return CLOSED if str(status) in _CLOSED_VALUES else OPEN


def is_listed(status: Status | str) -> bool:
    return str(status) not in _UNLISTED_VALUES


def statuses_for(wanted: set[str]) -> list[str]:
    """Our listed status values whose Open311 status is in `wanted` (open, closed)."""
    return sorted(s.value for s in Status if is_listed(s) and status_of(s) in wanted)


# -- the catalogue -------------------------------------------------------------


class AttributeValue(BaseModel):
    model_config = ConfigDict(defer_build=True)
    key: str
    name: str


Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]


class ServiceAttribute(BaseModel):
    """One attribute of every service definition, as the spec names its fields."""

    model_config = ConfigDict(defer_build=True)

    variable: bool = True
    code: str = Field(pattern=r"^[a-z_]{1,32}$")
    datatype: Datatype
    required: bool = False
    datatype_description: str | None = None
    order: int = Field(ge=1)
    description: str
    values: list[AttributeValue] | None = None
    # ours, never shown: which complaint field the answer fills, and the longest text accepted
    maps_to: str = Field(exclude=True)
    max_length: int | None = Field(default=None, exclude=True)

    def public(self) -> dict[str, Any]:
        out = self.model_dump()
        if out["values"] is None:
            del out["values"]  # the schema allows an array or nothing, not null
        return out


class Discovery(BaseModel):
    model_config = ConfigDict(defer_build=True)
    changeset: str
    contact: str
    key_service: str
    specification: str
    type: Literal["production", "test"]
    formats: list[str]


class Limits(BaseModel):
    model_config = ConfigDict(defer_build=True)
    max_results: int = Field(ge=1)
    default_page_size: int = Field(ge=1)
    max_window_days: int = Field(ge=1)
    max_depth: int = Field(ge=1)
    max_ids: int = Field(ge=1)
    max_description: int = Field(ge=1)
    max_response_bytes: int = Field(ge=1)
    max_form_fields: int = Field(ge=1)


class ServiceMeta(BaseModel):
    model_config = ConfigDict(defer_build=True)
    group: str | None = None
    keywords: str | None = None
    description: str | None = None


class Open311Config(BaseModel):
    model_config = ConfigDict(defer_build=True)
    jurisdiction_ids: list[str] = Field(min_length=1)
    discovery: Discovery
    service_type: Literal["realtime", "batch", "blackbox"]
    service_notice: str
    limits: Limits
    services: dict[str, ServiceMeta]
    attributes: list[ServiceAttribute]

    @model_validator(mode="after")
    def _unique_codes_and_orders(self) -> Open311Config:
        codes = [a.code for a in self.attributes]
        orders = [a.order for a in self.attributes]
        if len(set(codes)) != len(codes) or len(set(orders)) != len(orders):
            raise ValueError("attribute codes and orders must be unique")
        return self


class Service(BaseModel):
    model_config = ConfigDict(defer_build=True)
    service_code: str
    service_name: str
    description: str | None
    metadata: bool
    type: str
    keywords: str | None
    group: str | None


def _kelurahan_values() -> list[AttributeValue]:
    """Every kelurahan, named with its kecamatan: two are called Sukawana."""
    areas = reference.areas()
    return [
        AttributeValue(key=k.code, name=f"{k.name} (Kec. {areas.kecamatan[k.kecamatan_code]})")
        for k in sorted(areas.kelurahan.values(), key=lambda k: k.code)
    ]


@lru_cache(maxsize=1)
def config() -> Open311Config:
    raw = reference.load_json("open311.json")
    attrs = []
    for a in raw["attributes"]:
        a = dict(a)
        source = a.pop("values_from", None)
        if source is not None:
            if source != "kelurahan":
                raise ValueError(f"unknown values_from {source!r}")
            a["values"] = _kelurahan_values()
        attrs.append(a)
    cfg = Open311Config.model_validate({**{k: v for k, v in raw.items() if not k.startswith("_")}, "attributes": attrs})
    for a in cfg.attributes:
        if a.maps_to == "severity" and {v.key for v in a.values or []} != {s.value for s in Severity}:
            raise ValueError("the severity attribute must list exactly our severities")
    return cfg


@lru_cache(maxsize=1)
def services() -> list[Service]:
    """The default region's services: the package's categories."""
    return services_of(reference.categories())


def services_of(categories: Mapping[str, reference.Category]) -> list[Service]:
    """One service per category a region offers, under the region's own names."""
    cfg = config()
    out = []
    for code, cat in categories.items():
        meta = cfg.services.get(code, ServiceMeta())
        out.append(
            Service(
                service_code=code,
                service_name=cat.name,
                description=meta.description or cat.name_en,
                metadata=bool(cfg.attributes),
                type=cfg.service_type,
                keywords=meta.keywords,
                group=meta.group,
            )
        )
    return out


def service(code: str) -> Service | None:
    return next((s for s in services() if s.service_code == code), None)


def definition(code: str) -> dict[str, Any]:
    """The service definition: the same attributes for every service, ordered."""
    attrs = sorted(config().attributes, key=lambda a: a.order)
    return {"service_code": code, "attributes": [a.public() for a in attrs]}


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    """Optional; when given it must name the default region (the `tokens` route's rule)."""
    if jurisdiction_id and jurisdiction_id.strip().lower() not in {j.lower() for j in config().jurisdiction_ids}:
        raise UnknownJurisdiction(jurisdiction_id)


def region_named(jurisdiction_id: str | None, served: Collection[str]) -> str | None:
    """The region a `jurisdiction_id` names: None for the default region (no id, or one of its
    configured ids), a served region's Kemendagri code as given; anything else is not ours."""
    if not jurisdiction_id or jurisdiction_id.strip().lower() in {j.lower() for j in config().jurisdiction_ids}:
        return None
    if jurisdiction_id.strip() in served:
        return jurisdiction_id.strip()
    raise UnknownJurisdiction(jurisdiction_id)


def require_service(code: str | None) -> Service:
    """The service named, a 400 when none is named, a 404 when it names no service."""
    if not code:
        raise InvalidInput(
            [FieldProblem("service_code", "missing", "service_code wajib diisi", "service_code is required")]
        )
    found = service(code)
    if found is None:
        raise UnknownService(code)
    return found


def service_notice(unit_name: str | None) -> str | None:
    return config().service_notice.format(unit=unit_name) if unit_name else None


# -- attributes of a POST into complaint fields ---------------------------------------


def attribute_field(code: str) -> str:
    return f"attribute[{code}]"


def submission_fields(given: dict[str, list[str]]) -> dict[str, Any]:
    """Complaint fields from `attribute[code]` answers (unknown codes are ignored, as
    clients such as FixMyStreet send their own); refuses values outside the definition."""
    by_code = {a.code: a for a in config().attributes}
    out: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for code, answers in given.items():
        attr = by_code.get(code)
        if attr is None:
            continue
        field = attribute_field(code)
        answers = [a.strip() for a in answers if a.strip()]
        if not answers:
            continue
        if attr.datatype != "multivaluelist" and len(answers) > 1:
            problems.append(
                FieldProblem(field, "single_value", f"{field} hanya boleh satu nilai", f"{field} takes one value")
            )
            continue
        value: Any = answers if attr.datatype == "multivaluelist" else answers[0]
        if attr.values is not None:
            keys = {v.key for v in attr.values}
            if any(v not in keys for v in answers):
                problems.append(
                    FieldProblem(
                        field,
                        "not_in_list",
                        f"{field} bukan pilihan yang sah (lihat definisi layanan)",
                        f"{field} is not one of the values in the service definition",
                    )
                )
                continue
        if attr.max_length is not None and any(len(v) > attr.max_length for v in answers):
            problems.append(
                FieldProblem(
                    field,
                    "string_too_long",
                    f"{field} paling banyak {attr.max_length} karakter",
                    f"{field} takes at most {attr.max_length} characters",
                )
            )
            continue
        if attr.values is not None and {v.key for v in attr.values} == {"true", "false"}:
            value = value == "true"  # a yes/no list fills a flag
        out[attr.maps_to] = value
    if problems:
        raise InvalidInput(problems)
    return out


# -- W3C datetimes and the date window ---------------------------------------------

#: years a date filter may name; beyond them it is a typo (and datetime arithmetic overflows)
SANE_YEARS = (2000, 2100)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: "+07:00" sent unencoded in a query string arrives as " 07:00"
_SPACE_OFFSET = re.compile(r"^(.*T[\d:.]+) (\d{2}:?\d{2})$")


def w3c(value: datetime | None) -> str | None:
    """A W3C datetime with its offset, in the city's time zone, to the second."""
    if value is None:
        return None
    return value.astimezone(local_tz()).replace(microsecond=0).isoformat()


def parse_w3c(text: str, field: str) -> datetime:
    """A W3C datetime with a time zone, or a date (midnight in the city's time zone)."""
    raw = text.strip()
    if m := _SPACE_OFFSET.match(raw):
        raw = f"{m.group(1)}+{m.group(2)}"
    problem = FieldProblem(
        field,
        "invalid_datetime",
        f"{field} harus tanggal-waktu W3C dengan zona waktu, mis. 2025-01-31T00:00:00+07:00",
        f"{field} must be a W3C datetime with a time zone, e.g. 2025-01-31T00:00:00Z",
    )
    if len(raw) > 40:
        raise InvalidInput([problem])
    try:
        if _DATE_ONLY.match(raw):
            value = datetime.combine(date.fromisoformat(raw), time(), tzinfo=local_tz())
        else:
            value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InvalidInput([problem]) from None
    if value.tzinfo is None:
        raise InvalidInput([problem])
    if not SANE_YEARS[0] <= value.year <= SANE_YEARS[1]:
        raise InvalidInput(
            [
                FieldProblem(
                    field,
                    "out_of_range",
                    f"{field} harus antara tahun {SANE_YEARS[0]} dan {SANE_YEARS[1]}",
                    f"{field} must fall between the years {SANE_YEARS[0]} and {SANE_YEARS[1]}",
                )
            ]
        )
    return value.astimezone(UTC)


def window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The requested_datetime window: the last N days by default, never longer than N days."""
    span = timedelta(days=config().limits.max_window_days)
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - span
    elif end is None:
        end = start + span
    if start > end:
        raise InvalidInput(
            [
                FieldProblem(
                    "start_date",
                    "after_end_date",
                    "start_date harus sebelum end_date",
                    "start_date must come before end_date",
                )
            ]
        )
    if end - start > span:
        days = span.days
        raise InvalidInput(
            [
                FieldProblem(
                    "end_date",
                    "window_too_long",
                    f"Rentang start_date..end_date paling lama {days} hari",
                    f"The start_date..end_date window spans at most {days} days",
                )
            ]
        )
    return start, end


def months_newest_first(start: datetime, end: datetime) -> list[str]:
    """The UTC months (yyyy-mm) a window touches, newest first: the `created` index partitions."""
    out = []
    y, m = end.astimezone(UTC).year, end.astimezone(UTC).month
    first = (start.astimezone(UTC).year, start.astimezone(UTC).month)
    while (y, m) >= first:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out
