"""The one complaint model every channel is normalised into.

Pure domain: no boto3, no requests. Instants are aware datetimes in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.numbers import Latitude, Longitude


def utcnow() -> datetime:
    return datetime.now(UTC)


class Status(StrEnum):
    """Our lifecycle: one vocabulary for every channel and for LAPOR!."""

    RECEIVED = "received"  # accepted by the hub, not yet at LAPOR!
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # 112 record an operator must confirm
    EMERGENCY = "emergency"  # handled by the command centre, never sent to LAPOR!
    FORWARDED = "forwarded"  # LAPOR! ticket exists, waiting for verification
    NEEDS_ATTENTION = "needs_attention"  # LAPOR! refused it; parked for an admin
    VERIFIED = "verified"  # LAPOR! verified and disposed it to the unit
    IN_PROGRESS = "in_progress"  # the unit has followed up at least once
    RESOLVED = "resolved"  # the unit finished; waiting for the reporter
    CLOSED = "closed"  # finished for good
    REJECTED = "rejected"  # refused, by LAPOR! (Ditolak) or by the unit with a reason
    ARCHIVED = "archived"  # LAPOR! archived it (Diarsipkan)
    RETURNED = "returned"  # the unit said "bukan wewenang": waiting for the coordinator to reassign it
    DUPLICATE = "duplicate"  # a duplicate of another complaint (`duplicate_of`); out of the statistics


#: Statuses in which nothing more happens.
FINAL_STATUSES = frozenset({Status.EMERGENCY, Status.CLOSED, Status.REJECTED, Status.ARCHIVED, Status.DUPLICATE})

#: Statuses in which a complaint lives at LAPOR! and must be polled.
AT_LAPOR_STATUSES = frozenset({Status.FORWARDED, Status.VERIFIED, Status.IN_PROGRESS, Status.RESOLVED, Status.RETURNED})

STATUS_LABELS_ID: dict[Status, str] = {
    Status.RECEIVED: "Diterima",
    Status.AWAITING_CONFIRMATION: "Menunggu konfirmasi operator",
    Status.EMERGENCY: "Ditangani pusat panggilan darurat",
    Status.FORWARDED: "Diteruskan ke SP4N-LAPOR!",
    Status.NEEDS_ATTENTION: "Perlu tindakan admin",
    Status.VERIFIED: "Terverifikasi, menunggu tindak lanjut",
    Status.IN_PROGRESS: "Dalam proses",
    Status.RESOLVED: "Selesai ditindaklanjuti",
    Status.CLOSED: "Ditutup",
    Status.REJECTED: "Ditolak",
    Status.ARCHIVED: "Diarsipkan",
    Status.RETURNED: "Dikembalikan ke koordinator untuk disposisi",
    Status.DUPLICATE: "Sama dengan pengaduan lain",
}


class Severity(StrEnum):
    RINGAN = "ringan"
    SEDANG = "sedang"
    BERAT = "berat"


class Reporter(BaseModel):
    """Personal data: never in a public answer, never in a log line."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    nik: str | None = Field(default=None, max_length=16)


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    kelurahan_code: str | None = Field(default=None, max_length=32)
    lat: Latitude | None = None
    lon: Longitude | None = None
    address: str | None = Field(default=None, max_length=500)


class Unit(BaseModel):
    """Who handles a complaint: an OPD, a kecamatan or a kelurahan."""

    model_config = ConfigDict(defer_build=True)

    code: str
    kind: str
    name: str


class TimelineEntry(BaseModel):
    model_config = ConfigDict(defer_build=True)
    at: datetime
    kind: str
    status: Status | None = None
    message: str = ""
    lapor_id: int | None = None
    ref: str = ""  # what makes the entry unique (LAPOR! follow-up id, rung, ...)
    # who acted (operators only: never in a public view)
    actor: str | None = None  # the signed-in user
    actor_unit: str | None = None  # the user's unit claim
    reason: str | None = None  # why (operators only)
    public: bool = True  # False: operators only (notes, assignments)


class Complaint(BaseModel):
    """The hub's record of one complaint, whatever channel it came from."""

    model_config = ConfigDict(defer_build=True)

    tracking_id: str
    channel: str = "app"
    channel_ref: str | None = None
    category: str
    title: str | None = None
    description: str
    location: Location = Field(default_factory=Location)
    kecamatan_code: str | None = None
    unit: Unit | None = None
    severity: Severity = Severity.SEDANG
    reporter: Reporter | None = None
    anonymous: bool = False
    confidential: bool = False
    status: Status = Status.RECEIVED
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    lapor_id: int | None = None
    deadline: datetime | None = None
    escalation_level: int = 0
    attachments: list[str] = Field(default_factory=list)  # S3 keys
    possible_duplicate_of: str | None = None
    park_reason: str | None = None
    #: incremented by every write of the item (optimistic concurrency: If-Match / ETag)
    version: int = 1
    assigned_to: str | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None  # the unit's first public answer (set once)
    resolved_at: datetime | None = None  # the latest move to resolved
    moved_from: list[str] = Field(default_factory=list)  # unit codes it was reassigned away from
    duplicate_of: str | None = None
    rating_stars: int | None = None
    rated_at: datetime | None = None
    reopen_count: int = 0
    client_app: str | None = None  # the Open311 client app it came through
    media_url: str | None = None  # a link an Open311 client sent: shown to operators, never fetched
    closed_how: str | None = None  # how a closed complaint closed: auto, confirmed, dismissed (a call)
    #: the region (Kemendagri code) it belongs to; None: the default region (stored before regions were)
    jurisdiction: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES
