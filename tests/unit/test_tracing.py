"""chalicelib/tracing.py on both of its paths.

Without OpenTelemetry (`make run`, the tests, a stage without the layer) every span is a no-op.
With it (the ADOT layer in a deployed stage) a span is a child of the current one, its
attributes are listed for X-Ray's index, and a failure carries its type only. The OpenTelemetry
path runs against a stand-in of the API always, and against the real SDK's in-memory exporter
where `opentelemetry-sdk` is installed (requirements-dev.txt).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import tracing
from chalicelib.observability import COMPLAINT_SPAN, complaint_context
from tests.support.spans import SdkRecorder, StandInRecorder, sdk_installed

NIK = "3673010101010001"


class Broken(ValueError):
    pass


@pytest.fixture(autouse=True)
def fresh_lookup() -> Iterator[None]:
    tracing._reset()
    yield
    tracing._reset()


def test_without_opentelemetry_every_span_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # `import opentelemetry` raises ImportError
    assert not tracing.enabled()
    with tracing.span("work", tracking_id="SRG-AAAA-AAAA"):
        tracing.annotate(tracking_id="SRG-AAAA-AAAA")
    with pytest.raises(Broken), complaint_context("SRG-AAAA-AAAA"):
        raise Broken(f"the reporter's NIK {NIK}")


@pytest.fixture(params=["stand-in", "sdk"])
def recorded(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> StandInRecorder | SdkRecorder:
    """The OpenTelemetry path, recorded by the stand-in and (where installed) by the real SDK."""
    rec: StandInRecorder | SdkRecorder
    if request.param == "stand-in":
        rec = StandInRecorder()
        for name, module in rec.modules.items():
            monkeypatch.setitem(sys.modules, name, module)
    elif sdk_installed():
        rec = SdkRecorder(instrument=False)  # its own provider: the global one stays untouched
    else:
        pytest.skip("opentelemetry-sdk (requirements-dev.txt) is not installed; the stand-in covers this path")
    monkeypatch.setattr(tracing, "_tracer", rec.tracer)
    return rec


def by_name(spans: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for s in spans:
        out.setdefault(s["name"], []).append(s)
    return out


def test_the_complaint_span_carries_its_tracking_id_as_an_annotation(
    recorded: StandInRecorder | SdkRecorder,
) -> None:
    assert tracing.enabled()
    with recorded.invocation("forward_to_lapor"), complaint_context("SRG-AAAA-AAAA"):
        with complaint_context("SRG-BBBB-BBBB"):
            tracing.annotate(lapor_id="L-1")
    inner, outer, invocation = recorded.spans()
    assert (inner["name"], outer["name"], invocation["name"]) == (COMPLAINT_SPAN, COMPLAINT_SPAN, "forward_to_lapor")
    # nested blocks are nested spans, under the function's own
    assert inner["parent_id"] == outer["span_id"] and outer["parent_id"] == invocation["span_id"]
    assert outer["attributes"] == {"tracking_id": "SRG-AAAA-AAAA", "aws.xray.annotations": ["tracking_id"]}
    assert inner["attributes"] == {
        "tracking_id": "SRG-BBBB-BBBB",
        "lapor_id": "L-1",
        "aws.xray.annotations": ["lapor_id", "tracking_id"],
    }
    assert all(s["status"] == "UNSET" and not s["events"] for s in (inner, outer))


def test_a_failure_is_traced_by_its_type_without_the_reporter_data_in_its_text(
    recorded: StandInRecorder | SdkRecorder,
) -> None:
    with pytest.raises(Broken), recorded.invocation("forward_to_lapor"), complaint_context("SRG-AAAA-AAAA"):
        raise Broken(f"the reporter's NIK {NIK}")
    [complaint] = by_name(recorded.spans())[COMPLAINT_SPAN]
    assert complaint["attributes"] == {
        "tracking_id": "SRG-AAAA-AAAA",
        "error": "Broken",
        "aws.xray.annotations": ["error", "tracking_id"],
    }
    assert complaint["status"] == "ERROR" and complaint["status_description"] == "Broken"
    assert not complaint["events"]  # no exception event: its message would carry the NIK
    assert NIK not in json.dumps(complaint)
