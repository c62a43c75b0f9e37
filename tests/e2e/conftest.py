"""The whole local stack, started once for every end-to-end test as `make run` starts it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import poll

ROOT = Path(__file__).resolve().parents[2]
#: what `make run` accepts as an Open311 api_key when OPEN311_DEV_API_KEY is set
DEV_API_KEY = "e2e-open311-dev-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class LocalStack:
    api: str  # chalice local's base URL
    moto_port: int


@pytest.fixture(scope="session")
def stack(local_stack: LocalStack) -> str:
    return local_stack.api


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    ports = {"API_PORT": free_port(), "MOTO_PORT": free_port(), "LAPOR_SIM_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAPOR_", "TABLE_", "FORWARD_"))}
    env.update({k: str(v) for k, v in ports.items()})
    env.update(LAPOR_SIM_VERIFY_AFTER_S="2", LAPOR_SIM_FOLLOWUP_AFTER_S="0", LAPOR_SIM_FINISH_AFTER_S="0",
               OPEN311_DEV_API_KEY=DEV_API_KEY)
    log = tmp_path_factory.mktemp("stack") / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "infra.local.run"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    try:
        poll(lambda: proc.poll() is not None or "Press Ctrl-C" in log.read_text(), deadline_s=90, every_s=0.2)
        assert proc.poll() is None, log.read_text()[-3000:]
        yield LocalStack(api, ports["MOTO_PORT"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert proc.returncode == 0, log.read_text()[-3000:]  # Ctrl-C / SIGTERM stops cleanly
