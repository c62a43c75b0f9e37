"""Where we decide that a complaint is overdue, and by how many working days.

One rule for the inbox, the escalation sweep, the figures and the public views:

- A complaint is overdue once ``now`` is strictly past the deadline of its
  current stage. The deadline's own instant is still on time; a working-day
  deadline falls at the end (23:59:59.999999 WIB) of its last working day
  (calendar.py), so a complaint due today is not overdue before tomorrow starts.
- No deadline, never overdue: stages without one in the SLA policy (received,
  closed, rejected, ...) are never overdue, whatever their age.
- How late: the working days from the deadline to ``now`` (whole WIB days,
  weekends and holidays worth nothing), to one decimal.

In storage, deadlines are sortable UTC text, so the same rule as a query
condition is ``deadline < now`` (both as ``iso`` text).
"""

from __future__ import annotations

import datetime as dt

from chalicelib.domain.calendar import WorkingCalendar, default_calendar

__all__ = ["is_overdue", "overdue_working_days", "working_days_left"]


def is_overdue(deadline: dt.datetime | None, now: dt.datetime) -> bool:
    """True once ``now`` is strictly past ``deadline``; never for no deadline."""
    if deadline is None:
        return False
    if deadline.tzinfo is None or now.tzinfo is None:
        raise ValueError("deadline and now must be timezone-aware")
    return now > deadline


def overdue_working_days(
    deadline: dt.datetime | None, now: dt.datetime, calendar: WorkingCalendar | None = None
) -> float | None:
    """Working days past the deadline (one decimal); None when not overdue."""
    if deadline is None or not is_overdue(deadline, now):
        return None
    return round((calendar or default_calendar()).working_days_between(deadline, now), 1)


def working_days_left(
    deadline: dt.datetime | None, now: dt.datetime, calendar: WorkingCalendar | None = None
) -> float | None:
    """Working days until the deadline (one decimal); None with no deadline or once overdue."""
    if deadline is None or is_overdue(deadline, now):
        return None
    return round((calendar or default_calendar()).working_days_between(now, deadline), 1)
