"""Event entrypoints (SQS, schedules): Lambda events in, services called.

The local event pump calls the very same functions through `app`.
"""

from __future__ import annotations

import json
import random
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib import bootstrap
from chalicelib.observability import complaint_context, logger, metrics
from chalicelib.services.forwarding import RetryLater
from chalicelib.settings import settings

BACKOFF_BASE_S = 10
BACKOFF_CAP_S = 900


def backoff_delay(receive_count: int, retry_after: float | None = None) -> int:
    """Exponential backoff with full jitter, never shorter than Retry-After."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, receive_count - 1))
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


def forward_batch(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """SQS -> LAPOR!: each message on its own; failures are reported per item."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    try:
        return dict(process_partial_response(event=event, record_handler=_forward_record,
                                             processor=processor, context=context))
    finally:
        metrics.flush_metrics()
