"""Complaints per second from the API to a LAPOR! ticket, and time to ticket.

A private local stack (moto server, the LAPOR! simulator answering in a fixed
LATENCY_MS), complaints submitted through Chalice's test client while four
event-pump workers feed the forward queue to the forwarder (like concurrent
Lambda invocations). Latency = the simulator's ticket creation time minus the
moment the API answered 201. Run: python -m benchmarks.bench_pipeline
(prints one JSON line; N and LATENCY_MS from the environment).
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from typing import Any

from benchmarks.common import local_stack
from benchmarks.schema import emit, figure, result

N = int(os.environ.get("N", "200"))
LATENCY_MS = float(os.environ.get("LATENCY_MS", "20"))
WORKERS = 4


def main() -> dict[str, Any]:
    with local_stack("bench-pipeline", lapor=True, latency_ms=LATENCY_MS) as stack:
        from chalice.test import Client

        import app as app_module
        from infra.local.pump import EventPump
        from tests.conftest import VALID

        sim = stack["sim"]
        pump = EventPump(app_module, endpoint_url=stack["endpoint"], wait_s=0, log=lambda _m: None)
        [cfg] = [s for s in pump.sqs_sources() if s.name == "forward_to_lapor"]
        stop = threading.Event()

        def work() -> None:
            while not stop.is_set():
                if pump.poll_once(cfg, wait_s=0) == 0:
                    stop.wait(0.02)

        accepted: dict[str, float] = {}
        threads = [threading.Thread(target=work, daemon=True) for _ in range(WORKERS)]
        for t in threads:
            t.start()
        body = json.dumps(VALID)
        t0 = time.time()
        with Client(app_module.app) as client:
            for _ in range(N):
                resp = client.http.post("/v1/complaints", body=body, headers={"Content-Type": "application/json"})
                accepted[resp.json_body["tracking_id"]] = time.time()
        end = time.monotonic() + 300
        while len(sim.backend.complaints) < N and time.monotonic() < end:
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        created = {c.tags_raw.split(":", 1)[1]: c.created_ts for c in sim.backend.complaints.values()}
        latencies = sorted(created[tid] - at for tid, at in accepted.items() if tid in created)
        last = max(created.values())
        return {
            "benchmark": "pipeline_api_to_lapor",
            "complaints": N,
            "tickets": len(created),
            "lapor_latency_ms": LATENCY_MS,
            "pump_workers": WORKERS,
            "complaints_per_s": round(len(created) / (last - t0), 1),
            "time_to_ticket_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "time_to_ticket_p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 1),
        }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "pipeline",
        "Forwarding pipeline: API to LAPOR! ticket",
        "python -m benchmarks.bench_pipeline",
        [
            figure(
                "complaints_per_s",
                "complaints from the API to a LAPOR! ticket",
                raw["complaints_per_s"],
                "complaints/s",
            ),
            figure("time_to_ticket_p50_ms", "time to ticket, p50", raw["time_to_ticket_p50_ms"], "ms"),
            figure("time_to_ticket_p99_ms", "time to ticket, p99", raw["time_to_ticket_p99_ms"], "ms"),
            figure("tickets", "tickets created", raw["tickets"], "tickets", ("==", raw["complaints"])),
        ],
        {"complaints": raw["complaints"], "pump_workers": raw["pump_workers"]},
        [f"The LAPOR! simulator answers in {raw['lapor_latency_ms']:g} ms; complaints queue behind the submissions."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
