"""Public figures per unit: what one complaint adds to them, and how they add up.

Pure domain (no boto3). The figures are sums, so they are kept as counters:

- `contribution(item)` is what one complaint adds, as flat counters
  (`<view>|<group>|<metric>` -> int), a function of the complaint's stored state
  only. A change of the complaint changes the figures by
  `diff(contribution(old), contribution(new))`, whoever wrote the change.
- Counters are kept per *received day* (WIB): a complaint adds to the item of
  the day it was received, and only to that one.
- `rollup(days, now)` adds the day counters up into the rows of every window,
  level and view. Time-dependent figures (overdue now, backlog by age) are
  evaluated here, against `now`: a complaint's contribution only says in which
  hour its deadline falls and on which day it was received.

Views: `u` = by the unit handling the complaint (its current unit; each unit it
was moved away from gets `moved_out`), `p` = by the place (kelurahan, else
kecamatan, else `-`). The city is the sum of every place (the same in both views).
The counting rules are in docs/statistics.md and on the public page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from chalicelib.domain.calendar import WorkingCalendar, default_calendar, local_tz
from chalicelib.domain.overdue import is_overdue
from chalicelib.domain.reference import load_json

if TYPE_CHECKING:
    from chalicelib.domain.sla import SlaPolicy

Counters = dict[str, int]

#: statuses of a complaint that is still open (waiting for the unit or the coordinator)
RESOLVED_STATUSES = frozenset({"resolved", "closed"})
NOT_OPEN = frozenset({"resolved", "closed", "rejected", "archived", "duplicate", "emergency"})
#: never counted: emergencies held out of LAPOR!, duplicates, 112 calls not (yet) confirmed
NOT_COUNTED = frozenset({"emergency", "duplicate", "awaiting_confirmation"})
#: statuses that never change again (a day whose complaints are all in one needs no more reading)
FINAL = frozenset({"emergency", "closed", "rejected", "archived", "duplicate"})

LEVELS = ("city", "opd", "kecamatan", "kelurahan")
VIEWS = ("unit", "place")
CITY = "city"
NO_PLACE = "-"


class StatsConfig(BaseModel):
    min_sample: int
    histogram_edges: list[float]
    backlog_by_age: list[dict[str, Any]]
    on_time_stages: list[str]
    windows: dict[str, int]
    months_in_series: int
    channels: list[str]


@lru_cache(maxsize=1)
def config() -> StatsConfig:
    return StatsConfig.model_validate(load_json("statistics.json"))


def parse_instant(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def received_day(created_at: dt.datetime) -> dt.date:
    """The WIB calendar day a complaint was received: its cohort."""
    return created_at.astimezone(local_tz()).date()


def bucket_of(value: float, edges: list[float]) -> int:
    """Index of the histogram bucket holding `value` (the last bucket takes the rest)."""
    for i, edge in enumerate(edges):
        if value <= edge:
            return i
    return len(edges) - 1


def percentile(hist: Mapping[int, int], p: float, edges: list[float]) -> float | None:
    """Nearest-rank percentile from a histogram, as the upper edge of its bucket."""
    total = sum(n for n in hist.values() if n > 0)
    if total <= 0:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for i in sorted(hist):
        seen += max(0, hist[i])
        if seen >= rank:
            return edges[min(i, len(edges) - 1)]
    return edges[-1]


def deadline_hour(deadline: dt.datetime) -> str:
    """The UTC hour a deadline falls in: the figures keep open complaints' deadlines by hour."""
    return deadline.astimezone(dt.UTC).strftime("%Y%m%d%H")


def hour_end(key: str) -> dt.datetime:
    return dt.datetime.strptime(key, "%Y%m%d%H").replace(tzinfo=dt.UTC) + dt.timedelta(hours=1)


def hour_overdue(key: str, now: dt.datetime) -> bool:
    """An hour's deadlines count as overdue once all are (overdue.py), i.e. once its last
    instant has passed. A working-day deadline is the last instant of its hour: exact for it."""
    return is_overdue(hour_end(key) - dt.timedelta(microseconds=1), now)


