"""benchmarks/README.md's figures are written from the stored results, and a figure that no longer
describes the code says so: no benchmark runs here, only the table is rebuilt and compared."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from benchmarks import table
from benchmarks.catalog import CATALOG, README, ROOT
from benchmarks.record import ci_time
from benchmarks.run_all import select
from benchmarks.schema import figure, problems, result


def test_readme_figures_are_the_stored_results() -> None:
    try:
        section = table.generated()
    except table.GitUnavailable as exc:
        pytest.skip(f"result commits cannot be checked here: {exc}")
    text = README.read_text(encoding="utf-8")
    assert table.splice(text, section) == text, (
        "benchmarks/README.md's figures are not what benchmarks/results/*.json give (edited by hand, or a "
        "result went stale since): `make bench-table` rewrites them, `make bench BENCH=<name>` measures again"
    )


def test_every_stored_result_is_well_formed() -> None:
    stored = table.load()  # raises on a malformed file
    names = {r["benchmark"] for r in stored}
    assert {b.name for b in CATALOG} <= names, "every benchmark has a result (hand-recorded at least)"
    for res in stored:
        rec = res["recorded"]
        assert rec["source"] in ("run", "record", "hand-recorded"), res["benchmark"]
        if rec["source"] != "hand-recorded":
            assert rec["commit"] and rec["date"] and isinstance(rec["dirty"], bool), res["benchmark"]


def test_every_benchmark_module_is_in_the_catalog_and_reports_in_the_schema() -> None:
    modules = {f"benchmarks.{p.stem}" for p in (ROOT / "benchmarks").glob("bench_*.py")}
    assert modules == {b.module for b in CATALOG if b.module}
    for path in (ROOT / "benchmarks").glob("bench_*.py"):
        source = path.read_text(encoding="utf-8")
        assert "def report(raw: dict[str, Any]) -> dict[str, Any]:" in source, path.name
        assert "emit(report(main()))" in source, path.name


def test_a_benchmark_report_is_valid() -> None:
    from benchmarks.bench_package import report

    res = report({"zip_bytes": 30_000_000, "zip_mb": 28.61})
    assert problems(res) == []
    assert res["benchmark"] == "package" and res["figures"][0]["target"] == {"op": "<=", "value": 12}


def test_malformed_results_are_named() -> None:
    bad_samples = json.loads('{"runs": 1.5}')  # as a file could hold it
    res = result("x", "X", "cmd", [{"key": "a", "label": "a", "value": "fast", "unit": ""}], bad_samples)
    assert problems(res) == [
        "figure a: no unit",
        "figure a: value must be a number",
        "samples runs: must be a whole number",
    ]


def test_selection() -> None:
    default = [b.name for b in select([])]
    assert "package" in default and "open311" not in default and "chaos" not in default
    assert [b.name for b in select(["package", "coldstart"])] == ["package", "coldstart"]
    assert {b.name for b in select(["all"])} == {b.name for b in CATALOG if b.module}
    with pytest.raises(SystemExit, match="unknown benchmark"):
        select(["nope"])


# --- staleness and rendering, in a repository of their own ------------------------------------------


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _measured(repo: Path, commit: str, **recorded: Any) -> dict[str, Any]:
    res = result(
        "demo",
        "Demo",
        "python -m benchmarks.bench_demo",
        [figure("ratio", "page / query", 1.2, "x", ("<=", 1.5)), figure("wall_s", "wall time", 3, "s")],
        {"samples": 10},
        ["a note"],
    )
    res["recorded"] = {
        "source": "run",
        "date": "2026-12-06",
        "commit": commit,
        "dirty": False,
        "module": "benchmarks/bench_demo.py",
        "module_sha1": table.blob_sha1(repo / "benchmarks/bench_demo.py"),
        **recorded,
    }
    return res


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "bench_demo.py").write_text("print('demo')\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "demo")
    return tmp_path


def _row(section: str, label: str) -> str:
    return next(line for line in section.splitlines() if line.startswith(f"| {label} |"))


def test_a_fresh_result_is_shown_with_its_date_and_commit(repo: Path) -> None:
    head = _git(repo, "rev-parse", "--short", "HEAD")
    res = _measured(repo, head)
    assert table.stale_reasons(res, repo) == []
    section = table.render([res], {})
    assert _row(section, "page / query") == f"| page / query | **1.2x** | <= 1.5x: met | 2026-12-06, `{head}` |"
    assert _row(section, "wall time") == f"| wall time | 3 s |  | 2026-12-06, `{head}` |"
    assert "- a note" in section and "samples: 10" in section


def test_a_result_whose_module_changed_since_is_marked_stale(repo: Path) -> None:
    res = _measured(repo, _git(repo, "rev-parse", "--short", "HEAD"))
    (repo / "benchmarks" / "bench_demo.py").write_text("print('measures something else')\n")
    reasons = table.stale_reasons(res, repo)
    assert reasons == ["`bench_demo.py` changed since"]
    row = _row(table.render([res], {"demo": reasons}), "page / query")
    assert row.endswith(": **stale**, `bench_demo.py` changed since |")


def test_a_result_whose_commit_left_the_history_is_marked_stale(repo: Path) -> None:
    tree = _git(repo, "rev-parse", "HEAD^{tree}")
    elsewhere = _git(repo, "commit-tree", tree, "-m", "a rewritten branch")[:7]  # exists, not an ancestor
    for commit in (elsewhere, "0000000"):
        res = _measured(repo, commit)
        reasons = table.stale_reasons(res, repo)
        assert reasons == [f"`{commit}` is not in this branch's history"]
        assert "**stale**" in _row(table.render([res], {"demo": reasons}), "wall time")


def test_a_dirty_run_and_a_missed_target_are_visible(repo: Path) -> None:
    res = _measured(repo, _git(repo, "rev-parse", "--short", "HEAD"), dirty=True)
    res["figures"][0]["value"] = 2.5
    row = _row(table.render([res], {}), "page / query")
    assert "<= 1.5x: **not met**" in row and "with uncommitted changes" in row


def test_hand_recorded_figures_say_so(repo: Path) -> None:
    res = _measured(repo, "")
    res["recorded"] = {"source": "hand-recorded", "date": "2026-11-27", "readme_commit": "49b931a", "commit": None}
    assert table.stale_reasons(res, repo) == []
    row = _row(table.render([res], {}), "wall time")
    assert row.endswith("| 2026-11-27, hand-recorded, before generated figures (README at `49b931a`) |")


def test_one_benchmark_run_keeps_the_other_rows(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    for name, seconds in (("ci_time", 900.0), ("ci_time_before", 1546.0)):
        res = ci_time(seconds, 1180, "CI", "", [])
        res["benchmark"] = name
        res["recorded"] = {"source": "record", "date": "2026-12-06", "commit": "abc1234", "dirty": False}
        (results / f"{name}.json").write_text(json.dumps(res))
    section = table.render(table.load(results), {})
    assert "| the whole suite, CI | 900.0 s |" in section and "| the whole suite, CI | 1,546.0 s |" in section


def test_the_section_is_replaced_between_its_markers_only() -> None:
    text = f"prose before\n{table.BEGIN}\nold rows\n{table.END}\nprose after\n"
    assert table.splice(text, f"{table.BEGIN}\nnew\n{table.END}") == (
        f"prose before\n{table.BEGIN}\nnew\n{table.END}\nprose after\n"
    )
    with pytest.raises(ValueError, match="no"):
        table.splice("no markers", "x")


def test_the_prose_holds_no_figures() -> None:
    """Numbers live in the results, where a run replaces them; the prose around the table explains."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(table.BEGIN), text.index(table.END)
    prose = text[:start] + text[end:]
    assert re.findall(r"(?<![\w.-])\d[\d,.]*", prose) == []
