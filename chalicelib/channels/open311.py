"""Open311's POST service request: a form into our complaint.

GeoReport v2 sends `application/x-www-form-urlencoded` fields: `api_key`,
`jurisdiction_id`, `service_code`, a location (`lat` + `long`, `address_string`
or `address_id`), `attribute[code]=value` (and `attribute[code][]=...` for
lists), the reporter (`email`, `first_name`, `last_name`, `phone`; `device_id`
and `account_id` are accepted and not kept: we do not need them), `description`
and `media_url`. `address_id` is a kelurahan code (Kemendagri), the addressing
system the hub keys on. `media_url` is kept as a link for operators; nothing
here or anywhere else requests it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain import open311, reference
from chalicelib.domain.commands import NewComplaint
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.links import Email, MediaUrl
from chalicelib.domain.models import Location
from chalicelib.domain.region import region_code_of
from chalicelib.domain.text import clean_text
from chalicelib.schemas.public import ComplaintSubmission, ReporterContact

CHANNEL = "open311"
FORM_TYPE = "application/x-www-form-urlencoded"

#: our field (as intake and ComplaintSubmission name it) -> the Open311 parameter
FIELD_NAMES = {
    "category": "service_code",
    "location": "lat/long/address_string/address_id",
    "location.lat": "lat",
    "location.lon": "long",
    "location.address": "address_string",
    "location.kelurahan_code": "address_id/attribute[kelurahan]",
    "reporter.name": "first_name/last_name",
    "reporter.phone": "phone",
    "reporter.email": "email",
    **{
        a.maps_to: open311.attribute_field(a.code)
        for a in open311.config().attributes
        if not a.maps_to.startswith("location.")
    },
}

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
#: digits of a coordinate kept (~1 cm); also keeps numbers DynamoDB can store
_COORD_DIGITS = 7


class Open311Form(BaseModel):
    """The scalar fields of the form, with the spec's names and our bounds."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    api_key: str | None = Field(default=None, max_length=256)
    jurisdiction_id: str | None = Field(default=None, max_length=253)
    service_code: str | None = Field(default=None, max_length=64)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    long: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    address_string: str | None = Field(default=None, max_length=500)
    address_id: str | None = Field(default=None, max_length=32)
    email: Email | None = Field(default=None, max_length=254)
    device_id: str | None = Field(default=None, max_length=256)
    account_id: str | None = Field(default=None, max_length=256)
    first_name: str | None = Field(default=None, max_length=60)
    last_name: str | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, max_length=32)
    description: str | None = Field(default=None, max_length=open311.config().limits.max_description)
    #: an https link to a public host (domain/links.py): republished, never fetched
    media_url: MediaUrl | None = Field(default=None, max_length=2048)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, v: Any) -> Any:
        """The spec: an empty parameter is the same as no parameter."""
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("lat", "long")
    @classmethod
    def _rounded(cls, v: float | None) -> float | None:
        return None if v is None else round(v, _COORD_DIGITS)


SCALARS = frozenset(Open311Form.model_fields)


@dataclass
class Form:
    """A parsed form: its scalar fields (each given once) and its attributes."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _bad_body(reason: str, message_id: str, message_en: str) -> InvalidInput:
    return InvalidInput([FieldProblem("body", reason, message_id, message_en)])


def parse_form(raw: bytes, content_type: str | None) -> Form:
    """The form's fields; other parameters are ignored, a field given twice is refused."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise _bad_body("unsupported_media_type", f"Kirim sebagai {FORM_TYPE}", f"Send the request as {FORM_TYPE}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_body("invalid_encoding", "Isi permintaan bukan UTF-8", "The request body is not UTF-8") from None
    limit = open311.config().limits.max_form_fields
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=limit)
    except ValueError:
        raise _bad_body("too_many_fields", f"Paling banyak {limit} parameter", f"At most {limit} parameters") from None
    form = Form()
    twice: list[str] = []
    for name, raw_value in pairs:
        value = clean_text(raw_value)  # no control characters in what is kept (domain/text.py)
        if m := _ATTRIBUTE.match(name):
            form.attributes.setdefault(m.group(1), []).append(value)
        elif name in SCALARS:
            if name in form.fields:
                twice.append(name)
            form.fields[name] = value
    if twice:
        raise InvalidInput(
            [
                FieldProblem(n, "given_twice", f"{n} diberikan lebih dari sekali", f"{n} was given twice")
                for n in sorted(set(twice))
            ]
        )
    return form


