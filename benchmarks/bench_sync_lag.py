"""How long a change at LAPOR! takes to reach the hub: today's fixed schedule against the
status sync by need (chalicelib/domain/sync_priority.py), in simulated time.

A discrete-event simulation, minute by minute, of ten working days (Monday 2026-04-13 to
Friday 2026-04-24, WIB, no holiday; two more days let the last changes be seen) with the
load of Kota Serang: 3,000 complaints open at LAPOR! at the start, new ones arriving. Both
schedules see the same LAPOR! (same seed). No LAPOR!, no DynamoDB: only the domain's rules.

The arrival model (what LAPOR! and the units do; parameters below, all assumptions):

- New complaints: 40 a working day, forwarded when they are filed, at any hour (a night or a
  weekend hour a quarter as likely as an office hour).
- LAPOR!'s admins and the units act in office hours (08:00-16:00 WIB on working days), and an
  act is moved to the evening (17:00-22:00) one time in twelve.
- Verification: half within the first office hour or so (exponential, mean 45 office
  minutes), the other half exponential with a mean of one office day, within 3 working days.
- The unit's first follow-up (the stage deadline from data/sla_policy.json by severity,
  ringan 30 %, sedang 50 %, berat 20 %): a quarter through the hub (an operator's action,
  which the hub knows of, its change at LAPOR! a minute later), a quarter early (exponential,
  mean half an office day), a third on the last office day before the deadline, the rest on
  the office day after it (once the escalation has told someone).
- Four in ten get a second follow-up; then Selesai, half on the last office day of the
  in-progress deadline, half exponential with a mean of two office days. One in ten resolved
  complaints is reopened by its reporter through the hub and LAPOR! reopens it within the
  hour (exponential, office time); the hub closes the rest 10 working days later.
- A quarter of the complaints are never answered: after verification, LAPOR! changes them
  only now and then (exponential, a mean of 120 office days between changes). They are most
  of the 3,000 open ones, as at LAPOR!.
- The 3,000 open at the start are drawn from a year of the same arrivals; the hub has seen
  everything that happened before the start.

Today (the fixed schedule the sync had before): the sweep runs every 5 minutes (at most 400
checks a run, oldest due first) with data/sync_schedule.json (domain/sync_policy.py); no budget.
By need: the sweep runs every minute, asks what sync_priority.plan chooses within 30 calls a
minute (data/sync_priority.json), and a local action makes the complaint due at once. A check
costs 1 call while the complaint is unverified, 2 after (status and follow-ups). The escalation
sweep's own refresh before a climb is left out of both. "Due in the next working day": the hub's
deadline (stage or rung) at most one working day after the change
(domain/overdue.working_days_left).

A third run asks what the goal would take with this load: the same scheduler with ten times the
budget and every complaint checked at least every half hour (context, not a proposal). `bound()`
works out, by arithmetic on the same world, the budget a 15-minute p95 over all changes needs,
and the budget a 5-minute p95 of the changes due in the next working day needs (benchmarks/README.md).

Run: python -m benchmarks.bench_sync_lag  (prints one JSON line; two minutes or so on a loaded 2-core machine)
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.schema import emit, figure, result  # noqa: E402
from chalicelib.domain import sla, sync_policy, sync_priority  # noqa: E402
from chalicelib.domain.calendar import WIB, default_calendar  # noqa: E402
from chalicelib.domain.models import Status  # noqa: E402
from chalicelib.domain.overdue import working_days_left  # noqa: E402

SEED = 11
START = datetime(2026, 4, 13, 0, 0, tzinfo=WIB).astimezone(UTC)
WINDOW_DAYS = 12  # Monday to Friday of the next week: ten working days
RUN_DAYS = 14  # two more days for the last changes to be seen
OPEN_AT_START = 3_000
NEW_PER_WORKING_DAY = 40
HISTORY_DAYS = 400
BUDGET = 30  # calls a minute (data/sync_priority.json)
TODAY_SWEEP_EVERY = 5  # minutes (the deployed schedule)
TODAY_MAX_PER_RUN = 400
# what the goal would take: ten times the budget, every complaint checked at least every half hour
WIDE_BUDGET = 300
WIDE_EVERY = {"acted": 3, "due_soon": 5, "fresh": 5, "active": 10, "quiet": 30}

OFFICE = (8 * 60, 16 * 60)  # when LAPOR!'s admins and the units act, WIB minutes of a working day
EVENING = (17 * 60, 22 * 60)
P_EVENING = 1 / 12
P_STUCK = 0.25
STUCK_MEAN_GAP = 120 * 480  # office minutes between the changes of a never-answered complaint
P_VIA_HUB = 0.25
P_SECOND_FOLLOWUP = 0.4
P_REOPEN = 0.1
RUNGS = 3
SEVERITIES = (("ringan", 0.3), ("sedang", 0.5), ("berat", 0.2))
CAL = default_calendar()
SLA = sla.default_policy()


def at(m: float) -> datetime:
    return START + timedelta(minutes=m)


def minute_of(d: datetime) -> float:
    return (d - START).total_seconds() / 60


# --- office time ----------------------------------------------------------------


class Office:
    """The office hours of every working day around the run, as minutes from START."""

    def __init__(self, first_day: int, last_day: int) -> None:
        local0 = START.astimezone(WIB).date()
        self.spans: list[tuple[float, float]] = []
        self.day_of: dict[int, tuple[float, float]] = {}
        for k in range(first_day, last_day):
            day = local0 + timedelta(days=k)
            if CAL.is_working_day(day):
                span = (k * 1440.0 + OFFICE[0], k * 1440.0 + OFFICE[1])
                self.spans.append(span)
                self.day_of[k] = span
        self.starts = [s for s, _ in self.spans]

    def add(self, t: float, minutes: float) -> float:
        """`minutes` of office time after t (before it when negative)."""
        i = bisect.bisect_right(self.starts, t) - 1
        if minutes >= 0:
            left = minutes
            if i >= 0 and self.spans[i][0] <= t < self.spans[i][1]:
                room = self.spans[i][1] - t
                if room >= left:
                    return t + left
                left -= room
            i += 1
            while i < len(self.spans):
                s, e = self.spans[i]
                if e - s >= left:
                    return s + left
                left -= e - s
                i += 1
            return math.inf
        left = -minutes
        if i >= 0:
            s, e = self.spans[i]
            end = min(t, e)
            if end - s >= left:
                return end - left
            left -= end - s
            i -= 1
        while i >= 0:
            s, e = self.spans[i]
            if e - s >= left:
                return e - left
            left -= e - s
            i -= 1
        return -math.inf

    def last_office_day(self, deadline: float, rng: random.Random) -> float:
        """A moment in the office hours of the last working day up to `deadline`."""
        end = self.add(deadline, 0) if self._inside(deadline) else deadline
        return self.add(end, -rng.uniform(0, OFFICE[1] - OFFICE[0]))

    def _inside(self, t: float) -> bool:
        i = bisect.bisect_right(self.starts, t) - 1
        return i >= 0 and self.spans[i][0] <= t < self.spans[i][1]


# --- LAPOR!'s side --------------------------------------------------------------


@dataclass
class Life:
    """One complaint as LAPOR! lives it: changes (minute, status after, local action minute)."""

    forwarded: float
    severity: str
    events: list[tuple[float, Status, float | None]] = field(default_factory=list)
    closed: float = math.inf  # when the hub closes it (10 working days after Selesai)
    never_answered: bool = False  # its unit never answers: LAPOR! changes it only now and then


def _expo(rng: random.Random, mean: float) -> float:
    return rng.expovariate(1 / mean)


def _evening(t: float, after: float, rng: random.Random) -> float:
    """Now and then an act happens in the evening instead (same day, never before `after`)."""
    if rng.random() >= P_EVENING or not math.isfinite(t):
        return t
    day = math.floor(t / 1440) * 1440
    moved = day + rng.uniform(*EVENING)
    return moved if moved > after else t


def live(f: float, rng: random.Random, office: Office, until: float) -> Life:
    sev = rng.choices([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])[0]
    life = Life(f, sev)
    ev = life.events

    def add(t: float, status: Status, local: float | None = None) -> float:
        prev = ev[-1][0] if ev else f
        t = max(t, prev + 1)
        if t < until:
            ev.append((t, status, local))
        return t

    d = _expo(rng, 45) if rng.random() < 0.5 else min(_expo(rng, 480), 3 * 480)
    v = add(_evening(office.add(f, d), f, rng), Status.VERIFIED)
    if rng.random() < P_STUCK:
        life.never_answered = True
        t, status = v, Status.VERIFIED
        while True:
            t = office.add(t, _expo(rng, STUCK_MEAN_GAP))
            if t >= until:
                return life
            status = Status.IN_PROGRESS
            add(t, status)
    d1 = minute_of(SLA.deadline("verified", sev, at(v), CAL) or at(v))
    r = rng.random()
    if r < P_VIA_HUB:
        a = office.add(v, _expo(rng, 240))
        t1 = add(a + 1, Status.IN_PROGRESS, a)
    elif r < 0.5:
        t1 = add(_evening(office.add(v, _expo(rng, 240)), v, rng), Status.IN_PROGRESS)
    elif r < 0.5 + 0.33:
        t1 = add(_evening(office.last_office_day(d1, rng), v, rng), Status.IN_PROGRESS)
    else:
        t1 = add(office.add(d1, rng.uniform(0, OFFICE[1] - OFFICE[0])), Status.IN_PROGRESS)
    last = t1
    if rng.random() < P_SECOND_FOLLOWUP:
        last = add(_evening(office.add(t1, _expo(rng, 600)), t1, rng), Status.IN_PROGRESS)
    d2 = minute_of(SLA.deadline("in_progress", sev, at(t1), CAL) or at(t1))
    s = office.last_office_day(d2, rng) if rng.random() < 0.5 else office.add(last, _expo(rng, 960))
    s = add(_evening(s, last, rng), Status.RESOLVED)
    if rng.random() < P_REOPEN:
        a = office.add(s, _expo(rng, 960))
        r2 = add(office.add(a, _expo(rng, 60)), Status.IN_PROGRESS, a)
        s = add(office.add(r2, _expo(rng, 960)), Status.RESOLVED)
    if math.isfinite(s):
        life.closed = minute_of(CAL.add_working_days(at(s), 10))
    return life


def arrivals(rng: random.Random, first: float, last: float, per_working_day: float) -> list[float]:
    """Filing instants: an office hour of a working day 4x as likely as any other hour."""
    working = sum(1 for k in range(math.floor(first / 1440), math.ceil(last / 1440)) if _working(k))
    total = round(per_working_day * working)
    out: list[float] = []
    while len(out) < total:
        t = rng.uniform(first, last)
        k = math.floor(t / 1440)
        office_hour = _working(k) and OFFICE[0] <= t - k * 1440 < OFFICE[1]
        if rng.random() < (1.0 if office_hour else 0.25):
            out.append(t)
    return sorted(out)


def _working(k: int) -> bool:
    return CAL.is_working_day(START.astimezone(WIB).date() + timedelta(days=k))


def world(seed: int) -> tuple[list[Life], float]:
    """The 3,000 complaints open at START and the ones filed during the run."""
    rng = random.Random(seed)
    until = RUN_DAYS * 1440.0
    office = Office(-HISTORY_DAYS - 10, RUN_DAYS + 120)
    past = [live(f, rng, office, until) for f in arrivals(rng, -HISTORY_DAYS * 1440.0, 0, NEW_PER_WORKING_DAY)]
    open_now = [life for life in past if life.closed > 0 and not (life.events and _final_before(life, 0))]
    rng.shuffle(open_now)
    stock = open_now[:OPEN_AT_START]
    new = [live(f, rng, office, until) for f in arrivals(rng, 0, WINDOW_DAYS * 1440.0, NEW_PER_WORKING_DAY)]
    return stock + new, until


def _final_before(life: Life, t: float) -> bool:
    return life.closed <= t


# --- the hub's side -------------------------------------------------------------


@dataclass
class Hub:
    """What the hub knows of one complaint."""

    tid: str
    life: Life
    status: Status
    seen: int  # events applied
    forwarded_at: datetime
    last_check: datetime | None = None
    last_change: datetime | None = None
    acted: datetime | None = None
    deadline: datetime | None = None
    rungs: int = 0
    due: datetime | None = None
    _cand: sync_priority.SyncCandidate | None = None

    def climbs(self) -> bool:
        """Whether its deadline may still move to the next rung."""
        return self.rungs < RUNGS and self.status in (Status.VERIFIED, Status.IN_PROGRESS)

    def roll_deadline(self, now: datetime) -> datetime | None:
        """The escalation sweep's climbs: past a deadline, the next rung gets its own."""
        while (
            self.deadline is not None
            and now > self.deadline
            and self.status in (Status.VERIFIED, Status.IN_PROGRESS)
            and self.rungs < RUNGS
        ):
            self.deadline = SLA.rung_deadline(self.life.severity, self.deadline, CAL)
            self.rungs += 1
        return self.deadline

    def check(self, now: datetime, lags: list[tuple[float, bool]]) -> bool:
        """One check: every change at LAPOR! up to now becomes known; True when there was one."""
        t = minute_of(now)
        ev = self.life.events
        changed = False
        while self.seen < len(ev) and ev[self.seen][0] <= t:
            when, status, _ = ev[self.seen]
            if 0 <= when < WINDOW_DAYS * 1440:
                dl = self.deadline_at(at(when))
                left = working_days_left(dl, at(when), CAL)
                lags.append((t - when, left is not None and left <= 1.0))
            if status != self.status:
                self.status = status
                self.deadline = SLA.deadline(status.value, self.life.severity, now, CAL)
                self.rungs = 0
            self.seen += 1
            changed = True
        self.last_check = now
        self._cand = None
        if changed:
            self.last_change = now
        return changed

    def deadline_at(self, when: datetime) -> datetime | None:
        dl, rungs = self.deadline, self.rungs
        while dl is not None and when > dl and self.status in (Status.VERIFIED, Status.IN_PROGRESS) and rungs < RUNGS:
            dl = SLA.rung_deadline(self.life.severity, dl, CAL)
            rungs += 1
        return dl

    def cached(self, now: datetime) -> sync_priority.SyncCandidate:
        """The candidate, built again only when something it holds changed."""
        c = self._cand
        if (
            c is None
            or c.due_at != self.due
            or c.acted_at != self.acted
            or (self.climbs() and c.deadline is not None and now > c.deadline)
        ):
            c = self._cand = self.candidate(now)
        return c

    def candidate(self, now: datetime) -> sync_priority.SyncCandidate:
        return sync_priority.SyncCandidate(
            self.tid,
            self.status,
            deadline=self.roll_deadline(now),
            last_check_at=self.last_check,
            last_change_at=self.last_change,
            acted_at=self.acted,
            forwarded_at=self.forwarded_at,
            due_at=self.due,
        )


