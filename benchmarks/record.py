"""Figures measured outside `make bench`, stored like any result so the README's table can show them.

    python -m benchmarks.record ci_time --seconds 1546 --tests 1180 [--where CI] [--commit abc1234]
        [--date 2026-12-06] [--name ci_time_before] [--label "before the split"] [--note TEXT]

`ci_time`: the wall time of `make test` (the whole suite) from one run. Without --commit the run is
taken to be of HEAD (and of its uncommitted changes, if any); a CI run gives its own commit.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from benchmarks import table
from benchmarks.run_all import store
from benchmarks.schema import figure, problems, result


def ci_time(seconds: float, tests: int, where: str, label: str, notes: list[str]) -> dict[str, Any]:
    title = "`make test` wall time" + (f" ({label})" if label else "")
    return result(
        "ci_time",
        title,
        "make test",
        [
            figure("seconds", f"the whole suite, {where}", seconds, "s"),
            figure("tests", "tests run", tests, "tests"),
            figure("seconds_per_test", "mean per test", round(seconds / tests, 2) if tests else None, "s"),
        ],
        {"runs": 1},
        notes,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["ci_time"])
    parser.add_argument("--seconds", type=float, required=True, help="wall time of the run")
    parser.add_argument("--tests", type=int, required=True, help="tests the run collected")
    parser.add_argument("--where", default="CI", help="the machine it ran on (default: CI)")
    parser.add_argument("--commit", help="the commit that ran (default: HEAD)")
    parser.add_argument("--date", help="the day it ran, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--name", help="the result's name, so a second figure keeps the first (default: the kind)")
    parser.add_argument("--label", default="", help="words after the title, e.g. 'before the split'")
    parser.add_argument("--note", action="append", default=[], help="a note under the table (repeatable)")
    args = parser.parse_args(argv)

    res = ci_time(args.seconds, args.tests, args.where, args.label, args.note)
    res["benchmark"] = args.name or args.kind
    commit, dirty = table.head_state()
    if args.commit:
        commit, dirty = args.commit[:7], False
    res["recorded"] = {
        "source": "record",
        "date": args.date or datetime.now(UTC).date().isoformat(),
        "commit": commit,
        "dirty": dirty,
        "module": None,
        "module_sha1": None,
    }
    bad = problems(res)
    if bad:
        print("; ".join(bad), file=sys.stderr)
        return 2
    store(res)
    table.write()
    print(json.dumps(res["figures"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
