"""Shared fixtures: moto's server and the LAPOR! simulator over real HTTP.

One moto server and one simulator per test session (both on free loopback
ports), the stack provisioned from infra/template.json exactly as `make run`
does it. Tests keep to their own complaints (fresh tracking ids), so they can
share the table.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, settings

# Generated input (Hypothesis): "ci" keeps `make test` to a few minutes; HYPOTHESIS_PROFILE=deep
# for a longer hunt. No example database: every run starts from the seed of its own run.
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("deep", parent=settings.get_profile("ci"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    from infra.local.provision import start_moto

    server, endpoint = start_moto()
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def stack_env(aws_endpoint: str) -> dict[str, str]:
    from infra.local.provision import provision

    env = provision(aws_endpoint, stack_name="aduan-hub-test")
    os.environ.update(env)
    # every test shares one client (the test client's 127.0.0.1): the limiter runs, with room
    # for the suite; tests/integration/test_limits.py sets real limits
    os.environ.setdefault("RATE_LIMIT_SCALE", "1000")
    # the status sync's LAPOR! call budget, per minute, too: tests sweep many times in one minute
    os.environ.setdefault("LAPOR_BUDGET_SCALE", "1000")
    return env


@pytest.fixture()
def memory_table() -> Any:
    """A fresh in-memory table and the hub's gateway on it (`.db` is the table): the stores'
    conditions without moto's server (tests/support/memory_dynamodb.py)."""
    from tests.support.memory_dynamodb import memory_repository

    return memory_repository()


@pytest.fixture(scope="session")
def lapor_sim(stack_env: dict[str, str]) -> Iterator[Any]:
    from infra.local.lapor_simulator import LaporSimulator

    # no automatic status progression: tests drive LAPOR!'s side explicitly
    sim = LaporSimulator(
        auth="test-auth", token="test-token", verify_after_s=0, followup_after_s=0, finish_after_s=0, seed=7, quiet=True
    )
    url = sim.start("127.0.0.1", 0)
    os.environ.update(LAPOR_BASE_URL=url, LAPOR_AUTH="test-auth", LAPOR_TOKEN="test-token", LAPOR_TIMEOUT_S="2")
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def dev_issuer(stack_env: dict[str, str]) -> Iterator[Any]:
    """A token issuer like Cognito on a free port; the app verifies tokens against it (tests/support/auth.py)."""
    from infra.local.dev_issuer import DevIssuer
    from tests.support import auth

    issuer = DevIssuer(audience="aduan-hub-test-client")
    issuer.start("127.0.0.1", 0)
    os.environ.update(issuer.env())
    auth.use_issuer(issuer)
    yield issuer
    auth.use_issuer(None)
    issuer.stop()


@contextmanager
def dynamodb_in_memory(table_name: str) -> Iterator[Any]:
    """Every DynamoDB client the hub builds is a fresh in-memory table (tests/support/memory_dynamodb.py)
    while this runs; SQS, S3, SNS and Secrets Manager stay on moto's server.

    The patch point is boto3's `Session.client`, which `chalicelib.adapters.aws.client` calls to
    build every client, so it holds wherever `client` was imported by name; that function's cache
    is emptied on the way in and out. Every call a real DynamoDB client makes meanwhile is counted:
    a test that reached moto's table anyway fails here instead of quietly testing the wrong table."""
    import boto3.session
    import botocore.client

    from chalicelib.adapters import aws
    from tests.support.memory_dynamodb import MemoryDynamoDB

    db = MemoryDynamoDB(table_name)
    build = boto3.session.Session.client
    make_api_call = botocore.client.BaseClient._make_api_call
    reached_moto: list[str] = []

    def client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        return db if service_name == "dynamodb" else build(self, service_name, *args, **kwargs)

    def counted(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            reached_moto.append(operation_name)
        return make_api_call(self, operation_name, api_params)

    aws.client.cache_clear()
    try:
        with (
            mock.patch.object(boto3.session.Session, "client", client),
            mock.patch.object(botocore.client.BaseClient, "_make_api_call", counted),
        ):
            yield db
    finally:
        aws.client.cache_clear()
    assert not reached_moto, f"a test on the memory table called moto's DynamoDB: {reached_moto[:5]}"


@pytest.fixture()
def hub(request: pytest.FixtureRequest, lapor_sim: Any, dev_issuer: Any) -> Iterator[Any]:
    """The app with fresh adapters, and the simulator without faults.

    Its DynamoDB is a fresh in-memory table per test (the stores' conditions, transactions, indexes
    and paging as DynamoDB has them); tests marked `moto_table` run on moto's shared table instead,
    for what only it has: the stream, HTTP-level client hooks, the emulator's own faults
    (docs/testing.md, "Which table a test runs on")."""
    from chalicelib import bootstrap
    from infra.local.lapor_simulator import FaultConfig

    lapor_sim.faults = FaultConfig()
    bootstrap.reset()
    import app as app_module

    on_moto = request.node.get_closest_marker("moto_table") is not None
    with nullcontext() if on_moto else dynamodb_in_memory(bootstrap.settings().table_name):
        yield app_module
        lapor_sim.faults = FaultConfig()
        bootstrap.reset()


@pytest.fixture()
def client(hub: Any) -> Iterator[Any]:
    from chalice.test import Client

    with Client(hub.app) as c:
        yield c


@pytest.fixture()
def pump(hub: Any, aws_endpoint: str) -> Any:
    from infra.local.pump import EventPump

    return EventPump(hub, endpoint_url=aws_endpoint, wait_s=0, log=lambda _m: None)


@pytest.fixture()
def api_key(hub: Any) -> str:
    """An Open311 client app's key (client app "Test Client")."""
    from chalicelib import bootstrap

    return bootstrap.api_keys().create("Test Client")


def poll(check: Callable[[], Any], deadline_s: float = 20, every_s: float = 0.05) -> Any:
    """Wait for a condition with a deadline (never a bare sleep)."""
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"condition not met within {deadline_s}s")
        time.sleep(every_s)


VALID = {
    "category": "jalan-rusak",
    "title": "Jalan berlubang",
    "description": "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
    "location": {"kelurahan_code": "36.73.01.1002", "address": "Jl. Contoh No. 1"},
    "reporter": {
        "name": "Siti Aminah",
        "phone": "+6281234567890",
        "email": "siti@example.org",
        "nik": "3673010101010001",
    },
}
