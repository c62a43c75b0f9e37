"""The metrics the dashboard and the alarms read, as the handlers really write them (EMF on stdout).

tests/unit/test_console.py checks the names against the code's text; these run the handlers
(through the Chalice app, so its middleware flushes) against moto and the LAPOR! simulator.
"""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
import time_machine

from chalicelib.domain.models import Status
from infra.local.lapor_simulator import FaultConfig
from tests.integration.test_escalation import put_in_stage, raw, wib
from tests.integration.test_escalation import submit as submit_at
from tests.integration.test_forwarding import sqs_record, submit
from tests.integration.test_log_privacy import captured_logs


def emitted(out: str) -> list[dict[str, Any]]:
    """Each metric of each EMF line: {name, unit, value(s), dimensions}."""
    found = []
    for line in out.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        data = json.loads(line)
        for directive in data["_aws"]["CloudWatchMetrics"]:
            dims = {k: data[k] for ds in directive["Dimensions"] for k in ds}
            for m in directive["Metrics"]:
                found.append({"name": m["Name"], "unit": m["Unit"], "values": data[m["Name"]], "dims": dims})
    return found


def named(metrics: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [m for m in metrics if m["name"] == name]


def values(m: dict[str, Any]) -> list[float]:
    return m["values"] if isinstance(m["values"], list) else [m["values"]]


def test_forwarding_writes_time_to_ticket_and_lapor_latency(
    client: Any, hub: Any, lapor_sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    tid = submit(client)
    capsys.readouterr()
    with captured_logs() as logs:
        result = hub.forward_to_lapor({"Records": [sqs_record("m-1", json.dumps({"tracking_id": tid}))]}, None)
    assert result == {"batchItemFailures": []}
    metrics = emitted(capsys.readouterr().out)
    [waited] = named(metrics, "TimeToLaporTicket")
    assert waited["unit"] == "Seconds" and 0 <= values(waited)[0] < 600
    [latency] = named(metrics, "LaporCallLatency")
    assert latency["unit"] == "Milliseconds" and all(v > 0 for v in values(latency))
    assert named(metrics, "LaporCallsOk") and named(metrics, "ComplaintsForwarded")
    assert not named(metrics, "LaporCallFailures") and not named(metrics, "LaporUnreachable")
    call = [json.loads(line) for line in logs.getvalue().splitlines() if '"LAPOR! call"' in line and tid in line]
    assert call and call[0]["lapor_call"] == "create" and call[0]["outcome"] == "ok" and call[0]["duration_ms"] > 0


@pytest.mark.parametrize(
    ("faults", "kind", "unreachable"),
    [
        (FaultConfig(rate_5xx=1.0), "server_error", True),
        (FaultConfig(rate_reject=1.0), "rejected", False),
    ],
)
def test_lapor_failures_are_counted_by_kind(
    client: Any,
    hub: Any,
    lapor_sim: Any,
    capsys: pytest.CaptureFixture[str],
    faults: FaultConfig,
    kind: str,
    unreachable: bool,
) -> None:
    tid = submit(client)
    capsys.readouterr()
    lapor_sim.faults = faults
    hub.forward_to_lapor({"Records": [sqs_record("m-1", json.dumps({"tracking_id": tid}))]}, None)
    metrics = emitted(capsys.readouterr().out)
    failures = named(metrics, "LaporCallFailures")
    assert failures and {m["dims"]["kind"] for m in failures} == {kind}
    assert bool(named(metrics, "LaporUnreachable")) is unreachable
    assert not named(metrics, "LaporCallsOk")


def test_intake_counts_by_channel(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    submit(client)
    by_channel = named(emitted(capsys.readouterr().out), "ComplaintsAccepted")
    assert {m["dims"].get("channel") for m in by_channel} == {None, "app"}  # the total, and by channel


def test_a_schedule_run_that_completes_is_a_heartbeat_and_one_that_fails_is_not(
    pump: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib import bootstrap

    capsys.readouterr()
    pump.fire("reconcile_outbox")
    [beat] = named(emitted(capsys.readouterr().out), "SweepCompleted")
    assert beat["dims"] == {"service": "aduan-hub", "sweep": "reconcile_outbox"} and values(beat) == [1]
    with (
        mock.patch.object(bootstrap.reconciler(), "sweep", side_effect=RuntimeError("down")),
        pytest.raises(RuntimeError),
    ):
        pump.fire("reconcile_outbox")
    assert not named(emitted(capsys.readouterr().out), "SweepCompleted")


def test_the_overdue_sweep_publishes_what_it_left_behind(
    client: Any, pump: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib import bootstrap
    from chalicelib.services.escalation import EscalationService

    tid = submit_at(client, at=wib(2026, 10, 5, 10))
    put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 10, 5, 10))  # due Mon 12 Oct
    try:
        with time_machine.travel(wib(2026, 10, 13, 9), tick=False):
            capsys.readouterr()
            with mock.patch.object(EscalationService, "handle", side_effect=RuntimeError("bug")):
                pump.fire("escalate_overdue")
            [stuck] = named(emitted(capsys.readouterr().out), "OverdueBacklog")
            assert values(stuck)[0] >= 1  # ours, at least: nothing acted on it
            pump.fire("escalate_overdue")
            assert raw(tid)["escalation_level"] == 1
            [after] = named(emitted(capsys.readouterr().out), "OverdueBacklog")
            assert values(after)[0] < values(stuck)[0]
    finally:
        bootstrap.repository().update(tid, "REMOVE due_pk, due_sk")  # leave the shared table's due index
