"""Admin views and actions on complaints LAPOR! refused (`needs_attention`).

Parked complaints sit in the `outbox` index under the partition "PARKED"
(oldest first), so the list is one Query per page, never a Scan. Admins see
why LAPOR! refused (park_reason) but, as everywhere, no reporter data.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from chalicelib.adapters.dynamodb import ConditionFailed, Repository, iso, values
from chalicelib.adapters.sqs import Queues
from chalicelib.adapters.storage.keys import outbox_attributes
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound, WrongState
from chalicelib.domain.models import Complaint, Status, TimelineEntry, Unit, utcnow
from chalicelib.observability import count, logger
from chalicelib.services.status_events import StatusEvents, Transition

PARKED = "PARKED"
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


def _encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


#: The attributes of a LastEvaluatedKey from the `outbox` index: the table key and the index key.
_TOKEN_KEYS = frozenset({"pk", "sk", "outbox_pk", "outbox_sk"})
_MAX_TOKEN = 2048


def _decode(token: str) -> dict[str, Any]:
    """The page key back from its token, accepted only in the exact shape we hand out:
    anything else would reach DynamoDB as a malformed ExclusiveStartKey (a 500)."""
    try:
        if len(token) > _MAX_TOKEN:
            raise ValueError("token too long")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = json.loads(raw)
        if not isinstance(key, dict) or set(key) != _TOKEN_KEYS or key["outbox_pk"] != {"S": PARKED}:
            raise ValueError("not a page key")
        for value in key.values():
            if (
                not isinstance(value, dict)
                or set(value) != {"S"}
                or not isinstance(value["S"], str)
                or not 0 < len(value["S"]) <= 1024
            ):
                raise ValueError("not a string key attribute")
        return key
    except (ValueError, binascii.Error, RecursionError):
        raise InvalidInput(
            [
                FieldProblem(
                    "next", "invalid_token", "Token halaman (next) tidak valid", "The page token (next) is not valid"
                )
            ]
        ) from None


class AdminService:
    def __init__(self, repo: Repository, queues: Queues, events: StatusEvents) -> None:
        self.repo = repo
        self.queues = queues
        self.events = events

    def list(self, status: str | None, limit: int = 50, next_token: str | None = None) -> AdminPage:
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
        start = _decode(next_token) if next_token else None
        items, last = self.repo.query_page(
            "outbox_pk = :p", values(p=PARKED), index="outbox", limit=limit, start_key=start
        )
        return AdminPage(complaints=[AdminComplaint.of(i) for i in items], next=_encode(last))

    def retry(self, tracking_id: str) -> Complaint:
        """Send a parked complaint to LAPOR! again (after an admin fixed the cause)."""
        now = utcnow()
        attrs: dict[str, Any] = {
            "status": Status.RECEIVED.value,
            "updated_at": iso(now),
            "park_reason": None,
            **outbox_attributes(tracking_id, now),
            # a fresh start: the reconciler re-queues it if the send below fails
            "fwd_attempts": None,
            "requeued_at": None,
        }
        entry = TimelineEntry(
            at=now, kind="retry", status=Status.RECEIVED, ref="retry", message="Dikirim ulang ke SP4N-LAPOR! oleh admin"
        )
        before = self.repo.get(tracking_id, consistent=True)
        if before is None:
            raise NotFound(tracking_id)
        complaint = before.model_copy(update={"status": Status.RECEIVED, "updated_at": now, "park_reason": None})
        try:
            self.events.commit(
                Transition(
                    before,
                    complaint,
                    entry,
                    attrs,
                    condition="attribute_exists(pk) AND #st = :parked AND attribute_not_exists(lapor_id)",
                    names={"#st": "status"},
                    vals=values(parked=Status.NEEDS_ATTENTION.value),
                )
            )
        except ConditionFailed:
            current = self.repo.get(tracking_id, consistent=True)
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
