"""Working-day calendar. Expected values are worked out by hand in comments."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from chalicelib.domain.calendar import (
    HolidayOverrides,
    WorkingCalendar,
    default_calendar,
)

UTC = dt.UTC
WIB = dt.timezone(dt.timedelta(hours=7))
DATA = Path(__file__).resolve().parents[2] / "chalicelib" / "data"


def wib(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB)


def end_of_day_utc(y: int, m: int, d: int) -> dt.datetime:
    """23:59:59.999999 WIB on y-m-d == 16:59:59.999999 UTC the same day."""
    return dt.datetime(y, m, d, 16, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return default_calendar()


# --- is_working_day / holiday_name -------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 4, 10), True),  # Friday
        (dt.date(2026, 4, 11), False),  # Saturday
        (dt.date(2026, 4, 12), False),  # Sunday
        (dt.date(2026, 4, 3), False),  # Good Friday (Wafat Yesus Kristus)
        (dt.date(2026, 3, 18), False),  # cuti bersama Nyepi
        (dt.date(2026, 3, 19), False),  # Nyepi
        (dt.date(2026, 3, 20), False),  # cuti bersama Idul Fitri
        (dt.date(2026, 3, 23), False),  # cuti bersama Idul Fitri (Monday)
        (dt.date(2026, 3, 24), False),  # cuti bersama Idul Fitri (Tuesday)
        (dt.date(2026, 3, 25), True),  # first working day after Lebaran
        (dt.date(2026, 12, 24), False),  # cuti bersama Natal
        (dt.date(2026, 12, 25), False),  # Natal
        (dt.date(2026, 12, 31), True),  # New Year's Eve is an ordinary Thursday
        (dt.date(2027, 1, 1), False),  # Tahun Baru Masehi (Friday)
        (dt.date(2027, 1, 4), True),  # Monday
    ],
)
def test_is_working_day(cal: WorkingCalendar, day: dt.date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_holiday_names_are_indonesian(cal: WorkingCalendar) -> None:
    assert "Idul Fitri" in (cal.holiday_name(dt.date(2026, 3, 21)) or "")
    assert cal.holiday_name(dt.date(2026, 3, 23)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert "Natal" in (cal.holiday_name(dt.date(2026, 12, 25)) or "")
    assert cal.holiday_name(dt.date(2026, 4, 11)) is None  # plain Saturday
    assert cal.holiday_name(dt.date(2026, 4, 9)) is None  # plain Thursday


# --- add_working_days ----------------------------------------------------------


def test_plain_week(cal: WorkingCalendar) -> None:
    # Mon 13 Apr 2026 10:00 WIB + 3 WD: Tue 14 (1), Wed 15 (2), Thu 16 (3).
    assert cal.add_working_days(wib(2026, 4, 13, 10), 3) == end_of_day_utc(2026, 4, 16)


def test_result_is_utc(cal: WorkingCalendar) -> None:
    result = cal.add_working_days(wib(2026, 4, 13, 10), 1)
    assert result.utcoffset() == dt.timedelta(0)
    assert result.astimezone(WIB).time() == dt.time(23, 59, 59, 999999)


def test_time_of_day_does_not_matter(cal: WorkingCalendar) -> None:
    # The day of receipt never counts, early morning or late evening.
    early = cal.add_working_days(wib(2026, 4, 13, 0, 1), 2)
    late = cal.add_working_days(wib(2026, 4, 13, 23, 58), 2)
    assert early == late == end_of_day_utc(2026, 4, 15)


def test_over_weekend(cal: WorkingCalendar) -> None:
    # Fri 10 Apr + 1 WD: Sat, Sun skipped -> Mon 13 Apr.
    assert cal.add_working_days(wib(2026, 4, 10, 15), 1) == end_of_day_utc(2026, 4, 13)
    # Thu 9 Apr + 3 WD: Fri 10 (1), Mon 13 (2), Tue 14 (3).
    assert cal.add_working_days(wib(2026, 4, 9, 9), 3) == end_of_day_utc(2026, 4, 14)


def test_start_on_weekend_counts_from_next_working_day(cal: WorkingCalendar) -> None:
    # Sat 11 Apr and Sun 12 Apr + 1 WD: Monday 13 is day 1.
    assert cal.add_working_days(wib(2026, 4, 11, 10), 1) == end_of_day_utc(2026, 4, 13)
    assert cal.add_working_days(wib(2026, 4, 12, 23), 1) == end_of_day_utc(2026, 4, 13)


def test_utc_start_is_read_in_wib(cal: WorkingCalendar) -> None:
    # Sun 12 Apr 18:00 UTC is already Mon 13 Apr 01:00 WIB, so Monday is day 0
    # and Tuesday 14 is day 1.
    start = dt.datetime(2026, 4, 12, 18, 0, tzinfo=UTC)
    assert cal.add_working_days(start, 1) == end_of_day_utc(2026, 4, 14)
    # Sun 12 Apr 16:59 UTC is still Sunday 23:59 WIB -> Monday is day 1.
    start = dt.datetime(2026, 4, 12, 16, 59, tzinfo=UTC)
    assert cal.add_working_days(start, 1) == end_of_day_utc(2026, 4, 13)


def test_lebaran_2026(cal: WorkingCalendar) -> None:
    # Tue 17 Mar 2026 + 3 WD: 18 (cuti Nyepi), 19 (Nyepi), 20 (cuti), 21-22
    # (Idul Fitri, weekend), 23-24 (cuti) are all off; Wed 25 (1), Thu 26 (2),
    # Fri 27 (3).
    assert cal.add_working_days(wib(2026, 3, 17, 10), 3) == end_of_day_utc(2026, 3, 27)
    # Fri 13 Mar + 5 WD: Mon 16 (1), Tue 17 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5).
    assert cal.add_working_days(wib(2026, 3, 13, 14), 5) == end_of_day_utc(2026, 3, 27)


def test_start_inside_lebaran(cal: WorkingCalendar) -> None:
    # Reported on Idul Fitri itself (Sat 21 Mar): Wed 25 is day 1, Thu 26 day 2.
    assert cal.add_working_days(wib(2026, 3, 21, 8), 2) == end_of_day_utc(2026, 3, 26)


def test_year_end(cal: WorkingCalendar) -> None:
    # Wed 23 Dec 2026 + 5 WD: 24 (cuti Natal), 25 (Natal), 26-27 (weekend) off;
    # Mon 28 (1), Tue 29 (2), Wed 30 (3), Thu 31 (4); Fri 1 Jan 2027 (Tahun Baru)
    # and 2-3 Jan (weekend) off; Mon 4 Jan (5).
    assert cal.add_working_days(wib(2026, 12, 23, 9), 5) == end_of_day_utc(2027, 1, 4)
    # Thu 31 Dec + 1 WD -> Mon 4 Jan 2027.
    assert cal.add_working_days(wib(2026, 12, 31, 16), 1) == end_of_day_utc(2027, 1, 4)


def test_ten_working_days_crosses_two_weekends(cal: WorkingCalendar) -> None:
    # Mon 6 Jul 2026 + 10 WD: 7,8,9,10 (4), 13..17 (9), Mon 20 (10).
    assert cal.add_working_days(wib(2026, 7, 6, 11), 10) == end_of_day_utc(2026, 7, 20)


def test_zero_working_days(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wib(2026, 4, 13, 10), 0) == end_of_day_utc(2026, 4, 13)
    # On a Saturday, "today" is the next working day.
    assert cal.add_working_days(wib(2026, 4, 11, 10), 0) == end_of_day_utc(2026, 4, 13)


def test_rejects_naive_and_negative(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(dt.datetime(2026, 4, 13, 10), 1)
    with pytest.raises(ValueError, match=">= 0"):
        cal.add_working_days(wib(2026, 4, 13, 10), -1)


# --- overrides -----------------------------------------------------------------

OVERRIDES = {
    "_about": "comments are ignored",
    "years": {
        "2026": {
            "add": [{"date": "2026-04-08", "name": "Libur contoh"}],
            "remove": [{"date": "2026-04-03", "reason": "contoh: Jumat Agung jadi hari kerja"}],
        }
    },
}


def test_override_removes_and_adds_a_day() -> None:
    plain = WorkingCalendar()
    custom = WorkingCalendar(OVERRIDES)

    assert plain.is_working_day(dt.date(2026, 4, 3)) is False
    assert custom.is_working_day(dt.date(2026, 4, 3)) is True
    assert custom.holiday_name(dt.date(2026, 4, 3)) is None
    assert plain.is_working_day(dt.date(2026, 4, 8)) is True
    assert custom.is_working_day(dt.date(2026, 4, 8)) is False
    assert custom.holiday_name(dt.date(2026, 4, 8)) == "Libur contoh"

    start = wib(2026, 4, 2, 10)  # Thursday
    # Plain: Fri 3 (Good Friday) off, 4-5 weekend; Mon 6 (1), Tue 7 (2), Wed 8 (3).
    assert plain.add_working_days(start, 3) == end_of_day_utc(2026, 4, 8)
    # Custom: Fri 3 (1), Mon 6 (2), Tue 7 (3).
    assert custom.add_working_days(start, 3) == end_of_day_utc(2026, 4, 7)
    # Custom + 4: Wed 8 is now off, so Thu 9 (4). Plain + 4: Thu 9 (4) as well.
    assert custom.add_working_days(start, 4) == end_of_day_utc(2026, 4, 9)
    assert plain.add_working_days(start, 4) == end_of_day_utc(2026, 4, 9)


def test_removing_a_weekend_day_keeps_it_off() -> None:
    # 21 Mar 2026 is Idul Fitri and a Saturday: removing the holiday does not
    # make a Saturday a working day.
    custom = WorkingCalendar({"years": {"2026": {"remove": [{"date": "2026-03-21"}]}}})
    assert custom.holiday_name(dt.date(2026, 3, 21)) is None
    assert custom.is_working_day(dt.date(2026, 3, 21)) is False


def test_override_date_must_match_year() -> None:
    with pytest.raises(ValidationError, match="filed under year 2027"):
        WorkingCalendar({"years": {"2027": {"add": [{"date": "2026-04-08", "name": "x"}]}}})


def test_override_cannot_add_and_remove_same_day() -> None:
    with pytest.raises(ValidationError, match="both added and removed"):
        WorkingCalendar(
            {
                "years": {
                    "2026": {
                        "add": [{"date": "2026-04-08", "name": "x"}],
                        "remove": [{"date": "2026-04-08"}],
                    }
                }
            }
        )


def test_data_file_entries_apply_and_example_is_not_loaded() -> None:
    raw = json.loads((DATA / "holiday_overrides.json").read_text(encoding="utf-8"))
    assert raw["_about"]
    parsed = HolidayOverrides.model_validate(raw)
    assert parsed.years[2026].add, "2026 cuti bersama should be pinned"
    for year in parsed.years.values():
        for added in year.add:
            assert default_calendar().holiday_name(added.date) == added.name
            assert default_calendar().is_working_day(added.date) is False
        for removed in year.remove:
            assert default_calendar().holiday_name(removed.date) is None
    # The "_example" block (Wed 24 Nov 2027 as a day off) must not be applied.
    assert default_calendar().is_working_day(dt.date(2027, 11, 24)) is True


def test_default_calendar_loads_data_file_and_is_cached() -> None:
    assert default_calendar() is default_calendar()
    # Pinned in holiday_overrides.json (SKB 2026).
    assert default_calendar().holiday_name(dt.date(2026, 5, 15)) == ("Cuti Bersama Kenaikan Yesus Kristus")


# --- add_hours -----------------------------------------------------------------


def test_add_hours_is_wall_clock(cal: WorkingCalendar) -> None:
    # Rabeg 1x24 jam from Fri 20 Mar 2026 10:00 WIB (a cuti bersama) lands on
    # Sat 21 Mar 10:00 WIB = 03:00 UTC: holidays are not skipped.
    result = cal.add_hours(wib(2026, 3, 20, 10), 24)
    assert result == dt.datetime(2026, 3, 21, 3, 0, tzinfo=UTC)
    assert result.utcoffset() == dt.timedelta(0)
    # 3x24 jam from Fri 10 Apr 15:30 WIB -> Mon 13 Apr 15:30 WIB = 08:30 UTC.
    assert cal.add_hours(wib(2026, 4, 10, 15, 30), 72) == dt.datetime(2026, 4, 13, 8, 30, tzinfo=UTC)
    # Fractional hours.
    assert cal.add_hours(wib(2026, 4, 10, 15), 1.5) == dt.datetime(2026, 4, 10, 9, 30, tzinfo=UTC)


def test_add_hours_rejects_naive(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_hours(dt.datetime(2026, 4, 10, 15), 24)


# --- working_days_between ------------------------------------------------------


def test_between_zero_when_not_after(cal: WorkingCalendar) -> None:
    a = wib(2026, 4, 14, 12)
    assert cal.working_days_between(a, a) == 0
    assert cal.working_days_between(a, wib(2026, 4, 13, 12)) == 0


def test_between_within_and_across_days(cal: WorkingCalendar) -> None:
    # Tue 14 Apr 06:00 -> 18:00 WIB: half a working day.
    assert cal.working_days_between(wib(2026, 4, 14, 6), wib(2026, 4, 14, 18)) == 0.5
    # Tue 12:00 -> Wed 12:00: 0.5 + 0.5.
    assert cal.working_days_between(wib(2026, 4, 14, 12), wib(2026, 4, 15, 12)) == 1.0


def test_between_skips_weekend(cal: WorkingCalendar) -> None:
    # Fri 17 Apr 12:00 -> Mon 20 Apr 12:00 WIB: 0.5 (Fri) + 0 + 0 + 0.5 (Mon).
    assert cal.working_days_between(wib(2026, 4, 17, 12), wib(2026, 4, 20, 12)) == 1.0
    # Entirely within a weekend: nothing.
    assert cal.working_days_between(wib(2026, 4, 18, 1), wib(2026, 4, 19, 23)) == 0


def test_between_skips_lebaran(cal: WorkingCalendar) -> None:
    # Tue 17 Mar 00:00 -> Thu 26 Mar 00:00 WIB: Tue 17 (1) + 18..24 off + Wed 25 (1).
    assert cal.working_days_between(wib(2026, 3, 17), wib(2026, 3, 26)) == 2.0


def test_days_overdue_after_deadline(cal: WorkingCalendar) -> None:
    # Deadline end of Mon 13 Apr; now Wed 15 Apr 12:00 WIB: all of Tue + half of Wed.
    deadline = end_of_day_utc(2026, 4, 13)
    overdue = cal.working_days_between(deadline, wib(2026, 4, 15, 12))
    assert overdue == pytest.approx(1.5, abs=1e-9)


def test_between_accepts_mixed_timezones(cal: WorkingCalendar) -> None:
    # Tue 14 Apr 00:00 WIB == Mon 13 Apr 17:00 UTC; to Tue 14 Apr 06:00 UTC
    # (13:00 WIB): 13 hours of Tuesday.
    a = dt.datetime(2026, 4, 13, 17, tzinfo=UTC)
    b = dt.datetime(2026, 4, 14, 6, tzinfo=UTC)
    assert cal.working_days_between(a, b) == pytest.approx(13 / 24)


# --- gaps: calendar edges ------------------------------------------------


def test_friday_evening_utc_is_already_saturday_in_wib(cal: WorkingCalendar) -> None:
    # Fri 10 Apr 2026 17:30 UTC = Sat 11 Apr 00:30 WIB: Monday 13 is day 1, not Friday.
    start = dt.datetime(2026, 4, 10, 17, 30, tzinfo=UTC)
    assert cal.add_working_days(start, 1) == end_of_day_utc(2026, 4, 13)


def test_between_across_lebaran_and_weekend_counts_only_working_days(cal: WorkingCalendar) -> None:
    # From the end of Tue 17 Mar 2026 to Wed 25 Mar 12:00 WIB: 18-24 Mar are all off,
    # so only half of Wed 25 counts.
    a = end_of_day_utc(2026, 3, 17)
    b = wib(2026, 3, 25, 12)
    assert cal.working_days_between(a, b) == pytest.approx(0.5, abs=1e-6)


def test_year_end_between(cal: WorkingCalendar) -> None:
    # Deadline end of Wed 23 Dec 2026; now Mon 4 Jan 2027 06:00 WIB:
    # 28, 29, 30, 31 Dec (4 full days) + 0.25 of 4 Jan; 24-27 Dec and 1-3 Jan are off.
    assert cal.working_days_between(end_of_day_utc(2026, 12, 23), wib(2027, 1, 4, 6)) == pytest.approx(4.25)


def test_working_days_between_matches_counting_day_by_day() -> None:
    """The running totals give exactly what walking the days gives, over years and holidays."""
    import datetime as _dt
    import random as _random

    from chalicelib.domain.calendar import default_calendar, local_tz

    cal = default_calendar()
    tz = local_tz()

    def walk(a: _dt.datetime, b: _dt.datetime) -> float:
        if b <= a:
            return 0.0
        a_l, b_l = a.astimezone(tz), b.astimezone(tz)
        total = _dt.timedelta(0)
        day = a_l.date()
        while day <= b_l.date():
            if cal.is_working_day(day):
                start = _dt.datetime.combine(day, _dt.time.min, tzinfo=tz)
                total += min(b_l, start + _dt.timedelta(days=1)) - max(a_l, start)
            day += _dt.timedelta(days=1)
        return total / _dt.timedelta(days=1)

    rng = _random.Random(3)
    base = _dt.datetime(2024, 12, 20, tzinfo=_dt.UTC)
    for _ in range(400):
        a = base + _dt.timedelta(minutes=rng.randrange(60 * 24 * 500))
        b = a + _dt.timedelta(minutes=rng.randrange(60 * 24 * rng.choice((1, 3, 40, 400))))
        assert abs(cal.working_days_between(a, b) - walk(a, b)) < 1e-9, (a, b)
