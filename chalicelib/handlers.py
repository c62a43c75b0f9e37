"""Event entrypoints (SQS, schedules): Lambda events in, services called.

The local event pump calls the very same functions through `app`.
"""

from __future__ import annotations

import json
import random
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from chalicelib import bootstrap
from chalicelib.observability import complaint_context, logger, metrics
from chalicelib.schemas import ChannelEvent
from chalicelib.services.callbacks import CallbackFailed, retry_delay
from chalicelib.services.forwarding import RetryLater
from chalicelib.settings import settings


def backoff_delay(receive_count: int, retry_after: float | None = None) -> int:
    """Exponential backoff with jitter, never shorter than Retry-After.

    Base and cap come from FORWARD_BACKOFF_BASE_S / FORWARD_BACKOFF_CAP_S
    (10 s / 900 s; tests set the base to 0 to retry at once)."""
    s = settings()
    ceiling = min(s.forward_backoff_cap_s, s.forward_backoff_base_s * 2 ** max(0, receive_count - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return int(max(delay, retry_after or 0))


def _forward_record(record: SQSRecord) -> None:
    tracking_id = json.loads(record.body)["tracking_id"]
    with complaint_context(tracking_id):
        try:
            result = bootstrap.forwarding().forward(tracking_id)
            logger.info("forward handled", extra={"outcome": result.outcome})
        except RetryLater as err:
            receives = int(record.attributes.approximate_receive_count or 1)
            delay = backoff_delay(receives, err.delay_s)
            try:
                bootstrap.queues().delay_retry(settings().forward_queue_url, record.receipt_handle, delay)
            except Exception:  # noqa: BLE001 - the default visibility timeout still applies
                logger.warning("could not set retry delay")
            logger.info("forward retry later", extra={"reason": err.reason, "delay_s": delay,
                                                      "receive_count": receives})
            raise
        except Exception:
            # unexpected (a crash before our write, AWS trouble): same backoff, then the DLQ
            receives = int(record.attributes.approximate_receive_count or 1)
            try:
                bootstrap.queues().delay_retry(settings().forward_queue_url, record.receipt_handle,
                                               backoff_delay(receives))
            except Exception:  # noqa: BLE001 - the default visibility timeout still applies
                logger.warning("could not set retry delay")
            logger.exception("forward failed; will retry")
            raise


def forward_batch(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """SQS -> LAPOR!: each message on its own; failures are reported per item."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    try:
        return dict(process_partial_response(event=event, record_handler=_forward_record,
                                             processor=processor, context=context))
    finally:
        metrics.flush_metrics()


def escalate_overdue(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """Schedule (every 5 minutes): act once on every complaint past its deadline.

    Metrics are flushed by the app's middleware (observability.flush_metrics)."""
    clock = getattr(context, "get_remaining_time_in_millis", None)
    return bootstrap.escalation().sweep(time_left_ms=clock)


def reconcile_outbox(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """Schedule (every 2 minutes): queue again what was stored but never queued."""
    try:
        return bootstrap.reconciler().sweep().as_dict()
    finally:
        metrics.flush_metrics()


def sync_lapor_status(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """Schedule (every 5 minutes): pull status and follow-ups of complaints due a check."""

    def should_stop() -> bool:  # leave time to record what was done
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        return remaining is not None and remaining() < 15_000

    try:
        return bootstrap.status_sync().sweep(should_stop=should_stop).as_dict()
    finally:
        metrics.flush_metrics()


def _deliver_record(record: SQSRecord) -> None:
    try:
        event = ChannelEvent.model_validate_json(record.body)
    except ValidationError:
        logger.error("channel event is not readable; dropped", extra={"message_id": record.message_id})
        return  # a poison message must not hold its complaint's later events forever
    with complaint_context(event.tracking_id):
        try:
            outcome = bootstrap.callbacks().deliver(event)
            logger.info("channel event handled", extra={"outcome": outcome, "event_id": event.event_id})
        except CallbackFailed as err:
            receives = int(record.attributes.approximate_receive_count or 1)
            delay = retry_delay(receives)
            try:
                bootstrap.queues().delay_retry(settings().callback_queue_url, record.receipt_handle, delay)
            except Exception:  # noqa: BLE001 - the queue's visibility timeout still applies
                logger.warning("could not set retry delay")
            logger.warning("channel event not delivered; will retry",
                           extra={"reason": str(err), "delay_s": delay, "receive_count": receives,
                                  "event_id": event.event_id})
            raise


def deliver_channel_events(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """FIFO callback queue -> the channel's URL. A failure stops the batch there, so a
    complaint's later events never overtake an undelivered one."""
    try:
        return dict(process_partial_response(event=event, record_handler=_deliver_record,
                                             processor=SqsFifoPartialProcessor(), context=context))
    finally:
        metrics.flush_metrics()
