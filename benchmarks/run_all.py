"""`make bench`: run benchmarks, store each result in benchmarks/results/<name>.json with the date,
the commit and whether the tree was dirty, then rewrite the README's figures from every stored result.

    make bench                      the default set (benchmarks/catalog.py)
    make bench BENCH=package,signin these only
    make bench BENCH=all            every benchmark, the long ones too

A benchmark that fails keeps its previous result; the run then exits 1.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks import table
from benchmarks.catalog import CATALOG, RESULTS, ROOT, Bench
from benchmarks.schema import problems


def select(names: list[str]) -> list[Bench]:
    """The benchmarks named (`all`: every runnable one; none: the default set)."""
    runnable = [b for b in CATALOG if b.module]
    if not names:
        return [b for b in runnable if b.default]
    if names == ["all"]:
        return runnable
    by_name = {b.name: b for b in runnable}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(by_name)}, all")
    return [by_name[n] for n in names]


def parse(stdout: str) -> dict[str, Any] | None:
    lines = [line for line in stdout.splitlines() if line.startswith('{"benchmark"')]
    return json.loads(lines[-1]) if lines else None


def stamp(bench: Bench, commit: str, dirty: bool, wall_s: float) -> dict[str, Any]:
    """Where and when a run happened: what a row of the README shows, and what staleness is checked against."""
    assert bench.path is not None
    return {
        "source": "run",
        "date": datetime.now(UTC).date().isoformat(),
        "commit": commit,
        "dirty": dirty,
        "module": bench.path,
        "module_sha1": table.blob_sha1(ROOT / bench.path),
        "wall_s": round(wall_s),
        "machine": {
            "cpus": os.cpu_count() or 0,
            "load_1m": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
    }


def run(bench: Bench, commit: str, dirty: bool) -> dict[str, Any] | None:
    assert bench.module is not None
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", bench.module], cwd=ROOT, capture_output=True, text=True)
    wall_s = time.perf_counter() - t0
    res = parse(out.stdout)
    bad = ["no result line"] if res is None else problems(res)
    if res is not None and res["benchmark"] != bench.name:
        bad.append(f"reports itself as {res['benchmark']!r}")
    if out.returncode != 0 or bad or res is None:
        print(f"{bench.name}: FAILED (exit {out.returncode}; {'; '.join(bad) or 'see its output'})", flush=True)
        print(out.stderr[-3000:], file=sys.stderr, flush=True)
        return None
    res["recorded"] = stamp(bench, commit, dirty, wall_s)
    return res


def store(res: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{res['benchmark']}.json"
    path.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    names = [n.strip() for n in (args or os.environ.get("BENCH", "").split(",")) if n.strip()]
    chosen = select(names)
    commit, dirty = table.head_state()  # before any result is written (results are outputs, not code)
    if dirty:
        print(f"note: the tree differs from {commit}; results will say so", flush=True)
    failed = []
    for bench in chosen:
        print(f"{bench.name}: running {bench.module}", flush=True)
        res = run(bench, commit, dirty)
        if res is None:
            failed.append(bench.name)
            continue
        store(res)
        shown = ", ".join(
            f"{f['key']}={f['value']}{f['unit'] if f['unit'] != 'x' else 'x'}" for f in res["figures"][:4]
        )
        print(f"{bench.name}: {shown} ({res['recorded']['wall_s']} s)", flush=True)
    table.write()
    print("benchmarks/README.md: figures written from benchmarks/results", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)} (their previous results are kept)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
