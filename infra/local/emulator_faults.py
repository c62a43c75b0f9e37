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
  transaction touches are copied, and only they are restored on failure. The
  whole-table restore also replaced the table's stream shard (a stream reader
  kept an iterator on a shard that no longer grew), and a failed transaction
  left stream records for the writes it had made: here a transaction's records
  are held back until it commits and dropped when it fails, as DynamoDB does.
- moto 5.2.5's SQS, meeting a message older than the queue's retention period in
  ReceiveMessage, marks it received and stops looking: the call answers nothing,
  however many fresh messages wait behind it. SQS deletes such messages and never
  returns them. Here they are deleted before each receive. (Tests that move the
  clock with time-machine move moto's clock too, so a message sent "in March"
  is past its retention when the test returns to today.)
- `chalice local` serves requests on several threads but Chalice keeps the
  current request in one attribute of the app (one request at a time in Lambda),
  so two concurrent requests can read each other's body. The attribute becomes
  per thread.
- `chalice local` answers on a kept-alive connection in two writes (headers, then
  body) with Nagle's algorithm on, so every answer waits for the client's delayed
  ACK: about 40 ms per request that API Gateway does not add. Its sockets get
  TCP_NODELAY.
- `chalice local`'s threads all write into one pipe: the app's metric lines on stdout
  (`print`: the text, then its newline, two writes) and each request's access line on
  stderr. A line could be cut by another thread's write and reach the console as one
  unreadable line. In Lambda each invocation writes its own lines to CloudWatch. Here
  (`whole_lines`, applied by `chalice_local` only) each thread's output leaves a line at a
  time, whole.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import sys
import threading
from typing import Any, TextIO

_applied: set[str] = set()
_guard = threading.Lock()


def apply_moto() -> None:
    """Serialise moto's DynamoDB and make a failed transaction roll back only its own items."""
    with _guard:
        if "moto" in _applied:
            return
        _serialise_dynamodb()
        _item_level_rollback()
        _expire_sqs_messages()
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


class WholeLines(io.TextIOBase):
    """A text stream that passes on only whole lines, each thread's own, one at a time."""

    def __init__(self, out: TextIO, lock: threading.Lock) -> None:
        self._out = out
        self._lock = lock
        self._held = threading.local()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._out, "encoding", None) or "utf-8")

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        lines, newline, rest = (getattr(self._held, "text", "") + text).rpartition("\n")
        self._held.text = rest
        if newline:
            with self._lock:
                self._out.write(lines + newline)
                self._out.flush()
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._out.flush()


def whole_lines() -> None:
    """stdout and stderr pass on whole lines only, under one lock (they share one pipe)."""
    with _guard:
        if "lines" in _applied:
            return
        lock = threading.Lock()
        sys.stdout = WholeLines(sys.stdout, lock)
        sys.stderr = WholeLines(sys.stderr, lock)
        _applied.add("lines")


def _per_thread(state: threading.local, name: str) -> property:
    def get(self: Any) -> Any:
        return getattr(state, f"{id(self)}:{name}", None)

    def set_(self: Any, value: Any) -> None:
        setattr(state, f"{id(self)}:{name}", value)

    return property(get, set_)


# -- moto ---------------------------------------------------------------------------


def _expire_sqs_messages() -> None:
    from moto.core.utils import unix_time_millis
    from moto.sqs.models import SQSBackend

    original = SQSBackend.receive_message

    @functools.wraps(original)
    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        # moto's own check reads every queue attribute per message (O(queue) each): not here
        oldest_kept_ms = unix_time_millis() - int(queue.message_retention_period) * 1000
        for message in list(queue._messages):
            if message.sent_timestamp is not None and message.sent_timestamp <= oldest_kept_ms:
                with contextlib.suppress(ValueError):  # another receive deleted it first
                    queue._messages.remove(message)
                queue.pending_messages.discard(message)
        return original(self, queue_name, *args, **kwargs)

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]


_DYNAMODB_LOCK = threading.RLock()


def _serialise_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler._dispatch

    def _dispatch(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self, *args, **kwargs)

    DynamoHandler._dispatch = _dispatch  # type: ignore[method-assign]

    # a stream reader must not see a table mid-transaction (its shard stands in _HeldRecords then)
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    for name in ("describe_stream", "list_streams", "get_shard_iterator", "get_records"):
        setattr(DynamoDBStreamsHandler, name, _locked(getattr(DynamoDBStreamsHandler, name)))


def _locked(method: Any) -> Any:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_LOCK:
            return method(self, *args, **kwargs)

    return run


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
    with _DYNAMODB_LOCK:
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
                        check = get_filter_expression(
                            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                        )
                        if not check.expr(current):
                            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                                original_item = current.to_json()["Attributes"]
                            raise ConditionalCheckFailed(item=original_item)
                    if op_type != "ConditionCheck":
                        backups.append((table, h, r, copy.deepcopy(current)))
                    names, vals = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                    if op_type == "Put":
                        self.put_item(
                            table_name,
                            op["Item"],
                            condition_expression=condition,
                            expression_attribute_names=names,
                            expression_attribute_values=vals,
                        )
                    elif op_type == "Delete":
                        self.delete_item(
                            table_name,
                            key,
                            condition_expression=condition,
                            expression_attribute_names=names,
                            expression_attribute_values=vals,
                        )
                    elif op_type == "Update":
                        self.update_item(
                            table_name,
                            key,
                            update_expression=op["UpdateExpression"],
                            condition_expression=condition,
                            expression_attribute_names=names,
                            expression_attribute_values=vals,
                        )
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
        with _DYNAMODB_LOCK:
            return fn(*args, **kwargs)

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def _item_level_rollback() -> None:
    """moto's TransactWriteItems replaced by one that backs up and restores only its own items
    (and holds its stream records until it commits); single writes take the same lock."""
    from moto.dynamodb.models import DynamoDBBackend

    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoDBBackend, name, _locked(getattr(DynamoDBBackend, name)))
