"""How `make run` shows the application's lines (infra/local/console.py) and runs its schedules."""

from __future__ import annotations

import io
import json
import threading

import pytest

from infra.local.console import ConsoleStream, Renderer
from infra.local.pump import parse_schedule_overrides

LINE = json.dumps(
    {
        "level": "INFO",
        "location": "_complete:204",
        "message": "forwarded to LAPOR!",
        "timestamp": "2026-12-01 15:08:48,868+0000",
        "service": "aduan-hub",
        "tracking_id": "SRG-96VF-NKZU",
        "lapor_id": 1916449,
        "recovered": False,
    }
)
EMF = json.dumps(
    {
        "_aws": {
            "Timestamp": 1796137728869,
            "CloudWatchMetrics": [
                {
                    "Namespace": "AduanHub",
                    "Dimensions": [["service", "channel"]],
                    "Metrics": [{"Name": "ComplaintsAccepted", "Unit": "Count"}],
                }
            ],
        },
        "service": "aduan-hub",
        "channel": "rabeg",
        "ComplaintsAccepted": [1.0],
    }
)


def test_a_log_line_is_one_short_line_with_the_tracking_id_first() -> None:
    out = Renderer().render(LINE, "forward_to_lapor")
    assert out is not None and out.startswith("SRG-96VF-NKZU ")
    assert "INFO" in out and "forward_to_lapor" in out and "forwarded to LAPOR!" in out
    assert "lapor_id=1916449" in out and "recovered=False" in out
    assert "location" not in out and "service" not in out and "{" not in out


def test_lines_without_a_complaint_keep_the_columns() -> None:
    a = Renderer().render(LINE, "x")
    b = Renderer().render(json.dumps({**json.loads(LINE), "tracking_id": None}), "x")
    assert a is not None and b is not None
    assert a.index("INFO") == b.index("INFO")


def test_raw_json_on_request() -> None:
    r = Renderer("json")
    for line in (LINE, EMF, "Serving on http://127.0.0.1:8000"):
        assert r.render(line, "api") == line


def test_metric_lines_hidden_unless_asked_for() -> None:
    assert Renderer().render(EMF, "api") is None
    shown = Renderer(metrics=True).render(EMF, "api")
    assert shown is not None and "METRIC" in shown and "ComplaintsAccepted=1" in shown and "channel=rabeg" in shown


def test_two_records_printed_at_once_on_one_line_are_both_rendered() -> None:
    """print() writes the text and its newline apart: two threads can join records on one line."""
    out = Renderer().render(EMF + LINE, "api")
    assert out is not None and out.startswith("SRG-96VF-NKZU ") and "{" not in out
    both = Renderer(metrics=True).render(EMF + " " + LINE, "api")
    assert both is not None and len(both.splitlines()) == 2 and "METRIC" in both.splitlines()[0]
    assert Renderer().render("", "api") is None
    assert Renderer().render('{"level": "INFO"} not json', "api") == '{"level": "INFO"} not json'


def test_simulator_and_access_lines_are_shortened_and_sdk_chatter_dropped() -> None:
    r = Renderer()
    sim = r.render(
        json.dumps(
            {
                "ts": "2026-12-01T15:08:48.759+00:00",
                "method": "POST",
                "path": "/complaints/complaint",
                "status": 200,
                "fault": None,
                "ms": 1.4,
            }
        ),
        "local",
    )
    assert sim is not None and "lapor" in sim and "POST /complaints/complaint 200" in sim
    access = r.render('127.0.0.1 - - [01/Dec/2026 15:08:48] "POST /v1/complaints HTTP/1.1" 201 -', "api")
    assert access is not None and "http" in access and access.endswith("POST /v1/complaints 201")
    assert r.render("Found credentials in environment variables.", "api") is None
    assert r.render("[pump] schedule x: boom", "run") == "[pump] schedule x: boom"


def test_an_exception_is_shown_under_its_line() -> None:
    line = json.dumps(
        {
            **json.loads(LINE),
            "level": "ERROR",
            "message": "forward failed; will retry",
            "exception": "Traceback (most recent call last):\n  File x\nValueError: boom",
        }
    )
    out = Renderer().render(line, "forward_to_lapor")
    assert out is not None
    first, *rest = out.splitlines()
    assert first.startswith("SRG-96VF-NKZU") and "ERROR" in first
    assert rest[-1].strip() == "| ValueError: boom"


def test_the_stream_names_the_pump_thread_and_keeps_lines_whole() -> None:
    target = io.StringIO()
    stream = ConsoleStream(target, Renderer())

    def handler() -> None:
        half = len(LINE) // 2
        stream.write(LINE[:half])
        stream.write(LINE[half:] + "\n")

    t = threading.Thread(target=handler, name="sqs:forward_to_lapor")
    t.start()
    t.join()
    [shown] = target.getvalue().splitlines()
    assert shown.startswith("SRG-96VF-NKZU") and "forward_to_lapor" in shown


def test_bad_log_format_is_refused() -> None:
    with pytest.raises(ValueError):
        Renderer("yaml")


def test_schedule_overrides() -> None:
    assert parse_schedule_overrides(None) == (None, {})
    assert parse_schedule_overrides("10") == (10, {})
    assert parse_schedule_overrides("sync_lapor_status=5, escalate_overdue=30") == (
        None,
        {"sync_lapor_status": 5, "escalate_overdue": 30},
    )
    assert parse_schedule_overrides("30,sync_lapor_status=5") == (30, {"sync_lapor_status": 5})
    with pytest.raises(ValueError):
        parse_schedule_overrides("sync_lapor_status=0")


def test_the_pump_uses_the_deployed_rate_unless_overridden() -> None:
    import app
    from infra.local.pump import EventPump

    pump = EventPump(app, endpoint_url="http://127.0.0.1:9", schedule_overrides={"sync_lapor_status": 5})
    rates = {s.name: pump.interval(s) for s in pump.schedules()}
    assert rates["sync_lapor_status"] == 5
    assert rates["escalate_overdue"] == 300 and rates["reconcile_outbox"] == 120