def read_form(form: Form) -> Open311Form:
    return Open311Form.model_validate(form.fields)


def _location(form: Open311Form, chosen_kelurahan: str | None) -> Location:
    if (form.lat is None) != (form.long is None):
        missing = "long" if form.long is None else "lat"
        raise InvalidInput(
            [
                FieldProblem(
                    missing, "missing", "lat dan long harus diisi bersama", "lat and long must be given together"
                )
            ]
        )
    kelurahan = form.address_id
    elsewhere = kelurahan is not None and region_code_of(kelurahan) not in (None, reference.default_code())
    if kelurahan is not None and not elsewhere and kelurahan not in reference.areas().kelurahan:
        # another region's code is checked by intake, in that region
        raise InvalidInput(
            [
                FieldProblem(
                    "address_id",
                    "unknown_kelurahan",
                    "address_id harus kode kelurahan (lihat attribute kelurahan)",
                    "address_id must be a kelurahan code (see the kelurahan attribute)",
                )
            ]
        )
    if chosen_kelurahan and kelurahan and chosen_kelurahan != kelurahan:
        raise InvalidInput(
            [
                FieldProblem(
                    "address_id",
                    "disagrees",
                    "address_id dan attribute[kelurahan] berbeda",
                    "address_id and attribute[kelurahan] name different kelurahan",
                )
            ]
        )
    kelurahan = kelurahan or chosen_kelurahan
    if form.lat is None and not form.address_string and not kelurahan:
        raise InvalidInput(
            [
                FieldProblem(
                    "lat/long/address_string/address_id",
                    "location_required",
                    "Lokasi wajib: lat dan long, address_string, atau address_id",
                    "A location is required: lat and long, address_string or address_id",
                )
            ]
        )
    return Location(kelurahan_code=kelurahan, lat=form.lat, lon=form.long, address=form.address_string)


def new_complaint(form: Form, client_app: str) -> NewComplaint:
    """The complaint in our vocabulary (channel `open311`, the client app kept as `client_app`).

    Field problems come out with our names (ComplaintSubmission's, intake's): `renamed`
    gives them the client's."""
    fields = read_form(form)
    open311.require_service(fields.service_code)
    if fields.description is None:
        # optional in the spec; a complaint without its text cannot be handled or sent to LAPOR!
        raise InvalidInput(
            [FieldProblem("description", "missing", "description wajib diisi", "description is required")]
        )
    chosen = open311.submission_fields(form.attributes)
    location = _location(fields, chosen.pop("location.kelurahan_code", None))
    name = " ".join(p for p in (fields.first_name, fields.last_name) if p) or None
    has_reporter = any((name, fields.phone, fields.email))
    submission = ComplaintSubmission(
        category=fields.service_code,
        description=fields.description,
        location=location,
        reporter=ReporterContact(name=name, phone=fields.phone, email=fields.email) if has_reporter else None,
        **chosen,
    )
    attrs = {"client_app": client_app, "media_url": fields.media_url}
    return NewComplaint(
        submission=submission, channel=CHANNEL, attributes={k: v for k, v in attrs.items() if v is not None}
    )


#: hints in intake's messages, in Open311's words
_HINTS = ((re.compile(r"\bkelurahan_code\b"), "address_id"), (re.compile(r"\blat/lon\b"), "lat/long"))


def _in_our_words(message: str, field: str, native: str) -> str:
    if message.startswith(field):
        message = native + message[len(field) :]
    for pattern, words in _HINTS:
        message = pattern.sub(words, message)
    return message


def renamed(problems: list[FieldProblem]) -> list[FieldProblem]:
    """Name our fields as Open311 calls them, so the client knows what to fix."""
    out = []
    for p in problems:
        native = FIELD_NAMES.get(p.field, p.field)
        out.append(
            FieldProblem(
                native,
                p.reason,
                _in_our_words(p.message_id, p.field, native),
                _in_our_words(p.message_en, p.field, native),
            )
        )
    return out
