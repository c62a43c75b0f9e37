"""Faults of the local emulators that real AWS does not have, worked around here.

Applied by the local launcher only (`provision.start_moto` for moto, `chalice_local`
for the API), so tests, benchmarks and `make run` all get them and the application
code keeps no local-only path. Each fix says what the emulator does wrong:

- moto 5.2.5 handles DynamoDB requests on several threads at once without any
  locking, so concurrent writers see half-made changes and get 500s. Every
  DynamoDB request is serialised (DynamoDB itself is linearisable per item).
- moto backs up the WHOLE table (deepcopy) before every TransactWriteItems and
  restores that copy when any part fails, erasing every write other clients made
  in between, and paying O(table size) per transaction. Here only the items the
  transaction touches are copied, and only they are restored on failure.
- `chalice local` serves requests on several threads but Chalice keeps the
  current request in one attribute of the app (one request at a time in Lambda),
  so two concurrent requests can read each other's body. The attribute becomes
  per thread.
- `chalice local` answers on a kept-alive connection in two writes (headers, then
  body) with Nagle's algorithm on, so every answer waits for the client's delayed
  ACK: about 40 ms per request that API Gateway does not add. Its sockets get
  TCP_NODELAY.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_applied: set[str] = set()
_guard = threading.Lock()


def apply_moto() -> None:
    """Serialise moto's DynamoDB and make a failed transaction roll back only its own items."""
    with _guard:
        if "moto" in _applied:
            return
        _serialise_dynamodb()
        _item_level_rollback()
        _applied.add("moto")


def apply_chalice() -> None:
    """Keep Chalice's `current_request` and `lambda_context` per thread (chalice local is threaded),
    and answer without waiting for delayed ACKs."""
    with _guard:
        if "chalice" in _applied:
            return
        from chalice.app import Chalice
        from chalice.local import ChaliceRequestHandler

        state = threading.local()
        for name in ("current_request", "lambda_context"):
            setattr(Chalice, name, _per_thread(state, name))
        ChaliceRequestHandler.disable_nagle_algorithm = True  # socketserver sets TCP_NODELAY
        _applied.add("chalice")


def _per_thread(state: threading.local, name: str) -> property:
    def get(self: Any) -> Any:
        return getattr(state, f"{id(self)}:{name}", None)

    def set_(self: Any, value: Any) -> None:
        setattr(state, f"{id(self)}:{name}", value)

    return property(get, set_)


# -- moto ---------------------------------------------------------------------------

_DYNAMODB_LOCK = threading.RLock()


def _serialise_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler._dispatch

    def _dispatch(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self, *args, **kwargs)

    DynamoHandler._dispatch = _dispatch  # type: ignore[method-assign]


class _NoTableCopy:
    """moto's `copy` module as its backend sees it: a Table is not copied (the
    transaction below keeps its own item-level backup), anything else is."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)

    copy = staticmethod(copy.copy)


def _item_level_rollback() -> None:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = models.DynamoDBBackend.transact_write_items
    models.copy = _NoTableCopy  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        backups: list[tuple[Any, Any, Any, Any]] = []
        for entry in transact_items:
            if len(entry) != 1:
                continue  # moto refuses it before writing anything
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName", ""))
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in key:
                    continue
                range_value = DynamoType(key[table.range_key_attr])
            backups.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
        try:
            original(self, transact_items)
        except BaseException:
            for table, hash_value, range_value, before in reversed(backups):
                _restore(table, hash_value, range_value, before)
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _restore(table: Any, hash_value: Any, range_value: Any, before: Any) -> None:
    if before is None:
        if range_value is None:
            table.items.pop(hash_value, None)
        else:
            table.items.get(hash_value, {}).pop(range_value, None)
            if hash_value in table.items and not table.items[hash_value]:
                del table.items[hash_value]
        return
    if range_value is None:
        table.items[hash_value] = before
    else:
        table.items[hash_value][range_value] = before
