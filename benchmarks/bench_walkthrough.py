"""The README's walk-through, timed: `make run` with its defaults, one complaint, seconds from
the POST to each status it reaches (forwarded, verified, in_progress, resolved).

    python -m benchmarks.bench_walkthrough      (~2.5 minutes; free ports, its own stack)

The status sync checks less often outside office hours (data/sync_priority.json, as in AWS),
so the result says when it ran: `resolved` comes later at night and on days off.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from benchmarks.schema import emit, figure, result
from tests.conftest import VALID

ROOT = Path(__file__).resolve().parents[1]
KNOBS = ("AWS_", "LAPOR_", "TABLE_", "FORWARD_", "SYNC_SCHEDULE", "PUMP_", "LOG_", "MOTO_", "POWERTOOLS_")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hour() -> dict[str, Any]:
    """The WIB time of the run, and whether the status sync's office hours held then."""
    from datetime import UTC, datetime

    from chalicelib.domain.calendar import WIB, default_calendar
    from chalicelib.domain.sync_priority import default_policy, in_office_hours

    now = datetime.now(UTC)
    local = now.astimezone(WIB)
    office = in_office_hours(now, default_policy(), default_calendar())
    return {"wib": local.strftime("%a %H:%M"), "office_hours": office}


def main() -> dict[str, Any]:
    ports = {"API_PORT": free_port(), "MOTO_PORT": free_port(), "LAPOR_SIM_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(KNOBS)}
    env.update({k: str(v) for k, v in ports.items()})
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            end = time.monotonic() + 120
            while time.monotonic() < end:
                log.seek(0)
                if "Press Ctrl-C" in log.read():
                    break
                time.sleep(0.5)
            hour = _hour()
            t0 = time.monotonic()
            tid = requests.post(f"{api}/v1/complaints", json=VALID, timeout=10).json()["tracking_id"]
            seen: dict[str, float] = {}
            while "resolved" not in seen and time.monotonic() - t0 < 600:
                status = requests.get(f"{api}/v1/complaints/{tid}", timeout=10).json()["status"]
                seen.setdefault(status, round(time.monotonic() - t0, 1))
                time.sleep(0.5)
            return {**{f"{k}_s": v for k, v in seen.items()}, **hour}
        finally:
            proc.terminate()
            proc.wait(timeout=30)


STATUSES = {
    "forwarded": "forwarded (LAPOR! ticket)",
    "verified": 'verified (LAPOR! "Dalam Proses")',
    "in_progress": "in_progress (the unit's follow-up)",
    "resolved": 'resolved (LAPOR! "Selesai")',
}


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "walkthrough",
        "The local walk-through (`make run` defaults)",
        "python -m benchmarks.bench_walkthrough",
        [
            figure(f"{status}_s", f"{label}: seconds after the POST", raw[f"{status}_s"], "s")
            for status, label in STATUSES.items()
            if f"{status}_s" in raw
        ],
        {"complaints": 1},
        [
            "The stack's default local timings (infra/local/run.py); the public GET polled every half second.",
            f"Run at {raw['wib']} WIB, {'inside' if raw['office_hours'] else 'outside'} the status sync's office"
            " hours (data/sync_priority.json): outside them a complaint that changed a while ago is checked"
            " less often, so `resolved` comes later.",
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
