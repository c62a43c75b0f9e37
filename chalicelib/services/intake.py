"""Accept a complaint once: validate, route, store, queue for LAPOR!.

One conditional PutItem stores the complaint with its first timeline entry; one
SQS send follows. If the send fails the complaint is still stored and sits in the
`outbox` index, where the reconciler finds it (nothing accepted is ever lost).
A complaint that names uploads (`attachments`: photos sent first, each upload
belongs to one complaint) is written in one transaction with their claims.

With an idempotency key (the app's `Idempotency-Key`, a channel's own record id)
the complaint item is its own idempotency record: its tracking id is derived from
the caller's scoped key with the server secret (HMAC), so a retry writes to the
same id and its condition fails. The item keeps an HMAC of the scoped key and the
request's fingerprint, which tell a replay (same key, same request: the first
answer again, reporter token re-derived), a reuse (same key, other request: 422)
and a collision (another complaint holds the id: the next derived id) apart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.adapters.sqs import Queues
from chalicelib.domain import routing
from chalicelib.domain.commands import NewComplaint
from chalicelib.domain.errors import Conflict, FieldProblem, InvalidInput
from chalicelib.domain.models import Complaint, Location, Status, TimelineEntry, utcnow
from chalicelib.domain.region import Region, default_region
from chalicelib.domain.tracking import new_tracking_id, tracking_id_from
from chalicelib.observability import complaint_context, count, count_by, logger
from chalicelib.services.inbox import holder_of
from chalicelib.services.nearby import is_listed
from chalicelib.services.ports import Complaints, ConditionFailed, Placement, UploadClaimed
from chalicelib.services.reporter_auth import HASH_ATTRIBUTE, derived_token, new_token, token_hash

#: how many derived ids a keyed submission tries (each taken one is a 1 in 2.7e10 chance)
ID_CANDIDATES = 4


@dataclass(frozen=True)
class Accepted:
    tracking_id: str
    status: Status
    replayed: bool  # True when this is the stored answer to an earlier identical call
    #: the reporter's key for reopen / confirm / attachments (services/reporter_auth.py)
    reporter_token: str | None = None
    #: the handling unit's name, for a channel's notice (None on a replay)
    unit_name: str | None = None

    def body(self) -> dict[str, Any]:
        return {"tracking_id": self.tracking_id, "status": self.status.value, "reporter_token": self.reporter_token}


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class ScopedKey:
    """An idempotency key in its caller's scope (`app`, `app#<client id>`, `channel#<name>`)
    and what the server secret derives from it."""

    secret: bytes
    scope: str
    key: str

    def _mac(self, purpose: str) -> bytes:
        return hmac.new(self.secret, f"{purpose}\n{self.scope}\n{self.key}".encode(), hashlib.sha256).digest()

    @property
    def key_hash(self) -> str:
        return self._mac("idempotency-key").hex()

    def tracking_ids(self, region_prefix: str | None = None) -> Iterator[str]:
        for n in range(ID_CANDIDATES):
            yield tracking_id_from(self._mac(f"tracking-id#{n}"), region_prefix)

    def reporter_token(self) -> str:
        return derived_token(self.secret, f"{self.scope}\n{self.key}")


def _in_region(scope: str, region: Region) -> str:
    """An idempotency scope is its region's own: a key used in one region derives nothing (id,
    token, key hash) that another region's complaint could share. The default region's scopes
    stand alone, as before there were regions; a channel's scope names its region already."""
    if region.default or region.code in scope.split("#"):
        return scope
    return f"{scope}#{region.code}"


class RegionFinder(Protocol):
    def region_for(self, location: Location, named: str | None = None) -> Region: ...


