"""The hub against LAPOR!'s documented answers, richer ones, and ones it cannot read.

The simulator is strict here (the default): it answers with the fields
/work/shared/lapor-api.md documents and nothing more. An answer the adapter cannot
read is a LAPOR! error for that one complaint: logged once, counted, and tried again
on the error schedule (`retry_after_error_minutes`), for the status sync and the
forwarder alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from infra.local.lapor_simulator import FaultConfig, LaporSimulator
from tests.integration.test_forwarding import submit, tickets
from tests.integration.test_log_privacy import captured_logs, lines_for
from tests.integration.test_status_sync import check_now, forwarded, item, lapor_status, sweep_at

LAPOR_HEADERS = {"Authorization": "Bearer test-auth", "token": "test-token"}


def error_minutes() -> int:
    from chalicelib.domain.sync_policy import default_schedule

    return default_schedule().retry_after_error_minutes


def metric(name: str) -> float:
    from chalicelib.observability import metrics

    return sum(metrics.metric_set.get(name, {}).get("Value", []))


@pytest.fixture()
def fresh_metrics() -> Iterator[None]:
    from chalicelib.observability import metrics

    metrics.metric_set.clear()
    yield
    metrics.metric_set.clear()


def test_status_sync_reads_the_documented_answer_without_an_id(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    assert lapor_sim.strict
    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_status(lapor_sim, lid, "Dalam Proses")
    answer = requests.get(f"{lapor_sim.base_url}/complaints/{lid}/complaint", headers=LAPOR_HEADERS, timeout=5).json()
    assert set(answer["results"]["data"]) == {"status_code", "status_name", "disposition_id", "disposition_name"}
    sweep_at(utcnow() + timedelta(minutes=6), tid)
    assert item(tid)["status"] == "verified"


@pytest.mark.usefixtures("fresh_metrics")
@pytest.mark.parametrize("mode", ["shape", "html"])
def test_an_unreadable_status_answer_waits_for_the_error_schedule(
    client: Any, pump: Any, lapor_sim: Any, mode: str
) -> None:
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_status(lapor_sim, lid, "Dalam Proses")
    now = utcnow() + timedelta(minutes=6)
    lapor_sim.faults = FaultConfig(rate_garble=1.0, garble_mode=mode)
    try:
        with captured_logs() as buffer:
            report = sweep_at(now, tid)
            retry_at = item(tid)["sync_sk"]
            sweep_at(now + timedelta(minutes=1))  # the next sweep leaves it alone
    finally:
        lapor_sim.faults = FaultConfig()
    assert report.errors >= 1 and metric("LaporUnexpectedAnswers") >= 1
    assert item(tid)["status"] == "forwarded"
    assert retry_at.startswith((now + timedelta(minutes=error_minutes())).strftime("%Y-%m-%dT%H:%M"))
    assert item(tid)["sync_sk"] == retry_at
    mine = lines_for(buffer, tid)
    [line] = [e for e in mine if e["level"] in ("WARNING", "ERROR")]  # logged once, no traceback
    assert line["message"].startswith("LAPOR! status check failed") and line["unexpected"] is True
    assert "unexpected answer to GET /complaints/" in line["error"] and "exception" not in line

    sweep_at(now + timedelta(minutes=error_minutes() + 1), tid)
    assert item(tid)["status"] == "verified"


@pytest.mark.usefixtures("fresh_metrics")
def test_an_unreadable_create_answer_is_retried_later_and_finds_its_ticket(
    client: Any, hub: Any, lapor_sim: Any
) -> None:
    from chalicelib.bootstrap import forwarding
    from chalicelib.services.forwarding import RetryLater

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_garble=1.0, garble_mode="html")
    try:
        with pytest.raises(RetryLater) as err:
            forwarding().forward(tid)
    finally:
        lapor_sim.faults = FaultConfig()
    assert err.value.delay_s == error_minutes() * 60
    assert metric("LaporUnexpectedAnswers") == 1
    [ticket] = tickets(lapor_sim, tid)  # LAPOR! made it, though we could not read the answer
    assert item(tid)["fwd_sent_at"] and item(tid)["status"] == "received"

    result = forwarding().forward(tid)  # the retry looks it up before sending again
    assert (result.outcome, result.lapor_id) == ("forwarded", ticket["complaint_id"])
    assert len(tickets(lapor_sim, tid)) == 1


def test_the_hub_ignores_what_a_richer_lapor_adds(client: Any, hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.models import utcnow

    rich = LaporSimulator(
        auth="test-auth",
        token="test-token",
        verify_after_s=0,
        followup_after_s=0,
        finish_after_s=0,
        quiet=True,
        strict=False,
    )
    monkeypatch.setenv("LAPOR_BASE_URL", rich.start("127.0.0.1", 0))
    bootstrap.reset()
    try:
        tid = submit(client)
        lid = bootstrap.forwarding().forward(tid).lapor_id
        assert lid is not None
        answer = requests.get(f"{rich.base_url}/complaints/{lid}/complaint", headers=LAPOR_HEADERS, timeout=5)
        assert answer.json()["results"]["data"]["complaint_id"] == lid  # more than the evidence promises
        lapor_status(rich, lid, "Dalam Proses")
        requests.post(
            f"{rich.base_url}/_sim/complaints/{lid}/followups", json={"content": "Sudah ditinjau."}, timeout=5
        ).raise_for_status()
        check_now(tid, utcnow() + timedelta(minutes=6))
        assert item(tid)["status"] == "in_progress"
        assert "Sudah ditinjau." in json.dumps(client.http.get(f"/v1/complaints/{tid}").json_body)
    finally:
        rich.stop()
        bootstrap.reset()
