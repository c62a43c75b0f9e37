"""`make notices UNIT=kel:36.73.05.1002`: read the staff notices one unit would get, from moto.

Notices (escalations, overdue, @mentions) are published to the SNS topic `<NamePrefix>-escalations`
with the unit as the message attribute `unit`. This subscribes a queue of its own to the topic
with the filter policy a unit's e-mail subscription uses in AWS (`{"unit": ["<unit>"]}`, plus
`"user"` with USER=), then prints what arrives. Notices published before the first run are not
kept by SNS: run it once, then act (or wait for the sweep), then run it again.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    import boto3

    unit = os.environ.get("UNIT") or "city"
    user = os.environ.get("USER_NAME") or ""
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5005')}"
    kw = {
        "endpoint_url": endpoint,
        "region_name": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-3"),
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("-escalations")]
    if not topics:
        print(f"no notices topic at {endpoint}; start `make run` first", file=sys.stderr)
        return 1
    name = "notices-" + "".join(ch if ch.isalnum() else "-" for ch in f"{unit}-{user}")[:60]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy: dict[str, list[str]] = {"unit": [unit], **({"user": [user]} if user else {})}
    subscribed = {
        s["Endpoint"]
        for s in sns.list_subscriptions_by_topic(TopicArn=topics[0])["Subscriptions"]
        if s["Protocol"] == "sqs"
    }
    if arn not in subscribed:
        sns.subscribe(TopicArn=topics[0], Protocol="sqs", Endpoint=arn, Attributes={"FilterPolicy": json.dumps(policy)})
        print(f"subscribed {name} with the filter policy {json.dumps(policy)}; notices from now on arrive here")
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages"):
        for m in messages:
            body = json.loads(m["Body"])
            print(f"--- {body.get('Subject')}\n{body.get('Message')}\n")
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
