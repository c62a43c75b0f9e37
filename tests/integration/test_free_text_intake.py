"""Nothing invisible comes in: every surface's free text loses its control characters at intake.

The app, a channel (Rabeg), Open311, a reporter's comment and an operator's answer each carry
NUL, ESC, a terminal colour code, DEL, C1 controls and a right-to-left override; what the hub
stores and what reaches LAPOR! has none of them, and keeps the tab and the line break.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.channel_support import channel_secrets, post_channel, rabeg_record  # noqa: F401 - fixture
from tests.integration.open311_support import REQUEST, post
from tests.integration.operator_support import KEL, OPERATOR, act, item, ok, sim_followups, submit, verified
from tests.integration.test_forwarding import tickets

DIRTY = "Jalan\x00 rusak\x1b[31m parah\x7f\x85 di\u202e depan\tsekolah\r\nsudah lama\x08"
CLEAN = "Jalan rusak[31m parah di depan\tsekolah\r\nsudah lama"
INVISIBLE = ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\x08"]


def assert_clean(text: str) -> None:
    assert not [c for c in INVISIBLE if c in text], repr(text)


def test_the_app_and_lapor_get_the_text_without_control_characters(client: Any, pump: Any, lapor_sim: Any) -> None:
    place = {"kelurahan_code": KEL, "address": "Jl. Melati\x00 No. 5\u202e"}
    tid, _ = submit(client, description=DIRTY, location=place)
    stored = item(tid)
    assert stored["description"] == CLEAN
    assert_clean(json.dumps(stored, ensure_ascii=False, default=str))
    pump.drain("forward_to_lapor")
    [row] = tickets(lapor_sim, tid)
    assert CLEAN.replace("\r\n", "\n") in row["content"].replace("\r\n", "\n")
    assert_clean(json.dumps(row, ensure_ascii=False))


@pytest.mark.usefixtures("channel_secrets")
def test_a_channel_record_loses_them(client: Any, hub: Any) -> None:
    resp = post_channel(client, "rabeg", rabeg_record(ISI_ADUAN=DIRTY, PELAPOR="Budi\x1b Santoso"))
    assert resp.status_code == 201, resp.body
    stored = item(resp.json_body["tracking_id"])
    assert stored["description"] == CLEAN
    assert_clean(json.dumps(stored, ensure_ascii=False, default=str))


def test_an_open311_request_loses_them(client: Any, hub: Any, api_key: str) -> None:
    resp = post(client, {**REQUEST, "api_key": api_key, "description": DIRTY, "address_string": "Jl.\x00 Melati"})
    assert resp.status_code == 200, resp.body
    [answer] = json.loads(resp.body)
    stored = item(answer["service_request_id"])
    assert stored["description"] == CLEAN
    assert_clean(json.dumps(stored, ensure_ascii=False, default=str))


def test_a_comment_and_an_operator_answer_lose_them(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap

    tid, token = submit(client)
    lapor_id = verified(client, pump, lapor_sim, tid)
    comment = client.http.post(
        f"/v1/complaints/{tid}/comments",
        body=json.dumps({"message": f"Mohon\x00 segera\u202e, {DIRTY}"}),
        headers={"Content-Type": "application/json", "X-Reporter-Token": token},
    )
    assert comment.status_code in (200, 201), comment.body
    ok(act(client, tid, OPERATOR, "acknowledge"))
    ok(act(client, tid, OPERATOR, "respond", message=f"Sedang\x1b kami\x00 periksa.\u202e\n{DIRTY}"))
    pump.drain("forward_to_lapor")
    _, timeline = bootstrap.complaints().with_timeline(tid, consistent=True)
    for entry in timeline:
        assert_clean(entry.message)
    posted = [f["content"] for f in sim_followups(lapor_sim, lapor_id)]
    assert any("Sedang kami periksa." in p for p in posted) and any("Mohon segera" in p for p in posted)
    for p in posted:
        assert_clean(p)