def hubs(lives: list[Life]) -> list[Hub]:
    """The hub's view at START: everything before it known, the last check within the hour."""
    rng = random.Random(SEED + 1)
    out = []
    for i, life in enumerate(lives):
        before = [e for e in life.events if e[0] <= 0]
        status = before[-1][1] if before else Status.FORWARDED
        fwd = at(life.forwarded)
        h = Hub(f"T{i:05d}", life, status, len(before), fwd)
        if life.forwarded <= 0:
            h.last_check = at(-rng.uniform(0, 60))
            changed = before[-1][0] if before else life.forwarded
            h.last_change = at(changed)
            h.deadline = SLA.deadline(status.value, life.severity, at(changed), CAL)
            h.roll_deadline(h.last_check)
        else:
            h.deadline = SLA.deadline(Status.FORWARDED.value, life.severity, fwd, CAL)
        out.append(h)
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def summary(lags: list[tuple[float, bool]], calls: Counter[int], minutes: int) -> dict[str, Any]:
    overall = [lag for lag, _ in lags]
    soon = [lag for lag, due in lags if due]
    per_minute = [calls.get(m, 0) for m in range(minutes)]
    return {
        "changes": len(overall),
        "changes_due_soon": len(soon),
        "p50": round(statistics.median(overall), 1) if overall else 0.0,
        "p95": round(pct(overall, 0.95), 1),
        "max": round(max(overall, default=0.0), 1),
        "within_15": round(100 * sum(1 for v in overall if v <= 15) / max(1, len(overall)), 1),
        "soon_p50": round(statistics.median(soon), 1) if soon else 0.0,
        "soon_p95": round(pct(soon, 0.95), 1),
        "soon_max": round(max(soon, default=0.0), 1),
        "soon_within_5": round(100 * sum(1 for v in soon if v <= 5) / max(1, len(soon)), 1),
        "calls_max": max(per_minute),
        "calls_mean": round(sum(per_minute) / len(per_minute), 2),
        "calls_total": sum(per_minute),
    }


