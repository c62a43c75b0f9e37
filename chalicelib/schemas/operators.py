"""Models of the operators' inbox, one complaint as an operator in scope sees it, actions and templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

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
)


class InboxParams(BaseModel):
    """`GET /v1/operator/complaints` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

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
    shelf: Literal["forwarded"] | None = Field(
        default=None,
        description='"Diteruskan": what the unit handed on ("bukan wewenang"), read-only, newest hand-off first',
    )


class _RowSource(BaseModel):
    """The complaint attributes the inbox indexes project (infra/template.json)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

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
    reopen_reason: str | None = None
    comment_count: int = 0
    last_comment: str | None = None
    last_comment_at: datetime | None = None


class ReporterComment(BaseModel):
    """What the reporter wrote back (operators only: it may name people)."""

    model_config = ConfigDict(defer_build=True)

    at: datetime
    message: str


class InboxRow(BaseModel):
    """One complaint in an operator's inbox: enough to choose what to open, never the reporter."""

    model_config = ConfigDict(defer_build=True)

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
    reopen_reason: str | None = None  # why the reporter reopened it (the latest reopen)
    comment_count: int = 0  # how many times the reporter wrote back
    reporter_comments: list[ReporterComment] = Field(default_factory=list)  # the latest only, in a row

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
            reopen_reason=c.reopen_reason,
            comment_count=c.comment_count,
            reporter_comments=[ReporterComment(at=c.last_comment_at, message=c.last_comment)]
            if c.last_comment and c.last_comment_at
            else [],
        )


class InboxPageOut(BaseModel):
    """One page of an inbox, the badges' counts per status, and the cursor of the next page."""

    model_config = ConfigDict(defer_build=True)

    complaints: list[InboxRow]
    counts: dict[str, int]  # status -> complaints of this inbox in it (open and done)
    next: str | None  # pass as `cursor` for the next page; None: the last page
    inbox: str  # whose inbox: a unit code, a kecamatan area (kec:...), `city` or a call centre
    sort: Literal["newest", "urgent"]


class OperatorTimelineEntry(BaseModel):
    model_config = ConfigDict(defer_build=True)
    at: datetime
    kind: str
    status: Status | None = None
    message: str = ""
    lapor_id: int | None = None
    actor: str | None = None
    actor_unit: str | None = None
    reason: str | None = None
    public: bool = True


class OperatorPhoto(BaseModel):
    """A reporter's photo the operator may see: the API's own address (the bearer goes with it)."""

    model_config = ConfigDict(defer_build=True)

    number: int  # its place among the complaint's attachments (1 = the first)
    url: str  # GET with the operator's bearer: the checked JPEG/PNG/WebP
    alt: str


class OperatorComplaint(BaseModel):
    """The whole record an operator in scope may see; the reporter only when not anonymous."""

    model_config = ConfigDict(defer_build=True)

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
    reopen_reason: str | None = None  # why the reporter reopened it (the latest reopen)
    reopened_at: datetime | None = None
    comment_count: int = 0
    reporter_comments: list[ReporterComment] = Field(default_factory=list)  # every comment, oldest first
    rating_stars: int | None = None
    rated_at: datetime | None = None
    rating_comment: str | None = None
    proof_attachments: list[str] = Field(default_factory=list)  # keys of proof photos (resolve)
    photos: list[OperatorPhoto] = Field(default_factory=list)  # the reporter's photos that passed the check
    timeline: list[OperatorTimelineEntry]

    @classmethod
    def of(
        cls,
        c: Complaint,
        item: dict[str, Any],
        timeline: list[TimelineEntry],
        allowed: list[str],
        now: datetime,
        photos: Sequence[int] = (),
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
            reopen_reason=item.get("reopen_reason"),
            reopened_at=item.get("reopened_at"),
            comment_count=int(item.get("comment_count") or 0),
            reporter_comments=[ReporterComment(at=e.at, message=e.message) for e in timeline if e.kind == "comment"],
            rating_stars=c.rating_stars,
            rated_at=c.rated_at,
            rating_comment=item.get("rating_comment"),
            proof_attachments=list(item.get("proof_attachments") or []),
            photos=[
                OperatorPhoto(
                    number=n,
                    url=f"/v1/operator/complaints/{c.tracking_id}/photos/{n}",
                    alt=f"Foto {n} dari pelapor, aduan {c.tracking_id}",
                )
                for n in photos
            ],
            timeline=[OperatorTimelineEntry.model_validate(e.model_dump()) for e in timeline],
        )


