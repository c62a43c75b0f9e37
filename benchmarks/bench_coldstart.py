"""Cold start: import time of `app` divided by the import time of boto3 + chalice
+ pydantic + requests, each in a fresh interpreter, in one run. Target <= 1.3."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 9
BASE = "import boto3, chalice, pydantic, requests"
APP = "import app"


def timed_import(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> dict[str, float]:
    base, app = [], []
    timed_import(APP)  # warm the OS file cache and .pyc files first
    for _ in range(RUNS):  # interleaved so both see the same machine state
        base.append(timed_import(BASE))
        app.append(timed_import(APP))
    b, a = statistics.median(base), statistics.median(app)
    return {"base_import_ms": round(b * 1000, 1), "app_import_ms": round(a * 1000, 1),
            "ratio": round(a / b, 3), "runs": RUNS}


if __name__ == "__main__":
    print(json.dumps({"benchmark": "cold_start", **main()}))
