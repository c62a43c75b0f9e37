"""`make apikey NAME=...`: an API key for an Open311 client app, printed once (alone on the last line).

By default against the running `make run` (found by itself: infra/local/running.py). With
`--aws`, against AWS with the default credentials and TABLE_NAME. The table keeps only the
key's SHA-256 (chalicelib/services/api_keys.py).
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True, help="the client app's name (shown to operators, in statistics)")
    parser.add_argument("--aws", action="store_true", help="use AWS (TABLE_NAME, default credentials)")
    args = parser.parse_args()

    if not args.aws:
        from infra.local.running import NoRunningStack, connect

        try:
            connect()
        except NoRunningStack as err:
            print(err.message, file=sys.stderr)
            return 1
    elif not os.environ.get("TABLE_NAME"):
        print("--aws needs TABLE_NAME (the stack's ComplaintsTable)", file=sys.stderr)
        return 2

    from chalicelib.adapters.storage.api_keys import ApiKeyStore
    from chalicelib.adapters.storage.gateway import TableGateway
    from chalicelib.services.api_keys import ApiKeys

    try:
        key = ApiKeys(ApiKeyStore(TableGateway())).create(args.name)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"API key for client app {args.name!r} (shown once; the table keeps only its hash):")
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
