"""Models of the public and the reporters: what an app sends, what anyone with a tracking id may see.

Also the nearby question's query and answer: public fields only, within the city's service area.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.domain import public_view, reference
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.links import Email
from chalicelib.domain.models import (
    STATUS_LABELS_ID,
    Complaint,
    Location,
    Reporter,
    Severity,
    Status,
    TimelineEntry,
    Unit,
    utcnow,
)
from chalicelib.domain.numbers import Latitude, Longitude
from chalicelib.domain.privacy import public_message
from chalicelib.domain.public_view import of_complaint

if TYPE_CHECKING:
    from chalicelib.domain.sla import SlaPolicy


class ReporterContact(Reporter):
    """The reporter as intake accepts them: an e-mail is one plain address (it reaches LAPOR!)."""

    email: Email | None = Field(default=None, max_length=254)


class ComplaintSubmission(BaseModel):
    """`POST /v1/complaints` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    category: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=10, max_length=5000)
    location: Location
    title: str | None = Field(default=None, max_length=200)
    reporter: ReporterContact | None = None
    anonymous: bool = False
    confidential: bool = False
    severity: Severity | None = None
    #: keys from `POST /v1/uploads`, in the order LAPOR! should show them
    attachments: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=100)
    #: the region (Kemendagri code, GET /v1/jurisdictions); optional: the place names it, and must agree
    jurisdiction: str | None = Field(default=None, pattern=r"^[0-9]{2}\.[0-9]{2}$")

    @field_validator("category")
    @classmethod
    def _a_category_we_offer(cls, code: str) -> str:
        """Checked with the other fields, so one answer names every bad field (the form shows them all)."""
        if code not in reference.categories():
            raise PydanticCustomError("unknown_category", "unknown category")
        return code

    @model_validator(mode="after")
    def _uploads_we_could_have_given(self) -> ComplaintSubmission:
        from chalicelib.domain.attachments import is_upload_key, rules

        problems = [
            FieldProblem(
                f"attachments.{i}",
                "unknown_upload",
                "attachments harus berisi key dari POST /v1/uploads",
                "attachments must hold keys given by POST /v1/uploads",
            )
            for i, key in enumerate(self.attachments)
            if not is_upload_key(key)
        ]
        problems += [
            FieldProblem(
                f"attachments.{i}",
                "duplicate_upload",
                "key ini sudah disebut sebelumnya",
                "this key is already named before",
            )
            for i, key in enumerate(self.attachments)
            if key in self.attachments[:i]
        ]
        n = rules().max_per_complaint
        if len(self.attachments) > n:
            problems.append(
                FieldProblem(
                    "attachments",
                    "too_many_attachments",
                    f"Maksimal {n} lampiran per pengaduan",
                    f"At most {n} attachments per complaint",
                )
            )
        if problems:
            raise InvalidInput(problems[: n + 1])
        return self


