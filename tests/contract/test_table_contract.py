"""The table's conditions, as the hub's gateway uses them, on moto's server and on the memory table alike.

Each test names one promise a store depends on: version checks, put-if-absent, all-or-nothing
transactions, sparse indexes, paging, counters, and DynamoDB's refusals. Where moto and DynamoDB
differ, the memory table follows DynamoDB and the test says so (an expected failure on moto)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.storage.codec import to_item, values
from chalicelib.adapters.storage.counters import counter_moves
from chalicelib.adapters.storage.expressions import set_remove
from chalicelib.adapters.storage.gateway import put_over_position
from chalicelib.domain.changes import Append, ConditionFailed, IfAbsent, UploadClaimed
from chalicelib.domain.models import Complaint, TimelineEntry, utcnow
from tests.contract.conftest import Table

VERSION_IS = "#v = :v"


def complaint(tid: str, **fields: Any) -> Complaint:
    return Complaint(tracking_id=tid, category="jalan-rusak", description="Jalan berlubang di depan pasar.", **fields)


def entry(ref: str = "received", minutes: int = 0) -> TimelineEntry:
    return TimelineEntry(at=utcnow() + timedelta(minutes=minutes), kind="status", ref=ref)


def created(t: Table, **extra: Any) -> str:
    tid = t.uid("T")
    t.repo.create(complaint(tid), entry(), extra=extra or None)
    return tid


#: the condition of a write over the version read (`:v`)
AT_VERSION: dict[str, Any] = {"condition": VERSION_IS, "names": {"#v": "version"}}


def code_of(err: ClientError) -> str:
    return str(err.response["Error"]["Code"])


# -- versions: every complaint write counts -----------------------------------------------


def test_a_new_complaint_is_version_1(table: Table) -> None:
    tid = created(table)
    assert table.repo.get_item(tid, consistent=True)["version"] == 1


def test_every_write_of_a_complaint_bumps_its_version(table: Table) -> None:
    tid = created(table)
    table.repo.update(tid, "SET title = :t", vals=values(t="a"))
    table.repo.update(tid, "REMOVE title")
    table.repo.transact_update(tid, "SET title = :t", None, None, values(t="b"), timeline=entry("note", 1))
    assert table.repo.get_item(tid, consistent=True)["version"] == 4


def test_a_write_conditioned_on_the_current_version_succeeds(table: Table) -> None:
    tid = created(table)
    table.repo.update(tid, "SET title = :t", vals=values(t="a", v=1), **AT_VERSION)
    item = table.repo.get_item(tid, consistent=True)
    assert (item["version"], item["title"]) == (2, "a")


def test_a_write_conditioned_on_an_old_version_fails_and_changes_nothing(table: Table) -> None:
    tid = created(table)
    table.repo.update(tid, "SET title = :t", vals=values(t="first"))
    with pytest.raises(ConditionFailed):
        table.repo.update(tid, "SET title = :t", vals=values(t="second", v=1), **AT_VERSION)
    item = table.repo.get_item(tid, consistent=True)
    assert (item["version"], item["title"]) == (2, "first")


def test_update_returns_the_item_before_or_after(table: Table) -> None:
    tid = created(table)
    old = table.repo.update(tid, "SET title = :t", vals=values(t="a"), return_old=True)
    new = table.repo.update(tid, "SET title = :t", vals=values(t="b"), return_new=True)
    assert old is not None and new is not None
    assert (old["version"], old.get("title")) == (1, None)
    assert (new["version"], new["title"]) == (3, "b")


def test_an_update_of_a_missing_complaint_fails_its_exists_condition(table: Table) -> None:
    tid = table.uid("T")
    with pytest.raises(ConditionFailed):
        table.repo.update(tid, "SET title = :t", condition="attribute_exists(pk)", vals=values(t="x"))
    assert table.repo.get_item(tid, consistent=True) is None


# -- put-if-absent --------------------------------------------------------------------------


def test_creating_twice_fails_carrying_the_first_item(table: Table) -> None:
    tid = table.uid("T")
    table.repo.create(complaint(tid, title="first"), entry())
    with pytest.raises(ConditionFailed) as caught:
        table.repo.create(complaint(tid, title="second"), entry())
    assert caught.value.item is not None
    assert (caught.value.item["title"], caught.value.item["version"]) == ("first", 1)
    assert table.repo.get_item(tid, consistent=True)["title"] == "first"


def test_a_timeline_entry_is_added_once(table: Table) -> None:
    tid = created(table)
    e = entry("note:1", 1)
    assert table.repo.add_timeline(tid, e) is True
    assert table.repo.add_timeline(tid, e) is False
    assert [x.ref for x in table.repo.timeline(tid)] == ["received", "note:1"]


def test_put_raw_overwrites_whatever_is_there(table: Table) -> None:
    pk = table.uid("RAW#")
    table.repo.put_raw({"pk": pk, "sk": "X", "a": 1, "b": "gone"})
    table.repo.put_raw({"pk": pk, "sk": "X", "a": 2})
    assert table.repo.get_raw(pk, "X") == {"pk": pk, "sk": "X", "a": 2}


# -- all-or-nothing transactions --------------------------------------------------------------


def test_uploads_taken_by_another_complaint_are_named_and_nothing_is_written(table: Table) -> None:
    free, taken = table.uid("up/"), table.uid("up/")
    table.repo.create(complaint(table.uid("T")), entry(), claims=[taken])
    tid = table.uid("T")
    with pytest.raises(UploadClaimed) as caught:
        table.repo.create(complaint(tid), entry(), claims=[free, taken])
    assert caught.value.keys == [taken]
    assert table.repo.get_item(tid, consistent=True) is None
    assert table.repo.get_raw(f"UPLOAD#{free}", "UPLOAD") is None


def test_a_taken_id_with_uploads_fails_carrying_the_first_item(table: Table) -> None:
    tid = table.uid("T")
    table.repo.create(complaint(tid, title="first"), entry())
    upload = table.uid("up/")
    with pytest.raises(ConditionFailed) as caught:
        table.repo.create(complaint(tid, title="second"), entry(), claims=[upload])
    assert caught.value.item is not None and caught.value.item["title"] == "first"
    assert table.repo.get_raw(f"UPLOAD#{upload}", "UPLOAD") is None


def test_a_false_condition_in_a_transaction_writes_nothing(table: Table) -> None:
    tid = created(table)
    with pytest.raises(ConditionFailed):
        table.repo.transact_update(
            tid, "SET title = :t", VERSION_IS, {"#v": "version"}, values(t="x", v=7), timeline=entry("note", 1)
        )
    complaint_now, timeline = table.repo.get_with_timeline(tid, consistent=True)
    assert complaint_now is not None and complaint_now.version == 1 and complaint_now.title is None
    assert [e.ref for e in timeline] == ["received"]


def test_an_existing_new_item_cancels_the_whole_transaction(table: Table) -> None:
    tid = created(table)
    pk = table.uid("OUT#")
    table.repo.put_raw({"pk": pk, "sk": "1"})
    with pytest.raises(ConditionFailed):
        table.repo.transact_update(tid, "SET title = :t", None, None, values(t="x"), new_items=[{"pk": pk, "sk": "1"}])
    assert table.repo.get_item(tid, consistent=True)["version"] == 1


def test_a_transaction_writes_the_update_its_entry_and_new_items_together(table: Table) -> None:
    tid = created(table)
    pk = table.uid("OUT#")
    table.repo.transact_update(
        tid, "SET title = :t", None, None, values(t="x"), timeline=entry("note", 1), new_items=[{"pk": pk, "sk": "1"}]
    )
    c, timeline = table.repo.get_with_timeline(tid, consistent=True)
    assert c is not None and (c.version, c.title) == (2, "x")
    assert [e.ref for e in timeline] == ["received", "note"]
    assert table.repo.get_raw(pk, "1") == {"pk": pk, "sk": "1"}


def test_cancellation_reasons_come_in_order_with_the_old_item(table: Table) -> None:
    pk = table.uid("R#")
    table.repo.put_raw({"pk": pk, "sk": "b", "n": 1})
    items = [
        {"Put": {"TableName": table.name, "Item": to_item({"pk": pk, "sk": "a"})}},
        {
            "ConditionCheck": {
                "TableName": table.name,
                "Key": {"pk": {"S": pk}, "sk": {"S": "b"}},
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]
    with pytest.raises(ClientError) as caught:
        table.db.transact_write_items(TransactItems=items)
    assert code_of(caught.value) == "TransactionCanceledException"
    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"] == {"pk": {"S": pk}, "sk": {"S": "b"}, "n": {"N": "1"}}
    assert table.repo.get_raw(pk, "a") is None


def test_a_put_over_a_stream_position_applies_once(table: Table) -> None:
    pk = table.uid("POS#")
    table.repo.transact_raw([{"Put": put_over_position(table.name, {"pk": pk, "sk": "S", "seq": "1"}, None)}])
    with pytest.raises(ConditionFailed):  # the same record again, read as absent
        table.repo.transact_raw([{"Put": put_over_position(table.name, {"pk": pk, "sk": "S", "seq": "1"}, None)}])
    read = table.repo.get_raw(pk, "S")
    table.repo.transact_raw([{"Put": put_over_position(table.name, {"pk": pk, "sk": "S", "seq": "2"}, read)}])
    with pytest.raises(ConditionFailed):  # a second reader of the same position loses
        table.repo.transact_raw([{"Put": put_over_position(table.name, {"pk": pk, "sk": "S", "seq": "3"}, read)}])
    assert table.repo.get_raw(pk, "S")["seq"] == "2"


def test_a_repeated_request_token_is_one_transaction(table: Table) -> None:
    pk = table.uid("TOK#")
    token = table.uid("token-")
    items = [
        {
            "Update": {
                "TableName": table.name,
                "Key": {"pk": {"S": pk}, "sk": {"S": "C"}},
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
    ]
    table.db.transact_write_items(TransactItems=items, ClientRequestToken=token)
    table.db.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert table.repo.get_raw(pk, "C")["n"] == 1
    other = [{"Put": {"TableName": table.name, "Item": to_item({"pk": pk, "sk": "D"})}}]
    with pytest.raises(ClientError) as caught:
        table.db.transact_write_items(TransactItems=other, ClientRequestToken=token)
    assert code_of(caught.value) == "IdempotentParameterMismatchException"


def test_a_failed_transaction_leaves_its_token_free(table: Table) -> None:
    pk = table.uid("TOK#")
    token = table.uid("token-")
    table.repo.put_raw({"pk": pk, "sk": "C"})
    items = [{"Put": {"TableName": table.name, "Item": to_item({"pk": pk, "sk": "C", "x": 1}),
                      "ConditionExpression": "attribute_not_exists(pk)"}}]  # fmt: skip
    with pytest.raises(ClientError):
        table.db.transact_write_items(TransactItems=items, ClientRequestToken=token)
    table.repo.put_raw({"pk": pk, "sk": "other"})
    with pytest.raises(ClientError) as caught:  # runs again (and fails again), not a remembered success
        table.db.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert code_of(caught.value) == "TransactionCanceledException"


def test_two_operations_on_one_item_in_a_transaction_are_refused(table: Table) -> None:
    pk = table.uid("DUP#")
    put = {"Put": {"TableName": table.name, "Item": to_item({"pk": pk, "sk": "1"})}}
    with pytest.raises(ClientError) as caught:
        table.db.transact_write_items(TransactItems=[put, put])
    assert code_of(caught.value) == "ValidationException"


# -- counters and update functions ----------------------------------------------------------------


def test_a_counter_starts_at_zero_and_adds_up(table: Table) -> None:
    pk = table.uid("RATE#")
    assert table.repo.add_to_counter(pk, 2, 1_900_000_000) == 2
    assert table.repo.add_to_counter(pk, 3, 1_900_000_060) == 5
    assert table.repo.get_raw(pk, "COUNTER") == {"pk": pk, "sk": "COUNTER", "n": 5, "expires_at": 1_900_000_060}


def test_counter_moves_add_and_subtract_in_one_transaction(table: Table) -> None:
    a, b = table.uid("unit-a"), table.uid("unit-b")
    table.repo.transact_raw(counter_moves(table.name, None, f"{a}|received"))
    table.repo.transact_raw(counter_moves(table.name, f"{a}|received", f"{b}|verified"))
    found = {i["pk"]: i for i in table.repo.get_many([(f"INBOXCOUNT#{a}", "COUNT"), (f"INBOXCOUNT#{b}", "COUNT")])}
    assert found[f"INBOXCOUNT#{a}"]["n_received"] == 0
    assert found[f"INBOXCOUNT#{b}"]["n_verified"] == 1


def test_if_not_exists_plus_one_starts_from_the_default(table: Table) -> None:
    pk = table.uid("FU#")
    for _ in range(2):
        table.repo.update_raw(
            pk, "1", "SET attempts = if_not_exists(attempts, :zero) + :one", vals=values(zero=0, one=1)
        )
    assert table.repo.get_raw(pk, "1")["attempts"] == 2


def test_set_remove_sets_once_appends_and_removes(table: Table) -> None:
    tid = created(table, park_reason="parked")
    for stamp, note in (("first", "a"), ("second", "b")):
        expr, names, vals = set_remove(
            {"first_response_at": IfAbsent(stamp), "notes": Append(note), "park_reason": None}
        )
        table.repo.update(tid, expr, names=names, vals=vals)
    item = table.repo.get_item(tid, consistent=True)
    assert item["first_response_at"] == "first"
    assert item["notes"] == ["a", "b"]
    assert "park_reason" not in item
    assert item["version"] == 3


def test_an_update_reads_every_operand_from_the_item_before_it(table: Table) -> None:
    pk = table.uid("SWAP#")
    table.repo.put_raw({"pk": pk, "sk": "1", "a": 1, "b": 2})
    table.repo.update_raw(pk, "1", "SET a = b, b = a")
    assert {k: v for k, v in table.repo.get_raw(pk, "1").items() if k in "ab"} == {"a": 2, "b": 1}


def test_update_raw_returns_the_item_before(table: Table) -> None:
    pk = table.uid("OLD#")
    table.repo.put_raw({"pk": pk, "sk": "1", "state": "old"})
    old = table.repo.update_raw(pk, "1", "SET #s = :s", names={"#s": "state"}, vals=values(s="new"), return_old=True)
    assert old is not None and old["state"] == "old"
    assert table.repo.get_raw(pk, "1")["state"] == "new"


def test_list_size_and_in_conditions(table: Table) -> None:
    tid = created(table)
    cond = "attribute_exists(pk) AND #s IN (:a, :b) AND (attribute_not_exists(attachments) OR size(attachments) < :max)"
    for n in range(2):
        table.repo.update(
            tid,
            "SET attachments = list_append(if_not_exists(attachments, :empty), :key)",
            condition=cond,
            names={"#s": "status"},
            vals=values(a="received", b="verified", max=2, empty=[], key=[f"k{n}"]),
        )
    with pytest.raises(ConditionFailed):
        table.repo.update(
            tid,
            "SET attachments = list_append(attachments, :key)",
            condition=cond,
            names={"#s": "status"},
            vals=values(a="received", b="verified", max=2, key=["k2"]),
        )
    assert table.repo.get_item(tid, consistent=True)["attachments"] == ["k0", "k1"]


# -- sparse indexes -------------------------------------------------------------------------------


def test_an_item_without_the_index_attributes_is_not_in_the_index(table: Table) -> None:
    shard = table.uid("OB#")
    created(table, outbox_pk=shard, outbox_sk="2024-01-01")
    created(table)  # no outbox key: not listed
    created(table, outbox_pk=shard)  # only half the key: not listed either
    assert len(list(table.repo.query_index_until("outbox", shard, "~"))) == 1


def test_removing_the_index_attribute_removes_the_item_from_the_index(table: Table) -> None:
    shard = table.uid("OB#")
    tid = created(table, outbox_pk=shard, outbox_sk="2024-01-01")
    assert table.repo.count_index_until("outbox", shard, "~") == 1
    table.repo.update(tid, "REMOVE outbox_pk, outbox_sk")
    assert table.repo.count_index_until("outbox", shard, "~") == 0


def test_changing_the_index_sort_key_moves_the_item(table: Table) -> None:
    shard = table.uid("DUE#")
    first = created(table, due_pk=shard, due_sk="2024-01-01")
    second = created(table, due_pk=shard, due_sk="2024-02-01")
    table.repo.update(first, "SET due_sk = :d", vals=values(d="2024-03-01"))
    assert [i["tracking_id"] for i in table.repo.query_index_until("due", shard, "~")] == [second, first]
    assert table.repo.count_index_until("due", shard, "2024-02-15") == 1


def test_an_include_index_holds_its_projected_attributes_only(table: Table) -> None:
    holder = table.uid("unit-")
    tid = created(table, inbox_pk=holder, inbox_sk="2024-01-01")
    [item] = list(table.repo.query("inbox_pk = :p", values(p=holder), index="inbox"))
    assert item["tracking_id"] == tid and item["status"] == "received"
    assert "description" not in item and "first_entry" not in item
    assert {"pk", "sk", "inbox_pk", "inbox_sk"} <= set(item)


def test_a_filter_reads_a_nested_attribute(table: Table) -> None:
    holder = table.uid("unit-")
    for kel in ("36.73.01.1002", "36.73.01.1003"):
        t = table.uid("T")
        c = complaint(t)
        c.location.kelurahan_code = kel
        table.repo.create(c, entry(), extra={"inbox_pk": holder, "inbox_sk": t})
    items, _ = table.repo.query_page(
        "#p = :p",
        values(p=holder, f_kel="36.73.01.1003"),
        index="inbox",
        filter_expression="#f_loc.#f_kel = :f_kel",
        names={"#p": "inbox_pk", "#f_loc": "location", "#f_kel": "kelurahan_code"},
    )
    assert [i["location"]["kelurahan_code"] for i in items] == ["36.73.01.1003"]


def test_not_equal_matches_items_without_the_attribute(table: Table) -> None:
    pk = table.uid("NE#")
    for sk, data in (("1", {"state": "open"}), ("2", {"state": "done"}), ("3", {})):
        table.repo.put_raw({"pk": pk, "sk": sk, **data})
    found = table.repo.query("pk = :pk", values(pk=pk, d="done"), filter_expression="#s <> :d", names={"#s": "state"})
    assert [i["sk"] for i in found] == ["1", "3"]


# -- paging --------------------------------------------------------------------------------------


def _walk(t: Table, shard: str, forward: bool, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    start: dict[str, Any] | None = None
    while True:
        items, start = t.repo.query_page(
            "geo_pk = :p AND geo_sk BETWEEN :lo AND :hi",
            values(p=shard, lo="0", hi="~"),
            index="geo",
            limit=limit,
            start_key=start,
            forward=forward,
        )
        pages.append([i["geo_sk"] for i in items])
        if start is None:
            return pages
        assert {"pk", "sk", "geo_pk", "geo_sk"} == set(start)  # the table's and the index's keys


@pytest.mark.parametrize("forward", [True, False], ids=["forward", "backward"])
def test_paging_walks_every_item_once_in_order(table: Table, forward: bool) -> None:
    shard = table.uid("GEO#")
    keys = [f"cell{n:02d}" for n in range(10)]
    for k in keys:
        table.repo.put_raw({"pk": table.uid("G#"), "sk": "C", "geo_pk": shard, "geo_sk": k})
    pages = _walk(table, shard, forward, limit=3)
    walked = [k for page in pages for k in page]
    assert walked == (keys if forward else keys[::-1])
    assert all(len(p) == 3 for p in pages[:3])


def test_equal_index_sort_keys_page_without_loss_or_repeat(table: Table) -> None:
    shard = table.uid("GEO#")
    pks = sorted(table.uid("G#") for _ in range(5))
    for pk in pks:
        table.repo.put_raw({"pk": pk, "sk": "C", "geo_pk": shard, "geo_sk": "same"})
    seen: list[str] = []
    start: dict[str, Any] | None = None
    while True:
        items, start = table.repo.query_page("geo_pk = :p", values(p=shard), index="geo", limit=2, start_key=start)
        seen.extend(i["pk"] for i in items)
        if start is None:
            break
    assert sorted(seen) == pks


def test_a_table_query_pages_a_partition_by_sort_key(table: Table) -> None:
    pk = table.uid("P#")
    for sk in ("T#3", "T#1", "C", "T#2", "U#1"):
        table.repo.put_raw({"pk": pk, "sk": sk})
    items, start = table.repo.query_page(
        "pk = :pk AND begins_with(sk, :t)", values(pk=pk, t="T#"), limit=2, forward=False
    )
    assert [i["sk"] for i in items] == ["T#3", "T#2"]
    assert start == {"pk": {"S": pk}, "sk": {"S": "T#2"}}
    items, _ = table.repo.query_page(
        "pk = :pk AND begins_with(sk, :t)", values(pk=pk, t="T#"), limit=2, forward=False, start_key=start
    )
    assert [i["sk"] for i in items] == ["T#1"]


def test_the_filter_applies_after_the_limit(table: Table) -> None:
    pk = table.uid("F#")
    for n in range(6):
        table.repo.put_raw({"pk": pk, "sk": f"{n}", "keep": n in (0, 5)})
    items, start = table.repo.query_page("pk = :pk", values(pk=pk, y=True), limit=2, filter_expression="keep = :y")
    assert [i["sk"] for i in items] == ["0"]  # two read, one kept
    assert start is not None
    items, start = table.repo.query_page(
        "pk = :pk", values(pk=pk, y=True), limit=2, filter_expression="keep = :y", start_key=start
    )
    assert items == [] and start is not None  # an empty page that still goes on


def test_query_with_a_limit_follows_pages_up_to_it(table: Table) -> None:
    pk = table.uid("L#")
    for n in range(7):
        table.repo.put_raw({"pk": pk, "sk": f"{n}"})
    assert [i["sk"] for i in table.repo.query("pk = :pk", values(pk=pk), limit=5)] == ["0", "1", "2", "3", "4"]
    assert len(list(table.repo.query("pk = :pk", values(pk=pk)))) == 7


def test_count_index_until_counts_sort_keys_up_to_the_bound(table: Table) -> None:
    shard = table.uid("SYNC#")
    for day in ("2024-01-01", "2024-01-02", "2024-01-03", "2024-02-01"):
        table.repo.put_raw({"pk": table.uid("S#"), "sk": "C", "sync_pk": shard, "sync_sk": day})
    assert table.repo.count_index_until("sync", shard, "2024-01-03") == 3
    assert table.repo.count_index_until("sync", shard, "2023") == 0


def test_get_many_returns_the_items_found(table: Table) -> None:
    pk = table.uid("B#")
    for sk in ("1", "2"):
        table.repo.put_raw({"pk": pk, "sk": sk})
    found = table.repo.get_many([(pk, "1"), (pk, "2"), (pk, "missing"), (pk, "1")])
    assert sorted(i["sk"] for i in found) == ["1", "2"]


# -- refusals ------------------------------------------------------------------------------------


def test_an_unused_expression_value_is_refused(table: Table) -> None:
    with pytest.raises(ClientError) as caught:
        table.repo.update_raw(table.uid("V#"), "1", "SET a = :a", vals=values(a=1, b=2))
    assert code_of(caught.value) == "ValidationException"


def test_a_reserved_word_as_a_raw_name_is_refused(table: Table) -> None:
    with pytest.raises(ClientError) as caught:
        table.repo.update_raw(table.uid("V#"), "1", "SET status = :s", vals=values(s="x"))
    assert code_of(caught.value) == "ValidationException"


def test_a_consistent_read_of_an_index_is_refused(table: Table) -> None:
    with pytest.raises(ClientError) as caught:
        list(table.repo.query("outbox_pk = :p", values(p="x"), index="outbox", consistent=True))
    assert code_of(caught.value) == "ValidationException"


def test_a_key_attribute_cannot_be_updated(table: Table) -> None:
    with pytest.raises(ClientError) as caught:
        table.repo.update_raw(table.uid("V#"), "1", "SET sk = :s", vals=values(s="2"))
    assert code_of(caught.value) == "ValidationException"


def test_arithmetic_on_a_missing_attribute_is_refused(table: Table) -> None:
    pk = table.uid("V#")
    table.repo.put_raw({"pk": pk, "sk": "1"})
    with pytest.raises(ClientError) as caught:
        table.repo.update_raw(pk, "1", "SET n = n + :one", vals=values(one=1))
    assert code_of(caught.value) == "ValidationException"


# -- where moto differs from DynamoDB ----------------------------------------------------------------


def test_a_page_that_reaches_its_limit_has_a_key_to_go_on(table: Table, request: pytest.FixtureRequest) -> None:
    """DynamoDB answers a LastEvaluatedKey whenever a Query stopped at its Limit, even when no
    item follows (the next page is then empty); moto only when another item follows."""
    if table.backend == "moto":
        request.applymarker(pytest.mark.xfail(reason="moto: no LastEvaluatedKey at the exact end", strict=True))
    pk = table.uid("END#")
    for sk in ("1", "2"):
        table.repo.put_raw({"pk": pk, "sk": sk})
    items, start = table.repo.query_page("pk = :pk", values(pk=pk), limit=2)
    assert len(items) == 2 and start == {"pk": {"S": pk}, "sk": {"S": "2"}}
    assert table.repo.query_page("pk = :pk", values(pk=pk), limit=2, start_key=start) == ([], None)


def test_an_empty_index_key_is_refused(table: Table) -> None:
    with pytest.raises(ClientError) as caught:
        table.repo.put_raw({"pk": table.uid("E#"), "sk": "1", "outbox_pk": "", "outbox_sk": "2024"})
    assert code_of(caught.value) == "ValidationException"


def test_an_index_key_of_the_wrong_type_is_refused(table: Table, request: pytest.FixtureRequest) -> None:
    """The template declares every index key a string; DynamoDB refuses a number there, moto stores it."""
    if table.backend == "moto":
        request.applymarker(pytest.mark.xfail(reason="moto: index key types are not checked", strict=True))
    pk = table.uid("E#")
    with pytest.raises(ClientError) as caught:
        table.repo.put_raw({"pk": pk, "sk": "1", "outbox_pk": 7, "outbox_sk": "2024"})
    assert code_of(caught.value) == "ValidationException"
    assert table.repo.get_raw(pk, "1") is None
