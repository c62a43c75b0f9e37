"""Intake cost through `make run`: `POST /v1/complaints` over HTTP to `chalice local`, divided by
the calls an intake cannot avoid (one conditional PutItem + one SQS SendMessage) made from
here against the same moto server, in one run, samples interleaved, medians. With and
without an Idempotency-Key (the keyed intake is the same single conditional PutItem).
Target: <= 1.5 both ways.

The stack is started exactly as `make run` starts it (infra.local.run in a subprocess, free
ports; the event pump forwards the complaints to the LAPOR! simulator meanwhile), with
RATE_LIMIT_SCALE high so one client may send them all: the limiter still runs and syncs.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import requests

from benchmarks.schema import emit, figure, result

N = int(os.environ.get("BENCH_INTAKE_SAMPLES", "300"))
WARM_UP = 20
BODY = {
    "category": "jalan-rusak",
    "title": "Jalan berlubang",
    "description": "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
    "location": {"kelurahan_code": "36.73.01.1002"},
    "reporter": {"name": "Budi", "phone": "+6281200000000"},
}


def main() -> dict[str, Any]:
    from infra.local.provision import provision
    from tests.support.stack import local_stack

    with (
        tempfile.TemporaryDirectory() as tmp,
        local_stack(Path(tmp), RATE_LIMIT_SCALE="100000", LAPOR_SIM_VERIFY_AFTER_S="3600") as stack,
    ):
        endpoint = f"http://127.0.0.1:{stack.env['MOTO_PORT']}"
        os.environ.update(
            {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "ap-southeast-3"}
        )
        env = provision(endpoint)  # the running stack's own resources (the stack exists: reused)
        ddb = boto3.client("dynamodb", endpoint_url=endpoint)
        sqs = boto3.client("sqs", endpoint_url=endpoint)
        table, queue = env["TABLE_NAME"], env["FORWARD_QUEUE_URL"]
        api = requests.Session()
        url = f"{stack.url}/v1/complaints"
        raw = json.dumps(BODY)
        install = f"bench-{uuid.uuid4().hex[:12]}"

        def bare() -> float:
            item = {"pk": {"S": f"C#BENCH-{uuid.uuid4()}"}, "sk": {"S": "C"}, "body": {"S": raw}}
            t0 = time.perf_counter()
            ddb.put_item(
                TableName=table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"tracking_id": "SRG-BENCH"}))
            return time.perf_counter() - t0

        def intake(keyed: bool) -> float:
            headers = {"Content-Type": "application/json"}
            if keyed:
                headers.update({"Idempotency-Key": str(uuid.uuid4()), "X-Client-Id": install})
            t0 = time.perf_counter()
            resp = api.post(url, data=raw, headers=headers, timeout=30)
            spent = time.perf_counter() - t0
            assert resp.status_code == 201, resp.text
            return spent

        samples: dict[str, list[float]] = {"bare": [], "plain": [], "keyed": []}
        for i in range(N + WARM_UP):  # interleaved: every kind sees the same server state and load
            runs = [("bare", bare()), ("plain", intake(False)), ("bare", bare()), ("keyed", intake(True))]
            if i >= WARM_UP:
                for kind, spent in runs:
                    samples[kind].append(spent)

    med = {k: statistics.median(v) * 1000 for k, v in samples.items()}
    return {
        "bare_calls_median_ms": round(med["bare"], 2),
        "intake_median_ms": round(med["plain"], 2),
        "overhead_ratio": round(med["plain"] / med["bare"], 3),
        "with_key_intake_median_ms": round(med["keyed"], 2),
        "with_key_overhead_ratio": round(med["keyed"] / med["bare"], 3),
        "intake_p90_ms": round(statistics.quantiles(samples["plain"], n=10)[-1] * 1000, 2),
        "with_key_p90_ms": round(statistics.quantiles(samples["keyed"], n=10)[-1] * 1000, 2),
        "bare_p90_ms": round(statistics.quantiles(samples["bare"], n=10)[-1] * 1000, 2),
        "samples": N,
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    bare = "the calls an intake cannot avoid (one conditional PutItem + one SQS SendMessage) against the same moto"
    return result(
        "intake",
        "Intake cost through `make run`",
        "python -m benchmarks.bench_intake",
        [
            figure(
                "overhead_ratio",
                f"`POST /v1/complaints` over HTTP to `chalice local` / {bare}, medians",
                raw["overhead_ratio"],
                "x",
                ("<=", 1.5),
            ),
            figure("intake_median_ms", "intake, median", raw["intake_median_ms"], "ms"),
            figure("bare_calls_median_ms", "bare calls, median", raw["bare_calls_median_ms"], "ms"),
            figure(
                "with_key_overhead_ratio",
                "the same with an `Idempotency-Key` and `X-Client-Id` / the bare calls",
                raw["with_key_overhead_ratio"],
                "x",
                ("<=", 1.5),
            ),
            figure("with_key_intake_median_ms", "keyed intake, median", raw["with_key_intake_median_ms"], "ms"),
            figure("intake_p90_ms", "intake, p90", raw["intake_p90_ms"], "ms"),
            figure("with_key_p90_ms", "keyed intake, p90", raw["with_key_p90_ms"], "ms"),
            figure("bare_p90_ms", "bare calls, p90", raw["bare_p90_ms"], "ms"),
        ],
        {"samples_of_each_kind": raw["samples"], "warm_up_rounds": WARM_UP},
        ["The stack runs as `make run` starts it, the event pump forwarding meanwhile; samples interleaved."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
