"""Complaints from the city's other channels (Rabeg, 112, 119) into the one hub.

A channel's webhook is verified (HMAC over the raw body, timestamp within five
minutes) before anything is parsed, normalised by the channel's own adapter
(chalicelib/channels/<channel>.py) and accepted by the same intake as the app,
keyed on the channel's own record id, so a re-sent record is the same complaint
(and the same id with different content is refused, 422 `idempotency_key_reused`).

112 calls an operator has not confirmed wait in `awaiting_confirmation`; the
confirm and dismiss actions here move them on with conditional writes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from chalicelib.adapters.secrets import secret_json, secret_json_if_any
from chalicelib.channels import signature
from chalicelib.channels.registry import ADAPTERS, ChannelAdapter
from chalicelib.domain import reference
from chalicelib.domain.access import Principal, same_region
from chalicelib.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleVersion, WrongState
from chalicelib.domain.models import Complaint, Status, TimelineEntry, utcnow
from chalicelib.observability import complaint_context, count, logger
from chalicelib.schemas import json_payload
from chalicelib.services.intake import Accepted, IntakeService, request_fingerprint
from chalicelib.services.nearby import is_listed
from chalicelib.services.ports import Complaints, ConditionFailed, Placement
from chalicelib.services.status_events import StatusEvents, Transition, at_version
from chalicelib.settings import settings

#: A secret left at the template's placeholder is no secret: the channel stays closed.
_PLACEHOLDERS = {"", "CHANGE-ME"}


class UnknownChannel(Exception):
    pass


class ChannelNotConfigured(Exception):
    """No usable signing secret for the channel (an operations problem, HTTP 503)."""


def adapter_for(channel: str) -> ChannelAdapter:
    found = ADAPTERS.get(channel)
    if found is None:
        raise UnknownChannel(channel)
    return found


def secret_for(channel: str) -> str:
    """The channel's signing secret: `CHANNEL_SECRET_<CHANNEL>` wins (local runs),
    else the Secrets Manager JSON at CHANNEL_SECRET_ARN."""
    value = os.environ.get(f"CHANNEL_SECRET_{channel.upper()}")
    if not value and settings().channel_secret_arn:
        value = str(secret_json(settings().channel_secret_arn).get(channel) or "")
    if not value or value in _PLACEHOLDERS:
        raise ChannelNotConfigured(channel)
    return value


#: how long a container keeps a region's channel secrets (a rotated secret is used within this time)
REGION_SECRETS_TTL_S = 300.0
_region_secrets: dict[str, tuple[float, dict[str, Any]]] = {}


class UnknownRegion(Exception):
    """A webhook for a region this deployment does not serve (HTTP 404)."""


def region_secret_for(channel: str, code: str) -> str:
    """A region's own signing secret for the channel: the `channels` of its secret
    (`<JURISDICTION_SECRETS_PREFIX><code>`, written by onboarding), never another's."""
    now = time.monotonic()
    name = f"{settings().jurisdiction_secrets_prefix}{code}"
    held = _region_secrets.get(name)
    if held is None or now - held[0] > REGION_SECRETS_TTL_S:
        found = secret_json_if_any(name)
        if found is None:
            raise UnknownRegion(code)
        held = (now, found)
        _region_secrets[name] = held
    given = held[1].get("channels")
    value = str(given.get(channel) or "") if isinstance(given, dict) else ""
    if not value or value in _PLACEHOLDERS:
        raise ChannelNotConfigured(channel)
    return value


def signing_secret(channel: str, region: str | None) -> str:
    """The channel's secret in a region: the default region's (None or its code) from the
    deployment's channel secret, another region's from its own secret only."""
    if not region or region == reference.default_code():
        return secret_for(channel)
    return region_secret_for(channel, region)


@dataclass(frozen=True)
class ChannelAccepted:
    accepted: Accepted
    channel: str
    channel_ref: str

    def body(self) -> dict[str, Any]:
        return {
            **self.accepted.body(),
            "channel": self.channel,
            "channel_ref": self.channel_ref,
            "replayed": self.accepted.replayed,
        }


