"""The whole local stack, started as `make run` starts it (its default timings), used over HTTP.

The README's walk-through is followed here as a newcomer would: one complaint, from the
POST to `resolved` through LAPOR!'s statuses, and the console output it prints on the way.
"""

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


LOCAL_KNOBS = ("AWS_", "LAPOR_", "TABLE_", "FORWARD_", "SYNC_SCHEDULE", "PUMP_", "LOG_", "MOTO_", "POWERTOOLS_")


@pytest.fixture(scope="module")
def run_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack") / "run.log"


@pytest.fixture(scope="module")
def stack(run_log: Path) -> Iterator[str]:
    ports = {"API_PORT": free_port(), "MOTO_PORT": free_port(), "LAPOR_SIM_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(LOCAL_KNOBS)}
    env.update({k: str(v) for k, v in ports.items()})
    log = run_log
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


def test_the_walk_through_moves_through_lapors_statuses(stack: str, run_log: Path) -> None:
    """README: "the simulator moves the ticket through LAPOR!'s statuses ... in about two minutes"."""
    resp = requests.post(f"{stack}/v1/complaints", json=VALID, timeout=10,
                         headers={"Idempotency-Key": f"walk-{free_port()}"})
    assert resp.status_code == 201, resp.text
    tid = resp.json()["tracking_id"]

    def resolved() -> dict | None:
        body = requests.get(f"{stack}/v1/complaints/{tid}", timeout=10).json()
        return body if body["status"] == "resolved" else None

    body = poll(resolved, deadline_s=300, every_s=2)  # a deadline, not a timing claim: benchmarks/README.md
    kinds = [(e["kind"], e["status"]) for e in body["timeline"]]
    assert kinds[:3] == [("received", "received"), ("forwarded", "forwarded"), ("status", "verified")]
    assert ("followup", None) in kinds and ("status", "in_progress") in kinds
    assert kinds[-1] == ("status", "resolved")

    # what the console showed on the way: the tracking id first, in compact lines
    lines = run_log.read_text().splitlines()
    mine = [line for line in lines if line.startswith(tid)]
    for message in ("complaint accepted", "forwarded to LAPOR!", "status from LAPOR!"):
        assert any(message in line for line in mine), (message, mine)
    assert any(" api " in line and "complaint accepted" in line for line in mine)
    assert any(" forward_to_lapor " in line and "forwarded to LAPOR!" in line for line in mine)
    assert any(" sync_lapor_status " in line and "to=resolved" in line for line in mine)
    # no emulator access log, no raw JSON, no SDK chatter
    assert not [line for line in lines if '"POST / HTTP/1.1"' in line or line.startswith(("{", "Found credentials"))]


def test_the_smoke_script_finds_the_ticket(stack: str) -> None:
    result = subprocess.run([sys.executable, "-m", "infra.smoke", "--api-url", stack, "--timeout", "120"],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: SRG-" in result.stdout and "LAPOR! ticket #" in result.stdout


def test_bad_input_is_a_readable_400(stack: str) -> None:
    resp = requests.post(f"{stack}/v1/complaints", data="{}", headers={"Content-Type": "application/json"},
                         timeout=10)
    assert resp.status_code == 400
    assert {e["field"] for e in resp.json()["errors"]} >= {"category", "description", "location"}
