"""HTTP boundary models: what mobile apps send and what the public may see."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.models import (
    STATUS_LABELS_ID,
    Complaint,
    Location,
    Reporter,
    Severity,
    Status,
    TimelineEntry,
    Unit,
)


class ComplaintSubmission(BaseModel):
    """`POST /v1/complaints` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=10, max_length=5000)
    location: Location
    title: str | None = Field(default=None, max_length=200)
    reporter: Reporter | None = None
    anonymous: bool = False
    confidential: bool = False
    severity: Severity | None = None


class AttachmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str


class PublicTimelineEntry(BaseModel):
    at: datetime
    kind: str
    status: Status | None = None
    message: str = ""
    lapor_id: int | None = None


class PublicComplaint(BaseModel):
    """What anyone holding the tracking id may see: never reporter data."""

    tracking_id: str
    status: Status
    status_label: str
    channel: str
    category: str
    title: str | None
    description: str | None  # hidden when confidential
    kelurahan_code: str | None
    kecamatan_code: str | None
    unit: Unit | None
    anonymous: bool
    confidential: bool
    created_at: datetime
    updated_at: datetime
    lapor_id: int | None
    deadline: datetime | None
    escalation_level: int
    timeline: list[PublicTimelineEntry]

    @classmethod
    def of(cls, c: Complaint, timeline: list[TimelineEntry]) -> PublicComplaint:
        return cls(
            tracking_id=c.tracking_id,
            status=c.status,
            status_label=STATUS_LABELS_ID[c.status],
            channel=c.channel,
            category=c.category,
            title=None if c.confidential else c.title,
            description=None if c.confidential else c.description,
            kelurahan_code=c.location.kelurahan_code,
            kecamatan_code=c.kecamatan_code,
            unit=c.unit,
            anonymous=c.anonymous,
            confidential=c.confidential,
            created_at=c.created_at,
            updated_at=c.updated_at,
            lapor_id=c.lapor_id,
            deadline=c.deadline,
            escalation_level=c.escalation_level,
            timeline=[PublicTimelineEntry.model_validate(e.model_dump()) for e in timeline],
        )
