"""The table's boto3 calls: get, put, update, query pages, batch get and transactions.

The stores build items and expressions; this module sends them, turns a false
condition (a lost race) into ConditionFailed, retries a transaction that only
collided with another one, and gives every logical transaction one
ClientRequestToken. Every write of a complaint item increments its `version`
(If-Match / ETag)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client as aws_client
from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import complaint_item, from_item, iso, timeline_item, to_item, values
from chalicelib.adapters.storage.expressions import with_version
from chalicelib.domain.changes import ConditionFailed, UploadClaimed
from chalicelib.domain.models import Complaint, TimelineEntry
from chalicelib.settings import settings

__all__ = ["ConditionFailed", "TableGateway", "UploadClaimed", "conditional", "is_conditional_failure"]


def is_conditional_failure(err: ClientError) -> bool:
    code = err.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = err.response.get("CancellationReasons") or []
        return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or not reasons
    return False


def _is_transaction_conflict(err: ClientError) -> bool:
    reasons = err.response.get("CancellationReasons") or []
    return any(r.get("Code") == "TransactionConflict" for r in reasons)


@contextmanager
def conditional() -> Iterator[None]:
    """A false condition (our lost race) becomes ConditionFailed; other errors pass."""
    try:
        yield
    except ClientError as err:
        if is_conditional_failure(err):
            raise ConditionFailed(str(err)) from err
        raise


def put_over_position(table: str, data: dict[str, Any], read: dict[str, Any] | None) -> dict[str, Any]:
    """A transaction Put of an item that records which stream record was applied (`seq`):
    only over the item as it was `read` (only when absent if None), so a record applied
    twice, or by two readers at once, changes nothing the second time."""
    put: dict[str, Any] = {"TableName": table, "Item": to_item(data)}
    if read is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "#seq = :seq"
        put["ExpressionAttributeNames"] = {"#seq": "seq"}
        put["ExpressionAttributeValues"] = values(seq=read.get("seq"))
    return put


class TableGateway:
    """One table through a boto3-style DynamoDB client (the real one unless given): item-level
    reads and writes by key and expression, for the stores (and for tests and tools)."""

    def _transact(self, items: list[dict[str, Any]]) -> None:
        """TransactWriteItems, tried again when it only collided with another
        transaction on the same item (a double tap): the retry then meets that
        transaction's result and its condition decides.

        One ClientRequestToken for the logical write, in every attempt (botocore's
        own retries resend the same parameters): a retry of a transaction that did
        succeed, say after a read timeout, gets that success back instead of
        failing on its own condition."""
        token = str(uuid.uuid4())
        for attempt in range(4):
            try:
                self.db.transact_write_items(TransactItems=items, ClientRequestToken=token)
                return
            except ClientError as err:
                if attempt == 3 or not _is_transaction_conflict(err):
                    raise
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))

    def __init__(self, client: Any = None, table_name: str | None = None) -> None:
        """`client`: a boto3-style DynamoDB client (the real one unless given); `table_name`: the
        table (TABLE_NAME unless given)."""
        self.table = table_name or settings().table_name
        self.db = client or aws_client("dynamodb")

    # -- writes -----------------------------------------------------------

    def create(
        self,
        complaint: Complaint,
        entry: TimelineEntry,
        extra: dict[str, Any] | None = None,
        claims: list[str] | None = None,
    ) -> None:
        """Store a new complaint with its first timeline entry inside the item: one
        conditional PutItem; with uploads to claim (`UPLOAD#<key>`, each once), one
        transaction of all, so an upload never belongs to two complaints.

        When the id is taken, ConditionFailed carries the item that holds it (the
        caller tells a replay from a collision); when only uploads are taken,
        UploadClaimed names them."""
        data = dict(extra or {})
        data["first_entry"] = entry.model_dump(mode="json")
        put = {
            "TableName": self.table,
            "Item": complaint_item(complaint, data),
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if not claims:
            try:
                self.db.put_item(**put)
            except ClientError as err:
                if is_conditional_failure(err):
                    old: dict[str, Any] | None = err.response.get("Item")  # type: ignore[assignment]
                    raise ConditionFailed(str(err), from_item(old) if old else None) from err
                raise
            return
        items = [{"Put": put}] + [
            {
                "Put": {
                    "TableName": self.table,
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "Item": to_item(
                        {
                            "pk": keys.upload_claim_pk(key),
                            "sk": keys.UPLOAD_SK,
                            "type": "upload_claim",
                            "tracking_id": complaint.tracking_id,
                            "claimed_at": iso(complaint.created_at),
                        }
                    ),
                }
            }
            for key in claims or []
        ]
        try:
            self._transact(items)
        except ClientError as err:
            if not is_conditional_failure(err):
                raise
            reasons = err.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                found: dict[str, Any] | None = reasons[0].get("Item")  # type: ignore[assignment]
                raise ConditionFailed(
                    str(err), from_item(found) if found else self.get_item(complaint.tracking_id, consistent=True)
                ) from err
            taken = [
                k for k, r in zip(claims or [], reasons[1:], strict=False) if r.get("Code") == "ConditionalCheckFailed"
            ]
            if taken:
                raise UploadClaimed(taken) from err
            raise ConditionFailed(str(err)) from err

    def add_timeline(self, tracking_id: str, entry: TimelineEntry) -> bool:
        """Append an entry once: False when an entry with the same key exists."""
        try:
            self.db.put_item(
                TableName=self.table,
                Item=timeline_item(tracking_id, entry),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except ClientError as err:
            if is_conditional_failure(err):
                return False
            raise

    def update(
        self,
        tracking_id: str,
        update: str,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        vals: dict[str, Any] | None = None,
        timeline: TimelineEntry | None = None,
        return_old: bool = False,
        return_new: bool = False,
    ) -> dict[str, Any] | None:
        """Conditional update of a complaint, optionally with a timeline entry in
        the same transaction. Raises ConditionFailed when the condition is false.
        Returns the item before (`return_old`) or after (`return_new`) the update."""
        if timeline is not None:
            self.transact_update(tracking_id, update, condition, names, vals, timeline=timeline)
            return None
        update, names, vals = with_version(update, names, vals)
        req = self._update_request(keys.complaint_key(tracking_id), update, condition, names, vals)
        if return_old or return_new:
            req["ReturnValues"] = "ALL_OLD" if return_old else "ALL_NEW"
        with conditional():
            out = self.db.update_item(**req)
        return from_item(out["Attributes"]) if (return_old or return_new) and "Attributes" in out else None

    def transact_update(
        self,
        tracking_id: str,
        update: str,
        condition: str | None,
        names: dict[str, str] | None,
        vals: dict[str, Any] | None,
        timeline: TimelineEntry | None = None,
        new_items: list[dict[str, Any]] | None = None,
    ) -> None:
        """One transaction: a conditional complaint update, its timeline entry and
        new items (each written only if absent). All or nothing; ConditionFailed when
        the complaint's condition is false or an item exists already."""
        update, names, vals = with_version(update, names, vals)
        items: list[dict[str, Any]] = [
            {"Update": self._update_request(keys.complaint_key(tracking_id), update, condition, names, vals)}
        ]
        if timeline is not None:
            items.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": timeline_item(tracking_id, timeline),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        for data in new_items or []:
            items.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(data),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        with conditional():
            self._transact(items)

    def update_raw(
        self,
        pk: str,
        sk: str,
        update: str,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        vals: dict[str, Any] | None = None,
        return_old: bool = False,
    ) -> dict[str, Any] | None:
        """Conditional update of any item by key (not a complaint); ConditionFailed when false."""
        req = self._update_request({"pk": {"S": pk}, "sk": {"S": sk}}, update, condition, names, vals)
        if return_old:
            req["ReturnValues"] = "ALL_OLD"
        with conditional():
            out = self.db.update_item(**req)
        return from_item(out["Attributes"]) if return_old and "Attributes" in out else None

    def _update_request(
        self,
        key: dict[str, Any],
        update: str,
        condition: str | None,
        names: dict[str, str] | None,
        vals: dict[str, Any] | None,
    ) -> dict[str, Any]:
        req: dict[str, Any] = {"TableName": self.table, "Key": key, "UpdateExpression": update}
        if condition:
            req["ConditionExpression"] = condition
        if names:
            req["ExpressionAttributeNames"] = names
        if vals:
            req["ExpressionAttributeValues"] = vals
        return req

    def add_to_counter(self, pk: str, amount: int, expires_at: int) -> int:
        """Add to a counter item (created at 0 if absent) and return its new total; the
        item disappears by TTL (`expires_at`, epoch seconds) once its window is over."""
        out = self.db.update_item(
            TableName=self.table,
            Key=keys.key(pk, keys.COUNTER_SK),
            UpdateExpression="ADD n :d SET expires_at = :e",
            ExpressionAttributeValues=values(d=amount, e=expires_at),
            ReturnValues="UPDATED_NEW",
        )
        return int(out["Attributes"]["n"]["N"])

    def put_raw(self, data: dict[str, Any]) -> None:
        self.db.put_item(TableName=self.table, Item=to_item(data))

    def transact_raw(self, items: list[dict[str, Any]]) -> None:
        """TransactWriteItems of ready-made operations; ConditionFailed when one condition is false."""
        with conditional():
            self._transact(items)

    def batch_get_raw(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Items by key (BatchGetItem), found ones only."""
        return {(item["pk"], item["sk"]): item for item in self.get_many(keys)}

    # -- reads ------------------------------------------------------------

    def get_item(self, tracking_id: str, consistent: bool = False) -> dict[str, Any] | None:
        out = self.db.get_item(TableName=self.table, Key=keys.complaint_key(tracking_id), ConsistentRead=consistent)
        return from_item(out["Item"]) if "Item" in out else None

    def get(self, tracking_id: str, consistent: bool = False) -> Complaint | None:
        item = self.get_item(tracking_id, consistent)
        return Complaint.model_validate(item) if item else None

    def item(self, tracking_id: str, consistent: bool = True) -> dict[str, Any] | None:
        """The complaint item (as `ComplaintStore.item`)."""
        return self.get_item(tracking_id, consistent=consistent)

    def get_raw(self, pk: str, sk: str) -> dict[str, Any] | None:
        out = self.db.get_item(TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
        return from_item(out["Item"]) if "Item" in out else None

    def get_many(self, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """BatchGetItem of up to 100 keys (unprocessed keys asked again); the items found."""
        found: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in dict.fromkeys(keys)]
        for chunk_start in range(0, len(pending), 100):
            request: dict[str, Any] = {self.table: {"Keys": pending[chunk_start : chunk_start + 100]}}
            for attempt in range(5):
                out = self.db.batch_get_item(RequestItems=request)
                found.extend(from_item(i) for i in out.get("Responses", {}).get(self.table, []))
                request = out.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.05 * (attempt + 1))
        return found

    def get_with_timeline(
        self, tracking_id: str, consistent: bool = False
    ) -> tuple[Complaint | None, list[TimelineEntry]]:
        """The complaint and its whole timeline in one Query (same partition)."""
        complaint: Complaint | None = None
        entries: list[TimelineEntry] = []
        for item in self.query("pk = :pk", values(pk=keys.complaint_pk(tracking_id)), consistent=consistent):
            if item["sk"] == keys.COMPLAINT_SK:
                complaint = Complaint.model_validate(item)
                if item.get("first_entry"):
                    entries.append(TimelineEntry.model_validate(item["first_entry"]))
            elif item["sk"].startswith(keys.TIMELINE_PREFIX):
                entries.append(TimelineEntry.model_validate(item))
        return complaint, sorted(entries, key=lambda e: e.at)

    def timeline(self, tracking_id: str) -> list[TimelineEntry]:
        return self.get_with_timeline(tracking_id)[1]

    def query(
        self,
        key_condition: str,
        vals: dict[str, Any],
        index: str | None = None,
        limit: int | None = None,
        names: dict[str, str] | None = None,
        filter_expression: str | None = None,
        consistent: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Query by key (never Scan), following pages up to `limit` items."""
        req = self._query_request(key_condition, vals, index, names, filter_expression)
        if consistent:  # the table only: GSIs are eventually consistent
            req["ConsistentRead"] = True
        seen = 0
        while True:
            if limit is not None:
                req["Limit"] = limit - seen
            out = self.db.query(**req)
            for item in out.get("Items", []):
                seen += 1
                yield from_item(item)
            if "LastEvaluatedKey" not in out or (limit is not None and seen >= limit):
                return
            req["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def query_page(
        self,
        key_condition: str,
        vals: dict[str, Any],
        index: str | None = None,
        limit: int = 50,
        start_key: dict[str, Any] | None = None,
        forward: bool = True,
        filter_expression: str | None = None,
        names: dict[str, str] | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a Query (never Scan) and the key to continue from (None at the end).

        With a filter, `limit` counts the items read: a page may hold fewer, or none, and still
        have a key to continue from."""
        req = self._query_request(key_condition, vals, index, names, filter_expression)
        req.update(Limit=limit, ScanIndexForward=forward)
        if start_key:
            req["ExclusiveStartKey"] = start_key
        out = self.db.query(**req)
        return [from_item(i) for i in out.get("Items", [])], out.get("LastEvaluatedKey")

    def _query_request(
        self,
        key_condition: str,
        vals: dict[str, Any],
        index: str | None,
        names: dict[str, str] | None,
        filter_expression: str | None,
    ) -> dict[str, Any]:
        """The parameters every Query of this table shares; the optional ones only when given."""
        req: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": vals,
        }
        if index:
            req["IndexName"] = index
        if names:
            req["ExpressionAttributeNames"] = names
        if filter_expression:
            req["FilterExpression"] = filter_expression
        return req

    def count_index_until(self, index: str, pk: str, until: str) -> int:
        """How many items one shard of a sparse index holds with sort key <= until (Select COUNT)."""
        req: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "Select": "COUNT",
            "KeyConditionExpression": f"{index}_pk = :p AND {index}_sk <= :u",
            "ExpressionAttributeValues": values(p=pk, u=until),
        }
        total = 0
        while True:
            out = self.db.query(**req)
            total += int(out.get("Count", 0))
            if "LastEvaluatedKey" not in out:
                return total
            req["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def query_index_until(self, index: str, pk: str, until: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Items of one shard of a sparse index whose sort key is <= until."""
        return self.query(f"{index}_pk = :p AND {index}_sk <= :u", values(p=pk, u=until), index=index, limit=limit)

    # -- requests the stores build --------------------------------------------------------

    def put_new(self, item: dict[str, Any]) -> bool:
        """PutItem only when no item has the key; False when one has."""
        try:
            self.db.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
            return True
        except ClientError as err:
            if is_conditional_failure(err):
                return False
            raise

    def send_update(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """UpdateItem of a request from `update_request`; the item it returned, if it asked."""
        with conditional():
            out = self.db.update_item(**request)
        return from_item(out["Attributes"]) if "Attributes" in out else None

    def update_request(
        self,
        key: dict[str, Any],
        update: str,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        vals: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An UpdateItem request of this table (also a transaction's Update)."""
        return self._update_request(key, update, condition, names, vals)
