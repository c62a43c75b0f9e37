"""boto3 clients, built once per Lambda container and only when first used.

boto3 honours AWS_ENDPOINT_URL, so the local stack (moto's server) needs no
special path here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)
