"""What do we ask LAPOR! next? The status sync's choice by need, within a call budget.

LAPOR! has no push: a change there (a status, a unit's follow-up) reaches the hub only
when the hub asks, and one LAPOR! account may be asked only so often a minute. So the
calls go where a change is likely and matters most, most urgent first
(data/sync_priority.json):

1. ``acted``: the reporter or an operator just acted on it in the hub (LAPOR! often
   answers that within the hour);
2. ``due_soon``: its deadline (of the stage, or of the escalation rung it is at) is at
   most one working day away: an answer there stops an escalation;
3. ``fresh``: forwarded a few hours ago (LAPOR! verifies many quickly), or just changed;
4. ``active``: changed this week;
5. ``quiet``: the rest, checked about once a day.

Each tier says how long after a check a complaint is due again; a due complaint waits
while more urgent ones use the minute's budget, so when the budget is short the lag
grows for the quietest first. Nothing is asked while LAPOR!'s Retry-After runs.
:func:`plan` is one sweep's decision; :func:`next_due` is the next-check instant the
sync index holds (``sync_sk``); :attr:`SyncPlan.behind_minutes` is how late the most
urgent checks are (a metric and its alarm).

Pure: the caller reads the candidates, counts the calls it made, and writes the
instants back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain.calendar import WIB, WorkingCalendar, default_calendar
from chalicelib.domain.models import AT_LAPOR_STATUSES, Status
from chalicelib.domain.reference import load_json

__all__ = [
    "URGENT_TIERS",
    "SyncCandidate",
    "SyncNeedPolicy",
    "SyncPlan",
    "Tier",
    "backoff_until",
    "behind_minutes",
    "default_policy",
    "next_due",
    "plan",
    "tier_of",
]

_DAY = dt.timedelta(days=1)


class Tier(IntEnum):
    """How urgently a complaint needs a check; a lower value goes first."""

    ACTED = 0
    DUE_SOON = 1
    FRESH = 2
    ACTIVE = 3
    QUIET = 4


#: The tiers whose lag the "sync behind" measure watches.
URGENT_TIERS = frozenset({Tier.ACTED, Tier.DUE_SOON})
#: Tiers checked as often at night as by day: someone just acted, or the complaint was just
#: forwarded or just changed (few are, and the night's budget is otherwise idle).
_ALWAYS = frozenset({Tier.ACTED, Tier.FRESH})


class Budget(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    calls_per_minute: int = Field(gt=0)
    by_account: dict[str, int] = Field(default_factory=dict)


class OfficeHours(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    start: dt.time
    end: dt.time

    @model_validator(mode="after")
    def _ordered(self) -> OfficeHours:
        if self.end <= self.start:
            raise ValueError("office hours must end after they start")
        return self


class SyncNeedPolicy(BaseModel):
    """data/sync_priority.json: the budget, the tiers and their intervals."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    budget: Budget
    calls_per_check: dict[Status, int] = Field(default_factory=dict)
    default_calls_per_check: int = Field(default=2, gt=0)
    acted_window_minutes: float = Field(ge=0)
    due_soon_working_days: float = Field(ge=0)
    due_soon_statuses: frozenset[Status]
    fresh_window_minutes: float = Field(ge=0)
    changed_window_minutes: float = Field(ge=0)
    quiet_after_days: float = Field(gt=0)
    every_minutes: dict[str, float]
    office_hours: OfficeHours
    off_hours_factor: float = Field(default=1, ge=1)
    backoff_seconds: float = Field(default=60, ge=0)

    @model_validator(mode="after")
    def _every_tier(self) -> SyncNeedPolicy:
        names = {t.name.lower() for t in Tier}
        missing = names - set(self.every_minutes)
        if missing:
            raise ValueError(f"every_minutes lacks {sorted(missing)}")
        if any(v <= 0 for v in self.every_minutes.values()):
            raise ValueError("every_minutes must be positive")
        if any(v <= 0 for v in self.calls_per_check.values()):
            raise ValueError("calls_per_check must be positive")
        return self

    def scaled(self, durations: float = 1, budget: float = 1) -> SyncNeedPolicy:
        """Every interval and window times `durations` (local demos), every budget times
        `budget` (the tests' shared table); the office hours and the calendar stay."""
        if durations == 1 and budget == 1:
            return self
        if durations <= 0 or budget <= 0:
            raise ValueError("the sync policy's scales must be positive")
        data = self.model_dump(mode="json")
        for name in ("acted_window_minutes", "fresh_window_minutes", "changed_window_minutes", "quiet_after_days"):
            data[name] *= durations
        data["every_minutes"] = {k: v * durations for k, v in self.every_minutes.items()}
        data["backoff_seconds"] *= durations
        data["budget"] = {
            "calls_per_minute": max(1, round(self.budget.calls_per_minute * budget)),
            "by_account": {k: max(1, round(v * budget)) for k, v in self.budget.by_account.items()},
        }
        return SyncNeedPolicy.model_validate(data)

    def calls_per_minute(self, account: str | None = None) -> int:
        """The budget of one LAPOR! account."""
        if account is not None and account in self.budget.by_account:
            return self.budget.by_account[account]
        return self.budget.calls_per_minute

    def cost(self, status: Status) -> int:
        """LAPOR! calls one check of a complaint in this status makes."""
        return self.calls_per_check.get(status, self.default_calls_per_check)

    def every(self, tier: Tier) -> dt.timedelta:
        return dt.timedelta(minutes=self.every_minutes[tier.name.lower()])


