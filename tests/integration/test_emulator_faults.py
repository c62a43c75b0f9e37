"""The local emulators' faults are worked around in the launcher (infra/local/emulator_faults.py).

Each test tries hard to make the fault happen: without the workaround it does."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

# moto's table: these make moto's own faults happen on its server (their clients are built here, not by the hub)
pytestmark = pytest.mark.moto_table


@pytest.fixture()
def ddb(stack_env: dict[str, str]) -> Any:
    return boto3.client("dynamodb", config=Config(retries={"max_attempts": 1}, max_pool_connections=16))


def test_a_failed_transaction_never_erases_concurrent_writes(ddb: Any, stack_env: dict[str, str]) -> None:
    """Writers keep writing while other clients' transactions keep failing: every write stays."""
    table = stack_env["TABLE_NAME"]
    run = uuid.uuid4().hex
    blocker = {"pk": {"S": f"EMU#{run}#blocker"}, "sk": {"S": "X"}}
    ddb.put_item(TableName=table, Item=blocker)
    stop = threading.Event()
    errors: list[str] = []

    def fail_transactions() -> int:
        n = 0
        while not stop.is_set():
            try:
                ddb.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": table, "Item": {"pk": {"S": f"EMU#{run}#t{n}"}, "sk": {"S": "X"}}}},
                        {
                            "Put": {
                                "TableName": table,
                                "Item": blocker,
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                    ]
                )
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    errors.append(err.response["Error"]["Code"])
            n += 1
        return n

    def write(worker: int) -> list[str]:
        written = []
        for i in range(60):
            pk = f"EMU#{run}#w{worker}-{i}"
            try:
                ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "X"}})
                ddb.update_item(
                    TableName=table,
                    Key={"pk": {"S": pk}, "sk": {"S": "X"}},
                    UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "1"}},
                )
                written.append(pk)
            except ClientError as err:
                errors.append(err.response["Error"]["Code"])
        return written

    with ThreadPoolExecutor(max_workers=6) as pool:
        failing = [pool.submit(fail_transactions) for _ in range(2)]
        writers = [pool.submit(write, w) for w in range(4)]
        written = [pk for f in writers for pk in f.result()]
        stop.set()
        attempts = sum(f.result() for f in failing)
    assert attempts > 10 and not errors, errors[:5]
    assert len(written) == 240
    lost = [
        pk
        for pk in written
        if ddb.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": "X"}}, ConsistentRead=True)
        .get("Item", {})
        .get("n")
        != {"N": "1"}
    ]
    assert not lost, f"{len(lost)} writes erased by failed transactions, e.g. {lost[:3]}"
    # and the failed transactions' own first items were rolled back
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": f"EMU#{run}#t0"}, "sk": {"S": "X"}})


def test_a_failed_transaction_restores_what_it_touched(ddb: Any, stack_env: dict[str, str]) -> None:
    table = stack_env["TABLE_NAME"]
    run = uuid.uuid4().hex
    kept = {"pk": {"S": f"EMU#{run}#a"}, "sk": {"S": "X"}}
    ddb.put_item(TableName=table, Item={**kept, "v": {"S": "before"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": kept,
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "after"}},
                    }
                },
                {"Put": {"TableName": table, "Item": {"pk": {"S": f"EMU#{run}#new"}, "sk": {"S": "X"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": f"EMU#{run}#missing"}, "sk": {"S": "X"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert ddb.get_item(TableName=table, Key=kept)["Item"]["v"] == {"S": "before"}
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": f"EMU#{run}#new"}, "sk": {"S": "X"}})


def test_chalice_local_keeps_each_threads_request() -> None:
    """Two requests in flight at once on chalice local's threads each read their own body."""
    from chalice import Chalice
    from chalice.config import Config as ChaliceConfig
    from chalice.local import LocalGateway

    from infra.local.emulator_faults import apply_chalice

    apply_chalice()
    app = Chalice(app_name="emulator-fault")
    both_in = threading.Barrier(2, timeout=10)

    @app.route("/echo", methods=["POST"])
    def echo() -> dict[str, Any]:
        both_in.wait()  # the other request has been set up meanwhile
        return {"got": app.current_request.json_body["n"]}

    gateway = LocalGateway(app, ChaliceConfig())

    def call(n: int) -> int:
        answer = gateway.handle_request(
            "POST", "/echo", {"content-type": "application/json"}, json.dumps({"n": n}).encode()
        )
        return int(json.loads(answer["body"])["got"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(call, [1, 2])) == [1, 2]


def test_chalice_local_answers_without_nagle() -> None:
    """Headers and body are two writes on a kept-alive connection: without TCP_NODELAY each
    answer waits ~40 ms for the client's delayed ACK (the figure is in benchmarks/README.md)."""
    from chalice.local import ChaliceRequestHandler

    from infra.local.emulator_faults import apply_chalice

    apply_chalice()
    assert ChaliceRequestHandler.protocol_version == "HTTP/1.1" and ChaliceRequestHandler.disable_nagle_algorithm


def test_chalice_local_output_reaches_the_console_in_whole_lines() -> None:
    """A metric line (`print`: text, then newline) cut by another thread's access line became one
    unreadable line in `make run`'s console; with `WholeLines` each line arrives whole."""
    import io

    from infra.local.emulator_faults import WholeLines

    def race(stdout: Any, stderr: Any) -> list[str]:
        cut = threading.Event()
        written = threading.Event()

        def metric() -> None:
            stdout.write('{"_aws":{}}')
            cut.set()
            written.wait(10)  # the access line is written meanwhile
            stdout.write("\n")

        def access() -> None:
            cut.wait(10)
            stderr.write('127.0.0.1 - - "POST /v1/complaints HTTP/1.1" 201 -\n')
            written.set()

        threads = [threading.Thread(target=metric), threading.Thread(target=access)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        return pipe.getvalue().splitlines()

    pipe = io.StringIO()
    assert race(pipe, pipe)[0].startswith('{"_aws":{}}127.0.0.1')  # the fault, without the fix
    pipe = io.StringIO()
    lock = threading.Lock()
    lines = race(WholeLines(pipe, lock), WholeLines(pipe, lock))
    assert sorted(lines) == ['127.0.0.1 - - "POST /v1/complaints HTTP/1.1" 201 -', '{"_aws":{}}']


def test_a_message_past_its_retention_never_hides_the_fresh_ones(stack_env: dict[str, str]) -> None:
    """SQS deletes what outlived the queue's retention; moto stopped the receive at it and answered nothing."""
    import datetime as dt

    import time_machine

    sqs = boto3.client("sqs")
    url = sqs.create_queue(
        QueueName=f"emu-retention-{uuid.uuid4().hex[:12]}", Attributes={"MessageRetentionPeriod": "60"}
    )["QueueUrl"]
    # moto runs in this process: its clock moves too
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=1)):
        for i in range(3):
            sqs.send_message(QueueUrl=url, MessageBody=f"old {i}")
    sqs.send_message(QueueUrl=url, MessageBody="fresh")
    answers = [
        [
            m["Body"]
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        ]
        for _ in range(2)
    ]
    assert answers == [["fresh"], []]
