"""What the status sync asks LAPOR! next, by need, within a call budget (data/sync_priority.json)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.calendar import WIB, default_calendar
from chalicelib.domain.models import Status
from chalicelib.domain.reference import DATA_DIR
from chalicelib.domain.sync_priority import (
    SyncCandidate,
    SyncNeedPolicy,
    Tier,
    backoff_until,
    behind_minutes,
    default_policy,
    next_due,
    plan,
    tier_of,
)

# a Monday in office hours, in a fortnight without holidays
NOW = datetime(2026, 4, 13, 10, 0, tzinfo=WIB).astimezone(UTC)
MIN = timedelta(minutes=1)
CAL = default_calendar()


def policy(calls_per_minute: int = 30) -> SyncNeedPolicy:
    """The data's policy with the goal's 5 minutes for complaints due soon, and this budget."""
    data = default_policy().model_dump(mode="json")
    data["budget"]["calls_per_minute"] = calls_per_minute
    data["every_minutes"]["due_soon"] = 5
    return SyncNeedPolicy.model_validate(data)


def acted(tid: str = "acted", now: datetime = NOW) -> SyncCandidate:
    return SyncCandidate(
        tid,
        Status.IN_PROGRESS,
        deadline=now + timedelta(days=20),
        last_check_at=now - timedelta(minutes=30),
        last_change_at=now - timedelta(days=30),
        acted_at=now - timedelta(minutes=2),
        forwarded_at=now - timedelta(days=40),
    )


def due_soon(tid: str = "due", now: datetime = NOW, hours: float = 6, checked_ago: float = 10) -> SyncCandidate:
    return SyncCandidate(
        tid,
        Status.VERIFIED,
        deadline=now + timedelta(hours=hours),
        last_check_at=now - timedelta(minutes=checked_ago),
        last_change_at=now - timedelta(days=4),
        forwarded_at=now - timedelta(days=5),
    )


def fresh(tid: str = "fresh", now: datetime = NOW) -> SyncCandidate:
    return SyncCandidate(
        tid,
        Status.FORWARDED,
        deadline=now + timedelta(days=4),
        last_check_at=now - timedelta(minutes=15),
        forwarded_at=now - timedelta(hours=2),
    )


def active(tid: str = "active", now: datetime = NOW, checked_ago: float = 180) -> SyncCandidate:
    return SyncCandidate(
        tid,
        Status.IN_PROGRESS,
        deadline=now + timedelta(days=10),
        last_check_at=now - timedelta(minutes=checked_ago),
        last_change_at=now - timedelta(days=2),
        forwarded_at=now - timedelta(days=6),
    )


def quiet(tid: str = "quiet", now: datetime = NOW, checked_ago: float = 2000) -> SyncCandidate:
    return SyncCandidate(
        tid,
        Status.IN_PROGRESS,
        deadline=now - timedelta(days=20),
        last_check_at=now - timedelta(minutes=checked_ago),
        last_change_at=now - timedelta(days=30),
        forwarded_at=now - timedelta(days=60),
    )


def test_the_data_file_explains_itself_and_loads() -> None:
    raw = json.loads((DATA_DIR / "sync_priority.json").read_text(encoding="utf-8"))
    assert raw["_about"]
    p = default_policy()
    assert p.calls_per_minute() == 30
    assert p.cost(Status.FORWARDED) == 1 and p.cost(Status.IN_PROGRESS) == 2


def test_budget_per_account_is_data() -> None:
    data = default_policy().model_dump(mode="json")
    data["budget"]["by_account"] = {"second": 12}
    p = SyncNeedPolicy.model_validate(data)
    assert p.calls_per_minute("second") == 12
    assert p.calls_per_minute("other") == p.calls_per_minute() == 30


def test_tiers() -> None:
    assert tier_of(acted(), NOW) == Tier.ACTED
    assert tier_of(due_soon(), NOW) == Tier.DUE_SOON
    assert tier_of(fresh(), NOW) == Tier.FRESH
    assert tier_of(active(), NOW) == Tier.ACTIVE
    assert tier_of(quiet(), NOW) == Tier.QUIET


def test_due_soon_means_at_most_one_working_day_away() -> None:
    friday = datetime(2026, 4, 17, 10, 0, tzinfo=WIB).astimezone(UTC)
    monday_end = CAL.add_working_days(friday, 1)  # the weekend is worth nothing
    c = replace(due_soon(now=friday), deadline=monday_end)
    assert tier_of(c, friday) == Tier.ACTIVE  # 1.58 working days left
    assert tier_of(c, friday + timedelta(hours=14)) == Tier.DUE_SOON  # Friday evening: 1.0 left
    assert tier_of(c, monday_end + MIN) != Tier.DUE_SOON  # past: the escalation sweep has it


def test_priority_order() -> None:
    cs = [quiet(), active(), fresh(), due_soon(), acted()]
    out = plan(cs, NOW, policy=policy(100))
    assert [c.tracking_id for c in out.ask] == ["acted", "due", "fresh", "active", "quiet"]
    assert out.calls == 2 + 2 + 1 + 2 + 2 and out.waiting == 0


def test_the_nearest_deadline_goes_first_and_a_quiet_check_waits_for_an_urgent_one() -> None:
    cs = [due_soon("later", hours=20, checked_ago=30), due_soon("sooner", hours=2, checked_ago=6)]
    out = plan([quiet(checked_ago=5000), *cs], NOW, policy=policy(4))
    assert [c.tracking_id for c in out.ask] == ["sooner", "later"]
    assert out.waiting == 1


def test_a_freshly_acted_on_complaint_jumps_ahead() -> None:
    just_checked = quiet(checked_ago=1)
    assert plan([just_checked], NOW).ask == ()  # not due for hours
    touched = replace(just_checked, acted_at=NOW - timedelta(seconds=20))
    out = plan([due_soon(), touched, fresh()], NOW, policy=policy(2))
    assert [c.tracking_id for c in out.ask] == ["quiet"]


def test_nothing_is_asked_until_retry_after_has_passed() -> None:
    cs = [acted(), due_soon(), fresh()]
    until = backoff_until(NOW, 120)
    assert until == NOW + timedelta(seconds=120)
    blocked = plan(cs, NOW + MIN, retry_after_until=until, policy=policy())
    assert blocked.ask == () and blocked.calls == 0 and blocked.waiting == 3
    assert all(blocked.next_due[c.tracking_id] is not None for c in cs)  # still due: nothing dropped
    assert len(plan(cs, until, retry_after_until=until, policy=policy()).ask) == 3
    assert backoff_until(NOW, None) == NOW + timedelta(seconds=default_policy().backoff_seconds)


def test_calls_already_spent_this_minute_count() -> None:
    cs = [due_soon(f"d{i}") for i in range(10)]
    assert plan(cs, NOW, spent=0, policy=policy(10)).calls == 10
    out = plan(cs, NOW, spent=7, policy=policy(10))
    assert out.calls == 2 and len(out.ask) == 1 and out.waiting == 9
    assert plan(cs, NOW, spent=12, policy=policy(10)).ask == ()


def test_final_and_local_statuses_leave_the_sync() -> None:
    for status in (Status.CLOSED, Status.REJECTED, Status.ARCHIVED, Status.RECEIVED):
        c = replace(active(), status=status)
        assert next_due(c, NOW) is None
        out = plan([c], NOW)
        assert out.ask == () and out.next_due[c.tracking_id] is None


def test_a_quiet_complaint_is_due_when_its_deadline_comes_within_reach() -> None:
    c = replace(quiet(), deadline=CAL.add_working_days(NOW, 1))  # the end of Tuesday
    assert next_due(c, NOW) == CAL.add_working_days(NOW, 0)  # the end of Monday, not a day later
    c = replace(quiet(), deadline=CAL.add_working_days(NOW, 3))
    assert next_due(c, NOW) == NOW + default_policy().every(Tier.QUIET)
    c = replace(quiet(), deadline=NOW + timedelta(hours=26))  # Tuesday noon: due soon from Monday noon
    assert next_due(c, NOW) == NOW + timedelta(hours=2)


def test_at_night_only_a_just_acted_on_complaint_keeps_its_pace() -> None:
    night = datetime(2026, 4, 13, 23, 0, tzinfo=WIB).astimezone(UTC)
    morning = datetime(2026, 4, 14, 6, 0, tzinfo=WIB).astimezone(UTC)  # office hours start (data)
    p = policy()
    assert p.office_hours.start.hour == 6 and p.off_hours_factor == 4
    assert next_due(due_soon(now=night), night, p) == night + 4 * p.every(Tier.DUE_SOON)
    assert next_due(active(now=night), night, p) == morning  # 4 x 2 h would be later: the morning's
    assert next_due(quiet(now=night), night, p) == night + p.every(Tier.QUIET)  # a day is longer anyway
    assert next_due(acted(now=night), night, p) == night + p.every(Tier.ACTED)
    assert next_due(active(), NOW, p) == NOW + p.every(Tier.ACTIVE)
    evening = datetime(2026, 4, 13, 20, 0, tzinfo=WIB).astimezone(UTC)  # a unit may answer before midnight
    assert next_due(due_soon(now=evening), evening, p) == evening + p.every(Tier.DUE_SOON)
    friday_night = datetime(2026, 4, 17, 23, 0, tzinfo=WIB).astimezone(UTC)
    assert next_due(active(now=friday_night), friday_night, p) == friday_night + 4 * p.every(Tier.ACTIVE)


def test_a_resolved_complaint_near_its_closing_is_not_urgent() -> None:
    c = replace(due_soon(), status=Status.RESOLVED)
    assert tier_of(c, NOW) != Tier.DUE_SOON


def test_behind_measures_the_oldest_late_urgent_check() -> None:
    late = due_soon(checked_ago=17)  # due for 12 minutes
    assert behind_minutes([late, quiet(checked_ago=5000)], NOW, policy()) == 12
    assert plan([late, quiet(checked_ago=5000)], NOW, policy=policy()).behind_minutes == 12
    assert behind_minutes([quiet(checked_ago=5000), active()], NOW, policy()) == 0  # only the urgent tiers count


def _run(
    cs: list[SyncCandidate], minutes: int, budget: int, spent: dict[int, int] | None = None
) -> dict[str, list[datetime]]:
    """Minute by minute, every check finding nothing new; the instants each complaint was asked."""
    p = policy(budget)
    state = {c.tracking_id: c for c in cs}
    asked: dict[str, list[datetime]] = defaultdict(list)
    for m in range(minutes):
        now = NOW + m * MIN
        already = (spent or {}).get(m, 0)
        out = plan(state.values(), now, spent=already, policy=p)
        assert out.calls + already <= budget or out.calls == 0, f"minute {m}: budget exceeded"
        assert out.calls == sum(p.cost(c.status) for c in out.ask)
        for c in out.ask:
            asked[c.tracking_id].append(now)
            state[c.tracking_id] = replace(c, last_check_at=now, due_at=out.next_due[c.tracking_id])
    return asked


def _gaps(times: list[datetime]) -> list[timedelta]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_due_tomorrow_checked_every_5_minutes_and_the_budget_never_exceeded() -> None:
    urgent = [due_soon(f"due{i}", hours=3 + i, checked_ago=i % 5) for i in range(20)]
    rest = [quiet(f"q{i}", checked_ago=1400 + i) for i in range(300)] + [active(f"a{i}") for i in range(100)]
    spent = {m: 5 for m in range(0, 120, 7)}  # the escalation sweep's refreshes
    asked = _run(urgent + rest, 120, 30, spent)
    for c in urgent:
        times = asked[c.tracking_id]
        assert times and times[0] <= NOW + 5 * MIN
        assert max(_gaps(times)) <= 5 * MIN
    assert any(asked[f"q{i}"] for i in range(300))  # the spare budget reaches the quiet ones


def test_when_short_the_quiet_ones_starve_first() -> None:
    urgent = [due_soon(f"due{i}", hours=3 + i, checked_ago=i % 5) for i in range(10)]
    mid = [active(f"a{i}") for i in range(300)]
    low = [quiet(f"q{i}", checked_ago=2000) for i in range(40)]
    asked = _run(urgent + mid + low, 120, 8)  # 4 checks a minute: the urgent ones need 2
    for c in urgent:
        assert max(_gaps(asked[c.tracking_id])) <= 5 * MIN
    assert sum(len(asked[c.tracking_id]) for c in mid) >= 200  # all the rest of the budget
    assert not any(asked[c.tracking_id] for c in low)


@pytest.mark.parametrize("budget", [1, 3, 7])
def test_a_check_that_does_not_fit_ends_the_minute(budget: int) -> None:
    cs = [due_soon(f"d{i}") for i in range(5)] + [fresh(f"f{i}") for i in range(5)]
    out = plan(cs, NOW, policy=policy(budget))
    assert out.calls <= budget
    assert [c.tracking_id for c in out.ask] == [c.tracking_id for c in sorted(cs[:5], key=lambda c: c.deadline or NOW)][
        : budget // 2
    ]