def place_group(item: Mapping[str, Any]) -> str:
    kel = (item.get("location") or {}).get("kelurahan_code")
    if kel:
        return f"kel:{kel}"
    kec = item.get("kecamatan_code")
    return f"kec:{kec}" if kec else NO_PLACE


def unit_group(item: Mapping[str, Any]) -> str:
    unit = item.get("unit") or {}
    return unit.get("code") or NO_PLACE


def is_counted(item: Mapping[str, Any]) -> bool:
    """Emergencies, duplicates, unconfirmed and dismissed calls are never counted (each region's
    complaints in its own figures: services/statistics.py)."""
    status = item.get("status")
    return (
        status not in NOT_COUNTED
        and not item.get("duplicate_of")
        and item.get("closed_how") != "dismissed"
        and parse_instant(item.get("created_at")) is not None
    )


def is_resolved(item: Mapping[str, Any]) -> bool:
    """Resolved now: `resolved`, or closed after a resolution (not a dismissed call)."""
    status = item.get("status")
    if status == "resolved":
        return True
    return status == "closed" and (bool(item.get("resolved_at")) or item.get("closed_how") in ("auto", "confirmed"))


def status_class(item: Mapping[str, Any]) -> str:
    """open | resolved | rejected | other (archived, closed without a resolution)."""
    status = item.get("status")
    if status not in NOT_OPEN:
        return "open"
    if is_resolved(item):
        return "resolved"
    if status == "rejected":
        return "rejected"
    return "other"


def resolution_deadline(
    created_at: dt.datetime,
    severity: str | None,
    stages: list[str],
    calendar: WorkingCalendar,
    policy: SlaPolicy | None = None,
) -> dt.datetime:
    """The deadline a resolution is measured against: the SLA stages chained from receipt, by the
    complaint's region's policy (the package's when not given)."""
    from chalicelib.domain.sla import default_policy

    policy = policy or default_policy()
    at = created_at
    for stage in stages:
        nxt = policy.deadline(stage, severity, at, calendar)
        if nxt is not None:
            at = nxt
    return at


def contribution(
    item: Mapping[str, Any] | None,
    cfg: StatsConfig | None = None,
    calendar: WorkingCalendar | None = None,
    policy: SlaPolicy | None = None,
) -> Counters:
    """What one complaint adds to the counters of its received day (``calendar`` and ``policy``:
    its region's, so "on time" means what its region's deadlines mean)."""
    if not item:
        return {}
    cfg = cfg or config()
    cal = calendar or default_calendar()
    out: Counters = defaultdict(int)
    if item.get("status") not in FINAL:
        out["nf"] = 1  # the day may still change (also for complaints not counted yet)
    if not is_counted(item):
        return dict(out)
    created = parse_instant(item["created_at"])
    assert created is not None
    cls = status_class(item)
    groups = [f"u|{unit_group(item)}", f"p|{place_group(item)}"]
    edges = cfg.histogram_edges
    first = parse_instant(item.get("first_response_at"))
    resolved_at = parse_instant(item.get("resolved_at"))
    deadline = parse_instant(item.get("deadline"))
    reopened = int(item.get("reopen_count") or 0) >= 1
    stars = item.get("rating_stars")
    for g in groups:
        out[f"{g}|n"] += 1
        out[f"{g}|c.{item.get('channel') or 'app'}"] += 1
        if cls == "open":
            out[f"{g}|o"] += 1
            if deadline is not None:
                out[f"{g}|d.{deadline_hour(deadline)}"] += 1
        elif cls == "resolved":
            out[f"{g}|r"] += 1
            if resolved_at is not None:
                out[f"{g}|t.{bucket_of(cal.working_days_between(created, resolved_at), edges)}"] += 1
                target = resolution_deadline(created, item.get("severity"), cfg.on_time_stages, cal, policy)
                if not reopened and resolved_at <= target:
                    out[f"{g}|ot"] += 1
        elif cls == "rejected":
            out[f"{g}|j"] += 1
        if first is not None:
            out[f"{g}|f.{bucket_of(cal.working_days_between(created, first), edges)}"] += 1
        if resolved_at is not None or cls == "resolved":
            out[f"{g}|er"] += 1
        if reopened:
            out[f"{g}|ro"] += 1
        if isinstance(stars, int | float) and 1 <= int(stars) <= 5:
            out[f"{g}|ss"] += int(stars)
            out[f"{g}|sn"] += 1
    moved = [m for m in (item.get("moved_from") or []) if isinstance(m, str)]
    for code in dict.fromkeys(moved):
        out[f"u|{code}|m"] += 1
    if moved:
        out[f"p|{place_group(item)}|m"] += 1
    return dict(out)


