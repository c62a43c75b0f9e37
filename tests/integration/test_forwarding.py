"""API -> DynamoDB -> SQS -> forwarder -> LAPOR! simulator, all over HTTP."""

from __future__ import annotations

import io
import json
import logging
import threading
from typing import Any

import requests

from infra.local.lapor_simulator import FaultConfig
from tests.conftest import VALID


def submit(client: Any, body: dict[str, Any] | None = None) -> str:
    resp = client.http.post(
        "/v1/complaints", body=json.dumps(body or VALID), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 201, resp.body
    return resp.json_body["tracking_id"]


def tickets(sim: Any, tracking_id: str) -> list[dict[str, Any]]:
    rows = requests.get(f"{sim.base_url}/_sim/complaints", timeout=5).json()["results"]["data"]
    return [r for r in rows if tracking_id in str(r.get("tags_raw", ""))]


def test_complaint_reaches_lapor_once(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid = submit(client)
    pump.drain("forward_to_lapor")
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["status"] == "forwarded"
    found = tickets(lapor_sim, tid)
    assert len(found) == 1 and body["lapor_id"] == found[0]["complaint_id"]
    assert [e["kind"] for e in body["timeline"]] == ["received", "forwarded"]
    assert body["deadline"] is not None  # 3 working days for LAPOR! verification


def test_confidential_and_anonymous_flags_reach_lapor_without_pii(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid = submit(client, {**VALID, "anonymous": True, "confidential": True})
    pump.drain("forward_to_lapor")
    [ticket] = tickets(lapor_sim, tid)  # everything LAPOR! stored (the simulator's admin view)
    assert int(ticket["is_anonymous"]) == 1 and int(ticket["is_secret"]) == 1
    assert "Siti" not in json.dumps(ticket) and "81234567890" not in json.dumps(ticket)


def test_same_message_twice_gives_one_ticket(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap

    tid = submit(client)
    bootstrap.queues().send_forward(tid)  # a duplicate delivery of the same job
    event = {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": "r",
                "body": json.dumps({"tracking_id": tid}),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:x:1:q",
            }
            for i in range(2)
        ]
    }
    result = hub.forward_to_lapor(event, None)
    assert result == {"batchItemFailures": []}
    assert len(tickets(lapor_sim, tid)) == 1


def test_two_forwarders_racing_give_one_ticket(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import complaints, lapor, status_events
    from chalicelib.services.forwarding import ForwardingService, RetryLater

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_slow=1.0, slow_s=0.5)  # both are in flight at once
    outcomes: list[str] = []

    def run() -> None:
        try:
            outcomes.append(ForwardingService(complaints(), lapor, status_events()).forward(tid).outcome)
        except RetryLater as err:
            outcomes.append(f"retry:{err.reason}")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["forwarded", "retry"]
    assert len(tickets(lapor_sim, tid)) == 1


def test_lost_answer_is_found_not_resent(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import forwarding
    from chalicelib.services.forwarding import RetryLater

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_lose=1.0)
    try:
        forwarding().forward(tid)
        raise AssertionError("a lost answer must not count as success")
    except RetryLater:
        pass
    assert len(tickets(lapor_sim, tid)) == 1  # LAPOR! did take it
    lapor_sim.faults = FaultConfig()
    result = forwarding().forward(tid)
    assert result.outcome == "forwarded" and result.lapor_id == tickets(lapor_sim, tid)[0]["complaint_id"]
    assert len(tickets(lapor_sim, tid)) == 1


def test_refused_complaint_is_parked_with_reason(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import forwarding, repository

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_reject=1.0)
    assert forwarding().forward(tid).outcome == "parked"
    stored = repository().get(tid)
    assert stored is not None and stored.status == "needs_attention"
    assert stored.park_reason and "LAPOR!" in stored.park_reason
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["timeline"][-1]["kind"] == "parked"


def test_logs_are_json_with_tracking_id_and_no_pii(client: Any, pump: Any) -> None:
    from chalicelib.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)  # the JSON formatter Lambda's stdout gets
    logger._logger.addHandler(handler)
    try:
        tid = submit(client)
        pump.drain("forward_to_lapor")
    finally:
        logger._logger.removeHandler(handler)
    out = buffer.getvalue()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    mine = [entry for entry in lines if entry.get("tracking_id") == tid]
    messages = {entry["message"] for entry in mine}
    assert {"complaint accepted", "forwarded to LAPOR!"} <= messages
    for secret in ("Siti", "81234567890", "siti@example.org", "3673010101010001"):
        assert secret not in out


def sqs_record(message_id: str, body: str, receives: int = 1) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "r",
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(receives)},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:x:1:q",
    }


