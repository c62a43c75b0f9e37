"""`make check-inboxes`: every open complaint in exactly one inbox, and every badge right.

Reads every region's complaints by the `created` index (one Query per region, month and shard,
never a Scan)
and reports each open complaint no inbox holds, each complaint held by another inbox than
the one its state names, and each inbox badge (count per status) that differs from the
complaints the inbox holds. Exits 1 when anything differs, or with nothing to read (said in one line).
Works against AWS (credentials and TABLE_NAME from the environment) or the running `make run`.
"""

from __future__ import annotations

import json
import os
import sys


def check(since: str) -> dict[str, object]:
    """The audit of every complaint from `since` (YYYY-MM, UTC) on, of every region (each
    region's complaints are in its own partitions of the `created` index)."""
    from chalicelib import bootstrap
    from chalicelib.services.inbox import audit_inboxes
    from infra.local.every_region import complaints_since

    return audit_inboxes(complaints_since(since), bootstrap.counters().inbox_counts)


def main(argv: list[str] | None = None) -> int:
    from infra.local.every_region import since_from_command_line

    since = since_from_command_line(__doc__, argv)
    if since is None:
        return 1
    report = check(since)
    print(json.dumps(report, indent=1, default=str)[:20000])
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