def diff(old: Mapping[str, int], new: Mapping[str, int]) -> Counters:
    """new - old, without zeros: what a change adds to its day's counters."""
    out = {k: int(new.get(k, 0)) - int(old.get(k, 0)) for k in set(old) | set(new)}
    return {k: v for k, v in out.items() if v}


def add(into: Counters, more: Mapping[str, int], sign: int = 1) -> None:
    for k, v in more.items():
        into[k] = into.get(k, 0) + sign * int(v)


# -- adding up ------------------------------------------------------------------


@dataclass
class Sums:
    """One group's counters, split by metric."""

    n: int = 0
    channels: dict[str, int] = field(default_factory=dict)
    open: int = 0
    due: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    rejected: int = 0
    moved: int = 0
    first: dict[int, int] = field(default_factory=dict)
    resolution: dict[int, int] = field(default_factory=dict)
    on_time: int = 0
    reopened: int = 0
    ever_resolved: int = 0
    stars: int = 0
    ratings: int = 0
    backlog: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    def take(self, metric: str, value: int) -> None:
        name, _, sub = metric.partition(".")
        if name == "n":
            self.n += value
        elif name == "c":
            self.channels[sub] = self.channels.get(sub, 0) + value
        elif name == "o":
            self.open += value
        elif name == "d":
            self.due[sub] = self.due.get(sub, 0) + value
        elif name == "r":
            self.resolved += value
        elif name == "j":
            self.rejected += value
        elif name == "m":
            self.moved += value
        elif name == "f":
            self.first[int(sub)] = self.first.get(int(sub), 0) + value
        elif name == "t":
            self.resolution[int(sub)] = self.resolution.get(int(sub), 0) + value
        elif name == "ot":
            self.on_time += value
        elif name == "ro":
            self.reopened += value
        elif name == "er":
            self.ever_resolved += value
        elif name == "ss":
            self.stars += value
        elif name == "sn":
            self.ratings += value

    def merge(self, other: Sums) -> None:
        for name in (
            "n",
            "open",
            "resolved",
            "rejected",
            "moved",
            "on_time",
            "reopened",
            "ever_resolved",
            "stars",
            "ratings",
            "overdue",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("channels", "due", "first", "resolution", "backlog"):
            mine = getattr(self, name)
            for k, v in getattr(other, name).items():
                mine[k] = mine.get(k, 0) + v


def _share(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(part / whole, 4)


FLOW_FIELDS = (
    "received",
    "received_by_channel",
    "resolved",
    "rejected",
    "moved_out",
    "resolved_on_time_share",
    "first_response_days_p50",
    "first_response_days_p90",
    "resolution_days_p50",
    "resolution_days_p90",
    "reopen_rate",
    "rating_avg",
    "rating_count",
    "ranked",
)
STATE_FIELDS = ("open", "overdue", "backlog_by_age")


def flow_row(s: Sums, cfg: StatsConfig) -> dict[str, Any]:
    edges = cfg.histogram_edges
    return {
        "received": s.n,
        "received_by_channel": {
            ch: s.channels.get(ch, 0) for ch in [*cfg.channels, *sorted(set(s.channels) - set(cfg.channels))]
        },
        "resolved": s.resolved,
        "rejected": s.rejected,
        "moved_out": s.moved,
        "resolved_on_time_share": _share(s.on_time, s.resolved),
        "first_response_days_p50": percentile(s.first, 0.5, edges),
        "first_response_days_p90": percentile(s.first, 0.9, edges),
        "resolution_days_p50": percentile(s.resolution, 0.5, edges),
        "resolution_days_p90": percentile(s.resolution, 0.9, edges),
        "reopen_rate": _share(s.reopened, s.ever_resolved),
        "rating_avg": None if s.ratings <= 0 else round(s.stars / s.ratings, 2),
        "rating_count": s.ratings,
        "ranked": s.n >= cfg.min_sample,
    }


def state_row(s: Sums, cfg: StatsConfig) -> dict[str, Any]:
    return {
        "open": s.open,
        "overdue": s.overdue,
        "backlog_by_age": {b["label"]: s.backlog.get(b["label"], 0) for b in cfg.backlog_by_age},
    }


def backlog_label(age: int, cfg: StatsConfig) -> str:
    for b in cfg.backlog_by_age:
        if b["max"] is None or age <= b["max"]:
            return str(b["label"])
    return str(cfg.backlog_by_age[-1]["label"])


def age_in_working_days(day: dt.date, today: dt.date, calendar: WorkingCalendar) -> int:
    """Working days after the day of receipt, up to and including today (0 on the day itself)."""
    age, d = 0, day
    while d < today:
        d += dt.timedelta(days=1)
        if calendar.is_working_day(d):
            age += 1
    return age


def window_days(window: str, today: dt.date, cfg: StatsConfig) -> tuple[dt.date, dt.date]:
    """First and last received day of a window: `30d` (today and the 29 days before) or `YYYY-MM`."""
    if window in cfg.windows:
        return today - dt.timedelta(days=cfg.windows[window] - 1), today
    first = dt.date.fromisoformat(f"{window}-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def month_of(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def last_months(today: dt.date, n: int) -> list[str]:
    """The last n calendar months, oldest first, the current one last."""
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


@dataclass
class UnitInfo:
    code: str
    name: str
    level: str
    kecamatan: str | None = None  # for kelurahan: its kecamatan code (kec:...)


def level_of(code: str) -> str | None:
    if code == CITY:
        return "city"
    if code.startswith("opd:"):
        return "opd"
    if code.startswith("kec:"):
        return "kecamatan"
    if code.startswith("kel:"):
        return "kelurahan"
    return None


@dataclass
class Figures:
    """Every row of every window, level and view, as of `now`."""

    now: dt.datetime
    flow: dict[tuple[str, str, str], dict[str, dict[str, Any]]]  # (window, level, view) -> code -> row
    state: dict[tuple[str, str], dict[str, dict[str, Any]]]  # (level, view) -> code -> row
    months: list[str]  # every month with flow rows
    oldest_open_day: dt.date | None  # the oldest day whose complaints may still change

    def row(self, window: str, level: str, view: str, code: str) -> dict[str, Any] | None:
        flow = self.flow.get((window, level, view), {}).get(code)
        state = self.state.get((level, view), {}).get(code)
        if flow is None and state is None:
            return None
        return {**(flow or {}), **(state or {})}


def _group_sums(counters: Mapping[str, int]) -> dict[str, Sums]:
    out: dict[str, Sums] = {}
    for key, value in counters.items():
        parts = key.split("|")
        if len(parts) != 3 or not value:
            continue
        view, group, metric = parts
        s = out.setdefault(f"{view}|{group}", Sums())
        s.take(metric, int(value))
    return out


def _levels(sums: dict[str, Sums], view: str, units: Mapping[str, UnitInfo]) -> dict[str, dict[str, Sums]]:
    """Group sums -> level -> unit code -> sums (a kecamatan takes its kelurahan)."""
    out: dict[str, dict[str, Sums]] = {lvl: {} for lvl in LEVELS}
    city = out["city"].setdefault(CITY, Sums())
    prefix = "u|" if view == "unit" else "p|"
    for key, s in sums.items():
        if key.startswith("p|"):
            city.merge(s)  # the city: every place, in both views
        if not key.startswith(prefix):
            continue
        code = key[2:]
        level = level_of(code)
        if level is None or (view == "place" and level == "opd"):
            continue
        out[level].setdefault(code, Sums()).merge(s)
        if level == "kelurahan":
            info = units.get(code)
            kec = info.kecamatan if info else None
            if kec:
                out["kecamatan"].setdefault(kec, Sums()).merge(s)
    return out


def rollup(
    days: Mapping[dt.date, Mapping[str, int]],
    now: dt.datetime,
    units: Mapping[str, UnitInfo],
    cfg: StatsConfig | None = None,
    calendar: WorkingCalendar | None = None,
    windows: Iterable[str] | None = None,
) -> Figures:
    """Every figure from the counters of the received days given (state from all of them)."""
    cfg = cfg or config()
    cal = calendar or default_calendar()
    today = now.astimezone(local_tz()).date()
    wanted = list(windows) if windows is not None else list(cfg.windows)
    ranges = {w: window_days(w, today, cfg) for w in wanted}
    per_window: dict[str, Counters] = defaultdict(dict)
    state_sums: dict[str, Sums] = {}
    oldest_open: dt.date | None = None
    for day in sorted(days):
        counters = days[day]
        if int(counters.get("nf", 0)) > 0 and oldest_open is None:
            oldest_open = day
        flow_part = {
            k: v
            for k, v in counters.items()
            if k.count("|") == 2 and k.rsplit("|", 1)[1] != "o" and not k.rsplit("|", 1)[1].startswith("d.")
        }
        for w, (lo, hi) in ranges.items():
            if lo <= day <= hi:
                add(per_window[w], flow_part)
        add(per_window[month_of(day)], flow_part)
        label = backlog_label(age_in_working_days(day, today, cal), cfg)
        for key, value in counters.items():
            parts = key.split("|")
            if len(parts) != 3 or not value:
                continue
            view, group, metric = parts
            if metric == "o":
                s = state_sums.setdefault(f"{view}|{group}", Sums())
                s.open += value
                s.backlog[label] = s.backlog.get(label, 0) + value
            elif metric.startswith("d."):
                s = state_sums.setdefault(f"{view}|{group}", Sums())
                if hour_overdue(metric[2:], now):
                    s.overdue += value
    flow: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    months = sorted({month_of(d) for d in days} | set(last_months(today, cfg.months_in_series)))
    for w in [*wanted, *months]:
        sums = _group_sums(per_window.get(w, {}))
        for view in VIEWS:
            for level, rows in _levels(sums, view, units).items():
                if view == "place" and level == "opd":
                    continue
                flow[(w, level, view)] = {
                    code: flow_row(rows.get(code, Sums()), cfg) for code in _codes(level, rows, units)
                }
    state: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for view in VIEWS:
        for level, rows in _levels(state_sums, view, units).items():
            if view == "place" and level == "opd":
                continue
            state[(level, view)] = {code: state_row(rows.get(code, Sums()), cfg) for code in _codes(level, rows, units)}
    return Figures(now=now, flow=flow, state=state, months=months, oldest_open_day=oldest_open)


def _codes(level: str, rows: Mapping[str, Sums], units: Mapping[str, UnitInfo]) -> list[str]:
    """Every known unit of the level (shown even with nothing), and any other code with data."""
    if level == "city":
        return [CITY]
    known = [c for c, u in units.items() if u.level == level]
    return sorted(set(known) | set(rows))


def unit_series(fig: Figures, level: str, view: str, code: str, months: list[str]) -> list[dict[str, Any]]:
    out = []
    for m in months:
        row = fig.flow.get((m, level, view), {}).get(code)
        out.append({"month": m, **(row or {})})
    return out


def with_identity(code: str, row: Mapping[str, Any], units: Mapping[str, UnitInfo], city_name: str) -> dict[str, Any]:
    info = units.get(code)
    level = level_of(code) or "city"
    name = city_name if code == CITY else (info.name if info else code)
    return {"unit_code": code, "unit_name": name, "level": level, **row}


def collect(counter_maps: Iterable[tuple[dt.date, Mapping[str, int]]]) -> dict[dt.date, Counters]:
    out: dict[dt.date, Counters] = {}
    for day, counters in counter_maps:
        add(out.setdefault(day, {}), counters)
    return out


def by_day(
    items: Iterable[Mapping[str, Any]], contribution_of: Callable[[Mapping[str, Any]], Counters] = contribution
) -> dict[dt.date, Counters]:
    """Day counters straight from complaint items (the recompute's way)."""
    out: dict[dt.date, Counters] = {}
    for item in items:
        created = parse_instant(item.get("created_at"))
        if created is None:
            continue
        add(out.setdefault(received_day(created), {}), contribution_of(item))
    return out