class ReopenRequest(BaseModel):
    """`POST /v1/complaints/{tracking_id}/reopen` body: why the reporter is not satisfied."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    reason: str = Field(min_length=10, max_length=2000)


def _deadline_is_a_rungs(timeline: list[TimelineEntry]) -> bool:
    """True when the latest deadline-setting entry is an escalation (rung deadline)."""
    for e in reversed(timeline):
        if e.status is not None and e.kind != "overdue":
            return e.kind == "escalated"
    return False


class PublicTimelineEntry(BaseModel):
    model_config = ConfigDict(defer_build=True)
    at: datetime
    kind: str
    status: Status | None = None
    message: str = ""
    lapor_id: int | None = None


class PublicPhoto(BaseModel):
    """A photo the hub checked and re-encoded (no metadata): a same-origin JPEG address."""

    model_config = ConfigDict(defer_build=True)

    url: str


class PublicComplaint(BaseModel):
    """What anyone holding the tracking id may see: never reporter data. Of an emergency
    (112/119, handled by the call centre) only its status and times (`status_only`)."""

    model_config = ConfigDict(defer_build=True)

    tracking_id: str
    status: Status
    status_label: str
    channel: str | None
    category: str | None
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
    deadline_rule: str | None = None  # e.g. "3 hari kerja": the rule behind `deadline`
    overdue_working_days: float | None = None  # set only when past the deadline
    escalation_level: int
    timeline: list[PublicTimelineEntry]
    #: the photos the public may see (domain/public_view.py): none of a confidential complaint
    photos: list[PublicPhoto] = Field(default_factory=list)

    @classmethod
    def of(
        cls, c: Complaint, timeline: list[TimelineEntry], photos: Sequence[int] = (), policy: SlaPolicy | None = None
    ) -> PublicComplaint:
        """`photos`: the numbers of the photos public_view allows (services/public_photos.py);
        `policy`: the complaint's region's SLA policy (the package's when not given), for the words
        of its deadline's rule."""
        # the calendar (holidays) loads on the first read, not on every function's import
        from chalicelib.domain.overdue import overdue_working_days
        from chalicelib.domain.sla import default_policy, describe_deadline

        if status_only(c):
            return cls.times_only(c, timeline)
        rules = policy or default_policy()
        facts = of_complaint(c)  # what is public, decided once for every surface
        return cls(
            tracking_id=c.tracking_id,
            status=c.status,
            status_label=STATUS_LABELS_ID[c.status],
            channel=facts.channel,
            category=facts.category,
            title=facts.title,
            description=facts.description,
            kelurahan_code=facts.kelurahan_code,
            kecamatan_code=facts.kecamatan_code,
            unit=c.unit,
            anonymous=c.anonymous,
            confidential=c.confidential,
            created_at=c.created_at,
            updated_at=c.updated_at,
            lapor_id=c.lapor_id,
            deadline=c.deadline,
            deadline_rule=None
            if c.deadline is None
            else describe_deadline(rules, c.status.value, c.severity.value, _deadline_is_a_rungs(timeline)),
            overdue_working_days=overdue_working_days(c.deadline, utcnow()),
            escalation_level=c.escalation_level,
            # operators' notes never, the reporter's words never, answers hidden when confidential
            timeline=[
                PublicTimelineEntry(at=e.at, kind=e.kind, status=e.status, message=text, lapor_id=e.lapor_id)
                for e in timeline
                if (text := public_message(e, c.confidential)) is not None
            ],
            photos=[PublicPhoto(url=public_view.photo_path(c.tracking_id, n)) for n in photos]
            if public_view.shows_photos(c.confidential, c.status)
            else [],
        )

    @classmethod
    def times_only(cls, c: Complaint, timeline: list[TimelineEntry]) -> PublicComplaint:
        """Status and times, nothing else: not the channel (119 is the health line), the
        place, the category, the text or the timeline's messages."""
        return cls(
            tracking_id=c.tracking_id,
            status=c.status,
            status_label=STATUS_LABELS_ID[c.status],
            channel=None,
            category=None,
            title=None,
            description=None,
            kelurahan_code=None,
            kecamatan_code=None,
            unit=None,
            anonymous=True,
            confidential=True,
            created_at=c.created_at,
            updated_at=c.updated_at,
            lapor_id=None,
            deadline=None,
            escalation_level=0,
            timeline=[PublicTimelineEntry(at=e.at, kind=e.kind, status=e.status) for e in timeline],
        )


def status_only(c: Complaint) -> bool:
    """Emergencies (112/119 calls the call centre handles, never at LAPOR!) are confidential
    by default: health data is specific personal data (UU 27/2022). Every public view asks this."""
    return public_view.times_only(c.status)


class CommentRequest(BaseModel):
    """`POST /v1/complaints/{tracking_id}/comments` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    message: str = Field(min_length=2, max_length=2000)


class RatingRequest(BaseModel):
    """`POST /v1/complaints/{tracking_id}/rating` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    stars: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(default=None, max_length=1000)


class CategoriesQuery(BaseModel):
    """`GET /v1/categories` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    jurisdiction: str | None = Field(
        default=None,
        pattern=r"^[0-9]{2}\.[0-9]{2}$",
        description="region code NN.NN (GET /v1/jurisdictions); default: the deployment's",
    )


class CategoryList(BaseModel):
    model_config = ConfigDict(defer_build=True)
    categories: list[reference.Category]


class SubmissionAccepted(BaseModel):
    """201 to `POST /v1/complaints`; `reporter_token` is shown here only (and on an Idempotency-Key retry)."""

    model_config = ConfigDict(defer_build=True)

    tracking_id: str
    status: Status
    reporter_token: str | None


# -- "already reported nearby" -----------------------------------------------


class NearbyQuery(BaseModel):
    """`GET /v1/complaints/nearby` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    lat: Latitude
    lon: Longitude
    category: str = Field(min_length=1, max_length=64)
    #: the region whose hints to read (GET /v1/jurisdictions); default: the region the point lies in
    jurisdiction: str | None = Field(default=None, pattern=r"^[0-9]{2}\.[0-9]{2}$")


def check_in_default_area(lat: float, lon: float) -> None:
    """A point for the default region's hints must lie in its area (the polygons' box and a margin);
    the 400 says where that is."""
    from chalicelib.domain.geo import service_area  # the geometry loads with the first point, not at start

    area = service_area()
    lat_ok, lon_ok = area.holds(lat, lon)
    problems = []
    if not lat_ok:
        problems.append(_outside("lat", area.lat_min, area.lat_max))
    if not lon_ok:
        problems.append(_outside("lon", area.lon_min, area.lon_max))
    if problems:
        raise InvalidInput(problems)


def _outside(field: str, lo: float, hi: float) -> FieldProblem:
    words = reference.region().words
    return FieldProblem(
        field,
        words.outside_reason,
        f"{field} di luar wilayah {words.region} ({lo}..{hi})",
        f"{field} is {words.outside[1]} ({lo}..{hi})",
    )


class NearbyComplaint(BaseModel):
    """One open complaint near a point: public fields only, never text or reporter."""

    model_config = ConfigDict(defer_build=True)

    tracking_id: str
    category: str
    title: str | None
    status: Status
    status_label: str
    created_at: datetime
    distance_m: int
    unit: str | None  # the handling unit's name

    @classmethod
    def of(cls, c: Complaint, distance_m: float) -> NearbyComplaint:
        return cls(
            tracking_id=c.tracking_id,
            category=c.category,
            title=of_complaint(c).title,
            status=c.status,
            status_label=STATUS_LABELS_ID[c.status],
            created_at=c.created_at,
            distance_m=round(distance_m),
            unit=c.unit.name if c.unit else None,
        )


class NearbyAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)
    radius_m: int
    complaints: list[NearbyComplaint]
