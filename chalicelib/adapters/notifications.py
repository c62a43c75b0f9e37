"""SNS: notices for staff (topic NOTIFY_TOPIC_ARN): escalations, overdue, mentions.

Each message carries the unit it is for as the attribute `unit`, its `kind`, and `to`: the
person it is for (a mention; also `user`) or `unit` (everyone of the unit). The hub subscribes
each address with a filter policy (`Subscriptions`): the coordinator's unit addresses get
`{"unit": ["kel:<kode kelurahan>"], "to": ["unit"]}`, a person's own address the kinds they chose,
`{"unit": [...], "kind": ["new_complaint", "mentioned"], "to": ["unit", "budi"]}`.

Standard topics do not deduplicate, so every message carries a stable
`notification_id` (message attribute and in the body): a receiver that sees
the same id twice (a re-publish after a crash) drops the second one.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from chalicelib.adapters.aws import client
from chalicelib.settings import settings


def console_link(tracking_id: object) -> str:
    """Where a notice sends its reader: the complaint's page in the operators' console."""
    return f"{settings().public_base_url.rstrip('/')}/operator/#/pengaduan/{tracking_id}"


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
    audience: str = ""  # `digest`: only the people who chose the digest (their unit's singles went to the rest)


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
            "to": n.user or n.audience or "unit",
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


class Subscriptions:
    """E-mail addresses subscribed to the notices topic, each with the filter policy that says
    which notices reach it (SNS asks each new address to confirm once)."""

    def __init__(self, topic_arn: str | None = None) -> None:
        self.topic_arn = topic_arn if topic_arn is not None else settings().notify_topic_arn
        self.sns = client("sns")

    def subscribe(self, email: str, policy: dict[str, Any]) -> str:
        """Subscribe `email` with `policy`; the subscription's ARN (also while it awaits confirmation)."""
        if not self.topic_arn:
            raise NotificationError("NOTIFY_TOPIC_ARN is not set")
        out = self.sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="email",
            Endpoint=email,
            Attributes={"FilterPolicy": json.dumps(policy, sort_keys=True)},
            ReturnSubscriptionArn=True,
        )
        return str(out["SubscriptionArn"])

    def update(self, arn: str, email: str, policy: dict[str, Any]) -> str:
        """A new filter policy for an existing subscription (subscribed again when SNS refuses)."""
        try:
            self.sns.set_subscription_attributes(
                SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=json.dumps(policy, sort_keys=True)
            )
            return arn
        except ClientError:
            self.unsubscribe(arn)
            return self.subscribe(email, policy)

    def unsubscribe(self, arn: str) -> None:
        """No more notices to that address (gone already is fine)."""
        try:
            self.sns.unsubscribe(SubscriptionArn=arn)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "NotFound":
                raise
