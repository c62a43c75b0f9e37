"""LAPOR! -> hub: statuses and follow-ups pulled by the sync sweep, each recorded once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
import time_machine

from tests.integration.operator_support import lapor_followup, lapor_status
from tests.integration.test_escalation import reporter_headers, submit
from tests.integration.test_forwarding import tickets


def forwarded(client: Any, pump: Any, lapor_sim: Any, body: dict[str, Any] | None = None) -> tuple[str, int]:
    tid = submit(client, body)
    pump.drain("forward_to_lapor")
    [row] = tickets(lapor_sim, tid)
    return tid, row["complaint_id"]


@pytest.fixture()
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(tracking id, status) of every change that went through the one door, in order."""
    from chalicelib.services.status_events import StatusEvents

    seen: list[tuple[str, str]] = []
    real = StatusEvents.commit

    def record(self: Any, t: Any) -> Any:
        out = real(self, t)
        seen.append((t.after.tracking_id, t.entry.status))
        return out

    monkeypatch.setattr(StatusEvents, "commit", record)
    return seen


def sweep_at(now: datetime, *tids: str) -> Any:
    """One sweep at `now`; again (bounded) until the given complaints were taken.

    The table is shared with other tests, whose complaints may be due too: a
    sweep takes at most max_per_run, oldest first, and reschedules what it took."""
    from chalicelib.adapters.storage.codec import iso
    from chalicelib.bootstrap import status_sync

    report = status_sync().sweep(now)
    for _ in range(20):
        if all(item(t).get("sync_sk", "~") > iso(now) for t in tids):  # taken: rescheduled or out
            break
        report = status_sync().sweep(now)
    return report


def item(tid: str) -> dict[str, Any]:
    from chalicelib.bootstrap import repository

    return repository().get_item(tid)


def test_status_and_followups_follow_lapor_once_each(
    client: Any, pump: Any, lapor_sim: Any, published: list[tuple[str, str]]
) -> None:
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    t0 = utcnow()
    assert item(tid)["sync_sk"] > t0.isoformat()[:19]  # first check 5 minutes after forwarding

    sweep_at(t0 + timedelta(minutes=6), tid)  # still Belum Terverifikasi
    state = item(tid)
    assert state["status"] == "forwarded" and state["lapor_status"] == "Belum Terverifikasi"
    assert state["sync_sk"].startswith((t0 + timedelta(minutes=11)).strftime("%Y-%m-%dT%H:%M"))  # fresh: 5 min

    lapor_status(lapor_sim, lid, "Dalam Proses")
    sweep_at(t0 + timedelta(minutes=12), tid)
    state = item(tid)
    assert state["status"] == "verified" and state["due_pk"].startswith("DUE#") and state["deadline"]
    assert (tid, "verified") in published

    lapor_followup(lapor_sim, lid, "Tim Dinas PUPR sudah meninjau lokasi.")
    lapor_followup(lapor_sim, lid, "Perbaikan dijadwalkan minggu depan.")
    for _ in range(2):  # a second sweep finds nothing new
        sweep_at(t0 + timedelta(minutes=80), tid)
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["status"] == "in_progress"
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds.count("followup") == 2 and kinds.count("status") == 2
    assert any("meninjau lokasi" in e["message"] for e in body["timeline"])
    assert item(tid)["sync_sk"] > (t0 + timedelta(minutes=80)).isoformat()[:19]

    lapor_status(lapor_sim, lid, "Selesai")
    sweep_at(t0 + timedelta(hours=3), tid)
    state = item(tid)
    assert state["status"] == "resolved" and state["due_pk"].startswith("DUE#")
    assert state["sync_pk"].startswith("SYNC#")  # LAPOR! may still re-open it
    assert [s for t, s in published if t == tid] == ["forwarded", "verified", "in_progress", "resolved"]