def _json_object(raw: bytes) -> dict[str, Any]:
    payload = json_payload(raw)
    if not isinstance(payload, dict):
        raise InvalidInput(
            [
                FieldProblem(
                    "body",
                    "model_type",
                    "Isi permintaan harus berupa objek JSON",
                    "The request body must be a JSON object",
                )
            ]
        )
    return payload


def _id_reused(field: str) -> Conflict:
    return Conflict(
        "idempotency_key_reused",
        f"{field} ini sudah dipakai untuk data pengaduan yang berbeda; kirim dengan {field} baru",
        f"This {field} was already used for a different record; send it with a new {field}",
    )


def _renamed(problems: list[FieldProblem], names: dict[str, str]) -> list[FieldProblem]:
    """Name intake's fields as the channel calls them, so the sender knows what to fix."""
    out = []
    for p in problems:
        native = names.get(p.field)
        if native is None:
            out.append(p)
            continue
        out.append(
            FieldProblem(
                native, p.reason, p.message_id.replace(p.field, native, 1), p.message_en.replace(p.field, native, 1)
            )
        )
    return out


class ChannelService:
    def __init__(self, complaints: Complaints, intake: IntakeService, send_forward: Any, events: StatusEvents) -> None:
        self.complaints = complaints
        self.intake = intake
        self._send_forward = send_forward
        self.events = events

    # -- inbound webhooks ------------------------------------------------------

    def receive(
        self,
        channel: str,
        raw_body: bytes,
        signature_header: str | None,
        now: float,
        jurisdiction: str | None = None,
    ) -> ChannelAccepted:
        """Verify, then parse, normalise and accept one native record.

        Nothing is parsed before the signature holds: an unsigned body costs us
        one HMAC, and never reaches a parser or the table. Each region has its own
        channel secrets (``jurisdiction``; none: the default region's): a record signed
        for one region files into that region only, whatever place it names."""
        adapter = adapter_for(channel)
        home = reference.default_code()
        region = jurisdiction or home
        secret = secret_for(channel) if region == home else region_secret_for(channel, region)
        signature.verify(secret, raw_body, signature_header, now)
        record: BaseModel = adapter.record.model_validate(_json_object(raw_body))
        normalised = adapter.normalise(record)
        normalised = replace(normalised, new=replace(normalised.new, jurisdiction=region))
        try:
            # The fingerprint is of the parsed record (not the raw body): key order, spacing
            # and columns we ignore do not make a faithful re-send look like a new record.
            accepted = self.intake.accept(
                normalised.new,
                idempotency_scope=f"channel#{channel}" if region == home else f"channel#{channel}#{region}",
                idempotency_key=normalised.native_id,
                fingerprint=request_fingerprint(record.model_dump(mode="json")),
            )
        except InvalidInput as err:
            raise InvalidInput(_renamed(err.problems, normalised.field_names)) from None
        except Conflict as err:
            if err.reason != "idempotency_key_reused":
                raise
            count("ChannelRecordsIdReused")
            raise _id_reused(normalised.native_id_field) from None
        count(f"ChannelRecords_{channel}")
        if accepted.replayed:
            count("ChannelRecordsReplayed")
        return ChannelAccepted(accepted, channel, normalised.native_id)

    # -- operator decisions on unconfirmed 112 calls -----------------------------

    def confirm(
        self,
        tracking_id: str,
        by: Principal | None = None,
        expected_version: int | None = None,
    ) -> Complaint:
        """An operator says the call is a real complaint: forward it to LAPOR!."""
        current, item = self._current(tracking_id, by)
        if current.status != Status.AWAITING_CONFIRMATION:
            if item.get("confirmed_at") and expected_version is None:
                return current  # confirmed already: the same answer again
            raise self._not_awaiting(current)
        now = utcnow()
        confirmed = current.model_copy(update={"status": Status.RECEIVED, "updated_at": now})
        attrs: dict[str, Any] = {
            "status": Status.RECEIVED.value,
            "updated_at": now,
            "confirmed_at": now,
        }
        placement = Placement(waiting_since=now, listed=is_listed(confirmed))
        entry = TimelineEntry(
            at=now,
            kind="confirmed",
            status=Status.RECEIVED,
            ref="confirmed",
            message="Dikonfirmasi operator sebagai pengaduan; diteruskan ke SP4N-LAPOR!",
            actor=by and by.user,
            actor_unit=by and by.unit,
        )
        self._transition(current, confirmed, attrs, placement, entry, expected_version)
        with complaint_context(tracking_id):
            logger.info("call confirmed by an operator")
            count("CallsConfirmed")
            try:
                self._send_forward(tracking_id)
            except Exception:  # noqa: BLE001 - in the outbox already; the reconciler sends it
                logger.exception("forward queue send failed; left for the reconciler")
        return confirmed

    def dismiss(
        self,
        tracking_id: str,
        reason: str | None = None,
        by: Principal | None = None,
        expected_version: int | None = None,
    ) -> Complaint:
        """An operator says the call is not a complaint: close it, never forward it."""
        current, item = self._current(tracking_id, by)
        if current.status != Status.AWAITING_CONFIRMATION:
            if item.get("closed_how") == "dismissed" and expected_version is None:
                return current  # dismissed already: the same answer again
            raise self._not_awaiting(current)
        now = utcnow()
        closed = current.model_copy(
            update={"status": Status.CLOSED, "updated_at": now, "deadline": None, "closed_how": "dismissed"}
        )
        attrs: dict[str, Any] = {
            "status": Status.CLOSED.value,
            "updated_at": now,
            "closed_at": now,
            "closed_how": "dismissed",
            "dismiss_reason": (reason or None) and reason[:500],
        }
        placement = Placement(deadline=None, listed=is_listed(closed))
        entry = TimelineEntry(
            at=now,
            kind="dismissed",
            status=Status.CLOSED,
            ref="dismissed",
            message="Ditutup operator: bukan pengaduan",
            reason=(reason or None) and reason[:500],
            actor=by and by.user,
            actor_unit=by and by.unit,
        )
        self._transition(current, closed, attrs, placement, entry, expected_version)
        with complaint_context(tracking_id):
            logger.info("call dismissed by an operator")
            count("CallsDismissed")
        return closed

    def _current(self, tracking_id: str, by: Principal | None = None) -> tuple[Complaint, dict[str, Any]]:
        """The complaint and its item; another region's is the same 404 as an unknown id."""
        item = self.complaints.item(tracking_id, consistent=True)
        if item is None or (by is not None and not same_region(by, item.get("jurisdiction"))):
            raise NotFound(tracking_id)
        return Complaint.model_validate(item), item

    def _transition(
        self,
        current: Complaint,
        after: Complaint,
        attrs: dict[str, Any],
        placement: Placement,
        entry: TimelineEntry,
        expected_version: int | None,
    ) -> None:
        expect: dict[str, Any] = {"status": Status.AWAITING_CONFIRMATION.value}
        if expected_version is not None:
            expect.update(at_version(expected_version))
        try:
            self.events.commit(Transition(current, after, entry, attrs, expect=expect, placement=placement))
        except ConditionFailed:
            latest, _ = self._current(current.tracking_id)
            if expected_version is not None and latest.version != expected_version:
                raise StaleVersion(latest.version) from None
            raise self._not_awaiting(latest) from None

    @staticmethod
    def _not_awaiting(c: Complaint) -> WrongState:
        return WrongState(
            "not_awaiting_confirmation",
            f"Pengaduan berstatus {c.status.value}, bukan awaiting_confirmation",
            f"The complaint is {c.status.value}, not awaiting_confirmation",
        )
