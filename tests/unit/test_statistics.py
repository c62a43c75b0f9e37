"""The public figures against hand-worked cases (pure: no AWS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chalicelib.domain import statistics as st
from chalicelib.domain.calendar import default_calendar

WIB = dt.timezone(dt.timedelta(hours=7))
UNITS = {
    "opd:dpupr": st.UnitInfo("opd:dpupr", "Dinas PUPR", "opd"),
    "opd:dlh": st.UnitInfo("opd:dlh", "Dinas LH", "opd"),
    "kec:36.73.01": st.UnitInfo("kec:36.73.01", "Kecamatan Serang", "kecamatan"),
    "kel:36.73.01.1002": st.UnitInfo("kel:36.73.01.1002", "Kelurahan X", "kelurahan", kecamatan="kec:36.73.01"),
    "kel:36.73.01.1003": st.UnitInfo("kel:36.73.01.1003", "Kelurahan Y", "kelurahan", kecamatan="kec:36.73.01"),
}


def utc(text: str) -> str:
    """A WIB wall-clock time as the UTC ISO text the items store."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=WIB).astimezone(dt.UTC).isoformat()


def complaint(**kw: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "tracking_id": "SRG-TEST-0001",
        "status": "in_progress",
        "channel": "app",
        "created_at": utc("2026-08-14T10:00"),
        "unit": {"code": "opd:dpupr", "name": "Dinas PUPR"},
        "location": {"kelurahan_code": "36.73.01.1002"},
        "kecamatan_code": "36.73.01",
        "severity": "sedang",
    }
    item.update(kw)
    return item


def test_first_response_across_a_weekend_and_a_holiday_is_one_working_day() -> None:
    # Fri 14 Aug 10:00 -> Tue 18 Aug 10:00 WIB; Sat, Sun and Mon 17 Aug (Independence Day) do not count:
    # Friday 14 of 24 hours + Tuesday 10 of 24 hours = 1.0 working day
    assert default_calendar().holiday_name(dt.date(2026, 8, 17))
    c = st.contribution(complaint(first_response_at=utc("2026-08-18T10:00")))
    edges = st.config().histogram_edges
    assert c["u|opd:dpupr|f.2"] == 1 and edges[2] == 1  # the "<= 1 working day" bucket
    assert c["p|kel:36.73.01.1002|f.2"] == 1


def test_histogram_percentile_is_the_upper_edge_of_the_nearest_rank_bucket() -> None:
    edges = [0.25, 0.5, 1, 1.5, 2, 2.5, 3]
    hist = {0: 1, 2: 3, 5: 1}  # five values: one <= 0.25, three in (0.5, 1], one in (2, 2.5]
    assert st.percentile(hist, 0.5, edges) == 1  # rank ceil(2.5) = 3: the third value
    assert st.percentile(hist, 0.9, edges) == 2.5  # rank ceil(4.5) = 5: the last value
    assert st.percentile({}, 0.5, edges) is None
    assert st.bucket_of(0, edges) == 0 and st.bucket_of(1.0001, edges) == 3 and st.bucket_of(99, edges) == 6


def test_reopened_complaint_keeps_its_first_response_and_is_not_on_time() -> None:
    quick = complaint(status="resolved", first_response_at=utc("2026-08-14T12:00"), resolved_at=utc("2026-08-18T09:00"))
    c = st.contribution(quick)
    assert c["u|opd:dpupr|ot"] == 1 and c["u|opd:dpupr|r"] == 1
    reopened = st.contribution({**quick, "reopen_count": 1, "resolved_at": utc("2026-08-19T09:00")})
    assert "u|opd:dpupr|ot" not in reopened
    assert reopened["u|opd:dpupr|ro"] == 1 and reopened["u|opd:dpupr|er"] == 1
    assert reopened["u|opd:dpupr|f.0"] == 1  # 2 hours: still the first answer's bucket
    still_open = st.contribution({**quick, "reopen_count": 1, "status": "in_progress"})
    assert still_open["u|opd:dpupr|o"] == 1 and still_open["u|opd:dpupr|er"] == 1  # resolved once: in the rate


def test_on_time_means_within_the_chained_stage_deadlines() -> None:
    created = dt.datetime.fromisoformat(utc("2026-08-14T10:00"))
    deadline = st.resolution_deadline(created, "sedang", ["forwarded", "verified", "in_progress"], default_calendar())
    # 3 working days (Mon 17 is a holiday: Tue 18, Wed 19, Thu 20) + 72 h (end of Sun 23) + 5 working days
    # (Mon 24, Tue 25 is Maulid Nabi, Wed 26, Thu 27, Fri 28, Mon 31): the end of Monday 31 August
    assert default_calendar().holiday_name(dt.date(2026, 8, 25))
    assert deadline == dt.datetime(2026, 8, 31, 23, 59, 59, 999999, tzinfo=WIB)
    late = st.contribution(complaint(status="closed", closed_how="confirmed", resolved_at=utc("2026-09-01T08:00")))
    assert late["u|opd:dpupr|r"] == 1 and "u|opd:dpupr|ot" not in late


