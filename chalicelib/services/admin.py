"""Admin views and actions on complaints LAPOR! refused (`needs_attention`).

Parked complaints sit in the `outbox` index on a shelf of their own
(oldest first), so the list is one Query per page, never a Scan. Admins see
why LAPOR! refused (park_reason) but, as everywhere, no reporter data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from chalicelib.adapters.sqs import Queues
from chalicelib.domain.access import Principal, same_region
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound, WrongState
from chalicelib.domain.models import Complaint, Status, TimelineEntry, Unit, utcnow
from chalicelib.observability import count, logger
from chalicelib.services.ports import ABSENT, PRESENT, Complaints, ConditionFailed, Placement
from chalicelib.services.status_events import StatusEvents, Transition

MAX_PAGE = 100


class AdminComplaint(BaseModel):
    """A parked complaint as an admin sees it: the reason, never the reporter."""

    tracking_id: str
    status: Status
    category: str
    title: str | None
    description: str
    unit: Unit | None
    kecamatan_code: str | None
    anonymous: bool
    confidential: bool
    created_at: datetime
    updated_at: datetime
    park_reason: str | None
    forward_attempts: int
    possible_duplicate_of: str | None = None  # an open complaint nearby of the same category
    channel: str = "app"
    client_app: str | None = None  # the Open311 client app it came through
    media_url: str | None = None  # a link the Open311 client sent: for operators to open, never fetched by us

    @classmethod
    def of(cls, item: dict[str, Any]) -> AdminComplaint:
        c = Complaint.model_validate(item)
        return cls(
            tracking_id=c.tracking_id,
            status=c.status,
            category=c.category,
            title=c.title,
            description=c.description,
            unit=c.unit,
            kecamatan_code=c.kecamatan_code,
            anonymous=c.anonymous,
            confidential=c.confidential,
            created_at=c.created_at,
            updated_at=c.updated_at,
            park_reason=c.park_reason,
            forward_attempts=int(item.get("fwd_attempts") or 0),
            possible_duplicate_of=c.possible_duplicate_of,
            channel=c.channel,
            client_app=c.client_app,
            media_url=c.media_url,
        )


class AdminPage(BaseModel):
    complaints: list[AdminComplaint]
    next: str | None


class AdminService:
    def __init__(self, complaints: Complaints, queues: Queues, events: StatusEvents) -> None:
        self.complaints = complaints
        self.queues = queues
        self.events = events

    def list(
        self, status: str | None, limit: int = 50, next_token: str | None = None, by: Principal | None = None
    ) -> AdminPage:
        """One page of parked complaints; of ``by``'s region only (a page may come back short: `next` goes on)."""
        if status != Status.NEEDS_ATTENTION.value:
            raise InvalidInput(
                [
                    FieldProblem(
                        "status", "unsupported_status", "status harus needs_attention", "status must be needs_attention"
                    )
                ]
            )
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(
                [FieldProblem("limit", "out_of_range", f"limit harus 1-{MAX_PAGE}", f"limit must be 1-{MAX_PAGE}")]
            )
        try:
            items, nxt = self.complaints.parked(limit, next_token)
        except ValueError:
            raise InvalidInput(
                [
                    FieldProblem(
                        "next",
                        "invalid_token",
                        "Token halaman (next) tidak valid",
                        "The page token (next) is not valid",
                    )
                ]
            ) from None
        mine = [i for i in items if by is None or same_region(by, i.get("jurisdiction"))]
        return AdminPage(complaints=[AdminComplaint.of(i) for i in mine], next=nxt)

    def retry(self, tracking_id: str, by: Principal | None = None) -> Complaint:
        """Send a parked complaint to LAPOR! again (after an admin fixed the cause); another
        region's is the same 404 as an unknown id."""
        now = utcnow()
        attrs: dict[str, Any] = {
            "status": Status.RECEIVED.value,
            "updated_at": now,
            "park_reason": None,
            # a fresh start: the reconciler re-queues it if the send below fails
            "fwd_attempts": None,
            "requeued_at": None,
        }
        entry = TimelineEntry(
            at=now, kind="retry", status=Status.RECEIVED, ref="retry", message="Dikirim ulang ke SP4N-LAPOR! oleh admin"
        )
        before = self.complaints.get(tracking_id, consistent=True)
        if before is None or (by is not None and not same_region(by, before.jurisdiction)):
            raise NotFound(tracking_id)
        complaint = before.model_copy(update={"status": Status.RECEIVED, "updated_at": now, "park_reason": None})
        try:
            self.events.commit(
                Transition(
                    before,
                    complaint,
                    entry,
                    attrs,
                    # still parked (the item exists), no ticket at LAPOR!
                    expect={"status": [PRESENT, Status.NEEDS_ATTENTION.value], "lapor_id": ABSENT},
                    placement=Placement(waiting_since=now),
                )
            )
        except ConditionFailed:
            current = self.complaints.get(tracking_id, consistent=True)
            if current is None:
                raise NotFound(tracking_id) from None
            raise WrongState(
                "not_parked",
                f"Pengaduan berstatus {current.status.value}, bukan needs_attention; tidak dapat dikirim ulang",
                f"The complaint is {current.status.value}, not needs_attention; it cannot be retried",
            ) from None
        logger.info("parked complaint sent again by an admin")
        count("ComplaintsRetried")
        try:
            self.queues.send_forward(tracking_id)
        except Exception:  # noqa: BLE001 - stored in the outbox; the reconciler sends it
            logger.exception("forward queue send failed; left for the reconciler")
        return complaint
