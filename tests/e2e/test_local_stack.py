"""The whole local stack, started as `make run` starts it, used over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import VALID, poll

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ports = {"API_PORT": free_port(), "MOTO_PORT": free_port(), "LAPOR_SIM_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAPOR_", "TABLE_", "FORWARD_"))}
    env.update({k: str(v) for k, v in ports.items()})
    env.update(LAPOR_SIM_VERIFY_AFTER_S="2", LAPOR_SIM_FOLLOWUP_AFTER_S="0", LAPOR_SIM_FINISH_AFTER_S="0")
    log = tmp_path_factory.mktemp("stack") / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "infra.local.run"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    try:
        poll(lambda: proc.poll() is not None or "Press Ctrl-C" in log.read_text(), deadline_s=90, every_s=0.2)
        assert proc.poll() is None, log.read_text()[-3000:]
        yield api
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert proc.returncode == 0, log.read_text()[-3000:]  # Ctrl-C / SIGTERM stops cleanly


def test_complaint_goes_from_api_to_lapor(stack: str) -> None:
    resp = requests.post(f"{stack}/v1/complaints", json=VALID, timeout=10)
    assert resp.status_code == 201, resp.text
    tid = resp.json()["tracking_id"]

    def forwarded() -> dict | None:
        body = requests.get(f"{stack}/v1/complaints/{tid}", timeout=10).json()
        return body if body.get("lapor_id") else None

    body = poll(forwarded, deadline_s=60, every_s=0.3)
    assert body["status"] in {"forwarded", "verified", "in_progress"}
    assert [e["kind"] for e in body["timeline"]][:2] == ["received", "forwarded"]
    assert "Siti" not in str(body)


def test_bad_input_is_a_readable_400(stack: str) -> None:
    resp = requests.post(f"{stack}/v1/complaints", data="{}", headers={"Content-Type": "application/json"},
                         timeout=10)
    assert resp.status_code == 400
    assert {e["field"] for e in resp.json()["errors"]} >= {"category", "description", "location"}