def _actions(hs: list[Hub]) -> list[tuple[float, int]]:
    """Local actions (an operator answering, a reporter reopening) as (minute, complaint)."""
    out = [(e[2], i) for i, h in enumerate(hs) for e in h.life.events[h.seen :] if e[2] is not None and e[2] >= 0]
    return sorted(out)


def run_today(lives: list[Life], until: float) -> dict[str, Any]:
    hs = hubs(lives)
    schedule = sync_policy.default_schedule()
    heap: list[tuple[datetime, int]] = []
    for i, h in enumerate(hs):
        if h.life.forwarded <= 0:
            assert h.last_check is not None
            h.due = sync_policy.next_check(h.status, h.last_check, h.forwarded_at, h.last_change, schedule)
        else:
            h.due = sync_policy.first_check(h.forwarded_at, schedule)
        if h.due is not None:
            heap.append((h.due, i))
    heapq.heapify(heap)
    lags: list[tuple[float, bool]] = []
    calls: Counter[int] = Counter()
    minutes = int(until)
    for m in range(0, minutes, TODAY_SWEEP_EVERY):
        now = at(m)
        batch = 0
        while heap and heap[0][0] <= now and batch < TODAY_MAX_PER_RUN:
            due, i = heapq.heappop(heap)
            h = hs[i]
            if h.due != due:
                continue  # an older entry of a complaint rescheduled since
            if h.life.closed <= m:  # the hub closed it: out of the sync index
                h.due = None
                continue
            batch += 1
            calls[m] += 1 if h.status == Status.FORWARDED else 2
            h.check(now, lags)
            h.due = sync_policy.next_check(h.status, now, h.forwarded_at, h.last_change, schedule)
            if h.due is not None:
                heapq.heappush(heap, (h.due, i))
    _unseen(hs, until, lags)
    return summary(lags, calls, minutes)


