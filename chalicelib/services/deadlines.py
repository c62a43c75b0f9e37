"""The SLA deadline of a complaint's current stage, and its `due` index keys.

The policy and the working-day calendar are data-driven pure domain code; this
module only turns them into the attributes stored on the complaint item.

SLA_SCALE (demo / local only) multiplies every deadline's *duration*: the
working-day deadline is computed first (so nights, weekends and holidays are
in it) and the time from `since` to it is then scaled, e.g. SLA_SCALE=0.0001
turns 3 working days (~3-5 calendar days) into roughly 30-45 seconds.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from chalicelib.adapters.dynamodb import iso, shard_of
from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.models import Complaint, Status
from chalicelib.domain.sla import default_policy

#: partition prefixes in the sparse `due` index (sharded: <prefix><shard>)
DUE_PREFIX = "DUE#"  # complaints whose current deadline is due_sk
NOTIFY_PREFIX = "NOTIFY#"  # notifications written but not yet published (due_sk = written at)


def _scaled(since: datetime, deadline: datetime) -> datetime:
    scale = float(os.environ.get("SLA_SCALE", "1") or 1)
    if scale != 1:
        return since + timedelta(seconds=(deadline - since).total_seconds() * scale)
    return deadline


def deadline_for(complaint: Complaint, status: Status, since: datetime) -> datetime | None:
    deadline = default_policy().deadline(status.value, complaint.severity.value, since, default_calendar())
    return None if deadline is None else _scaled(since, deadline)


def rung_deadline_for(complaint: Complaint, since: datetime) -> datetime:
    """Deadline of the rung just told about an overdue complaint (sla_policy.json `escalation`)."""
    return _scaled(since, default_policy().rung_deadline(complaint.severity.value, since, default_calendar()))


def due_attributes(tracking_id: str, deadline: datetime | None) -> dict[str, str | None]:
    """Attributes for the sparse `due` index; None means remove from it."""
    if deadline is None:
        return {"deadline": None, "due_pk": None, "due_sk": None}
    return {"deadline": iso(deadline), "due_pk": f"{DUE_PREFIX}{shard_of(tracking_id)}", "due_sk": iso(deadline)}


def notify_due_attributes(tracking_id: str, written_at: datetime) -> dict[str, str]:
    """Index keys that keep an unsent notification findable by the sweep."""
    return {"due_pk": f"{NOTIFY_PREFIX}{shard_of(tracking_id)}", "due_sk": iso(written_at)}
