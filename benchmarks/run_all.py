"""`make bench`: the quick benchmarks, one JSON line each (the long ones have their own command)."""

from __future__ import annotations

import json
import subprocess
import sys

QUICK = ["benchmarks.bench_intake", "benchmarks.bench_coldstart", "benchmarks.bench_package", "benchmarks.bench_signin"]


def main() -> int:
    for module in QUICK:
        out = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True)
        lines = [line for line in out.stdout.splitlines() if line.startswith('{"benchmark"')]
        print(lines[-1] if lines else json.dumps({"benchmark": module, "error": out.stderr[-500:]}), flush=True)
    subprocess.run([sys.executable, "benchmarks/bench_locate.py"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