def run_by_need(lives: list[Life], until: float, policy: sync_priority.SyncNeedPolicy) -> dict[str, Any]:
    hs = hubs(lives)
    heap: list[tuple[datetime, int]] = []
    for i, h in enumerate(hs):
        if h.life.forwarded <= 0:
            assert h.last_check is not None
            h.due = sync_priority.next_due(h.candidate(h.last_check), h.last_check, policy, CAL)
        else:
            h.due = at(h.life.forwarded) + timedelta(minutes=5)
        if h.due is not None:
            heap.append((h.due, i))
    heapq.heapify(heap)
    actions = _actions(hs)
    a = 0
    lags: list[tuple[float, bool]] = []
    calls: Counter[int] = Counter()
    behind: list[float] = []
    waiting: dict[int, None] = {}
    minutes = int(until)
    for m in range(minutes):
        now = at(m)
        while a < len(actions) and actions[a][0] <= m:
            h = hs[actions[a][1]]
            h.acted = at(actions[a][0])
            h.due = h.acted  # the service makes it due at once
            heapq.heappush(heap, (h.due, actions[a][1]))
            a += 1
        while heap and heap[0][0] <= now:
            due, i = heapq.heappop(heap)
            if hs[i].due == due:
                if hs[i].life.closed <= m:  # the hub closed it: out of the sync index
                    hs[i].due = None
                else:
                    waiting[i] = None
        if not waiting:
            behind.append(0.0)
            continue
        index = {hs[i].tid: i for i in waiting}
        out = sync_priority.plan([hs[i].cached(now) for i in waiting], now, policy=policy, calendar=CAL)
        assert out.calls <= policy.calls_per_minute()
        calls[m] += out.calls
        behind.append(out.behind_minutes)
        for c in out.ask:
            i = index[c.tracking_id]
            h = hs[i]
            if h.check(now, lags):  # a change: its next check follows its new state
                h.due = sync_priority.next_due(dc_replace(h.candidate(now), due_at=None), now, policy, CAL)
            else:  # nothing new: the plan's instant stands
                h.due = out.next_due[c.tracking_id]
            del waiting[i]
            if h.due is not None:
                heapq.heappush(heap, (h.due, i))
    _unseen(hs, until, lags)
    res = summary(lags, calls, minutes)
    res["behind_max"] = round(max(behind), 1)
    res["behind_p95_office"] = round(pct([b for m, b in enumerate(behind) if _office_minute(m)], 0.95), 1)
    return res