def test_rejected_at_lapor_is_final_and_leaves_the_work_indexes(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_status(lapor_sim, lid, "Ditolak")
    sweep_at(utcnow() + timedelta(minutes=6), tid)
    state = item(tid)
    assert state["status"] == "rejected"
    for key in ("sync_pk", "sync_sk", "due_pk", "due_sk", "deadline"):
        assert key not in state
    lapor_status(lapor_sim, lid, "Dalam Proses")
    report = sweep_at(utcnow() + timedelta(days=2), tid)
    assert item(tid)["status"] == "rejected" and report.checked >= 0


def test_confidential_followups_are_not_shown_in_public(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow
    from tests.conftest import VALID

    tid, lid = forwarded(client, pump, lapor_sim, {**VALID, "confidential": True})
    lapor_status(lapor_sim, lid, "Dalam Proses")
    lapor_followup(lapor_sim, lid, "Pelapor Siti di rumah nomor 5 sudah dihubungi.")
    sweep_at(utcnow() + timedelta(minutes=6), tid)
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["status"] == "in_progress"
    assert "Siti" not in str(body) and any(e["kind"] == "followup" for e in body["timeline"])


def test_overlapping_sweeps_record_each_change_once(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_status(lapor_sim, lid, "Dalam Proses")
    lapor_followup(lapor_sim, lid, "Sedang ditangani.")
    at = utcnow() + timedelta(minutes=6)
    threads = [threading.Thread(target=sweep_at, args=(at,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    kinds = [e["kind"] for e in client.http.get(f"/v1/complaints/{tid}").json_body["timeline"]]
    assert kinds.count("followup") == 1
    assert kinds.count("status") == 1  # forwarded -> in_progress in one step, once


def test_lapor_outage_postpones_the_check(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow
    from infra.local.lapor_simulator import FaultConfig

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_status(lapor_sim, lid, "Dalam Proses")
    now = utcnow() + timedelta(minutes=6)
    lapor_sim.faults = FaultConfig(rate_5xx=1.0)
    report = sweep_at(now, tid)
    lapor_sim.faults = FaultConfig()
    assert report.errors >= 1
    state = item(tid)
    assert state["status"] == "forwarded"
    assert state["sync_sk"].startswith((now + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"))
    sweep_at(now + timedelta(minutes=16), tid)
    assert item(tid)["status"] == "verified"


def test_sync_sweep_runs_on_schedule_and_never_scans(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import repository
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_status(lapor_sim, lid, "Dalam Proses")
    calls: list[str] = []
    events = repository().db.meta.events
    hook = lambda model, **_: calls.append(model.name)  # noqa: E731
    events.register("before-call.dynamodb.*", hook)
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=6), tick=True):
            report = pump.fire("sync_lapor_status")
    finally:
        events.unregister("before-call.dynamodb.*", hook)
    assert report["checked"] >= 1 and report["changed"] >= 1
    assert item(tid)["status"] == "verified"
    assert "Scan" not in calls and "Query" in calls


def sim_followups(sim: Any, lapor_id: int) -> list[dict[str, Any]]:
    rows = requests.get(f"{sim.base_url}/_sim/complaints", timeout=5).json()["results"]["data"]
    [row] = [r for r in rows if r["complaint_id"] == lapor_id]
    return list(row["followups"])


def check_now(tid: str, at: datetime) -> None:
    """One status check of this complaint (what the sweep does for each due one)."""
    from chalicelib.bootstrap import status_sync
    from chalicelib.services.status_sync import SyncReport

    status_sync().check(item(tid), at, SyncReport())


REOPEN = {"reason": "Lubang di depan pasar belum ditambal, masih membahayakan."}


@pytest.mark.parametrize("confidential", [False, True])
def test_reopened_complaint_is_told_to_lapor_and_can_be_resolved_again(
    client: Any, pump: Any, lapor_sim: Any, published: list[tuple[str, str]], confidential: bool
) -> None:
    import json

    from chalicelib.domain.models import utcnow
    from tests.conftest import VALID

    tid, lid = forwarded(client, pump, lapor_sim, {**VALID, "confidential": confidential})
    t0 = utcnow()
    lapor_followup(lapor_sim, lid, "Lubang sudah ditambal.")
    lapor_status(lapor_sim, lid, "Selesai")
    check_now(tid, t0 + timedelta(minutes=6))
    assert item(tid)["status"] == "resolved"

    resp = client.http.post(f"/v1/complaints/{tid}/reopen", body=json.dumps(REOPEN), headers=reporter_headers(tid))
    assert resp.status_code == 200, resp.body
    assert resp.json_body["status"] == "in_progress"
    # the reporter's reason reaches LAPOR! after the answer, from the follow-up outbox
    check_now(tid, t0 + timedelta(hours=1))  # even a check before the post leaves the status alone
    assert item(tid)["status"] == "in_progress"
    pump.drain("forward_to_lapor")
    ours = [f for f in sim_followups(lapor_sim, lid) if REOPEN["reason"] in f["content"]]
    assert len(ours) == 1 and ours[0]["is_secret"] is confidential
    from chalicelib import bootstrap
    from chalicelib.adapters import lapor_wire
    from chalicelib.services.lapor_followups import posted_ids

    # LAPOR!'s answers carry no follow-up id (strict): ours is known by its time and text
    [derived] = lapor_wire.parse_followups(
        {"results": {"data": [{"content": ours[0]["content"], "created_at": ours[0]["created_at"]}]}}
    )
    assert derived.id in posted_ids(bootstrap.outboxes(), tid)

    # LAPOR! still says Selesai and shows only our own follow-up as new: nothing changes,
    # and the reporter's reason does not come back into the public timeline
    check_now(tid, t0 + timedelta(hours=2))
    assert item(tid)["status"] == "in_progress"
    public = client.http.get(f"/v1/complaints/{tid}").body.decode()
    assert "belum ditambal" not in public

    # the unit answers again and LAPOR! finishes it: resolved once more
    lapor_followup(lapor_sim, lid, "Sudah ditambal ulang dengan aspal baru.")
    lapor_status(lapor_sim, lid, "Selesai")
    check_now(tid, t0 + timedelta(hours=4))
    state = item(tid)
    assert state["status"] == "resolved" and state["due_pk"].startswith("DUE#")
    assert [s for t, s in published if t == tid][-3:] == ["resolved", "in_progress", "resolved"]
    check_now(tid, t0 + timedelta(hours=6))  # a further check with nothing new changes nothing
    assert item(tid)["status"] == "resolved"


def test_reopen_stands_while_lapor_fails_and_its_follow_up_arrives_once_after(
    client: Any, pump: Any, lapor_sim: Any
) -> None:
    import json

    from chalicelib import bootstrap
    from chalicelib.domain.models import utcnow
    from infra.local.lapor_simulator import FaultConfig

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor_followup(lapor_sim, lid, "Lubang sudah ditambal.")
    lapor_status(lapor_sim, lid, "Selesai")
    check_now(tid, utcnow() + timedelta(minutes=6))
    lapor_sim.faults = FaultConfig(rate_5xx=1.0)
    try:
        resp = client.http.post(f"/v1/complaints/{tid}/reopen", body=json.dumps(REOPEN), headers=reporter_headers(tid))
        assert resp.status_code == 200 and resp.json_body["status"] == "in_progress"
        pump.drain("forward_to_lapor", idle_rounds=1)  # LAPOR! answers 5xx: the follow-up waits
    finally:
        lapor_sim.faults = FaultConfig()
    assert item(tid)["status"] == "in_progress"
    assert not [f for f in sim_followups(lapor_sim, lid) if REOPEN["reason"] in f["content"]]
    for _ in range(2):  # what the retried queue message, or the reconciler's sweep, does: once
        bootstrap.lapor_followups().deliver(tid)
    assert len([f for f in sim_followups(lapor_sim, lid) if REOPEN["reason"] in f["content"]]) == 1
