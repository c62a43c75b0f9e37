"""See the escalation ladder climb in `make run`, in a minute or two.

    SLA_SCALE=0.0001 PUMP_SCHEDULE_SECONDS=10 LAPOR_SIM_VERIFY_AFTER_S=86400 make run
    # in another shell: submit a complaint, then
    .venv/bin/python -m infra.local.escalation_demo SRG-XXXX-XXXX --due-in 15

It puts the complaint in `verified` (LAPOR! has disposed it to the unit) with a
deadline `--due-in` seconds from now, subscribes a fresh SQS queue to the
escalation topic and prints every notice about that complaint as it arrives.
With SLA_SCALE=0.0001 each rung then gets its 3 working days as ~30-45 seconds.
Local stack only: it writes straight into the moto table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import timedelta

import boto3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tracking_id")
    parser.add_argument("--due-in", type=float, default=15, help="seconds until the deadline (default 15)")
    parser.add_argument("--status", default="verified", choices=["forwarded", "verified", "in_progress", "resolved"])
    parser.add_argument("--watch-s", type=float, default=300, help="how long to print notices (default 300)")
    args = parser.parse_args()

    from infra.local.running import NoRunningStack, connect

    try:
        connect()  # the running `make run`, found by itself
    except NoRunningStack as err:
        print(err.message, file=sys.stderr)
        return 1

    from chalicelib.adapters.storage.codec import iso
    from chalicelib.adapters.storage.expressions import set_remove
    from chalicelib.adapters.storage.gateway import TableGateway as Repository
    from chalicelib.adapters.storage.keys import due_attributes
    from chalicelib.domain.models import utcnow

    repo = Repository()
    if repo.get(args.tracking_id) is None:
        print(f"{args.tracking_id}: no such complaint in {os.environ['TABLE_NAME']}", file=sys.stderr)
        return 1
    now = utcnow()
    deadline = now + timedelta(seconds=args.due_in)
    expr, names, vals = set_remove(
        {
            "status": args.status,
            "updated_at": iso(now),
            "escalation_level": 0,
            **due_attributes(args.tracking_id, deadline),
        }
    )
    repo.update(args.tracking_id, expr, names=names, vals=vals)
    print(f"{args.tracking_id}: status {args.status}, deadline {iso(deadline)}; watching notices...", flush=True)

    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    url = sqs.create_queue(QueueName=f"escalation-demo-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=os.environ["NOTIFY_TOPIC_ARN"], Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    end = time.monotonic() + args.watch_s
    try:
        while time.monotonic() < end:
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5).get("Messages", []):
                body = json.loads(m["Body"])
                if body.get("MessageAttributes", {}).get("tracking_id", {}).get("Value") == args.tracking_id:
                    print(f"\n=== {body.get('Subject')} ===\n{body['Message']}", flush=True)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    except KeyboardInterrupt:
        pass
    finally:
        sns.unsubscribe(SubscriptionArn=sub)
        sqs.delete_queue(QueueUrl=url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
