"""Where a complaint's deadlines are decided: its own region's SLA policy and working-day calendar.

The policy and the calendar are data-driven pure domain code (``domain/sla.py``,
``domain/calendar.py``); a region may override both (``domain/region.py`` ``Rules``). This
module applies the complaint's region's (the complaint store files the deadline in the `due`
index).

SLA_SCALE (demo / local only) multiplies every deadline's *duration*: the
working-day deadline is computed first (so nights, weekends and holidays are
in it) and the time from `since` to it is then scaled, e.g. SLA_SCALE=0.0001
turns 3 working days (~3-5 calendar days) into roughly 30-45 seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.domain.models import Complaint, Status
from chalicelib.domain.region import Rules, packaged_rules

__all__ = ["Deadlines"]


def _scaled(since: datetime, deadline: datetime) -> datetime:
    scale = float(os.environ.get("SLA_SCALE", "1") or 1)
    if scale != 1:
        return since + timedelta(seconds=(deadline - since).total_seconds() * scale)
    return deadline


class Deadlines:
    """Each complaint's deadlines by its region's rules.

    ``rules_of`` gives a region's rules by code (None: not served here, then the package's);
    without it every complaint follows the package's rules."""

    def __init__(self, rules_of: Callable[[str | None], Rules | None] | None = None) -> None:
        self._rules_of = rules_of

    def rules(self, complaint: Complaint) -> Rules:
        found = self._rules_of(complaint.jurisdiction) if self._rules_of and complaint.jurisdiction else None
        return found or packaged_rules()

    def deadline_for(self, complaint: Complaint, status: Status, since: datetime) -> datetime | None:
        """The deadline of the stage a complaint enters at ``since`` (None: the stage has none)."""
        r = self.rules(complaint)
        deadline = r.sla.deadline(status.value, complaint.severity.value, since, r.calendar)
        return None if deadline is None else _scaled(since, deadline)

    def rung_deadline_for(self, complaint: Complaint, since: datetime) -> datetime:
        """Deadline of the rung just told about an overdue complaint (sla_policy.json `escalation`)."""
        r = self.rules(complaint)
        return _scaled(since, r.sla.rung_deadline(complaint.severity.value, since, r.calendar))
