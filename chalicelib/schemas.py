"""HTTP boundary models: what mobile apps send and what the public may see."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain import reference
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.geo import service_area
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


def json_payload(raw: bytes | str | None) -> Any:
    """A request body as JSON, or a 400 naming why: empty, not JSON (nested beyond the
    parser's depth too), or holding text that is not Unicode (a lone surrogate such as
    "\\ud800" is valid JSON but cannot be stored or sent on)."""
    if not raw:
        raise InvalidInput([FieldProblem("body", "missing", "Isi permintaan kosong", "The request body is empty")])
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise InvalidInput(
            [
                FieldProblem(
                    "body", "invalid_json", "Isi permintaan bukan JSON yang sah", "The request body is not valid JSON"
                )
            ]
        ) from None
    where = _not_unicode(payload)
    if where is not None:
        raise InvalidInput(
            [
                FieldProblem(
                    where,
                    "invalid_text",
                    f"{where} berisi teks yang bukan Unicode yang sah",
                    f"{where} holds text that is not valid Unicode",
                )
            ]
        )
    return payload


def _not_unicode(payload: Any) -> str | None:
    """The path of the first key or text that cannot be encoded as UTF-8, if any."""
    todo: list[tuple[str, Any]] = [("", payload)]
    while todo:
        path, node = todo.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return path or "body"
        elif isinstance(node, dict):
            for k, v in node.items():
                child = f"{path}.{k}" if path else str(k)
                try:
                    k.encode("utf-8")
                except UnicodeEncodeError:
                    return path or "body"
                todo.append((child, v))
        elif isinstance(node, list):
            todo.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(node))
    return None


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
    #: keys from `POST /v1/uploads`, in the order LAPOR! should show them
    attachments: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=100)

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

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=10, max_length=2000)


def _deadline_is_a_rungs(timeline: list[TimelineEntry]) -> bool:
    """True when the latest deadline-setting entry is an escalation (rung deadline)."""
    for e in reversed(timeline):
        if e.status is not None and e.kind != "overdue":
            return e.kind == "escalated"
    return False


class AttachmentRequest(BaseModel):
    """`POST /v1/complaints/{tracking_id}/attachments` body (the file name is never kept)."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(max_length=200)


class UploadRequest(BaseModel):
    """`POST /v1/uploads` body: a photo taken before the complaint is sent."""

    model_config = ConfigDict(extra="forbid")

    content_type: str = Field(max_length=200)


class PublicTimelineEntry(BaseModel):
    at: datetime
    kind: str
    status: Status | None = None
    message: str = ""
    lapor_id: int | None = None


class PublicComplaint(BaseModel):
    """What anyone holding the tracking id may see: never reporter data. Of an emergency
    (112/119, handled by the call centre) only its status and times (`status_only`)."""

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

    @classmethod
    def of(cls, c: Complaint, timeline: list[TimelineEntry]) -> PublicComplaint:
        # the calendar (holidays) loads on the first read, not on every function's import
        from chalicelib.domain.overdue import overdue_working_days
        from chalicelib.domain.sla import default_policy, describe_deadline

        if status_only(c):
            return cls.times_only(c, timeline)
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
            deadline_rule=None
            if c.deadline is None
            else describe_deadline(default_policy(), c.status.value, c.severity.value, _deadline_is_a_rungs(timeline)),
            overdue_working_days=overdue_working_days(c.deadline, utcnow()),
            escalation_level=c.escalation_level,
            # operators' notes never, the reporter's words never, answers hidden when confidential
            timeline=[
                PublicTimelineEntry(at=e.at, kind=e.kind, status=e.status, message=text, lapor_id=e.lapor_id)
                for e in timeline
                if (text := public_message(e, c.confidential)) is not None
            ],
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
    return c.status == Status.EMERGENCY


# -- channels, callbacks and "already reported nearby" ---------------


