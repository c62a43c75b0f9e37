"""Nothing lost: stored-but-never-queued complaints are re-queued; the DLQ is redriven."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import time_machine

from infra.local.lapor_simulator import FaultConfig
from tests.integration.test_forwarding import submit, tickets


@pytest.fixture()
def unqueued(client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Submit complaints whose SQS send fails (stored, but no message)."""
    from chalicelib.adapters.sqs import Queues

    def submit_unqueued(n: int = 1) -> list[str]:
        with monkeypatch.context() as m:

            def broken(self: Any, tracking_id: str) -> None:
                raise ConnectionError("SQS unreachable")

            m.setattr(Queues, "send_forward", broken)
            return [submit(client) for _ in range(n)]

    return submit_unqueued


def test_unqueued_complaint_is_found_and_sent_once(unqueued: Any, client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import reconciler, repository
    from chalicelib.domain.models import utcnow

    [tid] = unqueued()
    assert repository().get_item(tid)["outbox_pk"].startswith("OUTBOX#")
    pump.drain("forward_to_lapor")
    assert client.http.get(f"/v1/complaints/{tid}").json_body["status"] == "received"  # no message: stuck

    now = utcnow()
    assert tid not in reconciler().sweep(now).requeued  # younger than 2 minutes: left to the normal path
    first = reconciler().sweep(now + timedelta(minutes=3))
    second = reconciler().sweep(now + timedelta(minutes=3))  # an overlapping sweep
    assert tid in first.requeued and tid not in second.requeued
    pump.drain("forward_to_lapor")
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["status"] == "forwarded"
    assert len(tickets(lapor_sim, tid)) == 1
    assert "outbox_pk" not in repository().get_item(tid)
    assert tid not in reconciler().sweep(now + timedelta(minutes=30)).requeued


def test_scheduled_reconciler_runs_through_the_app(unqueued: Any, client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    [tid] = unqueued()
    with time_machine.travel(utcnow() + timedelta(minutes=3), tick=True):
        report = pump.fire("reconcile_outbox")
    assert report["requeued"] >= 1
    pump.drain("forward_to_lapor")
    assert client.http.get(f"/v1/complaints/{tid}").json_body["status"] == "forwarded"
    assert len(tickets(lapor_sim, tid)) == 1


def test_attempted_complaints_stay_on_their_retry_path(unqueued: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import forwarding, reconciler
    from chalicelib.domain.models import utcnow
    from chalicelib.services.forwarding import RetryLater

    [tid] = unqueued()
    lapor_sim.faults = FaultConfig(rate_5xx=1.0)
    with pytest.raises(RetryLater):
        forwarding().forward(tid)
    now = utcnow()
    assert tid not in reconciler().sweep(now + timedelta(minutes=3)).requeued


def test_stale_requeue_is_sent_again(unqueued: Any, hub: Any) -> None:
    from chalicelib.bootstrap import reconciler
    from chalicelib.domain.models import utcnow

    [tid] = unqueued()
    now = utcnow()
    assert tid in reconciler().sweep(now + timedelta(minutes=3)).requeued
    assert tid not in reconciler().sweep(now + timedelta(minutes=8)).requeued
    assert tid in reconciler().sweep(now + timedelta(minutes=14)).requeued  # that message did not help


def test_redrive_moves_dlq_messages_back(
    unqueued: Any, client: Any, pump: Any, lapor_sim: Any, stack_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.local import redrive

    tids = unqueued(3)
    sqs = boto3.client("sqs")
    dlq = stack_env["FORWARD_DLQ_URL"]
    for tid in tids:
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"tracking_id": tid}))
    assert redrive.main(["--source", "aduan-hub-forward", "--dlq", dlq.rsplit("/", 1)[-1]]) == 0
    out = capsys.readouterr().out
    moved = int(out.split("moved ")[1].split(" ")[0])
    assert moved >= 3
    left = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"
    pump.drain("forward_to_lapor")
    for tid in tids:
        assert client.http.get(f"/v1/complaints/{tid}").json_body["status"] == "forwarded"
        assert len(tickets(lapor_sim, tid)) == 1


def test_an_attempted_complaint_left_received_is_requeued_long_after_its_last_attempt(
    unqueued: Any, client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    """Attempted once (LAPOR! failed), then its message was lost: re-queued after 30 minutes,
    forwarded exactly once (the forwarder looks the ticket up first)."""
    from chalicelib.bootstrap import forwarding, reconciler
    from chalicelib.domain.models import utcnow
    from chalicelib.services.forwarding import RetryLater

    [tid] = unqueued()
    lapor_sim.faults = FaultConfig(rate_5xx=1.0)
    with pytest.raises(RetryLater):
        forwarding().forward(tid)
    lapor_sim.faults = FaultConfig()
    now = utcnow()
    assert tid not in reconciler().sweep(now + timedelta(minutes=20)).requeued  # may still be on its backoff
    assert tid in reconciler().sweep(now + timedelta(minutes=31)).requeued
    assert tid not in reconciler().sweep(now + timedelta(minutes=32)).requeued  # claimed once
    pump.drain("forward_to_lapor")
    assert client.http.get(f"/v1/complaints/{tid}").json_body["status"] == "forwarded"
    assert len(tickets(lapor_sim, tid)) == 1


def test_a_lost_answer_then_a_lost_message_still_ends_with_one_ticket(
    unqueued: Any, client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    """LAPOR! created the ticket but its answer was lost, and the retry message never came:
    the reconciler's re-queue finds the ticket instead of creating a second one."""
    from chalicelib.bootstrap import forwarding, reconciler
    from chalicelib.domain.models import utcnow
    from chalicelib.services.forwarding import RetryLater

    [tid] = unqueued()
    lapor_sim.faults = FaultConfig(rate_lose=1.0)
    with pytest.raises(RetryLater):
        forwarding().forward(tid)
    lapor_sim.faults = FaultConfig()
    assert tid in reconciler().sweep(utcnow() + timedelta(minutes=31)).requeued
    pump.drain("forward_to_lapor")
    assert client.http.get(f"/v1/complaints/{tid}").json_body["status"] == "forwarded"
    assert len(tickets(lapor_sim, tid)) == 1


def test_each_sweep_reports_the_age_of_the_oldest_received_complaint(unqueued: Any, hub: Any) -> None:
    from chalicelib.bootstrap import reconciler, repository
    from chalicelib.services.reconciler import OLDEST_METRIC

    [tid] = unqueued()
    accepted = datetime.fromisoformat(repository().get_item(tid)["outbox_sk"])
    report = reconciler().sweep(accepted + timedelta(minutes=45))
    assert report.oldest_received_age_s >= 45 * 60  # this one, or an older one a test left behind
    assert report.as_dict()["oldest_received_age_s"] == report.oldest_received_age_s
    from chalicelib.observability import metrics

    published = [m for m in metrics.metric_set.get(OLDEST_METRIC, {}).get("Value", [])]
    assert published and published[-1] == report.oldest_received_age_s


def test_the_alarm_watches_what_the_reconciler_publishes() -> None:
    from chalicelib.services.reconciler import OLDEST_METRIC

    template = json.loads((Path(__file__).resolve().parents[2] / "infra" / "template.json").read_text())
    [alarm] = [
        r["Properties"]
        for r in template["Resources"].values()
        if r.get("Type") == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName") == OLDEST_METRIC
    ]
    assert alarm["Namespace"] == "AduanHub" and alarm["Threshold"] == 30 * 60
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["Statistic"] == "Maximum"
    assert alarm["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]
