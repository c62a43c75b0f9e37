"""The transaction retry on a conflict with another transaction (a double tap)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.storage.gateway import TableGateway as Repository


class FlakyDb:
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        self.calls = 0

    def transact_write_items(self, **_: Any) -> None:
        self.calls += 1
        if self.reasons:
            code = self.reasons.pop(0)
            raise ClientError(
                {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": [{"Code": code}]},
                "TransactWriteItems",
            )


def repo_with(db: FlakyDb) -> Repository:
    repo = Repository.__new__(Repository)
    repo.table, repo.db = "t", db
    return repo


def test_a_transaction_conflict_is_tried_again() -> None:
    db = FlakyDb(["TransactionConflict", "TransactionConflict"])
    repo_with(db)._transact([{}])
    assert db.calls == 3


def test_a_failed_condition_is_not_tried_again() -> None:
    db = FlakyDb(["ConditionalCheckFailed"])
    with pytest.raises(ClientError):
        repo_with(db)._transact([{}])
    assert db.calls == 1