class NearbyQuery(BaseModel):
    """`GET /v1/complaints/nearby` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lat: Latitude
    lon: Longitude
    category: str = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _in_kota_serang(self) -> NearbyQuery:
        area = service_area()
        lat_ok, lon_ok = area.holds(self.lat, self.lon)
        problems = []
        if not lat_ok:
            problems.append(_outside("lat", area.lat_min, area.lat_max))
        if not lon_ok:
            problems.append(_outside("lon", area.lon_min, area.lon_max))
        if problems:
            # raised as our own error (not a ValueError) so the 400 says where the city is
            raise InvalidInput(problems)
        return self


def _outside(field: str, lo: float, hi: float) -> FieldProblem:
    return FieldProblem(
        field,
        "outside_kota_serang",
        f"{field} di luar wilayah Kota Serang ({lo}..{hi})",
        f"{field} is outside Kota Serang ({lo}..{hi})",
    )


class NearbyComplaint(BaseModel):
    """One open complaint near a point: public fields only, never text or reporter."""

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
            title=None if c.confidential else c.title,
            status=c.status,
            status_label=STATUS_LABELS_ID[c.status],
            created_at=c.created_at,
            distance_m=round(distance_m),
            unit=c.unit.name if c.unit else None,
        )


class CallbackRegistration(BaseModel):
    """`PUT /v1/admin/channels/{channel}/callback` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=8, max_length=2048)


class DismissRequest(BaseModel):
    """`POST /v1/admin/complaints/{tracking_id}/dismiss` body (optional)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=500)


class ChannelEvent(BaseModel):
    """A status change sent back to the channel a complaint came from (signed POST).

    `event_id` is deterministic per timeline entry: receivers drop repeats by it."""

    event_id: str
    type: str  # the timeline entry's kind: forwarded, confirmed, status, escalated, closed, ...
    tracking_id: str
    channel: str
    channel_ref: str | None
    status: Status
    status_label: str
    occurred_at: datetime
    lapor_id: int | None = None
    message: str = ""


# -- public statistics (docs/statistics.md) ----------------------------


_WINDOW_PATTERN = r"^(30d|90d|365d|(20\d\d|2100)-(0[1-9]|1[0-2]))$"


class StatsQuery(BaseModel):
    """`GET /v1/stats` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    window: str = Field(default="30d", pattern=_WINDOW_PATTERN)
    level: Literal["city", "opd", "kecamatan", "kelurahan"] = "city"
    view: Literal["unit", "place"] = "unit"

    @model_validator(mode="after")
    def _place_has_no_opd(self) -> StatsQuery:
        if self.view == "place" and self.level == "opd":
            raise InvalidInput(
                [
                    FieldProblem(
                        "view",
                        "not_for_level",
                        "view=place tidak berlaku untuk level opd (OPD tidak punya wilayah)",
                        "view=place does not apply to level opd (an OPD has no area)",
                    )
                ]
            )
        return self


class StatsCsvQuery(BaseModel):
    """`GET /v1/stats.csv` query string: without window / level, every rolling window / level."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    window: str | None = Field(default=None, pattern=_WINDOW_PATTERN)
    level: Literal["city", "opd", "kecamatan", "kelurahan"] | None = None
    view: Literal["unit", "place"] = "unit"


class StatsUnitQuery(BaseModel):
    """`GET /v1/stats/units/{unit_code}` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    view: Literal["unit", "place"] = "unit"


class PublicListQuery(BaseModel):
    """`GET /v1/public/complaints` query string: the complaints behind a figure."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit: str = Field(default="city", min_length=3, max_length=40)
    view: Literal["unit", "place"] = "unit"
    status: Literal["open", "resolved", "rejected", "moved"] | None = None
    overdue: bool = False
    window: str | None = Field(default=None, pattern=_WINDOW_PATTERN)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=50)


# -- operators: the inbox, one complaint, actions; reporters answering back ----------


class InboxParams(BaseModel):
    """`GET /v1/operator/complaints` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Status | None = None
    channel: str | None = Field(default=None, min_length=1, max_length=32)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    kelurahan_code: str | None = Field(default=None, min_length=1, max_length=32)
    overdue: bool = False
    assigned_to: Literal["me"] | None = None
    sort: Literal["newest", "urgent"] = "newest"
    unit: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="one inbox within the caller's scope (a unit code, `city`, a call centre)",
    )
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, min_length=1, max_length=200)


