"""The local stand-in for Lambda's event sources.

Reads the Chalice app's own registrations (`app.event_sources`): every
`@app.on_sqs_message` queue is long-polled in moto and its batches handed to
the very handler Lambda calls, with Lambda's event shape; failed items
(`batchItemFailures`) stay on the queue for redelivery, as with
ReportBatchItemFailures. That includes the attachments bucket's upload events, which moto's S3
sends to the forward queue as AWS does (infra/local/provision.py sets the bucket's notifications
from the template), so `forward_to_lapor` learns of a landed photo here as it does in Lambda.
Every `@app.on_dynamodb_record` handler gets the
records of the stream of the table in TABLE_NAME (moto's DynamoDB Streams API:
DescribeStream, GetShardIterator, GetRecords), in order, in Lambda's event
shape; a failed record (`batchItemFailures`) or a raised error makes the pump
read the stream again from there, as Lambda does. Every `@app.schedule` handler
fires on its schedule, unless PUMP_SCHEDULE_SECONDS says otherwise: a number for
every schedule (`10`), per handler (`sync_lapor_status=5,escalate_overdue=30`) or
both (`30,sync_lapor_status=5`). Threads are named `sqs:<handler>` /
`schedule:<handler>` / `stream:<handler>` (the local console shows it).
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig

REGION = "ap-southeast-3"
ACCOUNT = "123456789012"
_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


class LambdaContext:
    """Enough of Lambda's context object for Powertools and our handlers."""

    def __init__(self, name: str, timeout_s: float = 60, stopping: threading.Event | None = None) -> None:
        """``stopping``: once set, no time is left (a stopping `make run` ends a sweep as Lambda's
        timeout would, instead of waiting for it)."""
        self._stopping = stopping
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:aduan-hub-dev-{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/aduan-hub-dev-{name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        if self._stopping is not None and self._stopping.is_set():
            return 0
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def schedule_seconds(expression: Any) -> float:
    """Interval of a schedule; cron expressions fire hourly locally."""
    text = expression.to_string() if hasattr(expression, "to_string") else str(expression)
    m = _RATE.fullmatch(text.strip())
    if not m:
        return 3600.0
    return int(m.group(1)) * _UNIT_S[m.group(2).rstrip("s")]


def parse_schedule_overrides(text: str | None) -> tuple[float | None, dict[str, float]]:
    """PUMP_SCHEDULE_SECONDS: `10`, `sync_lapor_status=5,escalate_overdue=30` or `30,sync_lapor_status=5`."""
    every: float | None = None
    per: dict[str, float] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.rpartition("=")
        seconds = float(value)
        if seconds <= 0:
            raise ValueError(f"PUMP_SCHEDULE_SECONDS: {part!r} is not a positive number of seconds")
        if name:
            per[name.strip()] = seconds
        else:
            every = seconds
    return every, per


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def scheduled_event(name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/aduan-hub-dev-{name}"],
        "detail": {},
    }


def stream_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """GetRecords records -> Lambda's DynamoDB stream event (creation time as epoch seconds)."""
    out = []
    for r in records:
        ddb = dict(r["dynamodb"])
        when = ddb.get("ApproximateCreationDateTime")
        if isinstance(when, datetime):
            ddb["ApproximateCreationDateTime"] = when.timestamp()
        out.append(
            {
                "eventID": r.get("eventID"),
                "eventName": r.get("eventName"),
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": ddb,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": out}


#: where each stream was read up to, per moto endpoint and shard: kept across pumps in one
#: process, as Lambda's event source mapping keeps its position across invocations
_STREAM_POSITIONS: dict[tuple[str, str, str], str] = {}
_STREAM_LOCK = threading.Lock()


@dataclass
class EventPump:
    app_module: ModuleType
    endpoint_url: str | None = None
    schedule_override_s: float | None = None
    schedule_overrides: dict[str, float] = field(default_factory=dict)  # handler name -> seconds
    wait_s: int = 1
    log: Callable[[str], None] = print
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sqs = boto3.client("sqs", endpoint_url=self.endpoint_url, region_name=REGION)
        self.app = self.app_module.app

    def handler(self, cfg: Any) -> Callable[[dict[str, Any], Any], Any]:
        return getattr(self.app_module, cfg.handler_string.split(".")[-1])

    def sqs_sources(self) -> list[SQSEventConfig]:
        return [s for s in self.app.event_sources if isinstance(s, SQSEventConfig)]

    def stream_sources(self) -> list[DynamoDBEventConfig]:
        return [s for s in self.app.event_sources if isinstance(s, DynamoDBEventConfig)]

    def stream_arn(self, table_name: str | None = None) -> str:
        """The stream of the table the app uses (the registered ARN is the deployed one)."""
        ddb = boto3.client("dynamodb", endpoint_url=self.endpoint_url, region_name=REGION)
        table = ddb.describe_table(TableName=table_name or os.environ["TABLE_NAME"])["Table"]
        return str(table["LatestStreamArn"])

    def schedules(self) -> list[ScheduledEventConfig]:
        return [s for s in self.app.event_sources if isinstance(s, ScheduledEventConfig)]

    def queue_url(self, cfg: SQSEventConfig) -> str:
        name = cfg.queue or (cfg.queue_arn or "").rsplit(":", 1)[-1]
        return self.sqs.get_queue_url(QueueName=name)["QueueUrl"]

    # -- one step at a time (tests use these) ------------------------------

    def poll_once(self, cfg: SQSEventConfig, wait_s: int | None = None) -> int:
        """Receive one batch and hand it to the handler; returns messages seen."""
        url = self.queue_url(cfg)
        out = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(cfg.batch_size, 10),
            WaitTimeSeconds=self.wait_s if wait_s is None else wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = out.get("Messages", [])
        if not messages:
            return 0
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{url.rsplit('/', 1)[-1]}"
        try:
            result = self.handler(cfg)(sqs_event(messages, arn), LambdaContext(cfg.name)) or {}
        except Exception as err:  # noqa: BLE001 - like Lambda: the whole batch comes back
            self.log(f"[pump] {cfg.name} raised {type(err).__name__}: {err}; batch left on the queue")
            return len(messages)
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(j), "ReceiptHandle": m["ReceiptHandle"]} for j, m in enumerate(done[i : i + 10])],
            )
        return len(messages)

    def poll_stream_once(self, cfg: DynamoDBEventConfig, table_name: str | None = None) -> int:
        """Hand the next records of each shard to the handler; returns records seen.

        The position moves past a record only when the handler took it: a raised
        error or a reported failure means it comes again, as with Lambda."""
        streams = boto3.client("dynamodbstreams", endpoint_url=self.endpoint_url, region_name=REGION)
        arn = self.stream_arn(table_name)
        seen = 0
        with _STREAM_LOCK:  # one reader per shard, in order, as Lambda does
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                key = (self.endpoint_url or "", arn, shard["ShardId"])
                after = _STREAM_POSITIONS.get(key)
                if after is None:
                    it = streams.get_shard_iterator(
                        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                    )["ShardIterator"]
                else:
                    it = streams.get_shard_iterator(
                        StreamArn=arn,
                        ShardId=shard["ShardId"],
                        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                        SequenceNumber=after,
                    )["ShardIterator"]
                records = streams.get_records(ShardIterator=it, Limit=cfg.batch_size).get("Records", [])
                if not records:
                    continue
                seen += len(records)
                try:
                    result = self.handler(cfg)(stream_event(records, arn), LambdaContext(cfg.name)) or {}
                except Exception as err:  # noqa: BLE001 - like Lambda: the batch comes again
                    self.log(f"[pump] {cfg.name} raised {type(err).__name__}: {err}; records read again")
                    continue
                failed = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
                if failed:
                    first = min(failed, key=int)
                    self.log(f"[pump] {cfg.name}: record {first} failed; the stream is read again from it")
                    done = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) < int(first)]
                    if done:
                        _STREAM_POSITIONS[key] = done[-1]["dynamodb"]["SequenceNumber"]
                    continue
                _STREAM_POSITIONS[key] = records[-1]["dynamodb"]["SequenceNumber"]
        return seen

    def drain_streams(self, idle_rounds: int = 1, deadline_s: float = 120, table_name: str | None = None) -> int:
        """Deliver stream records until none is left (what tests call before reading figures)."""
        total, idle, end = 0, 0, time.monotonic() + deadline_s
        while idle < idle_rounds and time.monotonic() < end:
            seen = sum(self.poll_stream_once(s, table_name) for s in self.stream_sources())
            total += seen
            idle = idle + 1 if seen == 0 else 0
        return total

    def fire(self, name: str) -> Any:
        cfg = next(s for s in self.schedules() if s.name == name)
        return self.handler(cfg)(scheduled_event(name), LambdaContext(name, stopping=self._stop))

    def drain(self, name: str | None = None, idle_rounds: int = 2, deadline_s: float = 60) -> int:
        """Deliver until the queue(s) give nothing `idle_rounds` times in a row."""
        sources = [s for s in self.sqs_sources() if name in (None, s.name)]
        total, idle, end = 0, 0, time.monotonic() + deadline_s
        while idle < idle_rounds and time.monotonic() < end:
            seen = sum(self.poll_once(s, wait_s=0) for s in sources)
            total += seen
            idle = idle + 1 if seen == 0 else 0
        return total

    # -- running ------------------------------------------------------------

    def start(self) -> None:
        for cfg in self.sqs_sources():
            self._spawn(f"sqs:{cfg.name}", self._sqs_loop, cfg)
        for cfg in self.schedules():
            self._spawn(f"schedule:{cfg.name}", self._schedule_loop, cfg)
        for cfg in self.stream_sources():
            self._spawn(f"stream:{cfg.name}", self._stream_loop, cfg)

    def stop(self, deadline_s: float = 15) -> None:
        """Stop every loop; a sweep under way sees no time left and ends (all within `deadline_s`)."""
        self._stop.set()
        end = time.monotonic() + deadline_s
        for t in self._threads:
            t.join(timeout=max(0.0, end - time.monotonic()))

    def _spawn(self, name: str, target: Callable[[Any], None], cfg: Any) -> None:
        t = threading.Thread(target=target, args=(cfg,), name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _sqs_loop(self, cfg: SQSEventConfig) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(cfg)
            except Exception as err:  # noqa: BLE001 - keep pumping; say why
                self.log(f"[pump] {cfg.name}: {type(err).__name__}: {err}")
                self._stop.wait(1)

    def interval(self, cfg: ScheduledEventConfig) -> float:
        """Seconds between two runs of a schedule here (the deployed rate unless overridden)."""
        return (
            self.schedule_overrides.get(cfg.name)
            or self.schedule_override_s
            or schedule_seconds(cfg.schedule_expression)
        )

    def _stream_loop(self, cfg: DynamoDBEventConfig) -> None:
        while not self._stop.is_set():
            try:
                if self.poll_stream_once(cfg) == 0:
                    self._stop.wait(self.wait_s or 0.5)
            except Exception as err:  # noqa: BLE001 - keep pumping; say why
                self.log(f"[pump] {cfg.name}: {type(err).__name__}: {err}")
                self._stop.wait(1)

    def _schedule_loop(self, cfg: ScheduledEventConfig) -> None:
        interval = self.interval(cfg)
        while not self._stop.wait(interval):
            try:
                self.fire(cfg.name)
            except Exception as err:  # noqa: BLE001
                self.log(f"[pump] schedule {cfg.name}: {type(err).__name__}: {err}")