class IntakeService:
    def __init__(
        self,
        complaints: Complaints,
        queues: Queues,
        secret: Callable[[], bytes],
        regions: RegionFinder | None = None,
    ) -> None:
        """``regions`` finds the region a place belongs to (without it: the default region only)."""
        self.complaints = complaints
        self.queues = queues
        self._secret = secret
        self.regions = regions

    def accept(
        self,
        new: NewComplaint,
        idempotency_scope: str | None = None,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> Accepted:
        sub = new.submission
        region = self.regions.region_for(sub.location, new.jurisdiction) if self.regions else default_region()
        category = routing.offered(sub.category, region)
        place = routing.place_of(sub.location, region)
        unit = routing.unit_for(sub.category, place, region)
        location = sub.location.model_copy(update={"kelurahan_code": place.kelurahan_code})
        now = utcnow()
        complaint = Complaint(
            tracking_id="",
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
            jurisdiction=region.code,
        )
        entry = TimelineEntry(
            at=now, kind="received", status=complaint.status, message=f"Diterima melalui {new.channel}", ref="received"
        )
        keyed = (
            ScopedKey(self._secret(), _in_region(idempotency_scope or new.channel, region), idempotency_key)
            if idempotency_key
            else None
        )
        token = keyed.reporter_token() if keyed else new_token()
        candidates = (
            keyed.tracking_ids(region.prefix)
            if keyed
            else (new_tracking_id(region.prefix) for _ in range(ID_CANDIDATES))
        )
        for tracking_id in candidates:
            complaint = complaint.model_copy(update={"tracking_id": tracking_id})
            extra = self._extra(new, complaint, token, place.source)
            if keyed:
                extra.update(idem_key_hash=keyed.key_hash, idem_fingerprint=fingerprint or "")
            try:
                self.complaints.create(
                    complaint, entry, extra, self._placement(complaint), claims=complaint.attachments
                )
                break
            except ConditionFailed as taken:
                if keyed and taken.item and taken.item.get("idem_key_hash") == keyed.key_hash:
                    return self._replay(taken.item, keyed, fingerprint)
                # another complaint holds this id (astronomically rare): the next candidate
            except UploadClaimed as taken:
                raise InvalidInput(
                    [
                        FieldProblem(
                            f"attachments.{complaint.attachments.index(key)}",
                            "upload_already_used",
                            "unggahan ini sudah dipakai oleh pengaduan lain",
                            "this upload belongs to another complaint",
                        )
                        for key in taken.keys
                    ]
                ) from None
        else:
            raise RuntimeError(f"no free tracking id after {ID_CANDIDATES} tries")  # never 201 for nothing stored
        with complaint_context(complaint.tracking_id):
            logger.info(
                "complaint accepted",
                extra={
                    "channel": complaint.channel,
                    "category": complaint.category,
                    "unit": unit.code if unit else None,
                    "jurisdiction": region.code,
                    "status": complaint.status.value,
                },
            )
            count("ComplaintsAccepted")
            count_by("ComplaintsAccepted", "channel", complaint.channel)
            if complaint.status == Status.RECEIVED:
                self._enqueue(complaint.tracking_id)
        return Accepted(
            complaint.tracking_id,
            complaint.status,
            replayed=False,
            reporter_token=token,
            unit_name=unit.name if unit else None,
        )

    def find_by_key(self, scope: str, key: str) -> dict[str, Any] | None:
        """The complaint an idempotency key made, if any (GetItem per derived id, usually one)."""
        keyed = ScopedKey(self._secret(), scope, key)
        for tracking_id in keyed.tracking_ids():
            item = self.complaints.item(tracking_id, consistent=True)
            if item is None:
                return None
            if item.get("idem_key_hash") == keyed.key_hash:
                return item
        return None

    @staticmethod
    def _extra(new: NewComplaint, complaint: Complaint, token: str, place_source: str | None) -> dict[str, Any]:
        """Item attributes beside the model: channel extras, reporter token hash, place source."""
        out: dict[str, Any] = dict(new.attributes or {})
        out[HASH_ATTRIBUTE] = token_hash(token)
        if place_source:
            out["place_source"] = place_source
        return out

    @staticmethod
    def _placement(complaint: Complaint) -> Placement:
        return placement_of(complaint)

    def _enqueue(self, tracking_id: str) -> None:
        try:
            self.queues.send_forward(tracking_id)
        except Exception:  # noqa: BLE001 - stored already; the reconciler sends it later
            logger.exception("forward queue send failed; left for the reconciler")
            count("ForwardEnqueueFailed")

    @staticmethod
    def _replay(item: dict[str, Any], keyed: ScopedKey, fingerprint: str | None) -> Accepted:
        if fingerprint and item.get("idem_fingerprint") and item["idem_fingerprint"] != fingerprint:
            raise Conflict(
                "idempotency_key_reused",
                "Idempotency-Key ini sudah dipakai untuk pengaduan lain",
                "This Idempotency-Key was already used for a different complaint",
            )
        first = item.get("first_entry") or {}
        return Accepted(
            item["tracking_id"],
            Status(first.get("status") or item["status"]),
            replayed=True,
            reporter_token=keyed.reporter_token(),
        )


def placement_of(complaint: Complaint) -> Placement:
    """A new complaint waits for LAPOR! (when it goes there), is listed nearby when it may
    be, and sits in its holder's inbox (the seed writes its complaints the same way)."""
    return Placement(
        waiting_since=complaint.created_at if complaint.status == Status.RECEIVED else None,
        listed=is_listed(complaint),
        holder=holder_of(complaint),
    )
