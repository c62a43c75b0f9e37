"""moto ignores TransactWriteItems' ClientRequestToken; DynamoDB honours it. Locally, so do we.

In AWS, a TransactWriteItems repeated with the same ClientRequestToken within 10
minutes has the effect of one call: a retry after a read timeout of a transaction
that did succeed gets the success back. moto (5.2.5) runs every call again, so such
a retry fails on its own condition, and the hub would report a success as a failure.
This is an emulator fault, handled in the local launcher (never in the application):
`provision.start_moto` applies `honour_client_request_tokens()` to the moto server it
starts, in this process.

What it does, as DynamoDB documents it: a token is remembered for 10 minutes once
its transaction succeeded; the same token with the same items answers success and
changes nothing; with other items, `IdempotentParameterMismatchException`; while a
call with the token is still running, `TransactionInProgressException`. A call that
failed leaves no token behind (a retry after a cancellation runs again).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

WINDOW_S = 600.0

_lock = threading.Lock()
_done: dict[str, tuple[str, float]] = {}  # token -> (digest of the items, when it succeeded)
_running: set[str] = set()


def honour_client_request_tokens() -> None:
    """Wrap moto's DynamoDB TransactWriteItems handler once (idempotent)."""
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    real = DynamoHandler.transact_write_items
    if getattr(real, "honours_client_request_tokens", False):
        return

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self) -> None:
            super().__init__(
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )

    class TransactionInProgress(DynamodbException):
        def __init__(self) -> None:
            super().__init__(
                "com.amazonaws.dynamodb.v20120810#TransactionInProgressException",
                "Transaction from previous request is still in progress",
            )

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return real(self)
        digest = hashlib.sha256(json.dumps(self.body.get("TransactItems"), sort_keys=True).encode()).hexdigest()
        now = time.monotonic()
        with _lock:
            for old in [t for t, (_, at) in _done.items() if now - at > WINDOW_S]:
                del _done[old]
            known = _done.get(token)
            if known is not None:
                if known[0] != digest:
                    raise IdempotentParameterMismatch()
                return _success()
            if token in _running:
                raise TransactionInProgress()
            _running.add(token)
        try:
            result = real(self)
        except BaseException:
            with _lock:
                _running.discard(token)
            raise
        with _lock:
            _running.discard(token)
            _done[token] = (digest, time.monotonic())
        return result

    def _success() -> Any:
        from moto.core.responses import ActionResult

        return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})

    transact_write_items.honours_client_request_tokens = True  # type: ignore[attr-defined]
    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]
