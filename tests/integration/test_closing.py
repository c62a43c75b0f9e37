"""Closing the loop: auto-close after 10 working days, reopen within the window, confirm."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine

from chalicelib.domain.models import Status
from tests.conftest import VALID
from tests.integration.test_escalation import end_of_day, put_in_stage, raw, reporter_headers, submit, view, wib

REASON = {"reason": "Jalan masih berlubang, belum ada perbaikan sama sekali."}


def post(client: Any, path: str, body: Any = None) -> Any:
    """A reporter action, with the token from the complaint's 201 answer."""
    tid = path.split("/")[3]
    return client.http.post(path, body="" if body is None else json.dumps(body), headers=reporter_headers(tid))


def test_resolved_closes_by_itself_after_ten_working_days_and_cannot_be_reopened(client: Any, pump: Any) -> None:
    tid = submit(client, at=wib(2026, 3, 2, 10))
    # resolved Mon 2 Mar 2026: 3-6 (4), 9-13 (9), Mon 16 (10)
    deadline = put_in_stage(tid, Status.RESOLVED, wib(2026, 3, 2, 10))
    assert deadline == end_of_day(2026, 3, 16)
    with time_machine.travel(wib(2026, 3, 16, 20), tick=False):
        pump.fire("escalate_overdue")
        assert view(client, tid)["status"] == "resolved"
    with time_machine.travel(wib(2026, 3, 17, 8), tick=False):
        pump.fire("escalate_overdue")
        body = view(client, tid)
        assert body["status"] == "closed" and body["deadline"] is None and body["deadline_rule"] is None
        assert body["timeline"][-1]["kind"] == "closed" and "10 hari kerja" in body["timeline"][-1]["message"]
        item = raw(tid)
        assert not {"due_pk", "due_sk", "sync_pk", "geo_pk"} & set(item)
        resp = post(client, f"/v1/complaints/{tid}/reopen", REASON)
        assert resp.status_code == 409
        assert resp.json_body["error"] == "reopen_window_closed"
        assert "Batas waktu" in resp.json_body["message_id"] and "passed" in resp.json_body["message_en"]
        pump.fire("escalate_overdue")
        assert [e["kind"] for e in view(client, tid)["timeline"]].count("closed") == 1


def test_reopen_within_window_restarts_the_units_clock(client: Any, pump: Any) -> None:
    tid = submit(client, {**VALID, "confidential": True}, at=wib(2026, 3, 2, 10))
    put_in_stage(tid, Status.RESOLVED, wib(2026, 3, 2, 10))  # window ends Mon 16 Mar
    with time_machine.travel(wib(2026, 3, 10, 10), tick=False):
        resp = post(client, f"/v1/complaints/{tid}/reopen", REASON)
        assert resp.status_code == 200, resp.body
        body = resp.json_body
        assert body["status"] == "in_progress" and body["deadline_rule"] == "5 hari kerja"
        # in_progress again from Tue 10 Mar: 11, 12, 13, 16, 17
        assert dt.datetime.fromisoformat(body["deadline"]) == end_of_day(2026, 3, 17)
        assert body["timeline"][-1]["kind"] == "reopened"
        assert "belum ada perbaikan" not in json.dumps(body)  # the reason is not public
        assert raw(tid)["reopen_reason"] == REASON["reason"]
        again = post(client, f"/v1/complaints/{tid}/reopen", REASON)  # a retry after a lost answer
        assert again.status_code == 200 and again.json_body["status"] == "in_progress"
        assert [e["kind"] for e in again.json_body["timeline"]].count("reopened") == 1
        other = post(client, f"/v1/complaints/{tid}/reopen", {"reason": "Alasan lain: lubang malah melebar."})
        assert other.status_code == 409 and other.json_body["error"] == "not_resolved"
    with time_machine.travel(wib(2026, 3, 17, 8), tick=False):
        pump.fire("escalate_overdue")  # the old resolved deadline has passed: no auto-close
        body = view(client, tid)
        assert body["status"] == "in_progress" and body["escalation_level"] == 0


def test_reopen_refuses_bad_input_with_the_field_named(client: Any, hub: Any) -> None:
    tid = submit(client)
    short = post(client, f"/v1/complaints/{tid}/reopen", {"reason": "tidak"})
    assert short.status_code == 400
    [problem] = short.json_body["errors"]
    assert problem["field"] == "reason" and problem["reason"] == "string_too_short"
    assert "terlalu pendek" in problem["message_id"]
    assert post(client, f"/v1/complaints/{tid}/reopen").status_code == 400
    extra = post(client, f"/v1/complaints/{tid}/reopen", {**REASON, "status": "closed"})
    assert extra.status_code == 400 and extra.json_body["errors"][0]["field"] == "status"
    assert post(client, f"/v1/complaints/{tid}/reopen", [1]).status_code == 400
    wrong = post(client, f"/v1/complaints/{tid}/reopen", REASON)  # still "received"
    assert wrong.status_code == 409 and wrong.json_body["error"] == "not_resolved"
    assert post(client, "/v1/complaints/SRG-2222-2222/reopen", REASON).status_code == 404


def test_confirm_resolved_closes_at_once(client: Any, hub: Any) -> None:
    tid = submit(client)
    assert post(client, f"/v1/complaints/{tid}/confirm-resolved").status_code == 409
    put_in_stage(tid, Status.RESOLVED, dt.datetime.now(dt.UTC))
    resp = post(client, f"/v1/complaints/{tid}/confirm-resolved")
    assert resp.status_code == 200 and resp.json_body["status"] == "closed"
    assert resp.json_body["timeline"][-1]["kind"] == "closed"
    assert "due_pk" not in raw(tid)
    again = post(client, f"/v1/complaints/{tid}/confirm-resolved")  # a retry after a lost answer
    assert again.status_code == 200 and again.json_body["status"] == "closed"
    assert [e["kind"] for e in again.json_body["timeline"]].count("closed") == 1