@lru_cache(maxsize=1)
def default_policy() -> SyncNeedPolicy:
    return SyncNeedPolicy.model_validate(load_json("sync_priority.json"))


@dataclass(frozen=True)
class SyncCandidate:
    """What the sync knows of one forwarded complaint (all instants timezone-aware).

    ``deadline``: of the current stage, or of the escalation rung it is at (the one the
    due index holds). ``acted_at``: the last time the reporter or an operator acted on it
    in the hub. ``due_at``: the next-check instant the sync index holds now, if any.
    """

    tracking_id: str
    status: Status
    deadline: dt.datetime | None = None
    last_check_at: dt.datetime | None = None
    last_change_at: dt.datetime | None = None
    acted_at: dt.datetime | None = None
    forwarded_at: dt.datetime | None = None
    due_at: dt.datetime | None = None


@dataclass(frozen=True)
class SyncPlan:
    """One sweep's decision."""

    #: the complaints to ask now, most urgent first
    ask: tuple[SyncCandidate, ...]
    #: per tracking id, the next-check instant to hold (None: no more checks). An asked
    #: complaint's assumes its check finds no change (after a change, :func:`next_due`
    #: again); one left waiting keeps the instant it is due at.
    next_due: Mapping[str, dt.datetime | None]
    #: LAPOR! calls the asked checks make
    calls: int
    #: due complaints not asked (budget spent, or LAPOR!'s Retry-After)
    waiting: int
    #: how late the most urgent due check is, in minutes (0 when none is late)
    behind_minutes: float


# --- working time ------------------------------------------------------------


def _shift_working(at: dt.datetime, days: float, calendar: WorkingCalendar) -> dt.datetime:
    """The instant `days` working days after `at` (before it when negative), measured as
    :meth:`WorkingCalendar.working_days_between` does (each working day worth its 24 h)."""
    left = abs(days) * _DAY
    forward = days >= 0
    local = at.astimezone(WIB)
    tick = dt.timedelta(microseconds=1)
    for _ in range(3660):  # ten years of days: a calendar without working days is a bug
        day = local.date() if forward else (local - tick).date()  # the day we walk through
        start = dt.datetime.combine(day, dt.time.min, tzinfo=WIB)
        edge = start + _DAY if forward else start
        room = abs(edge - local) if calendar.is_working_day(day) else dt.timedelta(0)
        if room >= left:
            return (local + left if forward else local - left).astimezone(dt.UTC)
        left -= room
        local = edge
    raise ValueError("no working day within ten years")


