"""A success is never reported as a failure: retried transactions carry one ClientRequestToken.

The hook below lets DynamoDB (moto) do the first TransactWriteItems of a test and then
loses its answer, the way a read timeout does; botocore retries. With the token the
retry gets the success back; without it the retry would fail on its own condition.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.httpsession import URLLib3Session

from chalicelib.domain.models import Status
from tests.integration.test_escalation import put_in_stage, reporter_headers, submit

# moto's table: loses an answer with a before-send hook on the HTTP request, which only a real client sends
pytestmark = pytest.mark.moto_table


@pytest.fixture()
def lost_answer() -> Iterator[dict[str, Any]]:
    """Once armed (after the test's own set-up, e.g. the intake's transaction), the first
    TransactWriteItems reaches DynamoDB, then its answer is lost (a read timeout)."""
    from chalicelib import bootstrap

    seen: dict[str, Any] = {"tokens": [], "lost": 0, "armed": False}
    http = URLLib3Session()

    def before_send(request: Any, **_: Any) -> Any:
        if not seen["armed"]:
            return None
        seen["tokens"].append(json.loads(request.body)["ClientRequestToken"])
        if seen["lost"]:
            return None
        seen["lost"] += 1
        answer = http.send(request)  # DynamoDB does the work ...
        assert answer.status_code == 200, answer.content
        raise ReadTimeoutError(endpoint_url=request.url)  # ... and the answer never arrives

    events = bootstrap.repository().db.meta.events
    events.register_first("before-send.dynamodb.TransactWriteItems", before_send)
    yield seen
    events.unregister("before-send.dynamodb.TransactWriteItems", before_send)


def confirm(client: Any, tid: str) -> Any:
    return client.http.post(f"/v1/complaints/{tid}/confirm-resolved", body="{}", headers=reporter_headers(tid))


def test_a_confirmation_whose_answer_was_lost_is_still_a_success(
    client: Any, hub: Any, lost_answer: dict[str, Any]
) -> None:
    tid = submit(client)
    put_in_stage(tid, Status.RESOLVED, dt.datetime.now(dt.UTC))
    lost_answer["armed"] = True
    resp = confirm(client, tid)
    assert lost_answer["lost"] == 1 and len(lost_answer["tokens"]) == 2  # botocore did retry
    assert lost_answer["tokens"][0] == lost_answer["tokens"][1]  # with the same token
    assert resp.status_code == 200, resp.body
    assert resp.json_body["status"] == "closed"
    assert [e["kind"] for e in resp.json_body["timeline"]].count("closed") == 1

    again = confirm(client, tid)  # and the reporter's app, retrying after its own timeout
    assert again.status_code == 200 and again.json_body["status"] == "closed"


def test_a_transaction_whose_answer_was_lost_is_not_run_twice(
    client: Any, hub: Any, lost_answer: dict[str, Any]
) -> None:
    """Below the reporter actions' own repeat check: the retried write itself succeeds."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values
    from chalicelib.domain.models import TimelineEntry, utcnow

    tid = submit(client)
    lost_answer["armed"] = True
    entry = TimelineEntry(at=utcnow(), kind="note", ref="note:token-test", message="sekali saja")
    bootstrap.repository().update(
        tid,
        "SET note_count = if_not_exists(note_count, :zero) + :one",
        condition="attribute_not_exists(note_count)",  # fails if run twice
        vals=values(zero=0, one=1),
        timeline=entry,
    )
    assert lost_answer["lost"] == 1 and len(set(lost_answer["tokens"])) == 1 and len(lost_answer["tokens"]) == 2
    assert bootstrap.repository().get_item(tid, consistent=True)["note_count"] == 1


def test_every_logical_write_has_its_own_token(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap

    tokens: list[str] = []
    events = bootstrap.repository().db.meta.events

    def record(params: dict[str, Any], **_: Any) -> None:
        tokens.append(params["ClientRequestToken"])

    events.register("before-parameter-build.dynamodb.TransactWriteItems", record)
    try:
        for _ in range(2):
            tid = submit(client)
            put_in_stage(tid, Status.RESOLVED, dt.datetime.now(dt.UTC))
            assert confirm(client, tid).status_code == 200
    finally:
        events.unregister("before-parameter-build.dynamodb.TransactWriteItems", record)
    assert len(tokens) == 2 and len(set(tokens)) == 2  # two confirms (an intake is one PutItem)
    assert all(uuid.UUID(t) for t in tokens)


def test_the_local_dynamodb_honours_tokens_as_aws_does(stack_env: dict[str, str]) -> None:
    """The local launcher's fix (infra/local/moto_request_tokens.py), against moto over HTTP."""
    db = boto3.client("dynamodb")
    table = stack_env["TABLE_NAME"]
    key = {"pk": {"S": f"TOKEN-TEST#{uuid.uuid4().hex}"}, "sk": {"S": "X"}}

    def add(n: int) -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": table,
                    "Key": key,
                    "UpdateExpression": "ADD hits :n",
                    "ExpressionAttributeValues": {":n": {"N": str(n)}},
                }
            }
        ]

    token = str(uuid.uuid4())
    db.transact_write_items(TransactItems=add(1), ClientRequestToken=token)
    db.transact_write_items(TransactItems=add(1), ClientRequestToken=token)  # the same call again: no effect
    assert db.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["hits"] == {"N": "1"}
    with pytest.raises(ClientError) as err:
        db.transact_write_items(TransactItems=add(5), ClientRequestToken=token)
    assert err.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    db.transact_write_items(TransactItems=add(1), ClientRequestToken=str(uuid.uuid4()))  # a new write
    assert db.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["hits"] == {"N": "2"}

    failing = [
        {"ConditionCheck": {"TableName": table, "Key": key, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": f"TOKEN-TEST#{uuid.uuid4().hex}"}, "sk": {"S": "X"}}}},
    ]
    once_failed = str(uuid.uuid4())
    for _ in range(2):  # a failed call leaves no token behind: it fails again, it is not "done"
        with pytest.raises(ClientError) as err:
            db.transact_write_items(TransactItems=failing, ClientRequestToken=once_failed)
        assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    db.delete_item(TableName=table, Key=key)
