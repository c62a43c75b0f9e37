"""Secrets Manager: LAPOR! credentials, channel secrets and the server secret, cached per container."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client


@lru_cache(maxsize=16)
def secret_json(arn: str) -> dict[str, Any]:
    out = client("secretsmanager").get_secret_value(SecretId=arn)
    secret: dict[str, Any] = json.loads(out["SecretString"])
    return secret


def secret_json_if_any(name: str) -> dict[str, Any] | None:
    """A secret read now (uncached: its caller keeps what it needs), None when there is none."""
    try:
        out = client("secretsmanager").get_secret_value(SecretId=name)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    secret: dict[str, Any] = json.loads(out["SecretString"])
    return secret


def server_secret(arn: str) -> bytes:
    """The server's own secret (`{"key": ...}`): keys HMACs that must stay the same
    across containers and deployments (idempotent tracking ids and reporter tokens)."""
    if not arn:
        raise RuntimeError("SERVER_SECRET_ARN is not set")
    value = str(secret_json(arn).get("key") or "")
    if len(value) < 16:
        raise RuntimeError("the server secret is missing or shorter than 16 characters")
    return value.encode("utf-8")
