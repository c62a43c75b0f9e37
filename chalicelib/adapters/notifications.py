"""SNS: notices for staff (topic NOTIFY_TOPIC_ARN): escalations, overdue, mentions.

Each message carries the unit it is for as the attribute `unit` (and `kind`; a mention also
`user`), so each unit's addresses subscribe with a filter policy, e.g.
`{"unit": ["kel:<kode kelurahan>"]}`, or one person's `{"unit": [...], "kind": ["mentioned"], "user": ["budi"]}`.

Standard topics do not deduplicate, so every message carries a stable
`notification_id` (message attribute and in the body): a receiver that sees
the same id twice (a re-publish after a crash) drops the second one.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from chalicelib.adapters.aws import client
from chalicelib.settings import settings


class Notification(BaseModel):
    """One notice as stored in the outbox and as published."""

    notification_id: str
    tracking_id: str
    kind: str  # escalated | overdue
    subject: str = Field(max_length=100)
    message: str
    unit_code: str = ""
    level: int = 0
    user: str = ""  # a mention: the person mentioned


class NotificationError(Exception):
    """The notice could not be published; it stays in the outbox for the next sweep."""


class Notifier:
    def __init__(self, topic_arn: str | None = None) -> None:
        self.topic_arn = topic_arn if topic_arn is not None else settings().notify_topic_arn
        self.sns = client("sns")

    def publish(self, n: Notification) -> str:
        """Publish one notice; returns SNS's message id."""
        if not self.topic_arn:
            raise NotificationError("NOTIFY_TOPIC_ARN is not set")
        attrs = {
            "notification_id": n.notification_id,
            "tracking_id": n.tracking_id,
            "kind": n.kind,
            "unit_code": n.unit_code or "-",
            "unit": n.unit_code or "-",
            **({"user": n.user} if n.user else {}),
        }
        out = self.sns.publish(
            TopicArn=self.topic_arn,
            Subject=n.subject,
            Message=n.message,
            MessageAttributes={
                **{k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()},
                "level": {"DataType": "Number", "StringValue": str(n.level)},
            },
        )
        return str(out["MessageId"])
