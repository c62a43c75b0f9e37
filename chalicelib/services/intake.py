"""Accept a complaint once: validate, route, store, queue for LAPOR!.

The complaint, its first timeline entry, its idempotency record and the claims
of the uploads it names (`attachments`, each upload belongs to one complaint) are
written in one DynamoDB transaction; the SQS send follows. If the send fails the
complaint is still stored and sits in the `outbox` index, where the
reconciler finds it (nothing accepted is ever lost).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamodb import (
    ConditionFailed,
    IdempotencyConflict,
    Repository,
    UploadClaimed,
    iso,
    shard_of,
)
from chalicelib.adapters.sqs import Queues
from chalicelib.domain import reference, routing
from chalicelib.domain.errors import Conflict, FieldProblem, InvalidInput
from chalicelib.domain.models import Complaint, Reporter, Status, TimelineEntry, utcnow
from chalicelib.domain.tracking import new_tracking_id
from chalicelib.observability import complaint_context, count, logger
from chalicelib.schemas import ComplaintSubmission
from chalicelib.services.inbox import counter_moves, inbox_attributes
from chalicelib.services.nearby import geo_attributes
from chalicelib.services.reporter_auth import HASH_ATTRIBUTE, new_token, token_hash


@dataclass(frozen=True)
class Accepted:
    tracking_id: str
    status: Status
    replayed: bool  # True when this is the stored answer to an earlier identical call
    #: the reporter's key for reopen / confirm / attachments (services/reporter_auth.py);
    #: None only when replaying an idempotency record written before tokens existed
    reporter_token: str | None = None

    def body(self) -> dict[str, Any]:
        return {"tracking_id": self.tracking_id, "status": self.status.value,
                "reporter_token": self.reporter_token}


@dataclass(frozen=True)
class NewComplaint:
    """A complaint in our vocabulary, from any channel, before it has an id."""

    submission: ComplaintSubmission
    channel: str = "app"
    channel_ref: str | None = None
    initial_status: Status = Status.RECEIVED
    extra_reporter: Reporter | None = None
    attributes: Mapping[str, Any] | None = None  # admin-only extras from a channel (native time, note)


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def outbox_keys(tracking_id: str, since: str) -> dict[str, str]:
    return {"outbox_pk": f"OUTBOX#{shard_of(tracking_id)}", "outbox_sk": since}


def created_keys(tracking_id: str, created_at: datetime) -> dict[str, str]:
    """The `created` index: every complaint, by the UTC month it arrived in and its shard;
    the sort key is the UTC instant (iso), so a date window is one range per partition."""
    at = iso(created_at)
    return {"created_pk": f"CREATED#{at[:7]}#{shard_of(tracking_id)}", "created_sk": at}


class IntakeService:
    def __init__(self, repo: Repository, queues: Queues) -> None:
        self.repo = repo
        self.queues = queues

    def accept(self, new: NewComplaint, idempotency_scope: str | None = None,
               idempotency_key: str | None = None, fingerprint: str | None = None) -> Accepted:
        sub = new.submission
        category = reference.category(sub.category)
        place = routing.place_of(sub.location)
        unit = routing.unit_for(sub.category, place)
        location = sub.location.model_copy(update={"kelurahan_code": place.kelurahan_code})
        now = utcnow()
        complaint = Complaint(
            tracking_id=new_tracking_id(),
            channel=new.channel,
            channel_ref=new.channel_ref,
            category=sub.category,
            title=sub.title,
            description=sub.description,
            location=location,
            kecamatan_code=place.kecamatan_code,
            unit=unit,
            severity=sub.severity or category.severity,
            reporter=None if sub.anonymous else sub.reporter,
            anonymous=sub.anonymous,
            # an emergency (112/119, never at LAPOR!) is confidential whatever the record says
            confidential=sub.confidential or new.initial_status == Status.EMERGENCY,
            status=new.initial_status,
            created_at=now,
            updated_at=now,
            attachments=list(sub.attachments),
        )
        entry = TimelineEntry(at=now, kind="received", status=complaint.status,
                              message=f"Diterima melalui {new.channel}", ref="received")
        token = new_token()
        extra = self._extra(new, complaint, token)
        idem = None
        if idempotency_key:
            # The plain token is kept in the idempotency record (never public, never
            # logged) so that a retry after a lost answer gets it again.
            idem = {
                "pk": f"IDEM#{idempotency_scope or new.channel}#{idempotency_key}",
                "tracking_id": complaint.tracking_id,
                "fingerprint": fingerprint or "",
                "status": complaint.status.value,
                "created_at": iso(now),
                "reporter_token": token,
            }
        for _ in range(3):  # a fresh id on the (astronomically rare) collision
            try:
                # counted in its holder's inbox in the same transaction (services/inbox.py)
                self.repo.create(complaint, entry, extra, idem, claims=complaint.attachments,
                                 also=counter_moves(None, complaint))
                break
            except IdempotencyConflict as dup:
                return self._replay(dup.record, fingerprint)
            except UploadClaimed as taken:
                raise InvalidInput([FieldProblem(
                    f"attachments.{complaint.attachments.index(key)}", "upload_already_used",
                    "unggahan ini sudah dipakai oleh pengaduan lain", "this upload belongs to another complaint",
                ) for key in taken.keys]) from None
            except ConditionFailed:
                complaint = complaint.model_copy(update={"tracking_id": new_tracking_id()})
                if idem:
                    idem["tracking_id"] = complaint.tracking_id
                extra = self._extra(new, complaint, token)
        else:
            raise RuntimeError("no free tracking id after 3 tries")  # never answer 201 for nothing stored
        with complaint_context(complaint.tracking_id):
            logger.info("complaint accepted", extra={
                "channel": complaint.channel, "category": complaint.category,
                "unit": unit.code, "status": complaint.status.value,
            })
            count("ComplaintsAccepted")
            if complaint.status == Status.RECEIVED:
                self._enqueue(complaint.tracking_id)
        return Accepted(complaint.tracking_id, complaint.status, replayed=False, reporter_token=token)

    @staticmethod
    def _extra(new: NewComplaint, complaint: Complaint, token: str) -> dict[str, Any]:
        """Item attributes beside the model: channel extras, reporter token hash, outbox, created and geo keys."""
        out: dict[str, Any] = dict(new.attributes or {})
        out[HASH_ATTRIBUTE] = token_hash(token)
        out.update(created_keys(complaint.tracking_id, complaint.created_at))
        if complaint.status == Status.RECEIVED:
            out.update(outbox_keys(complaint.tracking_id, iso(complaint.created_at)))
        out.update({k: v for k, v in geo_attributes(complaint).items() if v is not None})
        out.update({k: v for k, v in inbox_attributes(complaint).items() if v is not None})
        return out

    def _enqueue(self, tracking_id: str) -> None:
        try:
            self.queues.send_forward(tracking_id)
        except Exception:  # noqa: BLE001 - stored already; the reconciler sends it later
            logger.exception("forward queue send failed; left for the reconciler")
            count("ForwardEnqueueFailed")

    @staticmethod
    def _replay(record: dict[str, Any], fingerprint: str | None) -> Accepted:
        if fingerprint and record.get("fingerprint") and record["fingerprint"] != fingerprint:
            raise Conflict(
                "idempotency_key_reused",
                "Idempotency-Key ini sudah dipakai untuk pengaduan lain",
                "This Idempotency-Key was already used for a different complaint",
            )
        return Accepted(record["tracking_id"], Status(record["status"]), replayed=True,
                        reporter_token=record.get("reporter_token"))
