"""The items of one atomic write, committed as one TransactWriteItems.

A service that needs several items to change together (a complaint, its timeline
entry, the outbox item that announces it) asks each store for its item and adds it
here; `commit` writes all or nothing, with the gateway's ClientRequestToken and
conflict retries, and raises ConditionFailed when any item's condition is false."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.storage.gateway import TableGateway


class TransactItem:
    """One operation of a transaction ({"Put": ...}, {"Update": ...}), made by a store."""

    def __init__(self, op: dict[str, Any]) -> None:
        self.op = op


class UnitOfWork:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway
        self.items: list[dict[str, Any]] = []

    def add(self, write: object) -> None:
        """One item of the write, as a store made it."""
        assert isinstance(write, TransactItem)
        self.items.append(write.op)

    def commit(self) -> None:
        self.gateway.transact_raw(self.items)


class UnitsOfWork:
    """A fresh unit of work per atomic write, on one gateway."""

    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def begin(self) -> UnitOfWork:
        return UnitOfWork(self.gateway)
