"""`make redrive`: move the forward DLQ's messages back to the forward queue.

Run after fixing what made them fail (LAPOR! down for hours, bad credentials):

    python -m infra.local.redrive --stage prod          # a deployed stage (its queues and region)
    python -m infra.local.redrive                       # AWS (credentials from the environment)
    AWS_ENDPOINT_URL=http://127.0.0.1:5005 python -m infra.local.redrive   # the local moto stack
    python -m infra.local.redrive --source my-queue --dlq my-queue-dlq

Uses SQS StartMessageMoveTask where the service supports it (AWS) and waits for
it to finish; elsewhere (moto) receives, re-sends and deletes in batches of 10,
deleting only what was re-sent. Prints how many messages it moved.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

DEFAULT_SOURCE = "aduan-hub-forward"
DEFAULT_DLQ = "aduan-hub-forward-dlq"


def _arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def move_task(sqs: Any, dlq_url: str, source_url: str, deadline_s: float = 600) -> int | None:
    """StartMessageMoveTask and wait; None when the service does not support it."""
    dlq_arn, source_arn = _arn(sqs, dlq_url), _arn(sqs, source_url)
    try:
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=source_arn)
    except (ClientError, NotImplementedError) as err:
        code = getattr(err, "response", {}).get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "AccessDeniedException"):
            raise
        return None
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1).get("Results", [])
        if tasks and tasks[0]["Status"] in ("COMPLETED", "FAILED", "CANCELLED"):
            if tasks[0]["Status"] != "COMPLETED":
                raise RuntimeError(f"move task {tasks[0]['Status']}: {tasks[0].get('FailureReason', '')}")
            return int(tasks[0].get("ApproximateNumberOfMessagesMoved", 0))
        time.sleep(2)
    raise TimeoutError("message move task still running; check list-message-move-tasks")


def copy_messages(sqs: Any, dlq_url: str, source_url: str, limit: int | None = None) -> int:
    """Receive / send / delete in batches; a message is deleted only once re-sent."""
    moved = 0
    while limit is None or moved < limit:
        out = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        )
        messages = out.get("Messages", [])
        if not messages:
            return moved
        entries = []
        for i, m in enumerate(messages):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
            if m.get("MessageAttributes"):
                entry["MessageAttributes"] = m["MessageAttributes"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
        ok = {s["Id"] for s in sent.get("Successful", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if str(i) in ok]
        if done:
            sqs.delete_message_batch(QueueUrl=dlq_url, Entries=done)
        moved += len(done)
        if len(done) < len(messages):
            print(
                f"redrive: {len(messages) - len(done)} message(s) could not be re-sent; left in the DLQ",
                file=sys.stderr,
            )
            return moved
    return moved


def redrive(
    source: str = DEFAULT_SOURCE,
    dlq: str = DEFAULT_DLQ,
    endpoint_url: str | None = None,
    region: str | None = None,
    method: str = "auto",
) -> int:
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None,
        region_name=region or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3",
    )
    source_url = sqs.get_queue_url(QueueName=source)["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=dlq)["QueueUrl"]
    if method in ("auto", "move-task"):
        moved = move_task(sqs, dlq_url, source_url)
        if moved is not None:
            return moved
        if method == "move-task":
            raise RuntimeError("StartMessageMoveTask is not supported by this endpoint")
    return copy_messages(sqs, dlq_url, source_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.redrive", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stage", default=None, help="a deployed stage (infra/stages/<stage>.json): its forward queues and region"
    )
    parser.add_argument("--source", default=None, help="queue to move the messages back to")
    parser.add_argument("--dlq", default=None, help="dead-letter queue to empty")
    parser.add_argument("--endpoint-url", default=None, help="default: AWS_ENDPOINT_URL, else AWS")
    parser.add_argument("--region", default=None)
    parser.add_argument("--method", choices=("auto", "move-task", "copy"), default="auto")
    args = parser.parse_args(argv)
    source, dlq = DEFAULT_SOURCE, DEFAULT_DLQ
    if args.stage:
        import json
        from pathlib import Path

        data = json.loads((Path(__file__).resolve().parents[1] / "stages" / f"{args.stage}.json").read_text())
        prefix = data["parameters"]["NamePrefix"]
        source, dlq = f"{prefix}-forward", f"{prefix}-forward-dlq"
        args.region = args.region or data["region"]
    args.source = args.source or source
    args.dlq = args.dlq or dlq
    moved = redrive(args.source, args.dlq, args.endpoint_url, args.region, args.method)
    print(f"redrive: moved {moved} message(s) from {args.dlq} to {args.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
