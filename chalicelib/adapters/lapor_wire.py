"""The LAPOR! wire format, and only that: our model <-> LAPOR!'s JSON.

The official specification is not public (see ../shared/lapor-api.md); this is
the one place to change when an agency obtains it. ASSUMPTION: the look-up
`GET /complaints?tag=<text>` is not in the public evidence.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from chalicelib.domain.calendar import WIB
from chalicelib.domain.models import Complaint, Status

PATH_CREATE = "/complaints/complaint"
PATH_UPLOAD = "/complaints/complaint/file"
PATH_GET = "/complaints/{id}/complaint"
PATH_FOLLOWUPS = "/complaints/{id}/followups"
PATH_FOLLOWUP_ADD = "/complaints/followup/add"
PATH_LOOKUP = "/complaints"  # ?tag=...  (assumed)
PATH_INSTITUTIONS = "/masters/institutions/external"

#: LAPOR! status names onto our lifecycle. "Dalam Proses" is refined by the
#: status sync: verified until the unit's first follow-up, in progress after.
STATUS_MAP: dict[str, Status] = {
    "Belum Terverifikasi": Status.FORWARDED,
    "Dalam Proses": Status.VERIFIED,
    "Selesai": Status.RESOLVED,
    "Diarsipkan": Status.ARCHIVED,
    "Ditolak": Status.REJECTED,
}

TAG_PREFIX = "aduan-hub:"


def tag_for(tracking_id: str) -> str:
    return f"{TAG_PREFIX}{tracking_id}"


def followup_marker(tracking_id: str, ref: str) -> str:
    """Ends the text of a follow-up the hub itself posts, so it can be found again
    (LAPOR! answers a follow-up without an id) and is never taken for the unit's answer."""
    return f"[{TAG_PREFIX}{tracking_id}:{ref}]"


def is_ours(content: str) -> bool:
    """A follow-up the hub posted (it carries a followup_marker)."""
    return f"[{TAG_PREFIX}" in content


#: The hub's own follow-ups (an operator's answer, a reopen, a reporter's comment, a late file)
#: end with `followup_marker`: read back, they are recognised, so the status sync never takes
#: them for the unit's answer and a post whose outcome was unknown is found before it is sent
#: again. For answers and comments the ref is `<seq>-<side>`: the outbox item's sequence and
#: whose words they are, "unit" or "pelapor" (a late file is the reporter's: `lampiran-<n>`).
_MARK = re.compile(
    r"\["
    + re.escape(TAG_PREFIX)
    + r"([A-Z]{3}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}):(?:(\d{1,9})-(unit|pelapor)|lampiran-(\d{1,4}))\]"
)


@dataclass(frozen=True)
class Marker:
    tracking_id: str
    seq: int
    side: str  # unit | pelapor

    @property
    def text(self) -> str:
        return followup_marker(self.tracking_id, f"{self.seq}-{self.side}")


def marked(content: str, marker: Marker) -> str:
    """The follow-up's content as posted: the text, then the marker on its own line."""
    return f"{content.rstrip()}\n\n{marker.text}"


def marker_of(content: str) -> Marker | None:
    """The hub's marker in a follow-up's text (the last one), or None."""
    matches = list(_MARK.finditer(content or ""))
    found = matches[-1] if matches else None
    if found is None:
        return None
    if found.group(4) is not None:  # a late file sent for the reporter
        return Marker(found.group(1), int(found.group(4)), "pelapor")
    return Marker(found.group(1), int(found.group(2)), found.group(3))


def create_payload(c: Complaint, disposition_id: int | None, attachment_ids: list[int]) -> dict[str, Any]:
    """A new LAPOR! complaint. No reporter identity is ever sent: LAPOR! gets the
    anonymous and confidential flags and the text only."""
    payload: dict[str, Any] = {
        "title": (c.title or c.description[:80]).strip(),
        "content": c.description,
        "channel": c.channel,
        "classification_id": 1,  # pengaduan
        "category_id": None,
        "location_id": c.location.kelurahan_code,
        "date_of_incident": c.created_at.astimezone(WIB).strftime("%Y-%m-%d"),
        "is_anonymous": 1 if c.anonymous else 0,
        "is_secret": 1 if c.confidential else 0,
        "is_priority": 0,
        "attachments": attachment_ids,
        "tags_raw": tag_for(c.tracking_id),
    }
    if disposition_id is not None:
        payload["disposition_id"] = disposition_id
    return {k: v for k, v in payload.items() if v is not None}


# -- answers ------------------------------------------------------------------
#
# Only what ../shared/lapor-api.md documents is read, and of that only what the hub
# uses is required; every other field of an answer is ignored. The complaint id is
# the one we asked for: the documented GET answer carries none. An answer outside
# these shapes (a required field missing, a wrong type, not JSON at all) raises
# UnexpectedAnswer, which the client turns into a LaporError for that complaint.


class UnexpectedAnswer(ValueError):
    """LAPOR! answered, but not in the documented shape."""

    def __init__(self, call: str, problems: list[str]) -> None:
        super().__init__(f"unexpected answer to {call}: {'; '.join(problems[:5])}")
        self.call = call
        self.problems = problems


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):  # JSON true is not an id
        raise ValueError("a number, not true/false")
    return value


