"""LAPOR! and the channels see every action exactly once, whatever fails, and nothing runs on stale data.

- a follow-up whose answer LAPOR! lost is found by its marker, never posted twice;
- the status sync never takes a follow-up the hub posted for the unit's answer;
- a channel event is written with its change: a crash before it was queued loses nothing;
- the escalation sweep reads LAPOR! again before it climbs on an old state.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine

from tests.integration.channel_support import (
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    rabeg_record,
    receiver_for,
)
from tests.integration.operator_support import (
    KEL,
    OPERATOR,
    Who,
    act,
    item,
    lapor_followup,
    ok,
    sim_followups,
    submit,
    verified,
)


def test_a_follow_up_whose_answer_was_lost_is_found_not_posted_again(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters import lapor_wire
    from chalicelib.services.lapor_followups import FollowupRetryLater, posted_ids
    from infra.local.lapor_simulator import FaultConfig

    tid, _ = submit(client)
    lapor_id = verified(client, pump, lapor_sim, tid)
    ok(act(client, tid, OPERATOR, "respond", message="Petugas sudah kami kirim ke lokasi."))
    lapor_sim.faults = FaultConfig(rate_lose=1.0, lose_mode="504")  # LAPOR! takes it, the answer is lost
    try:
        with pytest.raises(FollowupRetryLater):
            bootstrap.lapor_followups().deliver(tid)
    finally:
        lapor_sim.faults = FaultConfig()
    assert len(sim_followups(lapor_sim, lapor_id)) == 1  # it did arrive
    [pending] = bootstrap.lapor_followups().pending(tid)
    assert pending["attempted_at"]  # recorded before the post: the next try looks first
    assert bootstrap.lapor_followups().deliver(tid) == {"found": 1}
    pump.drain("forward_to_lapor")
    [posted] = sim_followups(lapor_sim, lapor_id)
    assert posted["content"].startswith("Petugas sudah kami kirim")
    assert bootstrap.lapor_followups().pending(tid) == []
    # LAPOR! answers carry no follow-up id: ours is known by its time and text (lapor_wire)
    [derived] = lapor_wire.parse_followups(
        {"results": {"data": [{"content": posted["content"], "created_at": posted["created_at"]}]}}
    )
    assert posted_ids(bootstrap.outboxes(), tid) == {derived.id}


def test_a_refused_post_is_tried_again_once(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.services.lapor_followups import FollowupRetryLater
    from infra.local.lapor_simulator import FaultConfig

    tid, _ = submit(client)
    lapor_id = verified(client, pump, lapor_sim, tid)
    ok(act(client, tid, OPERATOR, "respond", message="Jawaban pertama."))
    ok(act(client, tid, OPERATOR, "respond", message="Jawaban kedua."))
    lapor_sim.faults = FaultConfig(rate_429=1.0)  # surely not taken
    try:
        with pytest.raises(FollowupRetryLater):
            bootstrap.lapor_followups().deliver(tid)
    finally:
        lapor_sim.faults = FaultConfig()
    first = bootstrap.lapor_followups().pending(tid)[0]
    assert first["attempted_at"]  # the client cannot tell "never sent" from "answer lost": look first
    assert bootstrap.lapor_followups().deliver(tid) == {"posted": 2}  # nothing found there: posted once
    assert [f["content"].split("\n")[0] for f in sim_followups(lapor_sim, lapor_id)] == [
        "Jawaban pertama.",
        "Jawaban kedua.",
    ]  # in the order they were written


def test_the_sync_never_takes_the_hubs_own_post_for_the_units_answer(client: Any, pump: Any, lapor_sim: Any) -> None:
    """The window: LAPOR! shows our post, but its id is not recorded on the complaint yet."""
    from chalicelib import bootstrap
    from chalicelib.domain.models import utcnow

    tid, token = submit(client)
    lapor_id = verified(client, pump, lapor_sim, tid)
    client.http.post(
        f"/v1/complaints/{tid}/comments",
        body=json.dumps({"message": "Mohon segera, saya menunggu."}),
        headers={"Content-Type": "application/json", "X-Reporter-Token": token},
    )
    bootstrap.lapor_followups().deliver(tid)
    [outbox] = list(bootstrap.repository().query("pk = :p", {":p": {"S": f"LAPORFU#{tid}"}}, consistent=True))
    bootstrap.repository().update_raw(outbox["pk"], outbox["sk"], "REMOVE lapor_followup_id")  # id not home yet
    assert bootstrap.status_sync().refresh(tid, utcnow())
    state = item(tid)
    assert state["status"] == "verified" and "first_response_at" not in state  # the reporter's words, not an answer
    public = client.http.get(f"/v1/complaints/{tid}").json_body
    assert [e["kind"] for e in public["timeline"]].count("followup") == 0
    # the unit's own answer at LAPOR! still counts
    lapor_followup(lapor_sim, lapor_id, "Kami sudah menghubungi petugas loket.")
    assert bootstrap.status_sync().refresh(tid, utcnow())
    state = item(tid)
    assert state["status"] == "in_progress" and state["first_response_at"]


@pytest.mark.usefixtures("channel_secrets")
def test_a_channel_event_survives_a_crash_after_its_change(
    client: Any, pump: Any, lapor_sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.sqs import Queues
    from chalicelib.domain.models import utcnow

    with receiver_for(client, "rabeg") as receiver:
        rec = rabeg_record(KD_KEL=KEL, KD_KAT="KELURAHAN")
        tid = post_channel(client, "rabeg", rec).json_body["tracking_id"]
        verified(client, pump, lapor_sim, tid)
        real = Queues.send_json

        def queue_down(self: Queues, url: str, body: dict[str, Any], **kw: Any) -> None:
            if body.get("type") == "answer":
                raise ConnectionError("SQS went away after the change was written")
            real(self, url, body, **kw)

        monkeypatch.setattr(Queues, "send_json", queue_down)
        ok(act(client, tid, OPERATOR, "respond", message="Sedang kami proses."))  # the operator is not kept waiting
        monkeypatch.setattr(Queues, "send_json", real)
        pending = list(bootstrap.repository().query("pk = :p", {":p": {"S": f"CHEVENT#{tid}"}}, consistent=True))
        assert [p["event"]["type"] for p in pending if not p.get("sent_at")] == ["answer"]

        with time_machine.travel(utcnow() + dt.timedelta(minutes=3), tick=True):
            report = bootstrap.reconciler().sweep()
        assert report.as_dict().get("events_resent", 0) >= 1
        unsent = [
            p
            for p in bootstrap.repository().query("pk = :p", {":p": {"S": f"CHEVENT#{tid}"}}, consistent=True)
            if not p.get("sent_at")
        ]
        assert unsent == []  # sent now: the next sweep leaves it alone

        from tests.conftest import poll

        def arrived() -> bool:
            pump.drain("deliver_channel_event", idle_rounds=1, deadline_s=10)
            return "answer" in [e["type"] for e in receiver.events_for(tid)]

        poll(arrived, deadline_s=120)  # the FIFO queue is shared with earlier tests
        pump.drain("deliver_channel_event", idle_rounds=2)
        types = [e["type"] for e in receiver.events_for(tid)]
        assert types.count("answer") == 1 and types == ["forwarded", "status", "answer"]


def test_no_rung_when_the_unit_answered_at_lapor_just_before_the_deadline(
    client: Any, pump: Any, lapor_sim: Any
) -> None:
    """The sync has not run since the unit answered at LAPOR!; the sweep reads LAPOR! first."""
    from chalicelib import bootstrap
    from tests.integration.test_escalation import wib

    with time_machine.travel(wib(2026, 8, 3, 9), tick=False):  # Mon; verified 'ringan': 24 hours
        tid, _ = submit(client)
        lapor_id = verified(client, pump, lapor_sim, tid)
    deadline = dt.datetime.fromisoformat(item(tid)["deadline"].replace("Z", "+00:00"))
    lapor_followup(lapor_sim, lapor_id, "Kami sudah menindaklanjuti di loket pelayanan.")  # just before it
    with time_machine.travel(deadline + dt.timedelta(minutes=30), tick=False):
        outcomes = bootstrap.escalation().sweep()
    state = item(tid)
    assert state["escalation_level"] == 0 and state["status"] == "in_progress"
    assert outcomes.get("refreshed", 0) >= 1
    kinds = [e["kind"] for e in client.http.get(f"/v1/complaints/{tid}").json_body["timeline"]]
    assert "escalated" not in kinds and "followup" in kinds


def test_a_stale_state_that_lapor_cannot_confirm_waits(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap
    from infra.local.lapor_simulator import FaultConfig
    from tests.integration.test_escalation import wib

    with time_machine.travel(wib(2026, 8, 10, 9), tick=False):
        tid, _ = submit(client)
        verified(client, pump, lapor_sim, tid)
    deadline = dt.datetime.fromisoformat(item(tid)["deadline"].replace("Z", "+00:00"))
    lapor_sim.faults = FaultConfig(rate_5xx=1.0)
    try:
        with time_machine.travel(deadline + dt.timedelta(minutes=30), tick=False):
            outcomes = bootstrap.escalation().sweep()
    finally:
        lapor_sim.faults = FaultConfig()
    assert outcomes.get("deferred_stale_lapor", 0) >= 1 and item(tid)["escalation_level"] == 0
    with time_machine.travel(deadline + dt.timedelta(minutes=40), tick=False):
        bootstrap.escalation().sweep()  # LAPOR! answers again: nothing new there, so the rung climbs
    assert item(tid)["escalation_level"] == 1


def test_an_answer_in_the_hub_stops_the_clock_at_once(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap
    from tests.integration.test_escalation import wib

    with time_machine.travel(wib(2026, 8, 17, 9), tick=False):
        tid, _ = submit(client)
        verified(client, pump, lapor_sim, tid)
    deadline = dt.datetime.fromisoformat(item(tid)["deadline"].replace("Z", "+00:00"))
    with time_machine.travel(deadline - dt.timedelta(minutes=5), tick=False):
        then = Who("operator", f"kel:{KEL}", "budi")  # a token of that moment
        view = ok(act(client, tid, then, "respond", message="Sudah kami tangani."))
    assert view["status"] == "in_progress"
    assert dt.datetime.fromisoformat(view["deadline"].replace("Z", "+00:00")) > deadline
    with time_machine.travel(deadline + dt.timedelta(minutes=30), tick=False):
        bootstrap.escalation().sweep()
    assert item(tid)["escalation_level"] == 0
