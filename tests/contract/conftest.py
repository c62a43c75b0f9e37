"""One table, two backends: moto's server over HTTP and the in-memory table.

Every test in this folder runs against both (`table` is parametrised), through the hub's own
gateway, so the memory table keeps the conditions the stores depend on exactly as moto (and,
where moto differs from DynamoDB, as DynamoDB) keeps them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.memory_dynamodb import MemoryDynamoDB, repository_on


@dataclass
class Table:
    """The gateway under test, its client, and fresh names for a test's own items."""

    backend: str  # "moto" | "memory"
    repo: Any  # chalicelib.adapters.storage.gateway.TableGateway
    db: Any  # the DynamoDB client the gateway talks to

    @property
    def name(self) -> str:
        return str(self.repo.table)

    def uid(self, prefix: str = "") -> str:
        """A name no other test uses (moto's table is shared by the session)."""
        return f"{prefix}{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def moto_db(aws_endpoint: str) -> tuple[Any, str]:
    """A client of moto's server and a table of the session's own, made from the template."""
    import boto3

    from infra.local.provision import create_table_like

    name = create_table_like(f"contract-{uuid.uuid4().hex[:8]}", aws_endpoint)
    return boto3.session.Session().client("dynamodb", endpoint_url=aws_endpoint), name


@pytest.fixture(params=["moto", "memory"])
def table(request: pytest.FixtureRequest) -> Iterator[Table]:
    if request.param == "memory":
        db: Any = MemoryDynamoDB("contract-memory")
        yield Table("memory", repository_on(db, "contract-memory"), db)
        return
    db, name = request.getfixturevalue("moto_db")
    yield Table("moto", repository_on(db, name), db)
