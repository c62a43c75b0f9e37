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
STATE: dict[str, dict[str, str]] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ports = {"API_PORT": free_port(), "MOTO_PORT": free_port(), "LAPOR_SIM_PORT": free_port(),
             "DEV_ISSUER_PORT": free_port()}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "LAPOR_", "TABLE_", "FORWARD_", "AUTH_"))}
    env.update({k: str(v) for k, v in ports.items()})
    env["LOCAL_STATE_DIR"] = str(tmp_path_factory.mktemp("local-state"))  # its own issuer key, for `make token`
    STATE["env"] = env
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


def make_token(role: str, unit: str, user: str | None = None) -> str:
    """What `make token ROLE=... UNIT=... [USER=...]` runs, against the stack's own state directory."""
    args = ["make", "-s", "token", f"ROLE={role}", f"UNIT={unit}"] + ([f"USER={user}"] if user else [])
    out = subprocess.run(args, cwd=ROOT, env=STATE["env"], check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def test_admin_routes_need_a_token_from_the_dev_issuer(stack: str) -> None:
    route = f"{stack}/v1/admin/complaints?status=needs_attention"
    anonymous = requests.get(route, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "token_missing"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    token = make_token("admin", "city", user="koordinator")
    assert token.count(".") == 2
    resp = requests.get(route, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert resp.status_code == 200, resp.text
    operator = make_token("operator", "kel:36.73.05.1002")
    resp = requests.get(route, headers={"Authorization": f"Bearer {operator}"}, timeout=10)
    assert resp.status_code == 403 and resp.json()["error"] == "role_not_allowed"


def test_make_token_refuses_a_unit_that_does_not_fit_the_role(stack: str) -> None:
    out = subprocess.run([sys.executable, "-m", "infra.local.dev_issuer", "--role", "operator", "--unit", "city"],
                         cwd=ROOT, env=STATE["env"], capture_output=True, text=True)
    assert out.returncode == 2 and "does not fit" in out.stderr and out.stdout == ""
