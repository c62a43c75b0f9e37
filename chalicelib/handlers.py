"""Event entrypoints (SQS, schedules): Lambda events in, services called.

The local event pump calls the very same functions through `app`.
"""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chalicelib import bootstrap
from chalicelib.observability import complaint_context, log_failure, logger
from chalicelib.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BasePartialBatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

# Each function imports what only its own path needs, inside the function: a
# Lambda function loads one path, so its cold start pays for that path alone.


def backoff_delay(receive_count: int, retry_after: float | None = None) -> int:
    """Exponential backoff with jitter, never shorter than Retry-After.

    Base and cap come from FORWARD_BACKOFF_BASE_S / FORWARD_BACKOFF_CAP_S
    (10 s / 900 s; tests set the base to 0 to retry at once)."""
    s = settings()
    ceiling = min(s.forward_backoff_cap_s, s.forward_backoff_base_s * 2 ** max(0, receive_count - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return int(max(delay, retry_after or 0))


def _delay(queue_url: str, record: SQSRecord, seconds: int) -> None:
    """Push the message's next delivery out (the queue's visibility timeout is the fallback)."""
    try:
        bootstrap.queues().delay_retry(queue_url, record.receipt_handle, seconds)
    except Exception:  # noqa: BLE001 - the default visibility timeout still applies
        logger.warning("could not set retry delay")


def _receives(record: SQSRecord) -> int:
    return int(record.attributes.approximate_receive_count or 1)


def _forward_record(record: SQSRecord) -> None:
    from chalicelib.services.forwarding import RetryLater

    body = json.loads(record.body)
    if "tracking_id" not in body and (body.get("Records") or body.get("Event") == "s3:TestEvent"):
        return _landed_record(body)
    tracking_id = body["tracking_id"]
    if body.get("followups"):
        return _followups_record(record, tracking_id)
    with complaint_context(tracking_id):
        try:
            if body.get("job") == "attachments":  # files added after the forward (attachment_followups.py)
                outcome = bootstrap.attachment_followups().send(tracking_id, body.get("asked_at"))
            else:
                outcome = bootstrap.forwarding().forward(tracking_id).outcome
            logger.info("forward handled", extra={"outcome": outcome, "job": body.get("job", "forward")})
        except RetryLater as err:
            delay = backoff_delay(_receives(record), err.delay_s)
            _delay(settings().forward_queue_url, record, delay)
            logger.info(
                "forward retry later",
                extra={"reason": err.reason, "delay_s": delay, "receive_count": _receives(record)},
            )
            raise
        except Exception as err:
            # unexpected (a crash before our write, AWS trouble): same backoff, then the DLQ
            _delay(settings().forward_queue_url, record, backoff_delay(_receives(record)))
            log_failure("forward failed; will retry", err)
            raise


def _landed_record(body: dict[str, Any]) -> None:
    """The attachments bucket's event (a file landed): the file is checked now, and the complaint
    that names it goes on at once instead of at its next look (services/photo_checks.py)."""
    from urllib.parse import unquote_plus

    from chalicelib.domain.instants import utc_text
    from chalicelib.domain.models import utcnow
    from chalicelib.services.forwarding import RetryLater

    for event in body.get("Records") or []:  # s3:TestEvent (sent when the bucket is set up) has none
        if event.get("eventSource") != "aws:s3":
            continue
        key = unquote_plus(str(event["s3"]["object"]["key"]))
        tracking_id = bootstrap.photo_checks().landed(key)
        item = bootstrap.complaints().item(tracking_id, consistent=True) if tracking_id else None
        if tracking_id is None or item is None:
            continue  # not named by a complaint yet: its forward finds it checked
        with complaint_context(tracking_id):
            try:
                if item.get("lapor_id") is not None:
                    outcome = bootstrap.attachment_followups().send(tracking_id, utc_text(utcnow()))
                else:
                    outcome = bootstrap.forwarding().forward(tracking_id).outcome
            except RetryLater as err:
                # the complaint's own message (still queued) keeps its deadline and comes back
                outcome = f"still waiting: {err.reason}"
            logger.info("upload landed", extra={"outcome": outcome})


def _followups_record(record: SQSRecord, tracking_id: str) -> None:
    """The forward queue also carries "post this complaint's pending LAPOR! follow-ups"."""
    from chalicelib.services.lapor_followups import FollowupRetryLater

    with complaint_context(tracking_id):
        try:
            outcomes = bootstrap.lapor_followups().deliver(tracking_id)
            logger.info("follow-ups handled", extra={"outcomes": dict(outcomes)})
        except FollowupRetryLater as err:
            _delay(settings().forward_queue_url, record, backoff_delay(_receives(record), err.delay_s))
            raise
        except Exception as err:
            _delay(settings().forward_queue_url, record, backoff_delay(_receives(record)))
            log_failure("follow-ups failed; will retry", err)
            raise


def _batch(event: dict[str, Any], context: Any, handler: Any, processor: BasePartialBatchProcessor) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import process_partial_response

    return dict(process_partial_response(event=event, record_handler=handler, processor=processor, context=context))


def forward_batch(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """SQS -> LAPOR!: each message on its own; failures are reported per item.

    Metrics of every handler are flushed by the app's middleware (observability.flush_metrics)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return _batch(event, context, _forward_record, processor)


def escalate_overdue(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """Schedule (every 5 minutes): act once on every complaint past its deadline."""
    clock = getattr(context, "get_remaining_time_in_millis", None)
    return bootstrap.escalation().sweep(time_left_ms=clock)


def send_digests(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """Schedule (hourly; acts at 07:00 in each time zone, WIB, WITA, WIT): each marked unit's digest
    of the notices held back for it."""
    from chalicelib.domain.models import utcnow

    return bootstrap.digest().morning(utcnow())


def reconcile_outbox(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """Schedule (every 2 minutes): queue again what was stored but never queued."""
    return bootstrap.reconciler().sweep().as_dict()


def sync_lapor_status(event: dict[str, Any], context: Any = None) -> dict[str, int]:
    """Schedule (every minute): ask LAPOR! about the complaints that most need a check, within the budget."""

    def should_stop() -> bool:  # leave time to record what was done
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        return remaining is not None and remaining() < 15_000

    return bootstrap.status_sync().sweep(should_stop=should_stop).as_dict()


def _deliver_record(record: SQSRecord) -> None:
    from chalicelib.schemas.channels import ChannelEvent
    from chalicelib.services.callbacks import CallbackFailed, retry_delay

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
            delay = retry_delay(_receives(record))
            _delay(settings().callback_queue_url, record, delay)
            logger.warning(
                "channel event not delivered; will retry",
                extra={
                    "reason": str(err),
                    "delay_s": delay,
                    "receive_count": _receives(record),
                    "event_id": event.event_id,
                },
            )
            raise


def deliver_channel_events(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """FIFO callback queue -> the channel's URL. A failure stops the batch there, so a
    complaint's later events never overtake an undelivered one."""
    from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor

    return _batch(event, context, _deliver_record, SqsFifoPartialProcessor())


def _count_record(record: Any) -> None:
    from chalicelib.adapters.storage.stream import complaint_changes as stream_changes

    for _, change in stream_changes([record.raw_event]):
        if change is None:
            continue
        with complaint_context(change.tracking_id):
            try:
                bootstrap.statistics().apply_change(change)
                bootstrap.inbox().count_change(change.tracking_id, change.new, change.seq)
            except Exception as err:
                log_failure("change not counted yet; the stream brings it again", err)
                raise


def count_complaint_changes(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The table's stream -> the public figures and the inbox badges: each complaint change counted once.

    A failed record is reported (ReportBatchItemFailures) and the stream is read
    again from it; what was counted already is recognised by its sequence number."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return _batch(event, context, _count_record, processor)


def refresh_statistics(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Schedule (every 5 minutes): add the day counters up into the snapshots the API reads."""
    return bootstrap.statistics().refresh_all()
