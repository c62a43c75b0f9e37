"""Cold start: import time of `app` divided by the import time of boto3 + chalice
+ pydantic + requests, each in a fresh interpreter, in one run. Target <= 1.3.

`app` imports its services lazily (each Lambda function loads its own path only),
so a second, stricter figure is reported too: `app` plus everything the intake
path loads before its first AWS call (services, models, boto3 clients built).
A third: the same as in Lambda (LAMBDA_TASK_ROOT and the function name set, as a deployed stage
with tracing on sees them). Tracing costs the package nothing at import: its spans come from the
stage's OpenTelemetry layer at run time (chalicelib/tracing.py looks OpenTelemetry up at the first
span), so this figure checks that nothing in the package does tracing work when it finds itself
in Lambda. The layer's own start is the layer's cost, outside the package and this benchmark."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.schema import emit, figure, result

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15
BASE = "import boto3, chalice, pydantic, requests"
APP = "import app"
APP_READY = (
    "import os; os.environ.setdefault('AWS_DEFAULT_REGION', 'ap-southeast-3'); import app; "
    "from chalicelib import bootstrap; bootstrap.intake(); bootstrap.forwarding()"
)


TRACED_ENV = {"LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "aduan-hub-forward_to_lapor"}


def timed_import(statement: str, env: dict[str, str] | None = None) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    run_env = {**os.environ, **(env or {})}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=run_env
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> dict[str, float]:
    base, app, ready, traced, traced_ready = [], [], [], [], []
    timed_import(APP_READY)  # warm the OS file cache and .pyc files first
    timed_import(APP_READY, TRACED_ENV)
    for _ in range(RUNS):  # interleaved so all see the same machine state
        base.append(timed_import(BASE))
        app.append(timed_import(APP))
        ready.append(timed_import(APP_READY))
        traced.append(timed_import(APP, TRACED_ENV))
        traced_ready.append(timed_import(APP_READY, TRACED_ENV))
    b, a, r = statistics.median(base), statistics.median(app), statistics.median(ready)
    t, tr = statistics.median(traced), statistics.median(traced_ready)
    # the ratio of each round's two runs, then their median: a shared machine's load moves both
    pairs = statistics.median(x / y for x, y in zip(app, base, strict=True))
    return {
        "base_import_ms": round(b * 1000, 1),
        "app_import_ms": round(a * 1000, 1),
        "ratio": round(pairs, 3),
        "app_and_paths_ready_ms": round(r * 1000, 1),
        "ratio_with_paths_ready": round(r / b, 3),
        "app_import_traced_ms": round(t * 1000, 1),
        "ratio_traced": round(t / b, 3),
        "paths_ready_traced_ms": round(tr * 1000, 1),
        "tracing_cost_on_ready_paths": round(tr / r, 3),
        "runs": RUNS,
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    base = "`import boto3, chalice, pydantic, requests`"
    return result(
        "coldstart",
        "Cold start",
        "python -m benchmarks.bench_coldstart",
        [
            figure(
                "ratio",
                f"`import app` / {base}, fresh interpreters, median of the rounds' ratios",
                raw["ratio"],
                "x",
                ("<=", 1.3),
            ),
            figure("app_import_ms", "`import app`", raw["app_import_ms"], "ms"),
            figure("base_import_ms", base, raw["base_import_ms"], "ms"),
            figure(
                "ratio_with_paths_ready",
                "stricter: `import app` plus what the intake and forwarder paths load before their first AWS call "
                "(services, models, holidays, two boto3 clients built) / the same base; context, not a target",
                raw["ratio_with_paths_ready"],
                "x",
            ),
            figure("app_and_paths_ready_ms", "`import app` with the paths ready", raw["app_and_paths_ready_ms"], "ms"),
            figure(
                "ratio_traced",
                "`import app` as in Lambda with tracing on (`LAMBDA_TASK_ROOT` and the function name set; "
                "the spans come from the stage's OpenTelemetry layer at run time) / the same base",
                raw["ratio_traced"],
                "x",
            ),
            figure("app_import_traced_ms", "`import app`, traced", raw["app_import_traced_ms"], "ms"),
            figure(
                "tracing_cost_on_ready_paths",
                "paths ready, traced / untraced",
                raw["tracing_cost_on_ready_paths"],
                "x",
            ),
            figure("paths_ready_traced_ms", "paths ready, traced", raw["paths_ready_traced_ms"], "ms"),
        ],
        {"runs_of_each_statement_interleaved": raw["runs"]},
        [
            "The package ships no tracing SDK: in Lambda or not, `import app` loads the same modules (the traced "
            "ratio); the OpenTelemetry layer's own start is the layer's cost, outside the package.",
            "Each round runs every statement once, in turn; the ratio is the median of the rounds' own ratios, so "
            "a load that moves during the run moves both of a round's figures.",
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
