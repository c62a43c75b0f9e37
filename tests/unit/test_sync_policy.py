"""When the status sync asks LAPOR! again (data/sync_schedule.json)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.models import Status
from chalicelib.domain.sync_policy import SyncSchedule, default_schedule, next_check, retry_check

NOW = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)


def after(status: Status, forwarded_ago: timedelta, changed_ago: timedelta | None = None) -> timedelta | None:
    at = next_check(status, NOW, NOW - forwarded_ago, None if changed_ago is None else NOW - changed_ago)
    return None if at is None else at - NOW


def test_fresh_forwarded_complaints_are_checked_every_5_minutes_in_the_first_hour() -> None:
    assert after(Status.FORWARDED, timedelta(minutes=1)) == timedelta(minutes=5)
    assert after(Status.FORWARDED, timedelta(minutes=59)) == timedelta(minutes=5)


def test_unverified_after_the_first_hour_every_3_hours() -> None:
    assert after(Status.FORWARDED, timedelta(minutes=61)) == timedelta(hours=3)


def test_active_hourly_resolved_every_6_hours() -> None:
    assert after(Status.VERIFIED, timedelta(minutes=10), timedelta(minutes=1)) == timedelta(hours=1)
    assert after(Status.IN_PROGRESS, timedelta(days=2), timedelta(days=1)) == timedelta(hours=1)
    assert after(Status.RESOLVED, timedelta(days=2), timedelta(hours=1)) == timedelta(hours=6)


def test_quiet_complaints_daily() -> None:
    assert after(Status.IN_PROGRESS, timedelta(days=30), timedelta(days=7)) == timedelta(hours=24)
    assert after(Status.FORWARDED, timedelta(days=8)) == timedelta(hours=24)
    assert after(Status.IN_PROGRESS, timedelta(days=30), timedelta(days=6, hours=23)) == timedelta(hours=1)


def test_final_and_local_statuses_are_not_polled() -> None:
    for status in (Status.CLOSED, Status.REJECTED, Status.ARCHIVED, Status.RECEIVED, Status.NEEDS_ATTENTION):
        assert after(status, timedelta(hours=1)) is None


def test_schedule_is_data() -> None:
    s = default_schedule()
    assert s.every_minutes[Status.FORWARDED] == 180
    custom = SyncSchedule(
        every_minutes={Status.VERIFIED: 10},
        fresh_window_minutes=0,
        fresh_every_minutes=1,
        quiet_after_days=1,
        quiet_every_minutes=100,
        retry_after_error_minutes=2,
    )
    assert next_check(Status.VERIFIED, NOW, NOW, NOW, custom) == NOW + timedelta(minutes=10)
    assert retry_check(NOW, custom) == NOW + timedelta(minutes=2)