class _RowSource(BaseModel):
    """The complaint attributes the inbox indexes project (infra/template.json)."""

    model_config = ConfigDict(extra="ignore")

    tracking_id: str
    status: Status
    channel: str = "app"
    category: str
    title: str | None = None
    unit: Unit | None = None
    location: Location = Field(default_factory=Location)
    kecamatan_code: str | None = None
    severity: Severity = Severity.SEDANG
    created_at: datetime
    updated_at: datetime
    deadline: datetime | None = None
    escalation_level: int = 0
    assigned_to: str | None = None
    acknowledged_at: datetime | None = None
    lapor_id: int | None = None


class InboxRow(BaseModel):
    """One complaint in an operator's inbox: enough to choose what to open, never the reporter."""

    tracking_id: str
    status: Status
    status_label: str
    channel: str
    category: str
    title: str | None
    unit: Unit | None
    kelurahan_code: str | None
    kecamatan_code: str | None
    severity: Severity
    created_at: datetime
    updated_at: datetime
    deadline: datetime | None
    working_days_left: float | None  # until the deadline (None: no deadline, or overdue)
    overdue_working_days: float | None  # past the deadline (None: not overdue)
    escalation_level: int
    assigned_to: str | None = None
    acknowledged: bool = False
    lapor_id: int | None = None

    @classmethod
    def of(cls, item: dict[str, Any], now: datetime) -> InboxRow:
        """From an inbox index item (only the row's attributes are projected there)."""
        from chalicelib.domain.overdue import overdue_working_days, working_days_left

        c = _RowSource.model_validate(item)
        return cls(
            tracking_id=c.tracking_id,
            status=c.status,
            status_label=STATUS_LABELS_ID[c.status],
            channel=c.channel,
            category=c.category,
            title=c.title,
            unit=c.unit,
            kelurahan_code=c.location.kelurahan_code,
            kecamatan_code=c.kecamatan_code,
            severity=c.severity,
            created_at=c.created_at,
            updated_at=c.updated_at,
            deadline=c.deadline,
            working_days_left=working_days_left(c.deadline, now),
            overdue_working_days=overdue_working_days(c.deadline, now),
            escalation_level=c.escalation_level,
            assigned_to=c.assigned_to,
            acknowledged=c.acknowledged_at is not None,
            lapor_id=c.lapor_id,
        )


class InboxPageOut(BaseModel):
    """One page of an inbox, the badges' counts per status, and the cursor of the next page."""

    complaints: list[InboxRow]
    counts: dict[str, int]  # status -> complaints of this inbox in it (open and done)
    next: str | None  # pass as `cursor` for the next page; None: the last page
    inbox: str  # whose inbox: a unit code, a kecamatan area (kec:...), `city` or a call centre
    sort: Literal["newest", "urgent"]


class OperatorTimelineEntry(BaseModel):
    at: datetime
    kind: str
    status: Status | None = None
    message: str = ""
    lapor_id: int | None = None
    actor: str | None = None
    actor_unit: str | None = None
    reason: str | None = None
    public: bool = True


