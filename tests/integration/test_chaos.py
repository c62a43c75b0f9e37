"""Chaos: a third of LAPOR! calls fail in mixed ways; no complaint is lost or doubled.

A few hundred complaints go in through the API while the simulator answers with
5xx, 429, slow answers past our timeout, connection resets, "accepted but the
answer was lost" and the odd refusal. Four pump workers (like concurrent Lambda
invocations) retry with zero backoff (FORWARD_BACKOFF_BASE_S=0). Then the faults
stop, the DLQ is redriven, and the queue drains. Checked from LAPOR!'s side:
every forwarded complaint has exactly one ticket, every parked one has a
reason and no ticket, and nothing is left behind.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from typing import Any

import pytest
import requests

from infra.local.lapor_simulator import FaultConfig
from tests.conftest import VALID

N = int(os.environ.get("CHAOS_COMPLAINTS", "200"))
CHAOS = FaultConfig(
    rate_5xx=0.1, rate_429=0.03, rate_slow=0.05, rate_reset=0.06, rate_lose=0.07, rate_reject=0.02, slow_s=0.5
)
SETTLED = ("forwarded", "needs_attention")


def pump_until(pump: Any, done: threading.Event, workers: int = 4) -> list[threading.Thread]:
    [cfg] = [s for s in pump.sqs_sources() if s.name == "forward_to_lapor"]

    def work() -> None:
        while not done.is_set():
            if pump.poll_once(cfg, wait_s=0) == 0:
                done.wait(0.05)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    return threads


def wait_settled(repo: Any, tids: list[str], deadline_s: float) -> dict[str, dict[str, Any]]:
    settled: dict[str, dict[str, Any]] = {}
    end = time.monotonic() + deadline_s
    while True:
        for tid in [t for t in tids if t not in settled]:
            item = repo.get_item(tid)
            if item["status"] in SETTLED:
                settled[tid] = item
        if len(settled) == len(tids) or time.monotonic() > end:
            return settled
        time.sleep(0.2)  # a polling interval with a deadline, not a wait for state


@pytest.mark.timeout(600)
def test_chaos_every_complaint_exactly_once(
    client: Any, pump: Any, lapor_sim: Any, monkeypatch: pytest.MonkeyPatch, stack_env: dict[str, str]
) -> None:
    from chalicelib import bootstrap
    from infra.local.redrive import redrive

    monkeypatch.setenv("LAPOR_TIMEOUT_S", "0.3")
    monkeypatch.setenv("FORWARD_BACKOFF_BASE_S", "0")
    bootstrap.reset()
    repo = bootstrap.repository()
    faults_before = lapor_sim.stats()["faults"]
    lapor_sim.faults = CHAOS

    t0 = time.monotonic()
    tids = []
    for i in range(N):
        resp = client.http.post(
            "/v1/complaints",
            body=json.dumps({**VALID, "title": f"chaos {i}"}),
            headers={"Content-Type": "application/json"},
        )
        assert resp.status_code == 201, resp.body
        tids.append(resp.json_body["tracking_id"])

    t_submitted = time.monotonic()
    done = threading.Event()
    threads = pump_until(pump, done)
    try:
        wait_settled(repo, tids, deadline_s=180)
        t_chaos = time.monotonic()  # most settle under faults
        lapor_sim.faults = FaultConfig()  # the faults stop
        redrive("aduan-hub-forward", stack_env["FORWARD_DLQ_URL"].rsplit("/", 1)[-1])
        settled = wait_settled(repo, tids, deadline_s=120)
        t_end = time.monotonic()
    finally:
        done.set()
        for t in threads:
            t.join(timeout=30)
        lapor_sim.faults = FaultConfig()

    faults = Counter(lapor_sim.stats()["faults"]) - Counter(faults_before)
    assert {"5xx", "429", "slow", "reset", "lose"} <= set(faults), faults
    lost = [t for t in tids if t not in settled]
    assert not lost, f"{len(lost)} complaints never reached LAPOR! nor were parked: {lost[:5]}"

    rows = requests.get(f"{lapor_sim.base_url}/_sim/complaints", timeout=30).json()["results"]["data"]
    by_tag = Counter(r["tags_raw"] for r in rows)
    forwarded = [t for t in tids if settled[t]["status"] == "forwarded"]
    parked = [t for t in tids if settled[t]["status"] == "needs_attention"]
    for tid in forwarded:
        assert by_tag[f"aduan-hub:{tid}"] == 1, f"{tid}: {by_tag[f'aduan-hub:{tid}']} tickets"
    tickets_of = {r["tags_raw"]: r["complaint_id"] for r in rows}
    assert all(settled[t]["lapor_id"] == tickets_of[f"aduan-hub:{t}"] for t in forwarded)
    for tid in parked:
        assert settled[tid]["park_reason"], tid
        assert by_tag[f"aduan-hub:{tid}"] == 0
    assert len(forwarded) > N * 0.8
    print(
        json.dumps(
            {
                "complaints": N,
                "forwarded": len(forwarded),
                "parked": len(parked),
                "faults": dict(faults),
                "seconds": {
                    "submit": round(t_submitted - t0, 1),
                    "under_faults": round(t_chaos - t_submitted, 1),
                    "after": round(t_end - t_chaos, 1),
                },
            }
        )
    )