def _office_minute(m: int) -> bool:
    k = m // 1440
    return _working(k) and OFFICE[0] <= m - k * 1440 < OFFICE[1]


def _unseen(hs: list[Hub], until: float, lags: list[tuple[float, bool]]) -> None:
    """Changes still unseen at the end count with the time they waited (a lower bound)."""
    for h in hs:
        for when, _, _ in h.life.events[h.seen :]:
            if 0 <= when < WINDOW_DAYS * 1440 and when <= until and h.life.closed > when:
                dl = h.deadline_at(at(when))
                left = working_days_left(dl, at(when), CAL)
                lags.append((until - when, left is not None and left <= 1.0))


def _status_at(life: Life, t: float) -> Status:
    status = Status.FORWARDED
    for when, s, _ in life.events:
        if when > t:
            break
        status = s
    return status


def _due_soon(life: Life, t: float) -> bool:
    """Whether, at minute t, the hub's deadline (of the stage, or of the rung the escalation
    reached) is at most one working day away: the due-soon tier's rule, on LAPOR!'s side."""
    since, status = life.forwarded, Status.FORWARDED
    for when, s, _ in life.events:
        if when > t:
            break
        since, status = when, s
    if status not in (Status.FORWARDED, Status.VERIFIED, Status.IN_PROGRESS):
        return False
    dl = SLA.deadline(status.value, life.severity, at(since), CAL)
    rungs, now = 0, at(t)
    while dl is not None and now > dl and status != Status.FORWARDED and rungs < RUNGS:
        dl = SLA.rung_deadline(life.severity, dl, CAL)
        rungs += 1
    left = working_days_left(dl, now, CAL)
    return left is not None and left <= 1.0


