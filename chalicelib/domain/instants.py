"""One text form for instants: UTC, microseconds, Z. It sorts as text in time order, so the
table's keys and the ids derived from instants use it."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
