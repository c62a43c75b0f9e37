"""One local stack (as `make run` starts it) for every end-to-end test of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import LocalStack, local_stack

#: what `make run` accepts as an Open311 api_key when OPEN311_DEV_API_KEY is set
DEV_API_KEY = "e2e-open311-dev-key-0123456789"


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # make run's own defaults (test_local_stack follows the README's walk-through on it); RATE_LIMIT_SCALE:
    # every request of the session comes from 127.0.0.1, so the limiter runs with room
    with local_stack(
        tmp_path_factory.mktemp("stack"), OPEN311_DEV_API_KEY=DEV_API_KEY, RATE_LIMIT_SCALE="1000"
    ) as stack:
        yield stack
