"""`make apikey NAME=...`: an API key for an Open311 client app, printed once (alone on the last line).

By default against the running `make run` (moto's server on MOTO_PORT, default 5005; the
table from the local stack). With `--aws`, against AWS with the default credentials and
TABLE_NAME. The table keeps only the key's SHA-256 (chalicelib/services/api_keys.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import requests


def _answers(endpoint: str, deadline_s: float = 30) -> bool:
    """Whether moto's server is there: refused at once means no; a busy server gets time to answer."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            requests.get(endpoint, timeout=5)
            return True
        except requests.Timeout:
            if time.monotonic() > end:
                return False
        except requests.RequestException:
            return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True, help="the client app's name (shown to operators, in statistics)")
    parser.add_argument("--aws", action="store_true", help="use AWS (TABLE_NAME, default credentials)")
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "5005")))
    args = parser.parse_args()

    if not args.aws:
        from infra.local.provision import aws_env, provision

        endpoint = f"http://127.0.0.1:{args.moto_port}"
        if not _answers(endpoint):
            print(f"nothing answers at {endpoint}: start `make run` first (same MOTO_PORT)", file=sys.stderr)
            return 1
        os.environ.update(aws_env(endpoint))
        os.environ.update(provision(endpoint))  # the running stack: its table name
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
