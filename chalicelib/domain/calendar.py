"""Working-day calendar (hari kerja, WIB) and the local time zone.

LAPOR! and the Rabeg SOP count deadlines in working days: Saturdays, Sundays,
national holidays and cuti bersama do not count. National holidays and cuti
bersama come from the ``holidays`` package (cuti bersama is only in its
``government`` category); ``data/holiday_overrides.json`` corrects it, because
future Islamic dates there are estimates and the SKB 3 Menteri for a year is
often published after the package release.

Deadline rule (used by :meth:`WorkingCalendar.add_working_days`): a deadline of
N working days falls at the *end* (23:59:59.999999 WIB) of the N-th working day
strictly after the local (WIB) date of the start.  The day of receipt never
counts, whatever the time of day; a start on a non-working day therefore behaves
like a start on the previous working day evening, so the next working day is
day 1.  This mirrors administrative practice ("paling lambat 3 hari kerja sejak
diterima") and never gives a unit less than N full working days.

Working time (used by :meth:`WorkingCalendar.working_days_between`) is measured
in whole WIB calendar days: every working day is worth 1.0 (all its 24 hours),
non-working days are worth 0.  "1.5 days overdue" thus means one full working
day plus half of the next one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "WIB",
    "HolidayOverrides",
    "OverrideDay",
    "RemovedDay",
    "WorkingCalendar",
    "YearOverrides",
    "default_calendar",
    "local_tz",
    "merged_overrides",
    "regional_calendar",
]

_DATA_FILE = Path(__file__).parent.parent / "data" / "holiday_overrides.json"
_DAY = dt.timedelta(days=1)
_SATURDAY = 5  # date.weekday(): Monday is 0
_HOLIDAY_CATEGORIES = ("government", "public")


def _wib() -> dt.tzinfo:
    """WIB from the tz database; a fixed UTC+7 offset when the runtime has none.

    WIB has had no DST and no offset change since 1964, so the fallback is exact.
    """
    try:
        return ZoneInfo("Asia/Jakarta")
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the runtime image
        return dt.timezone(dt.timedelta(hours=7), "WIB")


#: The one local time zone (WIB): local dates, working days, deadlines, and the
#: zone-less times that channels and LAPOR! write.
WIB: dt.tzinfo = _wib()


def local_tz() -> dt.tzinfo:
    """The local time zone, :data:`WIB`."""
    return WIB


# --- file format -------------------------------------------------------------


class OverrideDay(BaseModel):
    """A day to add as non-working (e.g. a cuti bersama the package lacks)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    date: dt.date
    name: str = Field(min_length=1)


class RemovedDay(BaseModel):
    """A day the package lists as a holiday that is a working day after all."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    date: dt.date
    reason: str = ""


class YearOverrides(BaseModel):
    """Corrections for one year."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    add: list[OverrideDay] = Field(default_factory=list)
    remove: list[RemovedDay] = Field(default_factory=list)
    note: str = ""


