"""Secrets Manager: LAPOR! credentials and channel secrets, cached per container."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from chalicelib.adapters.aws import client


@lru_cache(maxsize=16)
def secret_json(arn: str) -> dict[str, Any]:
    out = client("secretsmanager").get_secret_value(SecretId=arn)
    return json.loads(out["SecretString"])
