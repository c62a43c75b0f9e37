"""A photo added after the complaint went to LAPOR! reaches it as a follow-up attachment, exactly once."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from infra.local.lapor_simulator import FaultConfig
from tests.conftest import poll
from tests.integration.test_attachments import JPEG, ask, quick_uploads, upload  # noqa: F401 - fixture
from tests.integration.test_log_privacy import captured_logs
from tests.integration.test_status_sync import check_now, forwarded, item, lapor_status, sim_followups
from tests.support.photos import clean_jpeg

pytestmark = pytest.mark.usefixtures("quick_uploads")


def ours(sim: Any, lapor_id: int) -> list[dict[str, Any]]:
    return [f for f in sim_followups(sim, lapor_id) if f["attachments"]]


def run_jobs_until(pump: Any, done: Any) -> None:
    """The forward Lambda, until the condition holds (the job is queued with a short delay)."""

    def step() -> Any:
        pump.drain("forward_to_lapor", idle_rounds=1, deadline_s=5)
        return done()

    poll(step, deadline_s=30)


def test_a_photo_added_after_forwarding_goes_as_a_follow_up_once(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import attachment_followups
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_status(lapor_sim, lid, "Dalam Proses")
    check_now(tid, utcnow() + timedelta(minutes=6))
    assert item(tid)["status"] == "verified"

    form = ask(client, tid, {"filename": "KTP_3673015808900003.jpg", "content_type": "image/jpeg"})
    assert form.status_code == 201, form.body
    assert upload(form.json_body, JPEG, "image/jpeg").status_code < 300
    run_jobs_until(pump, lambda: ours(lapor_sim, lid))
    attachment_followups().send(tid)  # a second delivery of the job sends nothing more

    [fu] = ours(lapor_sim, lid)
    assert [(a["name"], a["sha256"]) for a in fu["attachments"]] == [
        ("lampiran-1.jpg", hashlib.sha256(JPEG).hexdigest())
    ]
    assert "3673015808900003" not in json.dumps(sim_followups(lapor_sim, lid))
    state = item(tid)
    assert state["attachment_followups"][form.json_body["key"]]["state"] == "sent"
    assert "att_owner" not in state
    timeline = client.http.get(f"/v1/complaints/{tid}").json_body["timeline"]
    assert [e["kind"] for e in timeline].count("attachment") == 1
    assert not any("[aduan-hub:" in e["message"] for e in timeline)  # our own post is not the unit's answer

    check_now(tid, utcnow() + timedelta(hours=2))  # the sync sees our follow-up at LAPOR!
    assert item(tid)["status"] == "verified"
    assert len(ours(lapor_sim, lid)) == 1


def test_a_lost_answer_is_looked_up_not_posted_again(client: Any, hub: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import attachment_followups
    from chalicelib.services.forwarding import RetryLater

    tid, lid = forwarded(client, pump, lapor_sim)
    form = ask(client, tid, {"filename": "x.png", "content_type": "image/png"}).json_body
    assert upload(form, clean_jpeg(5), "image/png").status_code < 300
    lapor_sim.faults = FaultConfig(rate_lose=1.0, lose_mode="504")  # LAPOR! takes it, the answer is lost
    try:
        with pytest.raises(RetryLater):
            attachment_followups().send(tid, item(tid)["updated_at"])
    finally:
        lapor_sim.faults = FaultConfig()
    assert len(ours(lapor_sim, lid)) == 1
    assert item(tid)["attachment_followups"][form["key"]]["state"] == "sending"
    assert attachment_followups().send(tid) == "sent"  # found by its marker, not posted again
    assert len(ours(lapor_sim, lid)) == 1
    assert item(tid)["attachment_followups"][form["key"]]["state"] == "sent"
    assert attachment_followups().send(tid) == "nothing_to_send"


def test_a_photo_asked_for_while_the_forward_is_in_flight_is_not_lost(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    """The forwarder read the complaint before the file was added: the file follows it."""
    from chalicelib.bootstrap import forwarding
    from chalicelib.services.attachments import LaporAttachments
    from tests.integration.test_escalation import submit

    tid = submit(client)
    added: dict[str, Any] = {}
    real = LaporAttachments.__call__

    def add_a_photo_meanwhile(self: LaporAttachments, it: dict[str, Any], lapor: Any) -> list[int]:
        form = ask(client, tid, {"filename": "late.jpg", "content_type": "image/jpeg"})
        assert form.status_code == 201, form.body
        added.update(form.json_body)
        assert upload(added, JPEG, "image/jpeg").status_code < 300
        return real(self, it, lapor)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(LaporAttachments, "__call__", add_a_photo_meanwhile)
        assert forwarding().forward(tid).outcome == "forwarded"
    lid = item(tid)["lapor_id"]
    run_jobs_until(pump, lambda: ours(lapor_sim, lid))
    [fu] = ours(lapor_sim, lid)
    assert fu["attachments"][0]["sha256"] == hashlib.sha256(JPEG).hexdigest()


def test_a_file_never_uploaded_is_given_up_after_the_wait(client: Any, hub: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import attachment_followups
    from chalicelib.domain.attachments import rules
    from chalicelib.domain.models import utcnow
    from chalicelib.services.forwarding import RetryLater

    tid, lid = forwarded(client, pump, lapor_sim)
    form = ask(client, tid, {"filename": "x.png", "content_type": "image/png"}).json_body
    asked_at = utcnow().isoformat()
    with pytest.raises(RetryLater):
        attachment_followups().send(tid, asked_at)
    with time_machine.travel(utcnow() + timedelta(seconds=rules().upload_wait_s + 1)), captured_logs() as buffer:
        assert attachment_followups().send(tid, asked_at) == "nothing_sent"
    assert "attachment never uploaded; not sent to LAPOR!" in buffer.getvalue()
    assert item(tid)["attachment_followups"][form["key"]]["state"] == "missing"
    assert ours(lapor_sim, lid) == []


def test_a_photo_added_between_a_lost_create_and_its_recovery_follows_the_ticket(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    """The create reached LAPOR! but its answer was lost; the reporter adds a photo; the
    next forward only finds the earlier ticket (nothing is created): the photo follows it."""
    from chalicelib.bootstrap import forwarding
    from chalicelib.services.forwarding import RetryLater
    from tests.integration.test_escalation import submit
    from tests.integration.test_forwarding import tickets

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_lose=1.0, lose_mode="504")
    try:
        with pytest.raises(RetryLater):
            forwarding().forward(tid)
    finally:
        lapor_sim.faults = FaultConfig()
    [ticket] = tickets(lapor_sim, tid)
    form = ask(client, tid, {"filename": "x.jpg", "content_type": "image/jpeg"}).json_body
    assert upload(form, JPEG, "image/jpeg").status_code < 300
    result = forwarding().forward(tid)
    assert (result.outcome, result.lapor_id) == ("forwarded", ticket["complaint_id"])
    assert tickets(lapor_sim, tid)[0]["attachments"] == []  # the ticket was made without it
    run_jobs_until(pump, lambda: ours(lapor_sim, ticket["complaint_id"]))
    [fu] = ours(lapor_sim, ticket["complaint_id"])
    assert fu["attachments"][0]["sha256"] == hashlib.sha256(JPEG).hexdigest()
