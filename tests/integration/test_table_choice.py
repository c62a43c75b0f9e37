"""Which table the `hub` fixture gives a test: a fresh in-memory one by default, moto's when marked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import VALID
from tests.support.memory_dynamodb import MemoryDynamoDB


def test_the_hub_runs_on_a_fresh_memory_table(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.aws import client as aws_client

    db = bootstrap.repository().db
    assert isinstance(db, MemoryDynamoDB)
    assert aws_client("dynamodb") is db
    assert not isinstance(aws_client("sqs"), MemoryDynamoDB)
    resp = client.http.post("/v1/complaints", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201, resp.body
    assert "PutItem" in db.calls


@pytest.mark.moto_table  # the marker this test is about
def test_a_marked_test_runs_on_motos_table(hub: Any) -> None:
    from chalicelib import bootstrap

    assert not isinstance(bootstrap.repository().db, MemoryDynamoDB)