def in_office_hours(now: dt.datetime, policy: SyncNeedPolicy, calendar: WorkingCalendar) -> bool:
    """Whether `now` is in the policy's office hours of a working day (WIB): outside them the
    sync checks less often."""
    local = now.astimezone(WIB)
    if not calendar.is_working_day(local.date()):
        return False
    return policy.office_hours.start <= local.time() < policy.office_hours.end


def _office_starts(now: dt.datetime, policy: SyncNeedPolicy, calendar: WorkingCalendar) -> dt.datetime:
    """The next start of office hours after `now` (the next day's when inside them)."""
    local = now.astimezone(WIB)
    day = local.date()
    if not (calendar.is_working_day(day) and local.time() < policy.office_hours.start):
        day = calendar.next_working_day(day)
    return dt.datetime.combine(day, policy.office_hours.start, tzinfo=WIB).astimezone(dt.UTC)


# --- the rule ----------------------------------------------------------------


@dataclass(frozen=True)
class _Now:
    """What a decision at `now` needs, worked out once for all candidates (a sweep weighs hundreds)."""

    now: dt.datetime
    horizon: dt.datetime  # a deadline up to here is due soon
    every: Mapping[Tier, dt.timedelta]  # office hours or not already applied
    acted: dt.timedelta
    fresh: dt.timedelta
    changed: dt.timedelta
    quiet: dt.timedelta
    policy: SyncNeedPolicy
    calendar: WorkingCalendar


def _at(now: dt.datetime, policy: SyncNeedPolicy, calendar: WorkingCalendar) -> _Now:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    office = in_office_hours(now, policy, calendar)
    wake = _office_starts(now, policy, calendar) - now
    every = {
        # at night a check waits longer, but no longer than until the office hours start
        t: policy.every(t)
        if office or t in _ALWAYS
        else max(policy.every(t), min(policy.every(t) * policy.off_hours_factor, wake))
        for t in Tier
    }
    return _Now(
        now,
        _shift_working(now, policy.due_soon_working_days, calendar),
        every,
        dt.timedelta(minutes=policy.acted_window_minutes),
        dt.timedelta(minutes=policy.fresh_window_minutes),
        dt.timedelta(minutes=policy.changed_window_minutes),
        dt.timedelta(days=policy.quiet_after_days),
        policy,
        calendar,
    )


def _tier(c: SyncCandidate, n: _Now) -> Tier:
    now = n.now
    if c.acted_at is not None and c.acted_at <= now and now - c.acted_at < n.acted:
        return Tier.ACTED
    if c.deadline is not None and now < c.deadline <= n.horizon and c.status in n.policy.due_soon_statuses:
        return Tier.DUE_SOON
    if c.last_change_at is not None and c.last_change_at <= now and now - c.last_change_at < n.changed:
        return Tier.FRESH
    if (
        c.status == Status.FORWARDED
        and c.forwarded_at is not None
        and c.forwarded_at <= now
        and now - c.forwarded_at < n.fresh
    ):
        return Tier.FRESH
    last = c.last_change_at or c.forwarded_at
    if last is None or now - last < n.quiet:
        return Tier.ACTIVE
    return Tier.QUIET


def _every(tier: Tier, n: _Now) -> dt.timedelta:
    return n.every[tier]


def _needed_at(c: SyncCandidate, tier: Tier, n: _Now) -> dt.datetime:
    """When the complaint needs its next check, by what is known now."""
    if c.last_check_at is None:
        needed = c.forwarded_at or n.now
    else:
        needed = c.last_check_at + _every(tier, n)
    if c.acted_at is not None and (c.last_check_at is None or c.acted_at > c.last_check_at):
        needed = min(needed, c.acted_at)  # an action since the last check: due at once
    if c.due_at is not None:
        needed = min(needed, c.due_at)
    return needed


def _next_due(c: SyncCandidate, n: _Now) -> dt.datetime | None:
    if c.status not in AT_LAPOR_STATUSES:
        return None
    tier = _tier(c, n)
    at = n.now + _every(tier, n)
    if tier > Tier.DUE_SOON and c.deadline is not None and c.deadline > n.now:
        # due again when the deadline comes within reach, even inside a long quiet interval
        soon = _shift_working(c.deadline, -n.policy.due_soon_working_days, n.calendar)
        at = min(at, max(soon, n.now))
    return at


