"""The reporter token: the tracking id is public, so only the token from the 201 answer
lets someone reopen, confirm or add attachments (X-Reporter-Token)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import uuid
from typing import Any

import pytest

from chalicelib.domain.models import Status
from tests.conftest import VALID
from tests.integration.channel_support import channel_secrets, post_channel, rabeg_record, retire
from tests.integration.test_escalation import REPORTER_TOKENS, put_in_stage, raw, submit
from tests.integration.test_nearby import somewhere

__all__ = ["channel_secrets"]  # a fixture used below

REASON = {"reason": "Jalan masih berlubang, belum ada perbaikan sama sekali."}
ATTACHMENT = {"filename": "jalan.jpg", "content_type": "image/jpeg"}
ACTIONS = [("reopen", REASON, 200), ("confirm-resolved", None, 200), ("attachments", ATTACHMENT, 201)]


def act(client: Any, tid: str, action: str, body: Any, token: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Reporter-Token"] = token
    return client.http.post(
        f"/v1/complaints/{tid}/{action}", body="" if body is None else json.dumps(body), headers=headers
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_submission_hands_out_a_token_and_stores_only_its_hash(client: Any, hub: Any) -> None:
    resp = client.http.post("/v1/complaints", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201
    token = resp.json_body["reporter_token"]
    assert isinstance(token, str) and len(token) >= 32
    assert resp.headers.get("Cache-Control") == "no-store"
    item = raw(resp.json_body["tracking_id"])
    assert item["reporter_token_hash"] == sha256(token)
    assert token not in json.dumps(item, default=str)
    other = client.http.post("/v1/complaints", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
    assert other.json_body["reporter_token"] != token


@pytest.mark.parametrize(("action", "body", "ok"), ACTIONS)
def test_reporter_actions_need_the_complaints_own_token(client: Any, hub: Any, action: str, body: Any, ok: int) -> None:
    tid, other = submit(client), submit(client)
    if action != "attachments":
        put_in_stage(tid, Status.RESOLVED, dt.datetime.now(dt.UTC))
    before = raw(tid)

    missing = act(client, tid, action, body, None)
    assert missing.status_code == 401 and missing.json_body["error"] == "reporter_token_required"
    assert "X-Reporter-Token" in missing.json_body["message_id"]
    assert "X-Reporter-Token" in missing.json_body["message_en"]
    assert act(client, tid, action, body, "   ").status_code == 401

    for wrong in (REPORTER_TOKENS[other], "not-the-token", REPORTER_TOKENS[tid] + "x"):
        refused = act(client, tid, action, body, wrong)
        assert refused.status_code == 403, refused.body
        assert refused.json_body["error"] == "reporter_token_invalid"
        assert "X-Reporter-Token" in refused.json_body["message_id"]
        assert "X-Reporter-Token" in refused.json_body["message_en"]
    after = raw(tid)
    assert after["status"] == before["status"] and after.get("attachments") == before.get("attachments")

    assert act(client, "SRG-2222-2222", action, body, "any").status_code == 404
    done = act(client, tid, action, body, REPORTER_TOKENS[tid])
    assert done.status_code == ok, done.body


def test_a_complaint_without_a_stored_hash_refuses_every_token(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap

    tid = submit(client)
    bootstrap.repository().update(tid, "REMOVE reporter_token_hash")  # stored before tokens existed
    assert act(client, tid, "attachments", ATTACHMENT, REPORTER_TOKENS[tid]).status_code == 403


def test_idempotent_replay_returns_the_same_token(client: Any, hub: Any) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"tok-{uuid.uuid4()}"}
    first = client.http.post("/v1/complaints", body=json.dumps(VALID), headers=headers)
    again = client.http.post("/v1/complaints", body=json.dumps(VALID), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    token = first.json_body["reporter_token"]
    assert token and again.json_body["reporter_token"] == token
    tid = again.json_body["tracking_id"]
    assert act(client, tid, "attachments", ATTACHMENT, token).status_code == 201


def test_channel_webhook_answer_carries_the_token_for_the_channel_to_pass_on(
    client: Any, hub: Any, channel_secrets: dict[str, str]
) -> None:
    record = rabeg_record()
    first = post_channel(client, "rabeg", record)
    again = post_channel(client, "rabeg", record)
    assert first.status_code == 201 and again.status_code == 200
    token = first.json_body["reporter_token"]
    assert token and again.json_body["reporter_token"] == token
    tid = first.json_body["tracking_id"]
    try:
        assert raw(tid)["reporter_token_hash"] == sha256(token)
        assert act(client, tid, "attachments", ATTACHMENT, token).status_code == 201
    finally:
        retire([tid])


def test_token_never_in_public_answers_or_logs(client: Any, hub: Any) -> None:
    from chalicelib.observability import logger

    lat, lon = somewhere()
    body = {
        "category": "sampah",
        "title": "Tumpukan sampah",
        "description": "Sampah menumpuk di pinggir jalan sejak seminggu.",
        "location": {"lat": lat, "lon": lon},
    }
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    try:
        resp = client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
        tid, token = resp.json_body["tracking_id"], resp.json_body["reporter_token"]
        got = client.http.get(f"/v1/complaints/{tid}")
        near = client.http.get(f"/v1/complaints/nearby?lat={lat}&lon={lon}&category=sampah")
        assert act(client, tid, "attachments", ATTACHMENT, token).status_code == 201
        assert act(client, tid, "attachments", ATTACHMENT, token + "x").status_code == 403
    finally:
        logger._logger.removeHandler(handler)
        retire([tid])
    assert got.status_code == 200 and near.status_code == 200
    assert tid in [c["tracking_id"] for c in near.json_body["complaints"]]
    for text in (got.body.decode(), near.body.decode(), buffer.getvalue()):
        assert token not in text and sha256(token) not in text
        assert "reporter_token" not in text
    assert tid in buffer.getvalue()  # the log was captured
