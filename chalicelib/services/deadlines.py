"""The SLA deadline of a complaint's current stage, and its `due` index keys.

The policy and the working-day calendar are data-driven pure domain code; this
module only turns them into the attributes stored on the complaint item.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from chalicelib.adapters.dynamodb import iso, shard_of
from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.models import Complaint, Status
from chalicelib.domain.sla import default_policy


def deadline_for(complaint: Complaint, status: Status, since: datetime) -> datetime | None:
    deadline = default_policy().deadline(status.value, complaint.severity.value, since, default_calendar())
    scale = float(os.environ.get("SLA_SCALE", "1") or 1)
    if deadline is not None and scale != 1:
        # demo / local only: shrink every deadline (documented in the README)
        deadline = since + timedelta(seconds=(deadline - since).total_seconds() * scale)
    return deadline


def due_attributes(tracking_id: str, deadline: datetime | None) -> dict[str, str | None]:
    """Attributes for the sparse `due` index; None means remove from it."""
    if deadline is None:
        return {"deadline": None, "due_pk": None, "due_sk": None}
    return {"deadline": iso(deadline), "due_pk": f"DUE#{shard_of(tracking_id)}", "due_sk": iso(deadline)}
