"""What only the memory table can show: its own promises (copies, one lock, the request-token
window on a clock), and the expression grammar case by case, at the client's level."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.support.memory_dynamodb import MemoryDynamoDB

NAME = "memory-unit"
K = {"pk": {"S": "x"}, "sk": {"S": "1"}}


@pytest.fixture()
def db() -> MemoryDynamoDB:
    return MemoryDynamoDB(NAME)


def put(db: MemoryDynamoDB, **attrs: Any) -> None:
    db.put_item(TableName=NAME, Item={**K, **attrs})


def get(db: MemoryDynamoDB) -> dict[str, Any]:
    return dict(db.get_item(TableName=NAME, Key=K)["Item"])


def holds(db: MemoryDynamoDB, condition: str, **vals: Any) -> bool:
    """Whether a condition holds for the item under K (a ConditionCheck that either passes or not)."""
    check: dict[str, Any] = {"TableName": NAME, "Key": K, "ConditionExpression": condition}
    if vals:
        check["ExpressionAttributeValues"] = {f":{k}": v for k, v in vals.items()}
    try:
        db.transact_write_items(TransactItems=[{"ConditionCheck": check}])
        return True
    except ClientError as err:
        assert err.response["Error"]["Code"] == "TransactionCanceledException"
        return False


def update(db: MemoryDynamoDB, expr: str, returns: str = "ALL_NEW", **vals: Any) -> dict[str, Any]:
    req: dict[str, Any] = {"TableName": NAME, "Key": K, "UpdateExpression": expr, "ReturnValues": returns}
    if vals:
        req["ExpressionAttributeValues"] = {f":{k}": v for k, v in vals.items()}
    return dict(db.update_item(**req).get("Attributes", {}))


def refused(fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        fn(*args, **kwargs)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return str(caught.value.response["Error"]["Message"])


# -- the table's own promises ---------------------------------------------------------------------


def test_items_are_copied_in_and_out(db: MemoryDynamoDB) -> None:
    item: dict[str, Any] = {**K, "tags": {"L": [{"S": "a"}]}}
    db.put_item(TableName=NAME, Item=item)
    item["tags"]["L"].append({"S": "b"})
    got = get(db)
    got["tags"]["L"].append({"S": "c"})
    assert get(db)["tags"] == {"L": [{"S": "a"}]}


def test_concurrent_counters_lose_no_increment(memory_table: Any) -> None:
    def bump() -> None:
        for _ in range(50):
            memory_table.add_to_counter("RATE#threads", 1, 1_900_000_000)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert memory_table.get_raw("RATE#threads", "COUNTER")["n"] == 400


def test_a_request_token_is_remembered_for_ten_minutes() -> None:
    now = [0.0]
    db = MemoryDynamoDB(NAME, clock=lambda: now[0])
    add = [{"Update": {"TableName": NAME, "Key": K, "UpdateExpression": "ADD n :one",
                       "ExpressionAttributeValues": {":one": {"N": "1"}}}}]  # fmt: skip
    db.transact_write_items(TransactItems=add, ClientRequestToken="t")
    now[0] = 599
    db.transact_write_items(TransactItems=add, ClientRequestToken="t")
    assert get(db)["n"] == {"N": "1"}
    now[0] = 1200
    db.transact_write_items(TransactItems=add, ClientRequestToken="t")
    assert get(db)["n"] == {"N": "2"}


def test_a_misspelt_parameter_fails_as_in_boto3(db: MemoryDynamoDB) -> None:
    with pytest.raises(ParamValidationError):
        db.get_item(TableName=NAME, Keys=K)


def test_a_parameter_it_does_not_implement_fails_loudly(db: MemoryDynamoDB) -> None:
    with pytest.raises(NotImplementedError):
        db.get_item(TableName=NAME, Key=K, ProjectionExpression="pk")


def test_another_table_is_not_found(db: MemoryDynamoDB) -> None:
    with pytest.raises(ClientError) as caught:
        db.get_item(TableName="other", Key=K)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_calls_are_recorded_in_order(memory_table: Any) -> None:
    memory_table.put_raw({"pk": "a", "sk": "b"})
    memory_table.get_raw("a", "b")
    assert memory_table.db.calls == ["PutItem", "GetItem"]


# -- numbers, as DynamoDB keeps them (moto keeps the text it was given) ----------------------------------


def test_numbers_are_normalised_and_added_exactly(db: MemoryDynamoDB) -> None:
    put(db, n={"N": "0.10"}, m={"N": "1E+2"})
    assert update(db, "ADD n :d", "UPDATED_NEW", d={"N": "0.2"}) == {"n": {"N": "0.3"}}
    assert get(db)["m"] == {"N": "100"}


def test_a_number_beyond_38_digits_is_refused(db: MemoryDynamoDB) -> None:
    refused(put, db, n={"N": "1" * 39})


# -- conditions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("a = :one OR a = :two AND b = :two", True),  # AND binds tighter than OR
        ("(a = :one OR a = :two) AND b = :two", False),
        ("NOT a = :two AND b = :one", True),
        ("a BETWEEN :one AND :two", True),
        ("a IN (:two, :one)", True),
        ("a <> :two", True),
        ("gone <> :two", True),  # as DynamoDB: a missing attribute is unequal to anything
        ("gone < :two", False),
        ("s < :one", False),  # a string and a number have no order
        ("begins_with(s, :pre)", True),
        ("contains(s, :pre)", True),
        ("contains(l, :one)", True),
        ("contains(ss, :pre)", False),
        ("size(l) = :two AND size(s) = :three AND size(m) = :one", True),
        ("attribute_type(m, :map) AND attribute_exists(m.x) AND m.x[0] = :one", True),
        ("attribute_not_exists(m.y)", True),
    ],
)
def test_conditions(db: MemoryDynamoDB, condition: str, expected: bool) -> None:
    put(
        db,
        a={"N": "1"},
        b={"N": "1"},
        s={"S": "abc"},
        l={"L": [{"N": "1"}, {"S": "x"}]},
        ss={"SS": ["q"]},
        m={"M": {"x": {"L": [{"N": "1"}]}}},
    )
    vals = {"one": {"N": "1"}, "two": {"N": "2"}, "three": {"N": "3"}, "pre": {"S": "ab"}, "map": {"S": "M"}}
    used = {k: v for k, v in vals.items() if f":{k}" in condition}
    assert holds(db, condition, **used) is expected


def test_between_with_bounds_the_wrong_way_round_is_refused(db: MemoryDynamoDB) -> None:
    """DynamoDB refuses it; moto answers a failed condition."""
    put(db)
    with pytest.raises(ClientError) as caught:
        db.put_item(TableName=NAME, Item=K, ConditionExpression="pk BETWEEN :b AND :a",
                    ExpressionAttributeValues={":a": {"S": "a"}, ":b": {"S": "b"}})  # fmt: skip
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_an_undefined_placeholder_is_refused(db: MemoryDynamoDB) -> None:
    message = refused(db.update_item, TableName=NAME, Key=K, UpdateExpression="SET a = :nothing")
    assert "not defined" in message


def test_a_syntax_error_is_refused(db: MemoryDynamoDB) -> None:
    assert "Syntax error" in refused(db.put_item, TableName=NAME, Item=K, ConditionExpression="pk = = pk")


# -- updates ------------------------------------------------------------------------------------------


def test_sets_are_added_to_and_deleted_from(db: MemoryDynamoDB) -> None:
    put(db)
    assert update(db, "ADD tags :t", "UPDATED_NEW", t={"SS": ["a", "b"]}) == {"tags": {"SS": ["a", "b"]}}
    assert update(db, "ADD tags :t", "UPDATED_NEW", t={"SS": ["b", "c"]}) == {"tags": {"SS": ["a", "b", "c"]}}
    assert update(db, "DELETE tags :t", "UPDATED_NEW", t={"SS": ["a", "b"]}) == {"tags": {"SS": ["c"]}}
    update(db, "DELETE tags :t", t={"SS": ["c"]})
    assert "tags" not in get(db)  # the last member gone: the attribute goes


def test_nested_paths_are_set_and_removed(db: MemoryDynamoDB) -> None:
    put(db, m={"M": {"x": {"L": [{"S": "a"}, {"S": "b"}]}}})
    update(db, "SET m.y = :v, m.x[9] = :v", v={"S": "c"})  # past the end of a list: appended
    update(db, "REMOVE m.x[0]")
    assert get(db)["m"] == {"M": {"x": {"L": [{"S": "b"}, {"S": "c"}]}, "y": {"S": "c"}}}
    assert "invalid for update" in refused(update, db, "SET nowhere.y = :v", v={"S": "c"})


def test_update_expressions_dynamodb_refuses(db: MemoryDynamoDB) -> None:
    put(db, s={"S": "x"})
    assert "overlap" in refused(update, db, "SET a = :v REMOVE a", v={"N": "1"})
    assert "only be used once" in refused(update, db, "SET a = :v SET b = :v", v={"N": "1"})
    assert "incorrect data type" in refused(update, db, "ADD s :v", v={"N": "1"})
    assert "incorrect data type" in refused(update, db, "SET s = s + :v", v={"N": "1"})
    assert "reserved keyword" in refused(update, db, "SET size = :v", v={"N": "1"})


def test_return_values(db: MemoryDynamoDB) -> None:
    put(db, a={"N": "1"}, b={"N": "2"})
    assert update(db, "SET a = :v REMOVE b", "UPDATED_OLD", v={"N": "5"}) == {"a": {"N": "1"}, "b": {"N": "2"}}
    assert update(db, "SET c = :v", "UPDATED_NEW", v={"N": "6"}) == {"c": {"N": "6"}}
    old = db.put_item(TableName=NAME, Item=K, ReturnValues="ALL_OLD")["Attributes"]
    assert old == {**K, "a": {"N": "5"}, "c": {"N": "6"}}
    assert "Attributes" not in db.put_item(TableName=NAME, Item={"pk": {"S": "new"}, "sk": {"S": "1"}},
                                           ReturnValues="ALL_OLD")  # fmt: skip


def test_a_failed_update_in_a_transaction_is_a_validation_reason(db: MemoryDynamoDB) -> None:
    put(db, s={"S": "x"})
    other = {"pk": {"S": "y"}, "sk": {"S": "1"}}
    with pytest.raises(ClientError) as caught:
        db.transact_write_items(TransactItems=[
            {"Put": {"TableName": NAME, "Item": other}},
            {"Update": {"TableName": NAME, "Key": K, "UpdateExpression": "ADD s :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])  # fmt: skip
    assert [r["Code"] for r in caught.value.response["CancellationReasons"]] == ["None", "ValidationError"]
    assert "Item" not in db.get_item(TableName=NAME, Key=other)


# -- queries ------------------------------------------------------------------------------------------


def test_count_counts_after_the_filter(db: MemoryDynamoDB) -> None:
    for n in range(5):
        db.put_item(TableName=NAME, Item={"pk": {"S": "p"}, "sk": {"S": str(n)}, "odd": {"BOOL": n % 2 == 1}})
    out = db.query(TableName=NAME, KeyConditionExpression="pk = :p", FilterExpression="odd = :t",
                   ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"BOOL": True}}, Select="COUNT")  # fmt: skip
    assert (out["Count"], out["ScannedCount"], "Items" in out) == (2, 5, False)


def test_a_page_stops_at_one_megabyte(db: MemoryDynamoDB) -> None:
    for n in range(15):
        db.put_item(TableName=NAME, Item={"pk": {"S": "big"}, "sk": {"S": f"{n:02d}"}, "blob": {"S": "x" * 100_000}})
    out = db.query(TableName=NAME, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "big"}})
    assert 9 <= out["Count"] <= 11 and "LastEvaluatedKey" in out


def test_a_key_condition_must_name_the_partition_key(db: MemoryDynamoDB) -> None:
    assert "missed key schema element" in refused(
        db.query, TableName=NAME, KeyConditionExpression="sk = :s", ExpressionAttributeValues={":s": {"S": "1"}}
    )


def test_limits_of_batches_and_transactions(db: MemoryDynamoDB) -> None:
    keys = [{"pk": {"S": "p"}, "sk": {"S": str(n)}} for n in range(101)]
    refused(db.batch_get_item, RequestItems={NAME: {"Keys": keys}})
    refused(db.batch_get_item, RequestItems={NAME: {"Keys": [K, K]}})
    puts = [{"Put": {"TableName": NAME, "Item": k}} for k in keys]
    with pytest.raises((ClientError, ParamValidationError)):
        db.transact_write_items(TransactItems=puts)


def test_what_dynamodb_refuses_and_moto_lets_through(db: MemoryDynamoDB) -> None:
    put(db)
    refused(
        db.put_item, TableName=NAME, Item=K, ConditionExpression="pk < :l", ExpressionAttributeValues={":l": {"L": []}}
    )
    refused(put, db, tags={"SS": ["a", "a"]})
    message = refused(db.put_item, TableName=NAME, Item=K, ExpressionAttributeNames={"#x": "y"})
    assert "only be specified when using expressions" in message


# -- what tests use of a boto3 client ------------------------------------------------------------------


def test_the_scan_paginator_pages_through_every_item(db: MemoryDynamoDB) -> None:
    for n in range(5):
        db.put_item(TableName=NAME, Item={"pk": {"S": f"p{n % 2}"}, "sk": {"S": str(n)}})
    pages = list(db.get_paginator("scan").paginate(TableName=NAME, Limit=2))
    assert [i["sk"]["S"] for p in pages for i in p["Items"]] == ["0", "2", "4", "1", "3"]


def test_event_hooks_see_every_call(memory_table: Any) -> None:
    seen: list[tuple[str, str | None]] = []

    def hook(model: Any, params: dict[str, Any], **_: Any) -> None:
        seen.append((model.name, params.get("IndexName")))

    memory_table.db.meta.events.register("before-call.dynamodb.*", hook)
    list(memory_table.query("outbox_pk = :p", {":p": {"S": "x"}}, index="outbox"))
    memory_table.get_raw("a", "b")
    assert seen == [("Query", "outbox"), ("GetItem", None)]
