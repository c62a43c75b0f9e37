"""The whole local stack started as `make run` starts it (a subprocess, free ports), for tests over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class LocalStack:
    url: str  # the API (chalice local)
    env: dict[str, str]  # the environment it was started with (LOCAL_STATE_DIR: its dev issuer's key)
    log: Path

    def make_token(self, role: str, unit: str, user: str | None = None, jurisdiction: str | None = None) -> str:
        """What `make token ROLE=... UNIT=... [USER=...]` prints last, for this stack's issuer."""
        args = ["make", "-s", "token", f"ROLE={role}", f"UNIT={unit}"] + ([f"USER={user}"] if user else [])
        args += [f"JURISDICTION={jurisdiction}"] if jurisdiction else []
        out = subprocess.run(args, cwd=ROOT, env=self.env, check=True, capture_output=True, text=True).stdout
        return out.strip().splitlines()[-1]


@contextmanager
def local_stack(workdir: Path, **extra_env: str) -> Iterator[LocalStack]:
    from tests.conftest import poll

    ports = {
        "API_PORT": free_port(),
        "MOTO_PORT": free_port(),
        "LAPOR_SIM_PORT": free_port(),
        "DEV_ISSUER_PORT": free_port(),
    }
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("AWS_", "LAPOR_", "TABLE_", "FORWARD_", "AUTH_", "SYNC_SCHEDULE", "PUMP_", "LOG_", "MOTO_", "POWERTOOLS_")
        )
    }
    env.update({k: str(v) for k, v in ports.items()})
    env["LOCAL_STATE_DIR"] = str(workdir / "local-state")  # its own issuer key and address, for `make token`
    env.update(extra_env)
    log = workdir / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        poll(lambda: proc.poll() is not None or "Press Ctrl-C" in log.read_text(), deadline_s=90, every_s=0.2)
        assert proc.poll() is None, log.read_text()[-3000:]
        yield LocalStack(f"http://127.0.0.1:{ports['API_PORT']}", env, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=90)  # a sweep or refresh under way on a loaded 2-core machine ends first
        except subprocess.TimeoutExpired:
            proc.kill()
    assert proc.returncode == 0, log.read_text()[-3000:]  # Ctrl-C / SIGTERM stops cleanly
