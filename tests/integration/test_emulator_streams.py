"""The local stack's fixes to moto's DynamoDB (infra/local/emulator_faults.py), against moto's server."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture()
def ddb(stack_env: dict[str, str], aws_endpoint: str) -> tuple[Any, Any, str]:
    from infra.local.provision import create_table_like

    name = create_table_like(f"fix-{uuid.uuid4().hex[:8]}", aws_endpoint)
    return (boto3.client("dynamodb", endpoint_url=aws_endpoint),
            boto3.client("dynamodbstreams", endpoint_url=aws_endpoint), name)


def _records(streams: Any, ddb: Any, table: str) -> list[dict[str, Any]]:
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return streams.get_records(ShardIterator=it)["Records"]


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "x"}}


def test_a_cancelled_transaction_restores_its_items_and_leaves_no_stream_record(ddb: tuple[Any, Any, str]) -> None:
    client, streams, table = ddb
    client.put_item(TableName=table, Item={**key("a"), "n": {"N": "1"}})
    with pytest.raises(ClientError) as err:
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": table, "Key": key("a"), "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Put": {"TableName": table, "Item": {**key("b")}}},
            {"Put": {"TableName": table, "Item": {**key("c")}, "ConditionExpression": "attribute_exists(pk)"}},
        ])
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert client.get_item(TableName=table, Key=key("a"))["Item"]["n"] == {"N": "1"}
    assert "Item" not in client.get_item(TableName=table, Key=key("b"))
    assert [r["eventName"] for r in _records(streams, client, table)] == ["INSERT"]  # the put of "a" only


def test_a_committed_transaction_emits_its_records_and_the_stream_keeps_growing(ddb: tuple[Any, Any, str]) -> None:
    client, streams, table = ddb
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {**key("a")}}},
        {"Put": {"TableName": table, "Item": {**key("b")}}},
    ])
    with pytest.raises(ClientError):  # a failure in between must not cut the stream off
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("a")}, "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    client.put_item(TableName=table, Item={**key("c")})
    records = _records(streams, client, table)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["a", "b", "c"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