WireInt = Annotated[int, BeforeValidator(_not_bool)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")  # anything undocumented is optional, and unread


_W = TypeVar("_W", bound=_Wire)
FOLLOWUP_TIME_FORMAT = "%d-%m-%Y %H:%M:%S"  # WIB


def _read(model: type[_W], body: Any, call: str) -> _W:
    """The documented part of an answer, or UnexpectedAnswer naming what was wrong
    (paths and error kinds only: never the answer's values)."""
    try:
        return model.model_validate(body)
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'body'} {e['type']}"
            for e in err.errors(include_url=False, include_input=False, include_context=False)
        ]
        raise UnexpectedAnswer(call, problems) from None


class _Created(_Wire):
    complaint_id: WireInt


class _CreatedAnswer(_Wire):
    results: _Created


class _ComplaintData(_Wire):
    status_name: str = Field(min_length=1)  # required: the status sync maps it
    status_code: WireInt | None = None
    disposition_id: WireInt | None = None
    disposition_name: str | None = None


class _ComplaintResults(_Wire):
    data: _ComplaintData
    data_logs: list[dict[str, Any]] | None = None  # documented, not read


class _ComplaintAnswer(_Wire):
    results: _ComplaintResults


class _Followup(_Wire):
    content: str | None
    created_at: datetime
    id: WireInt | str | None = None  # not documented: used when LAPOR! sends one

    @field_validator("created_at", mode="before")
    @classmethod
    def _wib(cls, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ValueError("text d-m-Y H:i:s")
        return datetime.strptime(value, FOLLOWUP_TIME_FORMAT).replace(tzinfo=WIB).astimezone(UTC)


class _FollowupList(_Wire):
    data: list[_Followup] | None = None


class _FollowupsAnswer(_Wire):
    results: _FollowupList


class _Doc(_Wire):
    id: WireInt


class _Docs(_Wire):
    docs: list[_Doc] = Field(min_length=1)


class _UploadAnswer(_Wire):
    results: _Docs


class _LookupRow(_Wire):
    complaint_id: WireInt
    tags_raw: str | None = None


class _LookupList(_Wire):
    data: list[_LookupRow] | None = None


class _LookupAnswer(_Wire):
    results: _LookupList


class _Institution(_Wire):
    id: WireInt
    name: str


class _InstitutionList(_Wire):
    data: list[_Institution]


class _InstitutionsAnswer(_Wire):
    results: _InstitutionList


class LaporComplaint(BaseModel):
    complaint_id: int
    status_name: str
    status: Status | None
    disposition_id: int | None = None
    disposition_name: str | None = None


class LaporFollowup(BaseModel):
    id: str
    content: str
    at: datetime


def parse_created(body: Any) -> int:
    return _read(_CreatedAnswer, body, "POST " + PATH_CREATE).results.complaint_id


def parse_complaint(body: Any, complaint_id: int) -> LaporComplaint:
    """One complaint's state; `complaint_id` is the id we asked for."""
    data = _read(_ComplaintAnswer, body, "GET " + PATH_GET).results.data
    return LaporComplaint(
        complaint_id=complaint_id,
        status_name=data.status_name,
        status=STATUS_MAP.get(data.status_name),
        disposition_id=data.disposition_id,
        disposition_name=data.disposition_name,
    )


def parse_followups(body: Any) -> list[LaporFollowup]:
    """Follow-ups in LAPOR!'s order; without an id from LAPOR!, one derived from time and text."""
    out = []
    for f in _read(_FollowupsAnswer, body, "GET " + PATH_FOLLOWUPS).results.data or []:
        content = f.content or ""
        stamp = f.created_at.astimezone(WIB).strftime(FOLLOWUP_TIME_FORMAT)
        fid = str(f.id) if f.id not in (None, "") else hashlib.sha1(f"{stamp}|{content}".encode()).hexdigest()[:16]
        out.append(LaporFollowup(id=fid, content=content, at=f.created_at))
    return out


def parse_followup_added(body: Any) -> str | None:
    """LAPOR!'s id for a follow-up just added, when its answer carries one (undocumented)."""
    results = body.get("results") if isinstance(body, dict) else None
    found = results.get("id") if isinstance(results, dict) else None
    return str(found) if isinstance(found, int | str) and not isinstance(found, bool) and found != "" else None


def parse_lookup(body: Any, tracking_id: str) -> list[int]:
    """Ticket ids whose tags carry exactly our tracking id."""
    tag = tag_for(tracking_id)
    ids = []
    for row in _read(_LookupAnswer, body, "GET " + PATH_LOOKUP).results.data or []:
        tags = row.tags_raw or ""
        if tag in [t.strip() for t in tags.replace(";", ",").split(",")]:
            ids.append(row.complaint_id)
    return sorted(ids)


def parse_upload(body: Any) -> list[int]:
    return [d.id for d in _read(_UploadAnswer, body, "POST " + PATH_UPLOAD).results.docs]


def parse_institutions(body: Any) -> list[dict[str, Any]]:
    return [i.model_dump() for i in _read(_InstitutionsAnswer, body, "GET " + PATH_INSTITUTIONS).results.data]


def error_text(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        msg = body.get("message") or body.get("error")
        errs = body.get("errors")
        if errs:
            return f"{msg or 'invalid'}: {errs}"
        if msg:
            return str(msg)
    return fallback
