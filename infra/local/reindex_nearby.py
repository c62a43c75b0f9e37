"""`make nearby-reindex`: every listed complaint's "nearby" keys in the layout the code writes.

The `geo` index's keys are a stripe of longitude and a latitude (`keys.geo_attributes`). A
release that changes that layout runs this once after its deploy: it reads every region's
complaints by the `created` index (one Query per region, month and shard, never a Scan) and
rewrites the keys of each listed complaint whose keys differ, conditionally (a complaint closed
meanwhile keeps what its writer set). Running it again rewrites nothing. Works against AWS
(credentials and TABLE_NAME from the environment) or the running `make run`.
"""

from __future__ import annotations

import json
import os
import sys


def reindex(since: str) -> dict[str, int]:
    """Rewrite the `geo` keys of every listed complaint from `since` (YYYY-MM, UTC) on whose
    keys are not the current layout; how many were read, listed and rewritten."""
    from chalicelib import bootstrap
    from infra.local.every_region import complaints_since

    store = bootstrap.complaints()
    read = listed = rewritten = 0
    for item in complaints_since(since):
        read += 1
        if item.get("geo_pk"):
            listed += 1
            rewritten += store.rekey_nearby(item)
    return {"read": read, "listed": listed, "rewritten": rewritten}


def main(argv: list[str] | None = None) -> int:
    from infra.local.every_region import since_from_command_line

    since = since_from_command_line(__doc__, argv)
    if since is None:
        return 1
    print(json.dumps(reindex(since)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
