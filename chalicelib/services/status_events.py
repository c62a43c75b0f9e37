"""Where a change of a complaint's status is announced (channel callbacks, ...).

Kept as one function so every writer of a status change calls the same door.
"""

from __future__ import annotations

from chalicelib.domain.models import Complaint, TimelineEntry
from chalicelib.observability import logger


def publish(complaint: Complaint, entry: TimelineEntry) -> None:
    logger.info("status changed", extra={"status": entry.status, "kind": entry.kind})
