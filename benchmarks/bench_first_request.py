"""Each Lambda function's first request after import, against moto: what a cold container pays
beyond `import app` (benchmarks/README.md, `coldstart`) before its first answer.

A private moto server, provisioned from infra/template.json, and the LAPOR! simulator run in this
process. For each function `app.py` registers, this process builds the two events Lambda would
hand it next (the API's: API Gateway proxy events for `POST /v1/complaints`; the queues': a message
each, received from moto; the stream's: what one filing wrote, each; the schedules': a scheduled
event) and puts their work in place (complaints filed, or a channel event queued with no callback
registered for its channel: the delivery path up to the POST). A fresh interpreter then imports
`app` and hands the function the two events: the first is the cold request (the function's own
path loads: its services, models, boto3 clients, the first connection to each AWS endpoint), the
second the same container warm. RUNS interpreters per function; medians. Times are moto's over
loopback, not DynamoDB's; what a function loads is the same as in Lambda.

Run: python -m benchmarks.bench_first_request  (prints one JSON line; a minute or two)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import local_stack
from benchmarks.schema import emit, figure, result

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("RUNS", "5"))
API = "api"
KEYS = ("import_ms", "first_ms", "second_ms")


class Context:
    """Enough of Lambda's context object for Powertools and the handlers (no boto3 to import)."""

    memory_limit_in_mb = 512
    function_version = "$LATEST"
    log_stream_name = "bench"

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.invoked_function_arn = f"arn:aws:lambda:ap-southeast-3:123456789012:function:aduan-hub-dev-{name}"
        self.log_group_name = f"/aws/lambda/aduan-hub-dev-{name}"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 60

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _api_event(body: dict[str, Any]) -> dict[str, Any]:
    """An API Gateway proxy event for `POST /v1/complaints`, as API Gateway hands it to the API function."""
    context = {
        "resourcePath": "/v1/complaints",
        "httpMethod": "POST",
        "path": "/dev/v1/complaints",
        "stage": "dev",
        "requestId": str(uuid.uuid4()),
        "identity": {"sourceIp": "127.0.0.1"},
    }
    return {
        "resource": "/v1/complaints",
        "path": "/v1/complaints",
        "httpMethod": "POST",
        "headers": {"content-type": "application/json", "host": "localhost"},
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": context,
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def child(name: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """In a fresh interpreter: import `app`, then hand the function its events one by one
    (milliseconds: the import, the first request, the next)."""
    t0 = time.perf_counter()
    import app as app_module

    t1 = time.perf_counter()
    handler = app_module.app if name == API else getattr(app_module, name)
    took = []
    for event in events:
        t = time.perf_counter()
        out = handler(event, Context(name))
        took.append((time.perf_counter() - t) * 1000)
        assert name != API or out["statusCode"] == 201, out
    return {"import_ms": (t1 - t0) * 1000, "first_ms": took[0], "second_ms": took[1]}


def _functions() -> list[str]:
    import app as app_module

    return [API, *(s.name for s in app_module.app.event_sources)]


def _file(client: Any, n: int) -> None:
    from tests.conftest import VALID

    for _ in range(n):
        resp = client.http.post("/v1/complaints", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
        assert resp.status_code == 201, resp.body[:300]


def _messages(sqs: Any, url: str, n: int) -> list[dict[str, Any]]:
    """`n` messages received from the queue (moto may hand them out one at a time)."""
    got: list[dict[str, Any]] = []
    end = time.monotonic() + 30
    while len(got) < n and time.monotonic() < end:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n - len(got), AttributeNames=["All"])
        got.extend(out.get("Messages", []))
    assert len(got) == n, f"{url}: {len(got)} of {n} messages"
    return got


def _stream_tip(pump: Any, arn: str) -> tuple[Any, list[str]]:
    """A reader of the table's stream and an iterator per shard at its tip (what comes next)."""
    import boto3

    streams = boto3.client("dynamodbstreams", endpoint_url=pump.endpoint_url, region_name="ap-southeast-3")
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    its = [
        streams.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"], ShardIteratorType="LATEST") for sh in shards
    ]
    return streams, [it["ShardIterator"] for it in its]


def _stream_next(streams: Any, iterators: list[str]) -> list[dict[str, Any]]:
    """What the stream got since the iterators were taken; the iterators move past it."""
    records: list[dict[str, Any]] = []
    for i, iterator in enumerate(iterators):
        out = streams.get_records(ShardIterator=iterator, Limit=1000)
        records.extend(out.get("Records", []))
        iterators[i] = out["NextShardIterator"]
    return records


def _events(name: str, pump: Any, client: Any, sqs: Any) -> tuple[list[dict[str, Any]], Any]:
    """The two events Lambda would hand `name` next, and what to do once it has handled them."""
    from infra.local.pump import scheduled_event, sqs_event, stream_event

    if name == API:
        from tests.conftest import VALID

        return [_api_event(VALID), _api_event(VALID)], None
    sources = {s.name: s for s in pump.app.event_sources}
    cfg = sources[name]
    if cfg in pump.sqs_sources():
        url = pump.queue_url(cfg)
        if name == "deliver_channel_event":
            for _ in range(2):
                event = {
                    "event_id": str(uuid.uuid4()),
                    "type": "status",
                    "tracking_id": "SRG-0000-0000",
                    "channel": "bench-first-request",
                    "channel_ref": None,
                    "status": "verified",
                    "status_label": "Terverifikasi",
                    "occurred_at": "2026-12-01T03:00:00Z",
                }
                sqs.send_message(
                    QueueUrl=url,
                    MessageBody=json.dumps(event),
                    MessageGroupId=event["event_id"],
                    MessageDeduplicationId=event["event_id"],
                )
        else:
            _file(client, 2)
        messages = _messages(sqs, url, 2)
        arn = f"arn:aws:sqs:ap-southeast-3:123456789012:{url.rsplit('/', 1)[-1]}"

        def done() -> None:
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

        return [sqs_event([m], arn) for m in messages], done
    if cfg in pump.stream_sources():  # as Lambda batches them: each event what one filing wrote
        arn = pump.stream_arn()
        streams, iterators = _stream_tip(pump, arn)
        _file(client, 1)
        first = _stream_next(streams, iterators)
        _file(client, 1)
        second = _stream_next(streams, iterators)
        assert first and second, "no stream records"
        return [stream_event(first, arn), stream_event(second, arn)], None
    return [scheduled_event(name), scheduled_event(name)], None


def main() -> dict[str, Any]:
    os.environ["RATE_LIMIT_SCALE"] = "1000"  # one client files every complaint of the run
    with local_stack(f"bench-first-{os.getpid()}", lapor=True) as stack:
        import boto3
        from chalice.test import Client

        import app as app_module
        from infra.local.pump import EventPump

        pump = EventPump(app_module, endpoint_url=stack["endpoint"], wait_s=0, log=lambda _m: None)
        sqs = boto3.client("sqs", endpoint_url=stack["endpoint"], region_name="ap-southeast-3")
        env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"}
        names = _functions()
        runs: dict[str, list[dict[str, float]]] = {n: [] for n in names}
        with Client(app_module.app) as client:
            for _ in range(RUNS):
                for name in names:
                    pump.drain(idle_rounds=1, deadline_s=60)  # nothing left over from the last function
                    events, done = _events(name, pump, client, sqs)
                    code = (
                        "import json, sys; from benchmarks.bench_first_request import child; "
                        f"print(json.dumps(child({name!r}, json.load(sys.stdin))))"
                    )
                    out = subprocess.run(
                        [sys.executable, "-c", code],
                        cwd=ROOT,
                        input=json.dumps(events, default=str),
                        capture_output=True,
                        text=True,
                        env=env,
                        timeout=300,
                    )
                    if out.returncode != 0:
                        raise RuntimeError(f"{name}: {out.stderr[-2000:]}")
                    runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
                    if done is not None:
                        done()
        per = {
            name: {k: round(statistics.median(s[k] for s in samples), 1) for k in KEYS}
            for name, samples in runs.items()
        }
        return {"runs": RUNS, "functions": per}


def report(raw: dict[str, Any]) -> dict[str, Any]:
    figures = []
    for name, f in raw["functions"].items():
        label = "the API (`POST /v1/complaints`)" if name == API else f"`{name}`"
        figures.append(figure(f"{name}.first_ms", f"{label}: first request after import", f["first_ms"], "ms"))
        figures.append(figure(f"{name}.second_ms", f"{label}: the next request, warm", f["second_ms"], "ms"))
    imports = [f["import_ms"] for f in raw["functions"].values()]
    return result(
        "first_request",
        "Each function's first request after import, against moto",
        "python -m benchmarks.bench_first_request",
        figures,
        {"functions": len(raw["functions"]), "fresh interpreters per function": raw["runs"]},
        [
            f"Medians of {raw['runs']} fresh interpreters per function; `import app` itself took"
            f" {min(imports):.0f} to {max(imports):.0f} ms in them (the `coldstart` rows), before the first request.",
            "The first request loads the function's own path (services, models, boto3 clients) and opens its"
            " first connections; the second is the same container warm. Times are moto's over loopback, not"
            " DynamoDB's.",
            "`deliver_channel_event`: no callback is registered for the event's channel, so the request ends"
            " before the POST to a channel. `send_digests` acts only in the morning hour (data/notices.json):"
            " at any other hour a warm request returns at once.",
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
