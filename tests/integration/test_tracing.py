"""X-Ray: in Lambda, work on a complaint is traced with its tracking id; elsewhere nothing is sent.

The forwarder runs in a child process that looks like Lambda to the X-Ray SDK
(LAMBDA_TASK_ROOT, a sampled _X_AMZN_TRACE_ID) and sends its segments to a UDP port
this test listens on, as the X-Ray daemon would. Moto and the LAPOR! simulator are the
session's own, over HTTP.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VALID

# moto's table: the forwarder runs in a child process, which reads the complaint from moto's table
pytestmark = pytest.mark.moto_table

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
import app
from infra.local.pump import LambdaContext, sqs_event

tid = sys.argv[1]
message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": json.dumps({"tracking_id": tid}),
           "Attributes": {"ApproximateReceiveCount": "1"}}
result = app.forward_to_lapor(sqs_event([message], "arn:aws:sqs:ap-southeast-3:123456789012:aduan-hub-forward"),
                              LambdaContext("forward_to_lapor"))
print(json.dumps(result))
"""


def entities(packets: list[bytes]) -> Iterator[dict[str, Any]]:
    for raw in packets:
        _, _, body = raw.decode().partition("\n")
        stack = [json.loads(body)]
        while stack:
            e = stack.pop()
            yield e
            stack.extend(e.get("subsegments", []))


def run_child(tid: str, extra_env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list[bytes]]:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.5)
    port = udp.getsockname()[1]
    env = {
        **os.environ,
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_LAMBDA_FUNCTION_NAME": "aduan-hub-forward_to_lapor",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        **extra_env,
    }
    if "POWERTOOLS_TRACE_DISABLED" not in extra_env:
        env.pop("POWERTOOLS_TRACE_DISABLED", None)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, tid], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    packets = []
    try:
        while True:
            packets.append(udp.recv(65536))
    except TimeoutError:
        pass
    finally:
        udp.close()
    return result, packets


def submitted(client: Any) -> str:
    resp = client.http.post("/v1/complaints", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201
    return str(resp.json_body["tracking_id"])


def test_the_forwarder_traces_the_complaint_with_its_tracking_id(client: Any, lapor_sim: Any) -> None:
    tid = submitted(client)
    result, packets = run_child(tid, {})
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"batchItemFailures": []}
    found = list(entities(packets))
    complaint = [e for e in found if e.get("name") == "## complaint"]
    assert complaint and all(e["annotations"] == {"tracking_id": tid} for e in complaint), found
    assert all(e["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793" for e in complaint)
    lapor_host = os.environ["LAPOR_BASE_URL"].split("//", 1)[1].split(":")[0]
    lapor_calls = [
        e
        for e in found
        if e.get("name") == lapor_host
        and "/complaints/complaint" in e.get("http", {}).get("request", {}).get("url", "")
    ]
    assert lapor_calls, [e.get("name") for e in found]  # the LAPOR! create, as a traced HTTP call
    assert any(e.get("namespace") == "aws" and e.get("name") == "dynamodb" for e in found)
    assert "Siti" not in json.dumps(found)  # no reporter data in a trace either


def test_a_failure_is_traced_by_its_type_without_the_reporter_data_in_its_text(client: Any, lapor_sim: Any) -> None:
    from tests.integration.test_log_privacy import break_reporter

    tid = submitted(client)
    nik = break_reporter(tid)  # the stored item no longer validates; pydantic's text would quote the NIK
    result, packets = run_child(tid, {"FORWARD_BACKOFF_BASE_S": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    found = list(entities(packets))
    [complaint] = [e for e in found if e.get("name") == "## complaint"]
    assert complaint["annotations"] == {"tracking_id": tid, "error": "ValidationError"} and complaint["error"]
    assert nik not in json.dumps(found) and "Siti" not in json.dumps(found)


def test_no_trace_is_sent_when_tracing_is_off(client: Any, lapor_sim: Any) -> None:
    tid = submitted(client)
    result, packets = run_child(tid, {"POWERTOOLS_TRACE_DISABLED": "true"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert packets == []
