"""Status changes sent back to the channel a complaint came from.

`StatusEvents.commit` (services/status_events.py) writes one event per
announced timeline entry in the same transaction as the change, then puts it on
the FIFO callback queue, grouped by tracking id (a complaint's events arrive in
order; a failing one holds back only that complaint's later events) and
deduplicated by an id derived from the entry (a re-send is dropped by SQS within
five minutes, and by the receiver, on `event_id`, after that). The delivery Lambda POSTs the
event, signed like inbound webhooks with the channel's secret, to the URL the
channel registered; anything but a 2xx is retried with growing delays, then
the message goes to the FIFO dead-letter queue (an alarm watches it).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from typing import Any

from chalicelib.adapters import webhooks
from chalicelib.channels import signature
from chalicelib.domain.callback_urls import UrlRefused
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import STATUS_LABELS_ID, Complaint, TimelineEntry, utcnow
from chalicelib.domain.privacy import public_message
from chalicelib.observability import count, logger
from chalicelib.schemas import ChannelEvent
from chalicelib.services.ports import ChannelSettings
from chalicelib.settings import settings

TIMEOUT_S = (3.05, 10.0)  # connect, read: well inside the queue's visibility timeout
RETRY_CAP_S = 900


class CallbackFailed(Exception):
    """The channel did not take the event; SQS delivers it again later."""


def event_id(tracking_id: str, entry: TimelineEntry) -> str:
    """Same timeline entry, same id: what makes a re-publish a duplicate.

    The entry's time is part of it: a status reached twice (resolved, reopened,
    resolved again) or a second admin retry is a new event, not a repeat."""
    what = entry.ref or (entry.status.value if entry.status else "")
    return hashlib.sha256(f"{tracking_id}|{entry.kind}|{what}|{utc_text(entry.at)}".encode()).hexdigest()[:40]


def event_for(c: Complaint, entry: TimelineEntry) -> ChannelEvent:
    """The event a channel gets: what the public may read of the entry (domain/privacy.py)."""
    status = entry.status or c.status
    return ChannelEvent(
        event_id=event_id(c.tracking_id, entry),
        type=entry.kind,
        tracking_id=c.tracking_id,
        channel=c.channel,
        channel_ref=c.channel_ref,
        status=status,
        status_label=STATUS_LABELS_ID[status],
        occurred_at=entry.at,
        lapor_id=entry.lapor_id or c.lapor_id,
        message=public_message(entry, c.confidential) or "",
        jurisdiction=c.jurisdiction,
    )


def retry_delay(receive_count: int) -> int:
    """10 s, 20 s, 40 s, ... up to 15 min (CALLBACK_RETRY_BASE_S changes the base; tests use 0)."""
    base = float(os.environ.get("CALLBACK_RETRY_BASE_S", "10") or 0)
    return int(min(RETRY_CAP_S, base * 2 ** max(0, receive_count - 1)))


def check_url(url: str) -> str:
    """The URL, when the hub may call it now (domain/callback_urls.py); 400 naming `url` otherwise."""
    try:
        webhooks.checked(url, settings().callbacks_local_dev)
    except UrlRefused as err:
        raise InvalidInput([FieldProblem("url", err.reason, err.message_id, err.message_en)]) from None
    return url


class CallbackService:
    def __init__(
        self,
        settings_: ChannelSettings,
        secret_for: Callable[[str, str | None], str],
        post: Callable[..., int] = webhooks.post,
    ) -> None:
        """``secret_for(channel, region)``: the channel's signing secret in a region (None: the
        default region's), the same secret its webhooks are signed with."""
        self.channel_settings = settings_
        self._secret_for = secret_for
        self._post = post

    # -- registration (admin) ----------------------------------------------------

    def register(self, channel: str, url: str, region: str | None = None) -> dict[str, Any]:
        """Each region registers its own channels' URLs (a region's admin, for their region)."""
        checked, at = check_url(url), utcnow()
        self.channel_settings.save_callback(channel, checked, at, region)
        logger.info("channel callback registered", extra={"channel": channel, "jurisdiction": region})
        return {"channel": channel, "url": checked, "updated_at": utc_text(at)}

    def unregister(self, channel: str, region: str | None = None) -> None:
        self.channel_settings.remove_callback(channel, utcnow(), region)
        logger.info("channel callback removed", extra={"channel": channel, "jurisdiction": region})

    def registration(self, channel: str, region: str | None = None) -> dict[str, Any] | None:
        found = self.channel_settings.callback(channel, region)
        if found is None:
            return None
        return {"channel": channel, "url": found["url"], "updated_at": found.get("updated_at")}

    # -- deliver ------------------------------------------------------------------

    def deliver(self, event: ChannelEvent, now: float | None = None) -> str:
        """POST one event to its channel; raises CallbackFailed to have it retried."""
        target = self.registration(event.channel, event.jurisdiction)  # the complaint's region's URL
        if target is None:
            # Nobody to tell: dropped (a channel that registers later gets later events).
            logger.info("no callback registered; event dropped", extra={"channel": event.channel})
            count("ChannelEventsWithoutTarget")
            return "no_target"
        body = json.dumps(event.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode()
        ts = int(now if now is not None else time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            signature.HEADER_NAME: signature.sign(self._secret_for(event.channel, event.jurisdiction), body, ts),
            "X-Aduan-Event-Id": event.event_id,
            "User-Agent": "aduan-hub-callbacks/1",
        }
        try:
            # the host's addresses are checked again now: DNS may have changed since registration
            status = self._post(target["url"], body, headers, TIMEOUT_S, settings().callbacks_local_dev)
        except UrlRefused as err:
            count("ChannelEventsFailed")
            count("CallbackAddressRefused")
            logger.error("callback URL refused at delivery", extra={"channel": event.channel, "reason": err.reason})
            raise CallbackFailed(err.reason) from err
        except webhooks.DeliveryFailed as err:
            count("ChannelEventsFailed")
            raise CallbackFailed(str(err)) from err
        if not 200 <= status < 300:
            count("ChannelEventsFailed")
            raise CallbackFailed(f"HTTP {status}")
        count("ChannelEventsDelivered")
        logger.info("channel event delivered", extra={"event_id": event.event_id, "type": event.type})
        return "delivered"
