"""The SLA deadline of a complaint's current stage.

The policy and the working-day calendar are data-driven pure domain code; this
module applies them (the complaint store files the deadline in the `due` index).

SLA_SCALE (demo / local only) multiplies every deadline's *duration*: the
working-day deadline is computed first (so nights, weekends and holidays are
in it) and the time from `since` to it is then scaled, e.g. SLA_SCALE=0.0001
turns 3 working days (~3-5 calendar days) into roughly 30-45 seconds.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.models import Complaint, Status
from chalicelib.domain.sla import default_policy


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
