"""Idempotency keys: 16-255 characters, scoped to the caller, one conditional PutItem per intake."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import VALID
from tests.integration.channel_support import channel_secrets  # noqa: F401 - fixture

JSON = {"Content-Type": "application/json"}


def post(client: Any, body: Any = VALID, **headers: str) -> Any:
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    return client.http.post("/v1/complaints", body=json.dumps(body), headers={**JSON, **named})


def key() -> str:
    return str(uuid.uuid4())


@pytest.mark.parametrize("bad", ["short-key", "x" * 15, "x" * 256, "with space in the key 123", "ключ-ключ-ключ-ключ"])
def test_keys_outside_the_rules_are_400_naming_the_header(client: Any, bad: str) -> None:
    resp = post(client, Idempotency_Key=bad)
    assert resp.status_code == 400, resp.body
    [problem] = resp.json_body["errors"]
    assert (problem["field"], problem["reason"]) == ("Idempotency-Key", "invalid_idempotency_key")
    assert "16-255" in problem["message_id"] and "16-255" in problem["message_en"]


@pytest.mark.parametrize("good", ["x" * 16, "k" * 255, "7b0c7e7e-8f1d-4c1e-9d52-2b1f0e7c9a11"])
def test_keys_within_the_rules_are_accepted(client: Any, good: str) -> None:
    first = post(client, Idempotency_Key=good, X_Client_Id=f"install-{uuid.uuid4().hex}")
    assert first.status_code == 201, first.body


@pytest.mark.parametrize("bad", ["short", "x" * 65, "has space-inside", "a/b/c/d/e/f"])
def test_ill_formed_client_ids_are_400(client: Any, bad: str) -> None:
    resp = post(client, Idempotency_Key=key(), X_Client_Id=bad)
    assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "X-Client-Id"


def test_a_key_squatted_by_another_client_does_not_touch_the_real_users_submission(client: Any) -> None:
    """An attacker who sends a user's key first gets neither the user's complaint nor its token."""
    shared = key()
    user, attacker = f"install-{uuid.uuid4().hex}", f"install-{uuid.uuid4().hex}"
    squat = post(client, VALID, Idempotency_Key=shared, X_Client_Id=attacker)
    assert squat.status_code == 201
    mine = post(
        client,
        {**VALID, "description": "Saluran air di gang kami tersumbat sejak minggu lalu."},
        Idempotency_Key=shared,
        X_Client_Id=user,
    )
    assert mine.status_code == 201 and mine.headers.get("Idempotent-Replayed") is None
    assert mine.json_body["tracking_id"] != squat.json_body["tracking_id"]
    # the attacker replays the user's body under the same key: its own scope, never the user's token
    replay = post(
        client,
        {**VALID, "description": "Saluran air di gang kami tersumbat sejak minggu lalu."},
        Idempotency_Key=shared,
        X_Client_Id=attacker,
    )
    assert replay.status_code == 422 and mine.json_body["reporter_token"] not in replay.body.decode()
    # and without a client id the key lives in the shared app scope, apart from both
    bare = post(client, VALID, Idempotency_Key=shared)
    assert bare.status_code == 201 and bare.json_body["tracking_id"] not in (
        mine.json_body["tracking_id"],
        squat.json_body["tracking_id"],
    )


def test_a_replay_gets_the_first_answer_and_token_which_is_stored_nowhere(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.services.reporter_auth import token_hash

    k, install = key(), f"install-{uuid.uuid4().hex}"
    first = post(client, Idempotency_Key=k, X_Client_Id=install)
    again = post(client, Idempotency_Key=k, X_Client_Id=install)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json_body == first.json_body
    tid, token = first.json_body["tracking_id"], first.json_body["reporter_token"]
    item = bootstrap.repository().get_item(tid, consistent=True)
    assert item is not None and item["reporter_token_hash"] == token_hash(token)
    stored = json.dumps(item)
    assert token not in stored and k not in stored  # only hashes of the token and of the key
    assert not [i for i in _every_item() if token in json.dumps(i)]  # nor in any other item of the table
    other = post(
        client,
        {**VALID, "description": "Sesuatu yang sama sekali berbeda di sini."},
        Idempotency_Key=k,
        X_Client_Id=install,
    )
    assert other.status_code == 422 and other.json_body["error"] == "idempotency_key_reused"
    assert token not in other.body.decode()


def _every_item() -> list[dict[str, Any]]:
    """The whole table (a Scan: only a test may, to prove that something is stored nowhere)."""
    from chalicelib import bootstrap

    repo = bootstrap.repository()
    return [i for page in repo.db.get_paginator("scan").paginate(TableName=repo.table) for i in page["Items"]]


@pytest.fixture()
def aws_calls(hub: Any) -> Iterator[Counter[str]]:
    """The DynamoDB and SQS calls the app's own clients make for the intake, by operation
    (the rate limiter's occasional counter sync is counted apart, as `rate-counter`)."""
    from chalicelib.adapters.aws import client as aws_client

    seen: Counter[str] = Counter()

    def before(model: Any, params: dict[str, Any], **_: Any) -> None:
        counter = model.name == "UpdateItem" and params.get("Key", {}).get("pk", {}).get("S", "").startswith("RATE#")
        seen["rate-counter" if counter else model.name] += 1

    clients = [aws_client("dynamodb"), aws_client("sqs")]
    for c in clients:
        c.meta.events.register("before-parameter-build.*.*", before)
    yield seen
    for c in clients:
        c.meta.events.unregister("before-parameter-build.*.*", before)


@pytest.mark.moto_table  # counts calls on botocore's before-parameter-build hook: a real client's
@pytest.mark.parametrize("with_key", [True, False])
def test_one_write_and_one_send_per_intake(client: Any, aws_calls: Counter[str], with_key: bool) -> None:
    headers = {"Idempotency_Key": key(), "X_Client_Id": f"install-{uuid.uuid4().hex}"} if with_key else {}
    post(client, **headers)  # warm: the server secret is read once per container
    aws_calls.clear()
    if with_key:
        headers["Idempotency_Key"] = key()
    resp = post(client, **headers)
    assert resp.status_code == 201
    aws_calls.pop("rate-counter", None)
    assert dict(aws_calls) == {"PutItem": 1, "SendMessage": 1}, dict(aws_calls)


def test_a_taken_derived_id_falls_back_to_the_next(client: Any, hub: Any) -> None:
    """Another complaint holding the key's first derived id: the submission gets the next one,
    and its replays and look-ups find it there."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import complaint_item
    from chalicelib.domain.models import Complaint
    from chalicelib.services.intake import ScopedKey

    k, install = key(), f"install-{uuid.uuid4().hex}"
    scoped = ScopedKey(bootstrap.server_secret(), f"app#{install}", k)
    first_id, second_id = list(scoped.tracking_ids())[:2]
    squatter = Complaint(tracking_id=first_id, category="sampah", description="Sudah ada di sini sebelumnya.")
    bootstrap.repository().put_raw({k2: v for k2, v in _plain(complaint_item(squatter)).items()})
    resp = post(client, Idempotency_Key=k, X_Client_Id=install)
    assert resp.status_code == 201 and resp.json_body["tracking_id"] == second_id
    again = post(client, Idempotency_Key=k, X_Client_Id=install)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json_body == resp.json_body
    found = bootstrap.intake().find_by_key(f"app#{install}", k)
    assert found is not None and found["tracking_id"] == second_id
    assert bootstrap.repository().get_item(first_id)["description"] == "Sudah ada di sini sebelumnya."


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.adapters.storage.codec import from_item

    return from_item(item)


@pytest.mark.usefixtures("channel_secrets")
def test_channels_keep_their_own_scopes(client: Any, hub: Any) -> None:
    from tests.integration.channel_support import call112_record, post_channel, psc119_record

    same_id = f"CALL-{uuid.uuid4().hex[:8]}"
    a = post_channel(client, "call112", call112_record(call_id=same_id))
    b = post_channel(client, "psc119", psc119_record(call_id=same_id))
    assert a.status_code == b.status_code == 201
    assert a.json_body["tracking_id"] != b.json_body["tracking_id"]
