"""boto3 clients, built once per Lambda container and only when first used.

boto3 itself is imported then too, not when a module naming `client` is imported: it is a
third of a cold start, and most routes of the API never build a client.
boto3 honours AWS_ENDPOINT_URL, so the local stack (moto's server) needs no
special path here.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

#: the clients' retries and timeouts (None until the first client; a benchmark may set its own first)
_CONFIG: Config | None = None


@cache
def client(service: str) -> Any:
    global _CONFIG
    import boto3
    from botocore.config import Config

    if _CONFIG is None:
        _CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)
    return boto3.session.Session().client(service, config=_CONFIG)