class OperatorComplaint(BaseModel):
    """The whole record an operator in scope may see; the reporter only when not anonymous."""

    tracking_id: str
    version: int
    status: Status
    status_label: str
    allowed_actions: list[str]  # for the caller, now
    channel: str
    channel_ref: str | None
    category: str
    title: str | None
    description: str
    location: Location
    kecamatan_code: str | None
    unit: Unit | None
    severity: Severity
    reporter: Reporter | None  # None when anonymous (or none given)
    anonymous: bool
    confidential: bool
    created_at: datetime
    updated_at: datetime
    lapor_id: int | None
    lapor_status: str | None = None
    deadline: datetime | None
    working_days_left: float | None = None
    overdue_working_days: float | None = None
    escalation_level: int
    assigned_to: str | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    moved_from: list[str] = Field(default_factory=list)
    duplicate_of: str | None = None
    possible_duplicate_of: str | None = None
    park_reason: str | None = None
    reopen_count: int = 0
    comment_count: int = 0
    rating_stars: int | None = None
    rated_at: datetime | None = None
    rating_comment: str | None = None
    proof_attachments: list[str] = Field(default_factory=list)  # keys of proof photos (resolve)
    timeline: list[OperatorTimelineEntry]

    @classmethod
    def of(
        cls, c: Complaint, item: dict[str, Any], timeline: list[TimelineEntry], allowed: list[str], now: datetime
    ) -> OperatorComplaint:
        row = InboxRow.of(item, now)
        return cls(
            tracking_id=c.tracking_id,
            version=c.version,
            status=c.status,
            status_label=STATUS_LABELS_ID[c.status],
            allowed_actions=allowed,
            channel=c.channel,
            channel_ref=c.channel_ref,
            category=c.category,
            title=c.title,
            description=c.description,
            location=c.location,
            kecamatan_code=c.kecamatan_code,
            unit=c.unit,
            severity=c.severity,
            reporter=None if c.anonymous else c.reporter,
            anonymous=c.anonymous,
            confidential=c.confidential,
            created_at=c.created_at,
            updated_at=c.updated_at,
            lapor_id=c.lapor_id,
            lapor_status=item.get("lapor_status"),
            deadline=c.deadline,
            working_days_left=row.working_days_left,
            overdue_working_days=row.overdue_working_days,
            escalation_level=c.escalation_level,
            assigned_to=c.assigned_to,
            acknowledged_at=c.acknowledged_at,
            first_response_at=c.first_response_at,
            resolved_at=c.resolved_at,
            moved_from=c.moved_from,
            duplicate_of=c.duplicate_of,
            possible_duplicate_of=c.possible_duplicate_of,
            park_reason=c.park_reason,
            reopen_count=c.reopen_count,
            comment_count=int(item.get("comment_count") or 0),
            rating_stars=c.rating_stars,
            rated_at=c.rated_at,
            rating_comment=item.get("rating_comment"),
            proof_attachments=list(item.get("proof_attachments") or []),
            timeline=[OperatorTimelineEntry.model_validate(e.model_dump()) for e in timeline],
        )


class ActionRequest(BaseModel):
    """`POST /v1/operator/complaints/{tracking_id}/actions` body: the action and the fields it needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal[
        "acknowledge",
        "assign",
        "respond",
        "note",
        "resolve",
        "reject",
        "not-ours",
        "reassign",
        "duplicate-of",
        "confirm",
        "dismiss",
    ]
    message: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="respond, resolve: the public answer; note: the private note",
    )
    reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=2000,
        description="reject (shown to the reporter), not-ours, reassign, duplicate-of, dismiss",
    )
    unit: str | None = Field(default=None, min_length=1, max_length=64, description="reassign: the new unit's code")
    assignee: str | None = Field(
        default=None, min_length=1, max_length=120, description="assign: the person of the unit"
    )
    duplicate_of: str | None = Field(
        default=None, min_length=1, max_length=32, description="duplicate-of: the original complaint's tracking id"
    )
    attachment: str | None = Field(
        default=None, min_length=1, max_length=200, description="resolve: a proof photo's key from POST .../attachments"
    )

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"action"})


class ResponseTemplate(BaseModel):
    id: str
    title: str
    text: str


class TemplateList(BaseModel):
    category: str | None
    templates: list[ResponseTemplate]


class TemplateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str | None = Field(default=None, min_length=1, max_length=64)


class CommentRequest(BaseModel):
    """`POST /v1/complaints/{tracking_id}/comments` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    message: str = Field(min_length=2, max_length=2000)


class RatingRequest(BaseModel):
    """`POST /v1/complaints/{tracking_id}/rating` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    stars: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(default=None, max_length=1000)


# -- answers, as the OpenAPI document describes them (chalicelib/openapi.py) ---------


class ProblemBody(BaseModel):
    """One bad field of a 400: which, why (machine code) and a message in Indonesian and English."""

    field: str
    reason: str
    message: str
    message_id: str
    message_en: str


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the hub: a machine code and a message in Indonesian and English."""

    error: str
    message: str  # "<Indonesian> / <English>"
    message_id: str
    message_en: str
    errors: list[ProblemBody] | None = None  # 400: one entry per bad field