def tier_of(
    c: SyncCandidate,
    now: dt.datetime,
    policy: SyncNeedPolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> Tier:
    """How urgently the complaint needs a check now."""
    return _tier(c, _at(now, policy or default_policy(), calendar or default_calendar()))


def next_due(
    c: SyncCandidate,
    now: dt.datetime,
    policy: SyncNeedPolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> dt.datetime | None:
    """The next-check instant after a check at `now` (with `c` as that check left it), or
    None when the complaint is no longer polled (final, or not at LAPOR!). It comes no later
    than the moment the complaint's deadline is within the due-soon reach."""
    return _next_due(c, _at(now, policy or default_policy(), calendar or default_calendar()))


def backoff_until(
    now: dt.datetime, retry_after_seconds: float | None, policy: SyncNeedPolicy | None = None
) -> dt.datetime:
    """Until when to ask LAPOR! nothing after a 429: its Retry-After, or the policy's back-off."""
    p = policy or default_policy()
    wait = p.backoff_seconds if retry_after_seconds is None else max(0.0, retry_after_seconds)
    return now + dt.timedelta(seconds=wait)


def _behind(due: Iterable[tuple[Tier, dt.datetime]], now: dt.datetime) -> float:
    late = [now - at for tier, at in due if tier in URGENT_TIERS and at <= now]
    return round(max(late).total_seconds() / 60, 2) if late else 0.0


def behind_minutes(
    candidates: Iterable[SyncCandidate],
    now: dt.datetime,
    policy: SyncNeedPolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> float:
    """ "Sync behind by N minutes": how long the oldest due check of the most urgent tiers
    (acted, due soon) has been due; 0 when none is."""
    n = _at(now, policy or default_policy(), calendar or default_calendar())
    pairs = []
    for c in candidates:
        if c.status in AT_LAPOR_STATUSES:
            tier = _tier(c, n)
            pairs.append((tier, _needed_at(c, tier, n)))
    return _behind(pairs, now)


def plan(
    candidates: Iterable[SyncCandidate],
    now: dt.datetime,
    *,
    spent: int = 0,
    retry_after_until: dt.datetime | None = None,
    account: str | None = None,
    policy: SyncNeedPolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> SyncPlan:
    """Which complaints to ask LAPOR! about now, most urgent first, within the minute's budget.

    `spent`: the LAPOR! calls this account already made this minute (other sweeps, the
    escalation sweep's refreshes). `retry_after_until`: LAPOR!'s last Retry-After (see
    :func:`backoff_until`); nothing is asked before it. Candidates are asked strictly in
    need order: the first that does not fit the budget ends the minute.
    """
    n = _at(now, policy or default_policy(), calendar or default_calendar())
    p = n.policy
    next_at: dict[str, dt.datetime | None] = {}
    due: list[tuple[tuple[int, dt.datetime, dt.datetime, str], SyncCandidate]] = []
    urgency: list[tuple[Tier, dt.datetime]] = []
    for c in candidates:
        if c.status not in AT_LAPOR_STATUSES:
            next_at[c.tracking_id] = None
            continue
        tier = _tier(c, n)
        needed = _needed_at(c, tier, n)
        next_at[c.tracking_id] = needed
        if needed > now:
            continue
        urgency.append((tier, needed))
        # due soon: the nearest deadline first; otherwise the longest due first
        first = c.deadline if tier == Tier.DUE_SOON and c.deadline is not None else needed
        due.append(((int(tier), first, needed, c.tracking_id), c))
    due.sort(key=lambda pair: pair[0])

    room = p.calls_per_minute(account) - max(0, spent)
    if retry_after_until is not None and now < retry_after_until:
        room = 0
    ask: list[SyncCandidate] = []
    calls = 0
    for _, c in due:
        cost = p.cost(c.status)
        if calls + cost > room:
            break
        ask.append(c)
        calls += cost
        next_at[c.tracking_id] = _next_due(c, n)
    return SyncPlan(tuple(ask), next_at, calls, len(due) - len(ask), _behind(urgency, now))
