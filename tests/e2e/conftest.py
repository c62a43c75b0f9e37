"""One local stack (as `make run` starts it) for every end-to-end test of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import LocalStack, local_stack


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # make run's own defaults: test_local_stack follows the README's walk-through on it
    with local_stack(tmp_path_factory.mktemp("stack")) as stack:
        yield stack
