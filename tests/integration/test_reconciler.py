"""Nothing lost: stored-but-never-queued complaints are re-queued; the DLQ is redriven."""

from __future__ import annotations

import json
from datetime import timedelta
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


def test_redrive_moves_dlq_messages_back(unqueued: Any, client: Any, pump: Any, lapor_sim: Any,
                                         stack_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
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
