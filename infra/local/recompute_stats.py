"""`make stats-recompute`: every public figure again from the complaints, for audit and repair.

Reads the complaints by the `created` index (one Query per month and shard, never
a Scan), computes what each adds to the figures exactly as the stream consumer
does, and compares the result with the kept day counters. Prints the
differences and exits 1 when there are any. With `--repair` it brings each
complaint's stats item and its day up to date through the same conditional
transaction the stream consumer uses (safe while the consumer runs), then
refreshes the snapshots. Works against AWS (credentials and TABLE_NAME from the
environment) or the local stack (AWS_ENDPOINT_URL / MOTO_PORT).
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
    args = parser.parse_args(argv)
    if not os.environ.get("TABLE_NAME"):
        from infra.local.provision import provision

        endpoint = os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5005')}"
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": "ap-southeast-3",
            }
        )
        os.environ.update(provision(endpoint))
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import STATS_DAY_PK as DAY_PK
    from chalicelib.settings import settings

    stats = bootstrap.statistics()
    since = args.since
    if since is None:
        first = next(iter(bootstrap.repository().query("pk = :p", {":p": {"S": DAY_PK}}, limit=1)), None)
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
