"""SQS: the forward queue (complaint -> LAPOR!) and the channel callback queue."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.settings import settings


class Queues:
    def __init__(self) -> None:
        self.sqs = client("sqs")

    def send_forward(self, tracking_id: str) -> None:
        """Ask the forwarder to send one complaint to LAPOR!."""
        self.sqs.send_message(
            QueueUrl=settings().forward_queue_url,
            MessageBody=json.dumps({"tracking_id": tracking_id}),
        )

    def send_followups(self, tracking_id: str) -> None:
        """Ask the forwarder to post one complaint's pending LAPOR! follow-ups."""
        self.sqs.send_message(
            QueueUrl=settings().forward_queue_url,
            MessageBody=json.dumps({"tracking_id": tracking_id, "followups": True}),
        )

    def send_attachment_job(self, tracking_id: str, asked_at: str, delay_s: int = 0) -> None:
        """Ask for a complaint's late files to be sent to LAPOR! (services/attachment_followups.py)."""
        self.send_json(
            settings().forward_queue_url,
            {"tracking_id": tracking_id, "job": "attachments", "asked_at": asked_at},
            delay_s=min(max(0, delay_s), 900),
        )

    def send_json(
        self,
        queue_url: str,
        body: dict[str, Any],
        group: str | None = None,
        dedup_id: str | None = None,
        delay_s: int = 0,
    ) -> None:
        req: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": json.dumps(body)}
        if group:
            req["MessageGroupId"] = group
        if dedup_id:
            req["MessageDeduplicationId"] = dedup_id
        if delay_s:
            req["DelaySeconds"] = delay_s
        self.sqs.send_message(**req)

    def delay_retry(self, queue_url: str, receipt_handle: str, seconds: int) -> None:
        """Push a failed message's next delivery out (backoff between retries)."""
        self.sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=max(0, min(seconds, 43_200))
        )
