"""Traces: with OpenTelemetry (the ADOT layer in a deployed stage), work on a complaint is traced with
its tracking id; without it (`make run`, tests, a stage without the layer) nothing is traced.

The forwarder runs in a child process that looks like Lambda with active tracing (a sampled
_X_AMZN_TRACE_ID) and records its spans (tests/support/spans.py) the way the layer would send
them: with the OpenTelemetry SDK and the layer's botocore and requests instrumentation where
requirements-dev.txt installed them, else with a stand-in of the API (the hub's own spans only).
Moto and the LAPOR! simulator are the session's own, over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.observability import COMPLAINT_SPAN
from tests.conftest import VALID

# moto's table: the forwarder runs in a child process, which reads the complaint from moto's table
pytestmark = pytest.mark.moto_table

ROOT = Path(__file__).resolve().parents[2]
XRAY_TRACE_ID = "1-5759e988-bd862e3fe1be46a994272793"

CHILD = r"""
import json, os, sys

if sys.argv[2] == "layer":
    from tests.support.spans import recorder
    rec = recorder(instrument=True)
else:  # the runtime without the layer: OpenTelemetry is not importable
    sys.modules["opentelemetry"] = None
    rec = None

import app
from chalicelib import tracing
from infra.local.pump import LambdaContext, sqs_event

tid = sys.argv[1]
message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": json.dumps({"tracking_id": tid}),
           "Attributes": {"ApproximateReceiveCount": "1"}}
event = sqs_event([message], "arn:aws:sqs:ap-southeast-3:123456789012:aduan-hub-forward")
if rec is not None:
    with rec.invocation("forward_to_lapor", os.environ["_X_AMZN_TRACE_ID"]):
        result = app.forward_to_lapor(event, LambdaContext("forward_to_lapor"))
else:
    result = app.forward_to_lapor(event, LambdaContext("forward_to_lapor"))
loaded = sorted(m for m, v in sys.modules.items() if m.startswith("opentelemetry") and v is not None)
print(json.dumps({"result": result, "enabled": tracing.enabled(), "sdk": rec is not None and rec.sdk,
                  "spans": rec.spans() if rec is not None else [], "loaded": loaded}))
"""


def run_child(tid: str, mode: str, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    env = {
        **os.environ,
        "AWS_LAMBDA_FUNCTION_NAME": "aduan-hub-forward_to_lapor",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "_X_AMZN_TRACE_ID": f"Root={XRAY_TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1",
        **(extra_env or {}),
    }
    result = subprocess.run(
        [sys.executable, "-c", CHILD, tid, mode], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def under(name: str, span: dict[str, Any], found: list[dict[str, Any]]) -> bool:
    """The span runs inside one named `name` (its parent, or a parent's parent...)."""
    ids = {s["span_id"]: s for s in found}
    while span["parent_id"] in ids:
        span = ids[span["parent_id"]]
        if span["name"] == name:
            return True
    return False


def submitted(client: Any) -> str:
    resp = client.http.post("/v1/complaints", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201
    return str(resp.json_body["tracking_id"])


def test_the_forwarder_traces_the_complaint_with_its_tracking_id(client: Any, lapor_sim: Any) -> None:
    tid = submitted(client)
    out = run_child(tid, "layer")
    assert out["result"] == {"batchItemFailures": []}
    found = out["spans"]
    assert [s["name"] for s in found].count("forward_to_lapor") == 1
    complaint = [s for s in found if s["name"] == COMPLAINT_SPAN]
    assert complaint and all(
        s["attributes"] == {"tracking_id": tid, "aws.xray.annotations": ["tracking_id"]} for s in complaint
    ), found
    assert all(under("forward_to_lapor", s, found) for s in complaint)
    assert "Siti" not in json.dumps(found)  # no reporter data in a trace either
    if not out["sdk"]:
        return  # the stand-in records the hub's own spans; the calls below are the layer's instrumentation
    assert all(s["trace_id"] == XRAY_TRACE_ID for s in found)  # one trace with Lambda's own segment
    lapor_host = os.environ["LAPOR_BASE_URL"].split("//", 1)[1].split(":")[0]
    lapor_calls = [
        s
        for s in found
        if lapor_host in str(s["attributes"].get("url.full", s["attributes"].get("http.url", "")))
        and "/complaints/complaint" in str(s["attributes"].get("url.full", s["attributes"].get("http.url", "")))
    ]
    assert lapor_calls, [s["name"] for s in found]  # the LAPOR! create, as a traced HTTP call
    assert all(under(COMPLAINT_SPAN, s, found) for s in lapor_calls)
    dynamodb = [s for s in found if s["attributes"].get("rpc.service") == "DynamoDB"]
    assert dynamodb and any(under(COMPLAINT_SPAN, s, found) for s in dynamodb), [s["name"] for s in found]


def test_a_failure_is_traced_by_its_type_without_the_reporter_data_in_its_text(client: Any, lapor_sim: Any) -> None:
    from tests.integration.test_log_privacy import break_reporter

    tid = submitted(client)
    nik = break_reporter(tid)  # the stored item no longer validates; pydantic's text would quote the NIK
    out = run_child(tid, "layer", {"FORWARD_BACKOFF_BASE_S": "0"})
    assert out["result"] == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    found = out["spans"]
    [complaint] = [s for s in found if s["name"] == COMPLAINT_SPAN]
    assert complaint["attributes"] == {
        "tracking_id": tid,
        "error": "ValidationError",
        "aws.xray.annotations": ["error", "tracking_id"],
    }
    assert complaint["status"] == "ERROR" and not complaint["events"]
    assert nik not in json.dumps(found) and "Siti" not in json.dumps(found)


def test_nothing_is_traced_without_the_layer(client: Any, lapor_sim: Any) -> None:
    tid = submitted(client)
    out = run_child(tid, "no-layer")
    assert out["result"] == {"batchItemFailures": []}
    assert out["enabled"] is False and out["loaded"] == []  # OpenTelemetry not even looked for twice
