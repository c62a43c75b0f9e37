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
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from chalicelib.domain.models import Complaint, Status

WIB = ZoneInfo("Asia/Jakarta")

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


#: The mark the hub puts at the end of every follow-up it posts (an operator's answer,
#: a reopen, a reporter's comment), so that it is recognised when read back: the status
#: sync never takes it for the unit's answer, and a post whose outcome was unknown is
#: found before it is sent again. `side` says whose words they are: "unit" or "pelapor".
_MARK = re.compile(r"\[aduan-hub (SRG-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}) #(\d{1,9}) (unit|pelapor)\]\s*$")


@dataclass(frozen=True)
class Marker:
    tracking_id: str
    seq: int
    side: str  # unit | pelapor

    @property
    def text(self) -> str:
        return f"[aduan-hub {self.tracking_id} #{self.seq} {self.side}]"


def marked(content: str, marker: Marker) -> str:
    """The follow-up's content as posted: the text, then the marker on its own line."""
    return f"{content.rstrip()}\n\n{marker.text}"


def marker_of(content: str) -> Marker | None:
    found = _MARK.search(content or "")
    return Marker(found.group(1), int(found.group(2)), found.group(3)) if found else None


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


def parse_created(body: dict[str, Any]) -> int:
    return int(body["results"]["complaint_id"])


def parse_complaint(body: dict[str, Any]) -> LaporComplaint:
    data = body["results"]["data"]
    name = str(data.get("status_name", ""))
    return LaporComplaint(
        complaint_id=int(data.get("complaint_id") or data.get("id")),
        status_name=name,
        status=STATUS_MAP.get(name),
        disposition_id=data.get("disposition_id"),
        disposition_name=data.get("disposition_name"),
    )


def parse_followups(body: dict[str, Any]) -> list[LaporFollowup]:
    out = []
    for f in body["results"].get("data") or []:
        at = datetime.strptime(f["created_at"], "%d-%m-%Y %H:%M:%S").replace(tzinfo=WIB).astimezone(UTC)
        fid = str(f.get("id") or hashlib.sha1(f"{f['created_at']}|{f.get('content', '')}".encode()).hexdigest()[:16])
        out.append(LaporFollowup(id=fid, content=str(f.get("content", "")), at=at))
    return out


def parse_lookup(body: dict[str, Any], tracking_id: str) -> list[int]:
    """Ticket ids whose tags carry exactly our tracking id."""
    tag = tag_for(tracking_id)
    ids = []
    for row in body.get("results", {}).get("data") or []:
        tags = str(row.get("tags_raw", ""))
        if tag in [t.strip() for t in tags.replace(";", ",").split(",")]:
            ids.append(int(row["complaint_id"]))
    return sorted(ids)


def parse_upload(body: dict[str, Any]) -> list[int]:
    return [int(d["id"]) for d in body["results"]["docs"]]


def parse_institutions(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body["results"].get("data") or [])


def error_text(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        msg = body.get("message") or body.get("error")
        errs = body.get("errors")
        if errs:
            return f"{msg or 'invalid'}: {errs}"
        if msg:
            return str(msg)
    return fallback