class ActionRequest(BaseModel):
    """`POST /v1/operator/complaints/{tracking_id}/actions` body: the action and the fields it needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

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
    template_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="respond, resolve: a template to start from (its text when no message is given); "
        "{tracking_id}, {unit}, {deadline} in the text are filled by the hub",
    )

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"action"})


class ResponseTemplate(BaseModel):
    """An answer to start from; `text` may hold {tracking_id}, {unit}, {deadline} (the hub fills them)."""

    model_config = ConfigDict(defer_build=True)

    id: str
    title: str
    text: str
    category: str | None = None  # None: for every category
    unit: str | None = None  # None: for every unit
    updated_at: str | None = None  # None: from the starting set
    updated_by: str | None = None


class TemplateIn(BaseModel):
    """`PUT /v1/operator/templates/{template_id}`: the coordinator adds or edits a template."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000, description="may hold {tracking_id}, {unit}, {deadline}")
    category: str | None = Field(default=None, min_length=1, max_length=64, description="None: every category")
    unit: str | None = Field(default=None, min_length=1, max_length=64, description="None: every unit")


class TemplateChange(BaseModel):
    model_config = ConfigDict(defer_build=True)
    at: str
    by: str
    action: Literal["created", "edited"]
    before: dict[str, Any] | None = None
    after: dict[str, Any]


class TemplateHistory(BaseModel):
    model_config = ConfigDict(defer_build=True)
    template_id: str
    changes: list[TemplateChange]


class TemplateList(BaseModel):
    model_config = ConfigDict(defer_build=True)
    category: str | None
    templates: list[ResponseTemplate]


class TemplateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    category: str | None = Field(default=None, min_length=1, max_length=64)


class PeopleQuery(BaseModel):
    """`GET /v1/operator/people` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    unit: str | None = Field(
        default=None, min_length=1, max_length=64, description="another unit's people (the coordinator)"
    )


class Person(BaseModel):
    """Someone who can sign in for a unit: whom an assignment may name (`user`)."""

    model_config = ConfigDict(defer_build=True)

    user: str
    unit: str
    name: str | None = None


class PeopleOut(BaseModel):
    model_config = ConfigDict(defer_build=True)
    people: list[Person]


class PersonIn(BaseModel):
    """`POST /v1/operator/people`: the coordinator adds a person to a unit."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    user: str = Field(min_length=1, max_length=128)
    unit: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=200)


class NotificationEvents(BaseModel):
    """Which notices a person wants (each on unless turned off)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    new_complaint: StrictBool = True  # a complaint arrived for the unit
    due_tomorrow: StrictBool = True  # an answer is due tomorrow
    escalated: StrictBool = True  # a complaint climbed to the person's rung
    mentioned: StrictBool = True  # a colleague mentioned them (@user) in a note


class NotificationPreferencesIn(BaseModel):
    """`PUT /v1/operator/notifications`: the caller's choice of notices."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    email: str | None = Field(default=None, min_length=3, max_length=254, description="where to send them")
    events: NotificationEvents = Field(default_factory=NotificationEvents)
    digest: StrictBool = Field(default=False, description="one morning digest instead of single mails")


class NotificationPreferences(BaseModel):
    model_config = ConfigDict(defer_build=True)
    user: str
    unit: str
    email: str | None
    events: NotificationEvents
    digest: bool


class UnitAddressesIn(BaseModel):
    """`PUT /v1/operator/units/{unit}/notifications`: the e-mail addresses that get the unit's notices."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    emails: list[Email] = Field(max_length=20, description="every address of the unit (replaces the list)")
    digest: StrictBool | None = Field(
        default=None, description="hold every single notice for one morning digest (unchanged when absent)"
    )


class UnitAddresses(BaseModel):
    model_config = ConfigDict(defer_build=True)
    unit: str
    emails: list[str]
    digest: bool
    filter_policy: dict[str, list[str]] = Field(description="the SNS filter policy each address is subscribed with")
