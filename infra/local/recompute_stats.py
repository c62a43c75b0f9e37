"""`make stats-recompute`: every public figure again from the complaints, for audit and repair.

Reads one region's complaints (the default one, or `--jurisdiction <code>`) by its
partitions of the `created` index (one Query per month and shard, never a Scan),
computes what each adds to the figures exactly as the stream consumer does, and compares
the result with the kept day counters. Prints the differences and exits 1 when there are
any. With `--repair` it brings each complaint's stats item and its day up to date
through the same conditional transaction the stream consumer uses (safe while the
consumer runs), then refreshes the snapshots. Works against AWS (credentials and
TABLE_NAME from the environment) or the running `make run` (found by itself:
infra/local/running.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--since", help="first month to read (YYYY-MM, UTC); default: the first day counted")
    parser.add_argument("--repair", action="store_true", help="fix what differs, then refresh the snapshots")
    parser.add_argument(
        "--jurisdiction", help="the region whose figures (its Kemendagri code); default: the default region"
    )
    args = parser.parse_args(argv)
    from infra.local.running import connect_unless_deployed

    if not connect_unless_deployed():
        return 1
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import stats_day_pk
    from chalicelib.settings import settings

    stats = bootstrap.statistics().in_region(args.jurisdiction)
    since = args.since
    if since is None:
        day_pk = stats_day_pk(stats.region)
        first = next(iter(bootstrap.repository().query("pk = :p", {":p": {"S": day_pk}}, limit=1)), None)
        since = first["sk"][:7] if first else datetime.now(UTC).strftime("%Y-%m")
    report = stats.recompute(since, settings().shards, repair=args.repair)
    print(json.dumps({k: v for k, v in report.items() if k != "expected"}, indent=1, default=str)[:20000])
    if args.repair:
        print(json.dumps(stats.refresh(), default=str))
        again = stats.recompute(since, settings().shards)
        print(f"after repair: {len(again['differences'])} day(s) differ")
        return 1 if again["differences"] else 0
    return 1 if report["differences"] else 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