def test_bad_messages_do_not_send_their_batch_mates_back(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import forwarding

    good = [submit(client) for _ in range(3)]
    parked = submit(client)
    lapor_sim.faults = FaultConfig(rate_reject=1.0)
    assert forwarding().forward(parked).outcome == "parked"
    lapor_sim.faults = FaultConfig()
    records = [sqs_record("bad-json", "{not json"), sqs_record("no-id", json.dumps({"x": 1}))]
    records += [sqs_record(f"good-{i}", json.dumps({"tracking_id": t})) for i, t in enumerate(good)]
    records.append(sqs_record("parked", json.dumps({"tracking_id": parked})))  # not forwardable: done
    result = hub.forward_to_lapor({"Records": records}, None)
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["bad-json", "no-id"]
    for tid in good:
        assert len(tickets(lapor_sim, tid)) == 1
    assert tickets(lapor_sim, parked) == []


def test_crash_after_lapor_answered_then_redelivery_gives_one_ticket(
    client: Any, hub: Any, lapor_sim: Any, monkeypatch: Any
) -> None:
    from chalicelib.adapters.storage.timelines import TimelineStore
    from chalicelib.bootstrap import repository

    tid = submit(client)
    real_write = TimelineStore.write
    crashed: list[str] = []

    def write_fails_once(self: TimelineStore, tracking_id: str, entry: Any) -> Any:
        if tracking_id == tid and entry.kind == "forwarded" and not crashed:
            crashed.append(tracking_id)
            raise ConnectionError("DynamoDB went away after LAPOR! answered")
        return real_write(self, tracking_id, entry)

    monkeypatch.setattr(TimelineStore, "write", write_fails_once)
    event = {"Records": [sqs_record("m1", json.dumps({"tracking_id": tid}))]}
    assert hub.forward_to_lapor(event, None)["batchItemFailures"] == [{"itemIdentifier": "m1"}]
    assert crashed and len(tickets(lapor_sim, tid)) == 1
    assert repository().get_item(tid)["fwd_sent_at"]  # the attempt is remembered
    event = {"Records": [sqs_record("m1", json.dumps({"tracking_id": tid}), receives=2)]}
    assert hub.forward_to_lapor(event, None)["batchItemFailures"] == []
    [ticket] = tickets(lapor_sim, tid)
    assert repository().get(tid).lapor_id == ticket["complaint_id"]


def test_hard_crash_holding_the_lease_recovers_after_the_lease(
    client: Any, hub: Any, lapor_sim: Any, monkeypatch: Any
) -> None:
    from datetime import timedelta

    import time_machine

    from chalicelib.bootstrap import forwarding
    from chalicelib.domain.models import utcnow
    from chalicelib.services.forwarding import ForwardingService, RetryLater

    tid = submit(client)

    def die(self: ForwardingService, *a: Any, **kw: Any) -> Any:
        raise SystemExit("Lambda killed")  # nothing of ours runs after LAPOR! answered

    with monkeypatch.context() as m:
        m.setattr(ForwardingService, "_complete", die)
        try:
            forwarding().forward(tid)
        except SystemExit:
            pass
    assert len(tickets(lapor_sim, tid)) == 1
    try:
        forwarding().forward(tid)
        raise AssertionError("the dead forwarder's lease must still hold")
    except RetryLater as err:
        assert "lease" in err.reason
    with time_machine.travel(utcnow() + timedelta(seconds=forwarding().lease_s + 5), tick=True):
        result = forwarding().forward(tid)
    assert result.outcome == "forwarded"
    [ticket] = tickets(lapor_sim, tid)
    assert result.lapor_id == ticket["complaint_id"]


def test_failed_lookup_after_a_lost_answer_never_resends_blind(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import forwarding
    from chalicelib.services.forwarding import RetryLater

    tid = submit(client)
    for faults in (FaultConfig(rate_lose=1.0), FaultConfig(rate_5xx=1.0)):  # lost answer, then look-up fails
        lapor_sim.faults = faults
        try:
            forwarding().forward(tid)
            raise AssertionError("must retry")
        except RetryLater:
            pass
    lapor_sim.faults = FaultConfig()
    assert forwarding().forward(tid).outcome == "forwarded"
    assert len(tickets(lapor_sim, tid)) == 1


def test_refused_look_up_is_retried_not_parked(client: Any, hub: Any, lapor_sim: Any, monkeypatch: Any) -> None:
    from chalicelib.adapters.lapor import LaporClient, LaporError
    from chalicelib.bootstrap import forwarding, repository
    from chalicelib.services.forwarding import RetryLater

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_lose=1.0)
    try:
        forwarding().forward(tid)
        raise AssertionError("a lost answer must be retried")
    except RetryLater:
        pass
    lapor_sim.faults = FaultConfig()

    def refused(self: Any, tracking_id: str) -> list[int]:
        raise LaporError("404: no such route", "rejected", 404)

    with monkeypatch.context() as m:  # the assumed look-up call does not exist at this LAPOR!
        m.setattr(LaporClient, "find_by_tracking_id", refused)
        try:
            forwarding().forward(tid)
            raise AssertionError("a refused look-up must be retried")
        except RetryLater:
            pass
    stored = repository().get_item(tid, consistent=True)
    assert stored is not None and stored["status"] == "received" and stored.get("fwd_sent_at")
    assert forwarding().forward(tid).outcome == "forwarded"
    assert len(tickets(lapor_sim, tid)) == 1


def test_parking_keeps_the_record_of_an_earlier_unknown_attempt(
    client: Any, hub: Any, lapor_sim: Any, monkeypatch: Any
) -> None:
    from chalicelib.adapters.lapor import LaporClient
    from chalicelib.bootstrap import admin, forwarding, repository
    from chalicelib.services.forwarding import RetryLater

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_lose=1.0)  # LAPOR! takes it, the answer is lost
    try:
        forwarding().forward(tid)
    except RetryLater:
        pass
    lapor_sim.faults = FaultConfig(rate_reject=1.0)
    with monkeypatch.context() as m:  # LAPOR!'s search lags behind its create
        m.setattr(LaporClient, "find_by_tracking_id", lambda self, tracking_id: [])
        assert forwarding().forward(tid).outcome == "parked"
    stored = repository().get_item(tid, consistent=True)
    assert stored is not None and stored.get("fwd_sent_at"), "an admin retry must look up first"
    lapor_sim.faults = FaultConfig()
    admin().retry(tid)
    assert forwarding().forward(tid).outcome == "forwarded"
    assert len(tickets(lapor_sim, tid)) == 1


def test_a_lease_lost_to_a_status_change_is_not_retried(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import forwarding, repository

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_reject=1.0)
    assert forwarding().forward(tid).outcome == "parked"
    assert repository().get_item(tid, consistent=True)["status"] == "needs_attention"
    # a message that raced the parking: acknowledged, not sent round to the DLQ
    assert forwarding()._acquire(tid).outcome == "not_forwardable"
