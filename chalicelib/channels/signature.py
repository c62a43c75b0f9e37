"""Webhook signatures for inbound channels (``X-Aduan-Signature``).

Header value: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``, keyed
with the channel's secret. The timestamp is inside the MAC, so an old signature cannot
be reused with a fresh timestamp, and a tolerance window bounds how long a captured
request can be replayed. Several ``v1=`` entries are accepted so a sender can sign with
the old and the new secret while a secret is rotated. Unknown keys (a future ``v2=``)
are ignored for forward compatibility.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re

__all__ = ["HEADER_NAME", "SignatureError", "sign", "verify"]

HEADER_NAME = "X-Aduan-Signature"

_MAX_HEADER_LEN = 2048  # bounds parsing work on hostile input
_MAX_V1 = 8  # more signatures than any rotation needs is an attack, not a rotation
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class SignatureError(ValueError):
    """A request's signature was refused; ``reason`` is a machine code for logs and
    metrics: "missing", "malformed", "stale" or "mismatch"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _mac(secret: str, timestamp: str, body: bytes) -> str:
    if not secret:
        # A configuration error, not a bad request: never sign or verify with an empty
        # key.
        raise ValueError("channel secret is empty")
    message = timestamp.encode("ascii") + b"." + bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Aduan-Signature`` value for a body sent at ``timestamp`` (unix s)."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValueError("timestamp must be a non-negative integer (unix seconds)")
    return f"t={timestamp},v1={_mac(secret, str(timestamp), body)}"


def verify(secret: str, body: bytes, header: str | None, now: float, tolerance_s: int = 300) -> None:
    """Accept the request (return None) or raise SignatureError.

    The MAC is checked before the clock, so "stale" is only reported for requests that
    were genuinely signed with the secret (a clock problem), "mismatch" for the rest.
    """
    if not math.isfinite(now):
        raise ValueError("now must be a finite unix time")  # caller bug, not a bad request
    if header is None or not header.strip():
        raise SignatureError("missing")
    if len(header) > _MAX_HEADER_LEN:
        raise SignatureError("malformed", "header too long")

    timestamp: str | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        key = key.strip()
        value = value.strip()
        if not sep or not key:
            raise SignatureError("malformed", "expected key=value pairs")
        if key == "t":
            if timestamp is not None:
                raise SignatureError("malformed", "more than one t=")
            if not _TIMESTAMP.fullmatch(value):
                raise SignatureError("malformed", "t= is not unix seconds")
            timestamp = value
        elif key == "v1":
            if not _HEX_SHA256.fullmatch(value):
                raise SignatureError("malformed", "v1= is not a hex SHA-256 HMAC")
            candidates.append(value.lower())
    if timestamp is None:
        raise SignatureError("malformed", "no t=")
    if not candidates:
        raise SignatureError("malformed", "no v1=")
    if len(candidates) > _MAX_V1:
        raise SignatureError("malformed", "too many v1=")

    expected = _mac(secret, timestamp, body)
    # Compare against every entry (no early exit), each in constant time.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("mismatch")

    if abs(now - int(timestamp)) > tolerance_s:
        raise SignatureError("stale", "timestamp outside the tolerance window")
