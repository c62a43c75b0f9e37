"""The local stack's fixes to moto's DynamoDB (infra/local/emulator_faults.py), against moto's server."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

# moto's table: these read moto's stream and transactions on its server (their clients are built here, not by the hub)
pytestmark = pytest.mark.moto_table


@pytest.fixture()
def ddb(stack_env: dict[str, str], aws_endpoint: str) -> tuple[Any, Any, str]:
    from infra.local.provision import create_table_like

    name = create_table_like(f"fix-{uuid.uuid4().hex[:8]}", aws_endpoint)
    return (
        boto3.client("dynamodb", endpoint_url=aws_endpoint),
        boto3.client("dynamodbstreams", endpoint_url=aws_endpoint),
        name,
    )


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
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": key("a"),
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": table, "Item": {**key("b")}}},
                {"Put": {"TableName": table, "Item": {**key("c")}, "ConditionExpression": "attribute_exists(pk)"}},
            ]
        )
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert client.get_item(TableName=table, Key=key("a"))["Item"]["n"] == {"N": "1"}
    assert "Item" not in client.get_item(TableName=table, Key=key("b"))
    assert [r["eventName"] for r in _records(streams, client, table)] == ["INSERT"]  # the put of "a" only


def test_a_committed_transaction_emits_its_records_and_the_stream_keeps_growing(ddb: tuple[Any, Any, str]) -> None:
    client, streams, table = ddb
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("a")}}},
            {"Put": {"TableName": table, "Item": {**key("b")}}},
        ]
    )
    with pytest.raises(ClientError):  # a failure in between must not cut the stream off
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**key("a")}, "ConditionExpression": "attribute_not_exists(pk)"}},
            ]
        )
    client.put_item(TableName=table, Item={**key("c")})
    records = _records(streams, client, table)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["a", "b", "c"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_stream_readers_never_see_a_table_mid_transaction(ddb: tuple[Any, Any, str]) -> None:
    """Readers of the stream (the pump) run while other threads write in transactions."""
    import threading

    client, streams, table = ddb
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    failures: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            for i in range(60):  # wide transactions: long windows for a reader to fall into
                client.transact_write_items(
                    TransactItems=[
                        *({"Put": {"TableName": table, "Item": {**key(f"w{i}-{j}")}}} for j in range(60)),
                        {
                            "Update": {
                                "TableName": table,
                                "Key": key("count"),
                                "UpdateExpression": "ADD n :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}},
                            }
                        },
                    ]
                )
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)
        finally:
            done.set()

    def read() -> None:
        from botocore.config import Config

        reader = boto3.client(
            "dynamodbstreams", endpoint_url=streams.meta.endpoint_url, config=Config(retries={"total_max_attempts": 1})
        )  # a 500 must show
        try:
            while not done.is_set():
                shard = reader.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
                it = reader.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
                    "ShardIterator"
                ]
                reader.get_records(ShardIterator=it, Limit=1000)
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)

    threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records: list[dict[str, Any]] = []
    while True:
        page = streams.get_records(ShardIterator=it, Limit=1000)
        if not page["Records"]:
            break
        records.extend(page["Records"])
        it = page["NextShardIterator"]
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]
    assert sorted(k for k in keys if k != "count") == sorted(f"w{i}-{j}" for i in range(60) for j in range(60))
    # (moto writes an update that creates its item as two records; the last image is what counts)
    counted = [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"] == "count"]
    assert counted[-1]["dynamodb"]["NewImage"]["n"] == {"N": "60"}