def bound(lives: list[Life]) -> dict[str, Any]:
    """What a 15-minute p95 over all changes needs, by arithmetic on the change model.

    LAPOR!'s documented API (docs/forwarding.md; one GET per complaint, one more for its
    follow-ups once verified) has no list of what changed: a change is seen only by checking
    that complaint. A change the hub did not cause comes at a moment nobody can tell in
    advance (in the model: exponential waits, or any time of a whole office day), so a
    complaint checked every T minutes shows it within 15 minutes with probability
    min(1, 15 / T). A p95 of 15 minutes lets 5 % of the changes be later. Cheapest split:
    every answered complaint checked every 15 minutes (they change most often per
    complaint; their evening acts too), and the never-answered ones just often enough that
    the late changes are all theirs and stay within the 5 %. The budget must hold in the
    busiest minutes: office hours (the mean open complaints of each kind over them).

    The same arithmetic for the 5-minute p95 of the changes due in the next working day:
    those caused through the hub are seen at once (the *acted* tier); the others need every
    complaint due soon checked often enough that all but 5 % of them come within 5 minutes."""
    window = WINDOW_DAYS * 1440.0
    changes = [(life, e) for life in lives for e in life.events if 0 <= e[0] < window and life.closed > e[0]]
    total = len(changes)
    via_hub = sum(1 for _, e in changes if e[2] is not None)
    quiet = sum(1 for life, _ in changes if life.never_answered)
    late = math.floor(0.05 * total)
    share = max(0.0, (quiet - late) / quiet) if quiet else 0.0  # of their changes seen within 15 min
    soon = [(life, e) for life, e in changes if _due_soon(life, e[0] - 0.5)]
    soon_via_hub = sum(1 for _, e in soon if e[2] is not None)
    soon_late = math.floor(0.05 * len(soon))
    unforeseen = len(soon) - soon_via_hub
    soon_share = max(0.0, (unforeseen - soon_late) / unforeseen) if unforeseen else 0.0
    answered_cost: list[float] = []
    answered_open: list[int] = []
    quiet_open: list[int] = []
    soon_cost: list[float] = []
    soon_open: list[int] = []
    for k in range(WINDOW_DAYS):
        if not _working(k):
            continue
        for m in range(k * 1440 + OFFICE[0], k * 1440 + OFFICE[1], 60):
            open_now = [life for life in lives if life.forwarded <= m < life.closed]
            quiet_open.append(sum(1 for life in open_now if life.never_answered))
            answered_open.append(len(open_now) - quiet_open[-1])
            answered_cost.append(
                sum(1 if _status_at(life, m) == Status.FORWARDED else 2 for life in open_now if not life.never_answered)
            )
            due = [life for life in open_now if _due_soon(life, m)]
            soon_open.append(len(due))
            soon_cost.append(sum(1 if _status_at(life, m) == Status.FORWARDED else 2 for life in due))
    answered_calls = statistics.mean(answered_cost) / 15
    quiet_n = statistics.mean(quiet_open)
    quiet_calls = quiet_n * 2 * share / 15
    return {
        "changes": total,
        "changes_via_hub": via_hub,
        "changes_never_answered": quiet,
        "late_allowed": late,
        "never_answered_share_in_time": round(share, 3),
        "never_answered_every_minutes": round(15 / share, 1) if share else None,
        "open_answered_office": round(statistics.mean(answered_open), 1),
        "calls_per_check_answered": round(statistics.mean(answered_cost) / statistics.mean(answered_open), 2),
        "open_never_answered_office": round(quiet_n, 1),
        "calls_answered": round(answered_calls, 1),
        "calls_never_answered": round(quiet_calls, 1),
        "calls_per_minute": math.ceil(answered_calls + quiet_calls),
        "changes_due_soon": len(soon),
        "changes_due_soon_via_hub": soon_via_hub,
        "open_due_soon_office": round(statistics.mean(soon_open), 1),
        "due_soon_every_minutes": round(5 / soon_share, 1) if soon_share else None,
        "calls_due_soon": math.ceil(statistics.mean(soon_cost) * soon_share / 5),
    }


