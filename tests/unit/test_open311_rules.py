"""Open311 rules in the domain: open/closed, W3C datetimes, the date window, attributes into fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import open311
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.models import Status

NOW = datetime(2025, 3, 10, 5, 0, tzinfo=UTC)


def problem(err: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, str]:
    [p] = err.value.problems
    assert p.message_id != p.message_en
    return p.field, p.reason


def test_open_and_closed_from_our_lifecycle() -> None:
    closed = {s for s in Status if open311.status_of(s) == open311.CLOSED}
    assert closed == {Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.ARCHIVED, Status.DUPLICATE}
    assert open311.status_of(Status.RETURNED) == open311.OPEN  # with the coordinator: still being handled
    assert open311.status_of(Status.NEEDS_ATTENTION) == open311.OPEN
    assert set(open311.statuses_for({"open", "closed"})) == {s.value for s in Status} - {
        "emergency",
        "awaiting_confirmation",
    }
    assert "resolved" in open311.statuses_for({"closed"}) and "resolved" not in open311.statuses_for({"open"})


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025-01-31T00:00:00Z", datetime(2025, 1, 31, tzinfo=UTC)),
        ("2025-01-31T07:00:00+07:00", datetime(2025, 1, 31, tzinfo=UTC)),
        ("2025-01-31T07:00:00 07:00", datetime(2025, 1, 31, tzinfo=UTC)),  # '+' sent unencoded in a URL
        ("2025-01-31", datetime(2025, 1, 30, 17, tzinfo=UTC)),  # midnight in the city (WIB)
        ("2025-01-31T00:00:00.123-05:00", datetime(2025, 1, 31, 5, 0, 0, 123000, tzinfo=UTC)),
    ],
)
def test_w3c_datetimes_are_read_with_their_zone(text: str, expected: datetime) -> None:
    assert open311.parse_w3c(text, "start_date") == expected


@pytest.mark.parametrize(
    "text,reason",
    [
        ("2025-01-31T00:00:00", "invalid_datetime"),
        ("yesterday", "invalid_datetime"),
        ("", "invalid_datetime"),
        ("2025-13-01", "invalid_datetime"),
        ("9" * 100, "invalid_datetime"),
        ("0001-01-01T00:00:00Z", "out_of_range"),
        ("9999-12-31T23:59:59Z", "out_of_range"),
    ],
)
def test_bad_datetimes_are_refused_naming_the_field(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        open311.parse_w3c(text, "end_date")
    assert problem(err) == ("end_date", reason)


def test_w3c_output_has_the_offset_and_whole_seconds() -> None:
    assert open311.w3c(datetime(2025, 1, 31, 0, 0, 0, 999999, tzinfo=UTC)) == "2025-01-31T07:00:00+07:00"
    assert open311.w3c(None) is None


def test_window_defaults_to_the_last_90_days_and_never_spans_more() -> None:
    days = timedelta(days=90)
    assert open311.window(None, None, NOW) == (NOW - days, NOW)
    assert open311.window(NOW - timedelta(days=10), None, NOW) == (NOW - timedelta(days=10), NOW + timedelta(days=80))
    assert open311.window(None, NOW, NOW) == (NOW - days, NOW)
    assert open311.window(NOW - days, NOW, NOW) == (NOW - days, NOW)
    with pytest.raises(InvalidInput) as err:
        open311.window(NOW - days - timedelta(seconds=1), NOW, NOW)
    assert problem(err) == ("end_date", "window_too_long")
    with pytest.raises(InvalidInput) as err:
        open311.window(NOW, NOW - timedelta(seconds=1), NOW)
    assert problem(err) == ("start_date", "after_end_date")


def test_months_of_a_window_newest_first_across_a_year() -> None:
    start, end = datetime(2024, 11, 30, 23, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    assert open311.months_newest_first(start, end) == ["2025-02", "2025-01", "2024-12", "2024-11"]
    # the months are UTC's, like the index keys: 07:00 WIB on 1 March is still February in UTC
    assert open311.months_newest_first(
        open311.parse_w3c("2025-03-01", "s"), open311.parse_w3c("2025-03-01T06:59:59+07:00", "e")
    ) == ["2025-02"]


def test_attributes_fill_complaint_fields() -> None:
    got = open311.submission_fields(
        {
            "kelurahan": ["36.73.01.1002"],
            "severity": [" berat "],
            "title": ["Judul"],
            "anonymous": ["true"],
            "confidential": ["false"],
            "report_url": ["x"],
        }
    )
    assert got == {
        "location.kelurahan_code": "36.73.01.1002",
        "severity": "berat",
        "title": "Judul",
        "anonymous": True,
        "confidential": False,
    }
    assert open311.submission_fields({"severity": ["", " "]}) == {}  # empty is the same as absent


@pytest.mark.parametrize(
    "given,reason",
    [
        ({"severity": ["parah"]}, "not_in_list"),
        ({"kelurahan": ["36.73.01.1002", "36.73.01.1001"]}, "single_value"),
        ({"title": ["x" * 201]}, "string_too_long"),
        ({"anonymous": ["yes"]}, "not_in_list"),
    ],
)
def test_attribute_values_outside_the_definition_are_refused(given: dict[str, list[str]], reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        open311.submission_fields(given)
    field, got = problem(err)
    assert field == f"attribute[{next(iter(given))}]" and got == reason


def test_the_jurisdiction_and_services_are_data() -> None:
    open311.check_jurisdiction(None)
    open311.check_jurisdiction("SerangKota.go.id")
    with pytest.raises(open311.UnknownJurisdiction):
        open311.check_jurisdiction("sfgov.org")
    with pytest.raises(open311.UnknownService):
        open311.require_service("nope")
    with pytest.raises(InvalidInput):
        open311.require_service("")
    assert open311.service_notice(None) is None and "Dinas X" in (open311.service_notice("Dinas X") or "")
