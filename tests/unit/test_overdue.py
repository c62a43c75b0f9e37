"""The one overdue decision (domain/overdue.py) at its boundaries, and its users."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chalicelib.domain import statistics as st
from chalicelib.domain.calendar import WIB, default_calendar, local_tz
from chalicelib.domain.overdue import is_overdue, overdue_working_days, working_days_left
from chalicelib.domain.sla import default_policy
from chalicelib.schemas import InboxRow

UTC = dt.UTC
TICK = dt.timedelta(microseconds=1)


def end_of_day(y: int, m: int, d: int) -> dt.datetime:
    """A working-day deadline: the last instant of a WIB day."""
    return dt.datetime(y, m, d, 23, 59, 59, 999999, tzinfo=WIB)


def wib(y: int, m: int, d: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, second, tzinfo=WIB)


def test_the_time_zone_is_wib() -> None:
    assert local_tz() is WIB
    assert dt.datetime(2026, 4, 14, tzinfo=WIB).utcoffset() == dt.timedelta(hours=7)


def test_due_today_is_on_time_until_the_day_ends() -> None:
    deadline = end_of_day(2026, 4, 14)  # Tuesday
    late_evening = wib(2026, 4, 14, 23, 0)
    assert not is_overdue(deadline, late_evening)
    assert overdue_working_days(deadline, late_evening) is None
    assert working_days_left(deadline, late_evening) == 0.0  # an hour left, rounds to 0.0
    assert working_days_left(deadline, wib(2026, 4, 14, 12)) == 0.5
    # the deadline's own instant is still on time; the next one is late
    assert not is_overdue(deadline, deadline)
    assert working_days_left(deadline, deadline) == 0.0
    assert is_overdue(deadline, deadline + TICK)
    assert overdue_working_days(deadline, deadline + TICK) == 0.0  # late, if only just: not None
    assert working_days_left(deadline, deadline + TICK) is None


def test_the_same_instant_in_another_zone_is_the_same_decision() -> None:
    deadline = end_of_day(2026, 4, 14).astimezone(UTC)  # 16:59:59.999999 UTC
    assert not is_overdue(deadline, wib(2026, 4, 14, 23, 59, 59))
    assert is_overdue(deadline, wib(2026, 4, 15, 0, 0))
    assert overdue_working_days(deadline, wib(2026, 4, 15, 12)) == 0.5


def test_due_friday_seen_on_monday_is_late_by_monday_only() -> None:
    deadline = end_of_day(2026, 4, 17)  # Friday
    assert is_overdue(deadline, wib(2026, 4, 18, 10))  # Saturday: late, though no working time passed
    assert overdue_working_days(deadline, wib(2026, 4, 19, 23)) == 0.0
    assert overdue_working_days(deadline, wib(2026, 4, 20, 12)) == 0.5  # Monday noon
    assert overdue_working_days(deadline, wib(2026, 4, 21, 18)) == 1.8  # Mon + 18/24 of Tue


def test_holidays_do_not_make_a_complaint_later() -> None:
    # due Tue 17 Mar 2026; 18..24 Mar are Nyepi, Idul Fitri and cuti bersama
    assert not default_calendar().is_working_day(dt.date(2026, 3, 23))
    deadline = end_of_day(2026, 3, 17)
    assert overdue_working_days(deadline, wib(2026, 3, 24, 23)) == 0.0
    assert overdue_working_days(deadline, wib(2026, 3, 25, 12)) == 0.5  # half of Wednesday


def test_without_a_deadline_never_overdue() -> None:
    long_ago, now = wib(2020, 1, 1), wib(2026, 4, 14, 12)
    assert not is_overdue(None, now)
    assert overdue_working_days(None, now) is None
    assert working_days_left(None, now) is None
    # received and closed complaints have no deadline, so they are never overdue
    for stage in ("received", "closed", "rejected"):
        assert default_policy().deadline(stage, "sedang", long_ago, default_calendar()) is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_overdue(end_of_day(2026, 4, 14), dt.datetime(2026, 4, 15))
    with pytest.raises(ValueError, match="timezone-aware"):
        overdue_working_days(dt.datetime(2026, 4, 14), wib(2026, 4, 15))


def _row(deadline: dt.datetime | None, status: str = "in_progress") -> dict[str, Any]:
    return {
        "tracking_id": "SRG-TEST-0001",
        "status": status,
        "channel": "app",
        "category": "jalan",
        "title": "Jalan berlubang",
        "location": {"kelurahan_code": "36.73.01.1002"},
        "kecamatan_code": "36.73.01",
        "severity": "sedang",
        "created_at": "2026-04-01T03:00:00+00:00",
        "updated_at": "2026-04-01T03:00:00+00:00",
        "deadline": None if deadline is None else deadline.astimezone(UTC).isoformat(),
        "escalation_level": 0,
    }


def test_the_inbox_row_shows_the_decision() -> None:
    deadline = end_of_day(2026, 4, 17)
    on_time = InboxRow.of(_row(deadline), wib(2026, 4, 17, 12))
    assert (on_time.working_days_left, on_time.overdue_working_days) == (0.5, None)
    late = InboxRow.of(_row(deadline), wib(2026, 4, 20, 12))
    assert (late.working_days_left, late.overdue_working_days) == (None, 0.5)
    closed = InboxRow.of(_row(None, status="closed"), wib(2026, 4, 20, 12))
    assert (closed.working_days_left, closed.overdue_working_days) == (None, None)


def test_the_figures_count_an_hour_of_deadlines_once_all_are_overdue() -> None:
    deadline = end_of_day(2026, 4, 14)
    key = st.deadline_hour(deadline)
    assert not st.hour_overdue(key, deadline)
    assert st.hour_overdue(key, deadline + TICK)  # a working-day deadline ends its hour: exact
    # an hour-based deadline mid-hour counts from the end of its hour
    mid = dt.datetime(2026, 4, 14, 3, 30, tzinfo=UTC)
    assert not st.hour_overdue(st.deadline_hour(mid), dt.datetime(2026, 4, 14, 3, 59, tzinfo=UTC))
    assert st.hour_overdue(st.deadline_hour(mid), dt.datetime(2026, 4, 14, 4, 0, tzinfo=UTC))


def test_the_figures_never_count_a_resolved_complaint_as_overdue() -> None:
    # a resolved complaint's deadline is the reporter's window, not the unit's
    resolved = _row(end_of_day(2026, 4, 14), status="resolved") | {
        "unit": {"code": "opd:dpupr", "name": "Dinas PUPR"},
        "resolved_at": "2026-04-02T03:00:00+00:00",
    }
    assert not [k for k in st.contribution(resolved) if "|d." in k]
    open_ = _row(end_of_day(2026, 4, 14)) | {"unit": {"code": "opd:dpupr", "name": "Dinas PUPR"}}
    assert st.contribution(open_)[f"u|opd:dpupr|d.{st.deadline_hour(end_of_day(2026, 4, 14))}"] == 1