def test_a_move_counts_for_the_resolving_unit_and_against_the_first() -> None:
    c = st.contribution(
        complaint(status="resolved", resolved_at=utc("2026-08-18T10:00"), moved_from=["kel:36.73.01.1002", "opd:dlh"])
    )
    assert c["u|opd:dpupr|n"] == 1 and c["u|opd:dpupr|r"] == 1
    assert c["u|kel:36.73.01.1002|m"] == 1 and c["u|opd:dlh|m"] == 1
    assert "u|kel:36.73.01.1002|n" not in c and "u|opd:dlh|r" not in c
    assert c["p|kel:36.73.01.1002|m"] == 1  # by place: one complaint that was moved


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "duplicate", "duplicate_of": "SRG-AAAA-BBBB"},
        {"status": "closed", "duplicate_of": "SRG-AAAA-BBBB"},
        {"status": "emergency", "channel": "call112"},
        {"status": "awaiting_confirmation", "channel": "call112"},
        {"status": "closed", "closed_how": "dismissed", "channel": "call112"},
    ],
)
def test_duplicates_emergencies_and_unconfirmed_calls_are_not_counted(extra: dict[str, Any]) -> None:
    c = st.contribution(complaint(**extra))
    assert not any("|n" in k for k in c)
    assert set(c) <= {"nf"}


def test_a_change_adds_only_its_difference() -> None:
    before = st.contribution(complaint(status="verified", deadline=utc("2026-08-21T23:59:59.999999")))
    after = st.contribution(
        complaint(status="resolved", resolved_at=utc("2026-08-18T10:00"), first_response_at=utc("2026-08-18T10:00"))
    )
    d = st.diff(before, after)
    assert d["u|opd:dpupr|o"] == -1 and d["u|opd:dpupr|r"] == 1 and d["u|opd:dpupr|d.2026082116"] == -1
    assert "u|opd:dpupr|n" not in d  # received once, whatever happens next
    totals = dict(before)
    st.add(totals, d)
    assert {k: v for k, v in totals.items() if v} == after


def _days(*items: dict[str, Any]) -> dict[dt.date, st.Counters]:
    return st.by_day(items)


def test_rollup_overdue_backlog_windows_ranking_and_levels() -> None:
    now = dt.datetime.fromisoformat(utc("2026-08-28T12:00"))
    items = [
        # five complaints to PUPR from kelurahan X: enough to be ranked
        *(
            complaint(
                tracking_id=f"A{i}",
                created_at=utc("2026-08-20T09:00"),
                status="verified",
                deadline=utc("2026-08-25T23:59:59.999999"),
            )
            for i in range(3)
        ),
        complaint(
            tracking_id="A3", created_at=utc("2026-08-27T09:00"), status="verified", deadline=utc("2026-08-28T12:30")
        ),  # due later this hour: not overdue yet
        complaint(
            tracking_id="A4",
            created_at=utc("2026-06-01T09:00"),
            status="resolved",
            resolved_at=utc("2026-06-03T09:00"),
            rating_stars=4,
        ),
        # one for kelurahan Y's own desk, reported in Y
        complaint(
            tracking_id="B0",
            created_at=utc("2026-08-26T09:00"),
            status="in_progress",
            unit={"code": "kel:36.73.01.1003", "name": "Kelurahan Y"},
            location={"kelurahan_code": "36.73.01.1003"},
        ),
    ]
    fig = st.rollup(_days(*items), now, UNITS)
    pupr = fig.row("30d", "opd", "unit", "opd:dpupr")
    assert pupr is not None
    assert (pupr["received"], pupr["open"], pupr["overdue"], pupr["ranked"]) == (4, 4, 3, False)
    assert pupr["backlog_by_age"] == {"0-3": 1, "4-10": 3, "11-30": 0, ">30": 0}  # 20 Aug -> 28 Aug: 6 working days
    year = fig.row("365d", "opd", "unit", "opd:dpupr")
    assert year is not None and year["received"] == 5 and year["ranked"] is True
    assert (year["resolved"], year["rating_avg"], year["rating_count"], year["resolved_on_time_share"]) == (1, 4, 1, 1)
    assert year["open"] == 4  # the state now is the same in every window
    june = fig.row("2026-06", "opd", "unit", "opd:dpupr")
    assert june is not None and june["received"] == 1 and june["resolved"] == 1
    # a kecamatan (by unit) takes its kelurahan's desks; by place, every complaint located in it
    kec_unit = fig.row("30d", "kecamatan", "unit", "kec:36.73.01")
    kec_place = fig.row("30d", "kecamatan", "place", "kec:36.73.01")
    assert kec_unit is not None and kec_place is not None
    assert kec_unit["received"] == 1 and kec_place["received"] == 5
    city = fig.row("30d", "city", "unit", "city")
    assert city is not None and city["received"] == 5 and city["overdue"] == 3
    assert fig.row("30d", "kelurahan", "place", "kel:36.73.01.1003")["received"] == 1  # type: ignore[index]
    # every known unit is shown, even with nothing
    assert set(fig.flow[("30d", "opd", "unit")]) == {"opd:dpupr", "opd:dlh"}
    assert fig.oldest_open_day == dt.date(2026, 6, 1)  # resolved may still be reopened: not final


def test_windows_and_months() -> None:
    today = dt.date(2026, 3, 15)
    cfg = st.config()
    assert st.window_days("30d", today, cfg) == (dt.date(2026, 2, 14), today)
    assert st.window_days("2024-02", today, cfg) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert st.last_months(today, 3) == ["2026-01", "2026-02", "2026-03"]
    assert st.age_in_working_days(dt.date(2026, 8, 14), dt.date(2026, 8, 18), default_calendar()) == 1
