"""Every benchmark `make bench` knows, in the order the README shows them.

`default`: run by a plain `make bench` (each finishes in a few minutes on a 2-core machine shared
with other work); the others seed large private tables on moto and take ten minutes or more each,
so they run only when named (`make bench BENCH=inbox`) or with `make bench BENCH=all`.
A benchmark without a module is recorded by another command (its result file says which).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "benchmarks" / "README.md"


@dataclass(frozen=True)
class Bench:
    name: str
    module: str | None
    default: bool

    @property
    def path(self) -> str | None:
        """The module's file relative to the repository root (what a result's staleness is checked against)."""
        return None if self.module is None else self.module.replace(".", "/") + ".py"


CATALOG: tuple[Bench, ...] = (
    Bench("intake", "benchmarks.bench_intake", default=True),
    Bench("coldstart", "benchmarks.bench_coldstart", default=True),
    Bench("first_request", "benchmarks.bench_first_request", default=True),
    Bench("package", "benchmarks.bench_package", default=True),
    Bench("signin", "benchmarks.bench_signin", default=True),
    Bench("locate", "benchmarks.bench_locate", default=True),
    Bench("walkthrough", "benchmarks.bench_walkthrough", default=True),
    Bench("pipeline", "benchmarks.bench_pipeline", default=True),
    Bench("sync", "benchmarks.bench_sync", default=True),
    Bench("escalation", "benchmarks.bench_escalation", default=True),
    Bench("sync_lag", "benchmarks.bench_sync_lag", default=True),
    Bench("chaos", None, default=False),
    Bench("nearby", "benchmarks.bench_nearby", default=False),
    Bench("inbox", "benchmarks.bench_inbox", default=False),
    Bench("open311", "benchmarks.bench_open311", default=False),
    Bench("statistics", "benchmarks.bench_statistics", default=False),
    Bench("citizen_pages", "benchmarks.bench_citizen_pages", default=False),
    Bench("onboarding", "benchmarks.bench_onboarding", default=False),
    Bench("regions", "benchmarks.bench_regions", default=False),
    Bench("console", "benchmarks.bench_console", default=False),
    Bench("reads", "benchmarks.bench_reads", default=False),
)
BY_NAME = {b.name: b for b in CATALOG}