class HolidayOverrides(BaseModel):
    """The whole ``holiday_overrides.json``; keys starting with ``_`` are comments."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    years: dict[int, YearOverrides] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dates_match_year(self) -> HolidayOverrides:
        """A date filed under the wrong year would silently never apply."""
        for year, entry in self.years.items():
            days: list[OverrideDay | RemovedDay] = [*entry.add, *entry.remove]
            for day in days:
                if day.date.year != year:
                    raise ValueError(f"{day.date} is filed under year {year}")
            added = {d.date for d in entry.add}
            both = added & {d.date for d in entry.remove}
            if both:
                raise ValueError(f"dates both added and removed: {sorted(both)}")
        return self


# --- calendar ----------------------------------------------------------------


def _require_aware(value: dt.datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value!r}")


class WorkingCalendar:
    """Answers "is this a working day?" and does deadline arithmetic in WIB.

    ``overrides`` is a :class:`HolidayOverrides` or a mapping in the same shape
    as ``holiday_overrides.json`` (``{"years": {"2026": {"add": [...], "remove":
    [...]}}}``).  ``None`` means the package's holidays only.  Removing a date
    only cancels a holiday: Saturdays and Sundays stay non-working.
    """

    def __init__(self, overrides: HolidayOverrides | Mapping[str, Any] | None = None) -> None:
        if overrides is None:
            self._overrides = HolidayOverrides()
        elif isinstance(overrides, HolidayOverrides):
            self._overrides = overrides
        else:
            self._overrides = HolidayOverrides.model_validate(overrides)
        self._years: dict[int, dict[dt.date, str]] = {}
        self._totals: dict[int, list[int]] = {}

    def _holidays_of(self, year: int) -> dict[dt.date, str]:
        """Holiday name by date for one year, package plus overrides (memoised)."""
        table = self._years.get(year)
        if table is None:
            import holidays  # with the first working-day question, not with every module that names a zone

            package = holidays.country_holidays("ID", categories=_HOLIDAY_CATEGORIES, years=year, language="id")
            table = {day: str(name) for day, name in package.items() if day.year == year}
            entry = self._overrides.years.get(year)
            if entry is not None:
                for removed in entry.remove:
                    table.pop(removed.date, None)
                for added in entry.add:
                    table[added.date] = added.name
            self._years[year] = table
        return table

    def holiday_name(self, d: dt.date) -> str | None:
        """Name of the holiday / cuti bersama on ``d`` (Indonesian), or None."""
        return self._holidays_of(d.year).get(d)

    def is_working_day(self, d: dt.date) -> bool:
        """Monday-Friday and not a holiday or cuti bersama."""
        return d.weekday() < _SATURDAY and d not in self._holidays_of(d.year)

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        d += _DAY
        while not self.is_working_day(d):
            d += _DAY
        return d

    def add_working_days(self, start: dt.datetime, n: int) -> dt.datetime:
        """Deadline ``n`` working days after ``start``, as an aware UTC datetime.

        The result is the end (23:59:59.999999 WIB) of the n-th working day
        strictly after start's WIB date (see the module docstring).  ``n == 0``
        means the end of start's own day if that is a working day, otherwise
        the end of the next working day.
        """
        _require_aware(start, "start")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start.astimezone(local_tz()).date()
        if n == 0:
            if not self.is_working_day(day):
                day = self.next_working_day(day)
        else:
            for _ in range(n):
                day = self.next_working_day(day)
        end = dt.datetime.combine(day, dt.time.max, tzinfo=local_tz())
        return end.astimezone(dt.UTC)

    def add_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """``start`` plus wall-clock hours (Rabeg's 1x24 / 3x24 jam), aware UTC.

        Calendar hours on purpose: weekends and holidays are not skipped.
        """
        _require_aware(start, "start")
        if hours < 0:
            raise ValueError(f"hours must be >= 0, got {hours}")
        return (start + dt.timedelta(hours=hours)).astimezone(dt.UTC)

    def working_days_between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Working time from ``a`` to ``b`` in working days (fractional); 0 if b <= a.

        Each working day counts its whole 24 WIB hours; non-working days count 0.
        Whole days in between are counted from per-year running totals, so the cost
        does not grow with the distance (an inbox page computes it for every row).
        """
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b <= a:
            return 0.0
        tz = local_tz()
        a_local, b_local = a.astimezone(tz), b.astimezone(tz)
        a_day, b_day = a_local.date(), b_local.date()
        if a_day == b_day:
            return (b_local - a_local) / _DAY if self.is_working_day(a_day) else 0.0
        total = dt.timedelta(0)
        if self.is_working_day(a_day):
            total += dt.datetime.combine(a_day, dt.time.min, tzinfo=tz) + _DAY - a_local
        total += self._working_days_in(a_day + _DAY, b_day) * _DAY
        if self.is_working_day(b_day):
            total += b_local - dt.datetime.combine(b_day, dt.time.min, tzinfo=tz)
        return total / _DAY

    def _running_totals(self, year: int) -> list[int]:
        """totals[i]: working days among the first i days of `year` (memoised per year)."""
        totals = self._totals.get(year)
        if totals is None:
            totals = [0]
            day = dt.date(year, 1, 1)
            while day.year == year:
                totals.append(totals[-1] + (1 if self.is_working_day(day) else 0))
                day += _DAY
            self._totals[year] = totals
        return totals

    def _working_days_in(self, first: dt.date, stop: dt.date) -> int:
        """Working days d with first <= d < stop."""
        count = 0
        while first < stop:
            totals = self._running_totals(first.year)
            start = first.timetuple().tm_yday - 1
            if stop.year == first.year:
                return count + totals[stop.timetuple().tm_yday - 1] - totals[start]
            count += totals[-1] - totals[start]
            first = dt.date(first.year + 1, 1, 1)
        return count


@lru_cache(maxsize=1)
def _load_overrides() -> HolidayOverrides:
    with _DATA_FILE.open(encoding="utf-8") as fh:
        return HolidayOverrides.model_validate(json.load(fh))


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The shared calendar with ``data/holiday_overrides.json`` applied."""
    return WorkingCalendar(_load_overrides())


def merged_overrides(national: HolidayOverrides, regional: HolidayOverrides) -> HolidayOverrides:
    """A region's corrections laid over the national ones: a regional holiday adds a day (its name
    wins on a date both name), a regional removal cancels a day the national ones added."""
    years: dict[int, YearOverrides] = {}
    for year in sorted(set(national.years) | set(regional.years)):
        nat = national.years.get(year, YearOverrides())
        reg = regional.years.get(year, YearOverrides())
        added = {d.date: d for d in nat.add}
        removed = {d.date: d for d in nat.remove}
        for r in reg.remove:
            added.pop(r.date, None)
            removed[r.date] = r
        for a in reg.add:
            removed.pop(a.date, None)
            added[a.date] = a
        years[year] = YearOverrides(add=sorted(added.values(), key=lambda d: d.date), remove=list(removed.values()))
    return HolidayOverrides(years=years)


def regional_calendar(regional: HolidayOverrides | Mapping[str, Any] | None) -> WorkingCalendar:
    """The calendar of a region with holidays of its own (hari jadi, regional cuti); the shared
    calendar when it has none. Same format as ``holiday_overrides.json``."""
    if not regional:
        return default_calendar()
    extra = regional if isinstance(regional, HolidayOverrides) else HolidayOverrides.model_validate(regional)
    return WorkingCalendar(merged_overrides(_load_overrides(), extra))
