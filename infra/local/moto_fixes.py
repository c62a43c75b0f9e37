"""Fixes for moto's DynamoDB emulation, applied when the local stack starts it.

Real DynamoDB has none of these faults; the application code never works around
them. `apply()` is called by `infra.local.provision.start_moto` (make run, tests,
benchmarks).

1. TransactWriteItems backs up the WHOLE table (a deepcopy) before every
   transaction and, when one fails, puts that copy back: each transaction costs
   O(table size), a write made by another request meanwhile is lost, and the
   table's stream shard is replaced by a copy, so a reader of the stream keeps
   an iterator on a shard that no longer grows. Here only the items the
   transaction touches are backed up and restored.
2. A failed transaction leaves stream records for the writes it had already
   made (DynamoDB emits records only for committed transactions). Here the
   records of a transaction are held back until it commits, and dropped when it
   fails.

Writes are serialised with one lock (moto's server is threaded; its tables are
plain dicts), which also makes the transaction atomic for concurrent readers of
the stream.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_LOCK = threading.RLock()
_applied = False


class _HeldRecords:
    """Stands in for a table's stream shard during a transaction: records wait here."""

    def __init__(self, shard: Any) -> None:
        self.shard = shard
        self.pairs: list[tuple[Any, Any]] = []

    def add(self, old: Any, new: Any) -> None:
        # images are taken now (the item objects may change later)
        self.pairs.append((copy.deepcopy(old), copy.deepcopy(new)))

    def release(self) -> None:
        for old, new in self.pairs:
            self.shard.add(old, new)


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import get_filter_expression

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with _LOCK:
        backups: list[tuple[Any, Any, Any, Any]] = []  # (table, hash, range, item copy or None)
        held: dict[str, _HeldRecords] = {}
        seen: set[tuple[str, str]] = set()

        def restore() -> None:
            for table, h, r, item in reversed(backups):
                if item is None:
                    if r is not None:
                        table.items[h].pop(r, None)
                    else:
                        table.items.pop(h, None)
                elif r is not None:
                    table.items[h][r] = item
                else:
                    table.items[h] = item

        def release_streams(commit: bool) -> None:
            for name, h in held.items():
                table = self.tables[name]
                table.stream_shard = h.shard
                if commit:
                    h.release()

        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        try:
            for item in transact_items:
                original_item: dict[str, Any] | None = None
                if len(list(item.keys())) > 1:
                    raise TransactWriteSingleOpException
                try:
                    op_type, op = next(iter(item.items()))
                    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                        raise ValueError("Unsupported transaction operation")
                    table_name = op["TableName"]
                    table = self.get_table(table_name)
                    if op_type == "Put":
                        attrs = op["Item"]
                        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                        if table.range_key_attr is not None:
                            key[table.range_key_attr] = attrs[table.range_key_attr]
                    else:
                        key = op["Key"]
                    marker = (str(table_name), str(dict(sorted(key.items()))))
                    if marker in seen:
                        raise MultipleTransactionsException()
                    seen.add(marker)
                    if table.stream_shard is not None and table_name not in held:
                        held[table_name] = _HeldRecords(table.stream_shard)
                        table.stream_shard = held[table_name]
                    h, r = self.get_keys_value(table, key)
                    current = table.get_item(h, r)
                    condition = op.get("ConditionExpression")
                    if condition is not None:
                        check = get_filter_expression(condition, op.get("ExpressionAttributeNames"),
                                                      op.get("ExpressionAttributeValues"))
                        if not check.expr(current):
                            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                                original_item = current.to_json()["Attributes"]
                            raise ConditionalCheckFailed(item=original_item)
                    if op_type != "ConditionCheck":
                        backups.append((table, h, r, copy.deepcopy(current)))
                    names, vals = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                    if op_type == "Put":
                        self.put_item(table_name, op["Item"], condition_expression=condition,
                                      expression_attribute_names=names, expression_attribute_values=vals)
                    elif op_type == "Delete":
                        self.delete_item(table_name, key, condition_expression=condition,
                                         expression_attribute_names=names, expression_attribute_values=vals)
                    elif op_type == "Update":
                        self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                         condition_expression=condition, expression_attribute_names=names,
                                         expression_attribute_values=vals)
                    errors.append((None, None, None))
                except (MultipleTransactionsException, MockValidationException):
                    raise
                except ConditionalCheckFailed as e:
                    errors.append(("ConditionalCheckFailed", str(e.message), original_item))
                except Exception as e:  # noqa: BLE001 - as moto: every item's outcome is reported
                    errors.append((type(e).__name__, str(e), original_item))
        except BaseException:
            restore()
            release_streams(commit=False)
            raise
        if any(code is not None for code, _, _ in errors):
            restore()
            release_streams(commit=False)
            raise TransactionCanceledException(errors)
        release_streams(commit=True)


def _locked(fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return fn(*args, **kwargs)

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def apply() -> None:
    """Patch moto's DynamoDB backend in this process (idempotent)."""
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend

    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoDBBackend, name, _locked(getattr(DynamoDBBackend, name)))
    _applied = True
