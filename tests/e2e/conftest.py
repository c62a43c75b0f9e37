"""One local stack (as `make run` starts it) for every end-to-end test of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import LocalStack, local_stack

#: what `make run` accepts as an Open311 api_key when OPEN311_DEV_API_KEY is set
DEV_API_KEY = "e2e-open311-dev-key-0123456789"


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(tmp_path_factory.mktemp("stack"), LAPOR_SIM_VERIFY_AFTER_S="2",
                     LAPOR_SIM_FOLLOWUP_AFTER_S="0", LAPOR_SIM_FINISH_AFTER_S="0",
                     OPEN311_DEV_API_KEY=DEV_API_KEY) as stack:
        yield stack
