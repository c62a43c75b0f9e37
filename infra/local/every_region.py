"""Every region's complaints, for the helper commands that audit or rewrite them all.

Each region's complaints lie in its own partitions of the `created` index; these read them one
Query per region, month and shard, never a Scan.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import Any

MONTHS_BACK = 25  # a complaint older than this is closed and archived long since


def complaints_since(since: str) -> Iterator[dict[str, Any]]:
    """Every complaint of every region (the default one and each onboarded) from `since`
    (YYYY-MM, UTC) on."""
    from chalicelib import bootstrap
    from chalicelib.settings import settings

    stats = bootstrap.statistics()
    onboarded = [stats.in_region(str(s["code"])) for s in bootstrap.jurisdictions().summaries()]
    regions = {r.region: r for r in [stats, *onboarded]}  # the default region once
    return chain.from_iterable(r.complaints_since(since, settings().shards) for r in regions.values())


def default_since(now: datetime | None = None) -> str:
    """The first month the helpers read when not told: MONTHS_BACK months ago (YYYY-MM, UTC)."""
    now = now or datetime.now(UTC)
    months = now.year * 12 + now.month - 1 - MONTHS_BACK
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def since_from_command_line(description: str | None, argv: list[str] | None) -> str | None:
    """A helper's `--since` (default_since when not given), once this process is pointed at the
    running `make run` or, with TABLE_NAME set, a deployed stage; None, said in one line on
    stderr, when there is neither."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--since", help=f"first month to read (YYYY-MM, UTC); default: {MONTHS_BACK} months back")
    args = parser.parse_args(argv)
    from infra.local.running import connect_unless_deployed

    if not connect_unless_deployed():
        return None
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    return str(args.since or default_since())