def main() -> dict[str, Any]:
    t0 = time.perf_counter()
    lives, until = world(SEED)
    open_at_start = sum(1 for life in lives if life.forwarded <= 0)
    filed = len(lives) - open_at_start
    stuck = sum(1 for life in lives if life.forwarded <= 0 and life.closed == math.inf)
    need = bound(lives)
    built = time.perf_counter() - t0
    today = run_today(lives, until)
    t1 = time.perf_counter()
    by_need = run_by_need(lives, until, sync_priority.default_policy())
    t2 = time.perf_counter()
    wide = sync_priority.default_policy().model_dump(mode="json")
    wide["budget"] = {"calls_per_minute": WIDE_BUDGET, "by_account": {}}
    wide["every_minutes"] = WIDE_EVERY
    by_need_wide = run_by_need(lives, until, sync_priority.SyncNeedPolicy.model_validate(wide))
    return {
        "open_at_start": open_at_start,
        "filed_during_run": filed,
        "never_answered_at_start": stuck,
        "working_days": sum(1 for k in range(WINDOW_DAYS) if _working(k)),
        "budget_calls_per_minute": BUDGET,
        "today": today,
        "by_need": by_need,
        "by_need_wide": by_need_wide,
        "wide_budget": WIDE_BUDGET,
        "bound": need,
        "seconds": {
            "world": round(built, 2),
            "today": round(t1 - t0 - built, 2),
            "by_need": round(t2 - t1, 2),
            "by_need_wide": round(time.perf_counter() - t2, 2),
        },
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    n, t, w, b = raw["by_need"], raw["today"], raw["by_need_wide"], raw["bound"]
    wide = f"by need at {raw['wide_budget']} calls a minute, every check within 30 min"
    return result(
        "sync_lag",
        "Status sync lag: a change at LAPOR! until the hub shows it (simulated)",
        "python -m benchmarks.bench_sync_lag",
        [
            figure("need_p95", "by need: lag, p95 of all changes", n["p95"], "min", ("<=", 15)),
            figure(
                "need_soon_p95",
                "by need: lag, p95, complaints due in the next working day",
                n["soon_p95"],
                "min",
                ("<=", 5),
            ),
            figure(
                "need_calls_max", "by need: LAPOR! calls in one minute, max", n["calls_max"], "calls", ("<=", BUDGET)
            ),
            figure("need_p50", "by need: lag, p50", n["p50"], "min"),
            figure("need_max", "by need: lag, max", n["max"], "min"),
            figure("need_within_15", "by need: changes seen within 15 min", n["within_15"], "%"),
            figure("need_soon_p50", "by need: due in the next working day, p50", n["soon_p50"], "min"),
            figure("need_soon_max", "by need: due in the next working day, max", n["soon_max"], "min"),
            figure(
                "need_soon_within_5", "by need: due in the next working day, seen within 5 min", n["soon_within_5"], "%"
            ),
            figure("need_calls_mean", "by need: LAPOR! calls a minute, mean", n["calls_mean"], "calls"),
            figure(
                "need_behind_p95_office",
                'by need: "sync behind", p95 over office minutes',
                n["behind_p95_office"],
                "min",
            ),
            figure("today_p50", "today's schedule: lag, p50", t["p50"], "min"),
            figure("today_p95", "today's schedule: lag, p95", t["p95"], "min"),
            figure("today_max", "today's schedule: lag, max", t["max"], "min"),
            figure("today_within_15", "today's schedule: changes seen within 15 min", t["within_15"], "%"),
            figure("today_soon_p50", "today's schedule: due in the next working day, p50", t["soon_p50"], "min"),
            figure("today_soon_p95", "today's schedule: due in the next working day, p95", t["soon_p95"], "min"),
            figure("today_soon_max", "today's schedule: due in the next working day, max", t["soon_max"], "min"),
            figure("today_calls_max", "today's schedule: LAPOR! calls in one minute, max", t["calls_max"], "calls"),
            figure("today_calls_mean", "today's schedule: LAPOR! calls a minute, mean", t["calls_mean"], "calls"),
            figure("wide_p95", f"{wide}: lag, p95", w["p95"], "min"),
            figure("wide_within_15", f"{wide}: changes seen within 15 min", w["within_15"], "%"),
            figure("wide_soon_p95", f"{wide}: due in the next working day, p95", w["soon_p95"], "min"),
            figure("wide_calls_mean", f"{wide}: LAPOR! calls a minute, mean", w["calls_mean"], "calls"),
            figure(
                "bound_calls",
                "a 15 min p95 of all changes needs, by arithmetic on the change model: LAPOR! calls a minute"
                " in office hours (benchmarks/README.md)",
                b["calls_per_minute"],
                "calls",
            ),
            figure(
                "bound_calls_answered",
                "of which: every answered complaint checked every 15 min",
                b["calls_answered"],
                "calls",
            ),
            figure(
                "bound_calls_never_answered",
                f"of which: every never-answered complaint checked every {b['never_answered_every_minutes']} min",
                b["calls_never_answered"],
                "calls",
            ),
            figure(
                "bound_calls_due_soon",
                "a 5 min p95 of the changes due in the next working day needs, by the same arithmetic: LAPOR!"
                f" calls a minute in office hours, every complaint due soon checked every {b['due_soon_every_minutes']}"
                " min",
                b["calls_due_soon"],
                "calls",
            ),
        ],
        {
            "open at the start": raw["open_at_start"],
            "filed during the run": raw["filed_during_run"],
            "working days": raw["working_days"],
            "changes": n["changes"],
            "changes due in the next working day": n["changes_due_soon"],
        },
        [
            "Simulated time, no LAPOR! and no DynamoDB; the arrival model (assumptions) is in the module docstring.",
            f"Of the {raw['open_at_start']:,} open at the start, {raw['never_answered_at_start']:,} are never answered"
            " by their unit.",
            "Today's sweep runs every 5 minutes with no budget: its calls come in bursts at each run.",
            "The escalation sweep's refresh before a climb is left out of both; no 429 is simulated.",
            "The wide rows: what the goal would take with this load (context, not a proposal).",
            f"The bound: {b['changes']:,} changes, {b['changes_never_answered']} at never-answered complaints"
            f" ({b['open_never_answered_office']:,.0f} open in office hours, on average), {b['changes_via_hub']}"
            f" caused through the hub; a p95 of 15 min lets {b['late_allowed']} be later.",
            f"Due in the next working day: {b['changes_due_soon']} changes by LAPOR!'s own timeline,"
            f" {b['changes_due_soon_via_hub']} caused through the hub (seen at once);"
            f" {b['open_due_soon_office']:,.0f} complaints due soon in office hours, on average. Either goal alone"
            " needs more than the whole budget.",
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
