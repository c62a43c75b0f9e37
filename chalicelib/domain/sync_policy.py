"""When to ask LAPOR! again about a forwarded complaint.

Pure: the schedule is data (data/sync_schedule.json), so polling LAPOR! less or
more often is a reviewed data change. Fresh reports are checked often because
LAPOR! verifies many within the hour; quiet ones daily, so the sweep's cost
follows the complaints that move, not the ones that sit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.models import Status
from chalicelib.domain.reference import load_json


class SyncSchedule(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    first_check_minutes: float = Field(default=5, gt=0)
    every_minutes: dict[Status, float]
    fresh_window_minutes: float = Field(ge=0)
    fresh_every_minutes: float = Field(gt=0)
    quiet_after_days: float = Field(gt=0)
    quiet_every_minutes: float = Field(gt=0)
    retry_after_error_minutes: float = Field(gt=0)

    def scaled(self, factor: float) -> SyncSchedule:
        """Every duration multiplied (local demos watch a complaint move in a minute or two)."""
        if factor == 1:
            return self
        if factor <= 0:
            raise ValueError("the sync schedule scale must be positive")
        return SyncSchedule(
            first_check_minutes=self.first_check_minutes * factor,
            every_minutes={k: v * factor for k, v in self.every_minutes.items()},
            fresh_window_minutes=self.fresh_window_minutes * factor,
            fresh_every_minutes=self.fresh_every_minutes * factor,
            quiet_after_days=self.quiet_after_days * factor,
            quiet_every_minutes=self.quiet_every_minutes * factor,
            retry_after_error_minutes=self.retry_after_error_minutes * factor,
        )


@lru_cache(maxsize=1)
def default_schedule() -> SyncSchedule:
    return SyncSchedule.model_validate(load_json("sync_schedule.json"))


def first_check(now: datetime, schedule: SyncSchedule | None = None) -> datetime:
    """The first status check of a complaint just forwarded."""
    return now + timedelta(minutes=(schedule or default_schedule()).first_check_minutes)


def next_check(
    status: Status,
    now: datetime,
    forwarded_at: datetime | None,
    last_change_at: datetime | None,
    schedule: SyncSchedule | None = None,
) -> datetime | None:
    """The next status check, or None when the complaint needs no more polling."""
    s = schedule or default_schedule()
    every = s.every_minutes.get(status)
    if every is None:
        return None
    if (
        status == Status.FORWARDED
        and forwarded_at is not None
        and now - forwarded_at < timedelta(minutes=s.fresh_window_minutes)
    ):
        return now + timedelta(minutes=s.fresh_every_minutes)
    last = last_change_at or forwarded_at
    if last is not None and now - last >= timedelta(days=s.quiet_after_days):
        return now + timedelta(minutes=max(every, s.quiet_every_minutes))
    return now + timedelta(minutes=every)


def retry_after_error(schedule: SyncSchedule | None = None) -> timedelta:
    """How long to wait after LAPOR! did not answer, or answered what we cannot read
    (a status check and a forward alike)."""
    return timedelta(minutes=(schedule or default_schedule()).retry_after_error_minutes)


def retry_check(now: datetime, schedule: SyncSchedule | None = None) -> datetime:
    """When to try again after LAPOR! did not answer a status check."""
    return now + retry_after_error(schedule)