class CategoryList(BaseModel):
    categories: list[reference.Category]


class SubmissionAccepted(BaseModel):
    """201 to `POST /v1/complaints`; `reporter_token` is shown here only (and on an Idempotency-Key retry)."""

    tracking_id: str
    status: Status
    reporter_token: str | None


class ChannelAccepted(SubmissionAccepted):
    channel: str
    channel_ref: str
    replayed: bool


class ComplaintState(BaseModel):
    """The status a complaint is in after an admin action."""

    tracking_id: str
    status: Status


class UploadTarget(BaseModel):
    url: str
    fields: dict[str, str]


class UploadForm(BaseModel):
    """A presigned S3 POST: send the file as multipart/form-data with `fields`, then the file."""

    upload: UploadTarget
    key: str
    expires_in: int


class NearbyAnswer(BaseModel):
    radius_m: int
    complaints: list[NearbyComplaint]


class CallbackView(BaseModel):
    channel: str
    url: str
    updated_at: str | None


class AdminListQuery(BaseModel):
    """`GET /v1/admin/complaints` query string."""

    status: Literal["needs_attention"]
    limit: int = Field(default=50, ge=1, le=100)
    next: str | None = Field(default=None, max_length=2048, description="the `next` of the previous page")


# -- public statistics: answers (as the OpenAPI document describes them) -------------


class StatsFlow(BaseModel):
    """The figures about the complaints received in a window (a month of a unit's series)."""

    received: int
    received_by_channel: dict[str, int]
    resolved: int
    rejected: int
    moved_out: int
    resolved_on_time_share: float | None
    first_response_days_p50: float | None
    first_response_days_p90: float | None
    resolution_days_p50: float | None
    resolution_days_p90: float | None
    reopen_rate: float | None
    rating_avg: float | None
    rating_count: int
    ranked: bool


class StatsFigures(StatsFlow):
    """A unit's figures in a window, with the state now (open, overdue, backlog by age)."""

    open: int
    overdue: int
    backlog_by_age: dict[str, int]


class StatsRow(StatsFigures):
    unit_code: str  # city, opd:..., kec:..., kel:...
    unit_name: str
    level: str


class StatsTable(BaseModel):
    """`GET /v1/stats`: every unit of a level, in one window and view."""

    window: str
    level: str
    view: str
    generated_at: datetime | None
    units: list[StatsRow]


class StatsMonth(BaseModel):
    month: str
    received: int | None = None
    received_by_channel: dict[str, int] | None = None
    resolved: int | None = None
    rejected: int | None = None
    moved_out: int | None = None
    resolved_on_time_share: float | None = None
    first_response_days_p50: float | None = None
    first_response_days_p90: float | None = None
    resolution_days_p50: float | None = None
    resolution_days_p90: float | None = None
    reopen_rate: float | None = None
    rating_avg: float | None = None
    rating_count: int | None = None
    ranked: bool | None = None


class StatsUnitView(BaseModel):
    """`GET /v1/stats/units/{unit_code}`: the unit's figures per window and its last 12 months."""

    unit_code: str
    unit_name: str
    level: str
    view: str
    generated_at: datetime | None
    windows: dict[str, StatsFigures | None]
    monthly: list[StatsMonth]


class PublicListUnit(BaseModel):
    code: str | None
    name: str | None


class PublicListComplaint(BaseModel):
    """A complaint behind a figure: public fields only (no reporter, no confidential text)."""

    tracking_id: str
    title: str | None
    category: str | None
    status: str | None
    status_label: str
    created_at: datetime | None
    deadline: datetime | None
    overdue_working_days: float | None
    unit: PublicListUnit
    kelurahan_code: str | None


class PublicList(BaseModel):
    """`GET /v1/public/complaints`: one page, newest first; `cursor` continues."""

    unit: str
    view: str
    status: str | None
    overdue: bool
    window: str | None
    complaints: list[PublicListComplaint]
    cursor: str | None
