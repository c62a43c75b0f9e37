"""Shared set-up for benchmarks: a private moto server and stack, and counters."""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def local_stack(stack_name: str, lapor: bool = False, latency_ms: float = 0) -> Iterator[dict[str, Any]]:
    """moto's server on a free loopback port, provisioned from infra/template.json."""
    from infra.local.provision import provision, start_moto

    server, endpoint = start_moto()
    os.environ.update({"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"})
    env = provision(endpoint, stack_name=stack_name)
    os.environ.update(env)
    sim = None
    if lapor:
        from infra.local.lapor_simulator import LaporSimulator

        sim = LaporSimulator(
            auth="b",
            token="b",
            latency_ms=latency_ms,
            verify_after_s=0,
            followup_after_s=0,
            finish_after_s=0,
            quiet=True,
        )
        url = sim.start("127.0.0.1", 0)
        os.environ.update(LAPOR_BASE_URL=url, LAPOR_AUTH="b", LAPOR_TOKEN="b")
    from chalicelib import bootstrap

    bootstrap.reset()
    try:
        yield {"endpoint": endpoint, "env": env, "sim": sim}
    finally:
        if sim is not None:
            sim.stop()
        server.stop()


class CallCounter:
    """Counts API calls and items read by a botocore client (via its event hooks)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name in ("Query", "Scan"):
            self.items_read += len(parsed.get("Items", []))
        elif model.name == "GetItem":
            self.items_read += 1 if "Item" in parsed else 0
        elif model.name == "BatchGetItem":
            self.items_read += sum(len(v) for v in parsed.get("Responses", {}).values())


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)
