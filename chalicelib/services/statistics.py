"""Public figures per unit: kept up to date from the table's stream, read by key.

Items (adapters/storage/figures.py, docs/statistics.md): day counters (every counter
of the complaints received that day, WIB), one item per complaint (what it adds now,
the stream position applied, its public list row, listed by unit and by place while
it is counted), and snapshots (flow#<window>#<level>#<view>, now#<level>#<view>,
unit#<view>#<code>, META).

Kept exactly once: every change of a complaint item reaches `apply_change`
(the stream consumer) with its stream sequence number. The complaint's own
stats item says what it adds already; the change writes the new contribution
(conditional on the stored sequence) and adds the difference to its day, in ONE
transaction of two items. A redelivered or older record finds a newer sequence
stored and changes nothing. Reading figures never touches complaints: the
scheduled `refresh` adds the day counters up into snapshots, and the API reads
one or two snapshot items by key.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import heapq
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from chalicelib.domain import geo, open_data, public_view, reference
from chalicelib.domain import statistics as st
from chalicelib.domain.calendar import local_tz
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.inbox import scoped
from chalicelib.domain.instants import utc_text
from chalicelib.domain.jurisdiction import Jurisdiction
from chalicelib.domain.models import STATUS_LABELS_ID, Status, Unit, utcnow
from chalicelib.domain.overdue import overdue_working_days
from chalicelib.domain.region import Rules, areas_of
from chalicelib.observability import count, logger
from chalicelib.services.jurisdictions import unknown_jurisdiction
from chalicelib.services.ports import ComplaintImages, Complaints, ConditionFailed, Figures

#: the snapshot of the refresh itself (when, the oldest open day, each snapshot's digest)
META = "META"

#: one change of a complaint item (from the table's stream)
Change = ComplaintImages


def padded(seq: str | int) -> str:
    """A stream sequence number as sortable text (they run to 40 digits)."""
    return str(seq).zfill(40)


@lru_cache(maxsize=1)
def known_units() -> dict[str, st.UnitInfo]:
    """Every unit the default region's statistics show: OPD, kecamatan, kelurahan (pimpinan count only in the city)."""
    return units_of(reference.units(), reference.areas())


#: each onboarded region's units, as its figures show them (built once per container)
_region_units: dict[str, dict[str, st.UnitInfo]] = {}


def units_of(units: Mapping[str, Unit], areas: reference.Areas) -> dict[str, st.UnitInfo]:
    """Every unit a region's statistics show: OPD, kecamatan, kelurahan."""
    out: dict[str, st.UnitInfo] = {}
    for code, unit in units.items():
        level = st.level_of(code)
        if level is None:
            continue
        kec = None
        if level == "kelurahan":
            kel = areas.kelurahan.get(code.removeprefix("kel:"))
            kec = f"kec:{kel.kecamatan_code}" if kel else None
        out[code] = st.UnitInfo(code=code, name=unit.name, level=level, kecamatan=kec)
    return out


@lru_cache(maxsize=1)
def city_name() -> str:
    return reference.city_name()


def list_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """The public row of a complaint in the lists behind the figures (public_view's facts only)."""
    facts = public_view.of_item(item)
    return {
        "tracking_id": facts.tracking_id,
        "title": facts.title,
        "category": facts.category,
        "status": item.get("status"),
        "created_at": item.get("created_at"),
        "deadline": item.get("deadline"),
        "unit_code": facts.unit_code,
        "unit_name": facts.unit_name,
        "kelurahan_code": facts.kelurahan_code,
        "kecamatan_code": facts.kecamatan_code,
        "channel": facts.channel,
        "confidential": facts.confidential,
        "moved_from": [m for m in (item.get("moved_from") or []) if isinstance(m, str)],
        "cls": st.status_class(item),
    }


class RegionData(Protocol):
    def summaries(self) -> list[dict[str, Any]]: ...

    def get(self, code: str) -> Jurisdiction | None: ...

    def outlines(self, code: str) -> list[geo.Outline] | None: ...

    def rules(self, code: str | None) -> Rules | None: ...


class StatisticsService:
    def __init__(
        self,
        figures: Figures,
        complaints: Complaints,
        clock: Callable[[], dt.datetime] = utcnow,
        regions: RegionData | None = None,
    ) -> None:
        """Each region's figures are its own (``figures.region``; "": the default region's); ``regions``:
        the onboarded regions, for their units and names (without it, the default region alone)."""
        self.figure_store = figures
        self.complaints = complaints
        self.clock = clock
        self.regions = regions

    # -- which region ----------------------------------------------------------------

    @property
    def region(self) -> str:
        return self.figure_store.region

    def in_region(self, code: str | None) -> StatisticsService:
        """The figures of one region (the default one when ``code`` is empty or names it); a 400
        naming `jurisdiction` for a region not served here."""
        if not code or code == reference.default_code():
            return (
                self
                if not self.region
                else StatisticsService(self.figure_store.for_region(None), self.complaints, self.clock, self.regions)
            )
        if code == self.region:
            return self
        if self.regions is None or self.regions.get(code) is None:
            raise unknown_jurisdiction()
        return StatisticsService(self.figure_store.for_region(code), self.complaints, self.clock, self.regions)

    def _of(self, code: str) -> StatisticsService:
        """The figures a stored complaint of region ``code`` adds to (never refused: it was filed)."""
        region = "" if code == reference.default_code() else code
        if region == self.region:
            return self
        return StatisticsService(self.figure_store.for_region(region), self.complaints, self.clock, self.regions)

    def units(self) -> dict[str, st.UnitInfo]:
        """The units this region's figures show."""
        if not self.region:
            return known_units()
        held = _region_units.get(self.region)
        if held is None:
            j = self.regions.get(self.region) if self.regions is not None else None
            held = units_of(j.units(), areas_of(j)) if j is not None else {}
            _region_units[self.region] = held
        return held

    def name(self) -> str:
        """``Kota X`` / ``Kabupaten X``: the region as the figures name it."""
        if not self.region:
            return city_name()
        j = self.regions.get(self.region) if self.regions is not None else None
        return j.words.region if j is not None else self.region

    # -- the stream consumer ----------------------------------------------------

    def _contribution(self, item: Mapping[str, Any] | None) -> st.Counters:
        """What a complaint adds, with its own region's calendar and SLA policy."""
        code = str((item or {}).get("jurisdiction") or "")
        rules = self.regions.rules(code) if self.regions is not None and code else None
        if rules is None:
            return st.contribution(item)
        return st.contribution(item, calendar=rules.calendar, policy=rules.sla)

    def apply_change(self, change: Change) -> str:
        """Count one change of a complaint item exactly once; returns what was done."""
        item = change.new or change.old or {}
        created = st.parse_instant(item.get("created_at"))
        if created is None or not (
            self.complaints.in_created_index(change.new) or self.complaints.in_created_index(change.old)
        ):
            return "ignored"
        day = st.received_day(created)
        new_c = self._contribution(change.new) if self.complaints.in_created_index(change.new) else {}
        new_row = list_row(change.new) if change.new and st.is_counted(change.new) and new_c else None
        own = self._of(str(item.get("jurisdiction") or ""))
        for _ in range(5):
            stored = own.figure_store.contribution(day, change.tracking_id)
            if stored is not None and str(stored.get("seq", "")) >= padded(change.seq):
                return "replayed"
            outcome = own._write(day, change.tracking_id, stored, new_c, new_row, padded(change.seq))
            if outcome != "lost_race":
                return outcome
        raise RuntimeError("statistics: the complaint's stats item kept changing")

    def _write(
        self,
        day: dt.date,
        tracking_id: str,
        stored: dict[str, Any] | None,
        new_c: st.Counters,
        new_row: dict[str, Any] | None,
        seq: str | None,
    ) -> str:
        """One transaction: the complaint's stats item and its day's counters (2 writes at most)."""
        old_c = {k: int(v) for k, v in ((stored or {}).get("c") or {}).items()}
        delta = st.diff(old_c, new_c)
        old_row = (stored or {}).get("row")
        if stored is None and not new_c:
            return "not_counted"
        # a row stored before the city had a list of its own is written again to carry its keys
        city_listed = new_row is None or "sc_pk" in (stored or {})
        if not delta and old_row == new_row and city_listed:
            return "unchanged"  # nothing the figures or lists show changed: no write
        try:
            self.figure_store.write_contribution(
                day, tracking_id, stored, new_c, new_row, seq, delta, st.NO_PLACE, st.CITY
            )
        except ConditionFailed:
            return "lost_race"
        return "counted" if delta else "listed"

    # -- adding up: the scheduled refresh ------------------------------------------

    def day_counters(self, since: dt.date | None) -> dict[dt.date, st.Counters]:
        """The stored day counters from `since` (all when None): one Query of one partition."""
        return {day: _counters_of(item) for day, item in self.figure_store.days(since).items()}

    def figures(self, days: Mapping[dt.date, st.Counters], now: dt.datetime) -> st.Figures:
        return st.rollup(days, now, self.units())

    def refresh_all(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """The scheduled refresh: the default region's figures, then each other region's that has any
        (the regions with figures are one partition: the refresh never asks every onboarded region)."""
        report = self.refresh(now)
        others = 0
        for code in self.figure_store.regions_with_figures():
            if code and code != reference.default_code():
                self._of(code).refresh(now)
                others += 1
        return {**report, "regions_refreshed": others}

    def refresh(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """Add the day counters up into snapshots; write only the snapshots that changed."""
        now = now or self.clock()
        cfg = st.config()
        today = now.astimezone(local_tz()).date()
        meta = self.figure_store.snapshot_meta() or {}
        first_needed = min(
            today - dt.timedelta(days=max(cfg.windows.values()) - 1),
            dt.date.fromisoformat(st.last_months(today, cfg.months_in_series)[0] + "-01"),
        )
        watermark = meta.get("oldest_open_day")
        since = None if not meta else min(first_needed, dt.date.fromisoformat(watermark) if watermark else today)
        days = self.day_counters(since)
        fig = self.figures(days, now)
        snapshots = self.snapshots(fig)
        digests: dict[str, str] = dict(meta.get("digests") or {})
        written = 0
        for sk, body in snapshots.items():
            digest = hashlib.sha1(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]
            if sk.startswith("now#") or digests.get(sk) != digest:
                self.figure_store.put_snapshot(sk, json.dumps(body, ensure_ascii=False, default=str), now)
                digests[sk] = digest
                written += 1
        oldest = fig.oldest_open_day or today
        self.figure_store.put_snapshot_meta(now, oldest, digests)
        count("StatisticsSnapshotsWritten", written)
        report = {"days_read": len(days), "snapshots_written": written, "oldest_open_day": oldest.isoformat()}
        logger.info("statistics refreshed", extra=report)
        return report

    def snapshots(self, fig: st.Figures) -> dict[str, Any]:
        """Snapshot bodies by sort key: flow per window, state now, and one per unit and view."""
        cfg = st.config()
        out: dict[str, Any] = {}
        for (window, level, view), rows in fig.flow.items():
            out[f"flow#{window}#{level}#{view}"] = rows
        for (level, view), rows in fig.state.items():
            out[f"now#{level}#{view}"] = rows
        today = fig.now.astimezone(local_tz()).date()
        series_months = st.last_months(today, cfg.months_in_series)
        for (level, view), rows in fig.state.items():
            for code in rows:
                out[f"unit#{view}#{code}"] = {
                    "windows": {w: fig.row(w, level, view, code) for w in cfg.windows},
                    "monthly": st.unit_series(fig, level, view, code, series_months),
                }
        return out

    # -- reading ------------------------------------------------------------------

    def table(self, window: str, level: str, view: str) -> dict[str, Any]:
        """`GET /v1/stats`: two items by key (the window's flow rows and the state now)."""
        got = self.figure_store.snapshots([f"flow#{window}#{level}#{view}", f"now#{level}#{view}"])
        flow = _body(got.get(f"flow#{window}#{level}#{view}"))
        now_item = got.get(f"now#{level}#{view}")
        state = _body(now_item)
        units = self.units()
        known = [st.CITY] if level == "city" else [c for c, u in units.items() if u.level == level]
        codes = sorted(set(flow) | set(state) | set(known))  # every unit, even before the first refresh
        empty_flow = st.flow_row(st.Sums(), st.config())
        empty_state = st.state_row(st.Sums(), st.config())
        rows = [
            st.with_identity(
                code, {**empty_flow, **empty_state, **flow.get(code, {}), **state.get(code, {})}, units, self.name()
            )
            for code in codes
        ]
        return {
            "window": window,
            "level": level,
            "view": view,
            "generated_at": now_item.get("generated_at") if now_item else None,
            "units": rows,
        }

    def unit(self, code: str, view: str) -> dict[str, Any]:
        """`GET /v1/stats/units/{code}`: the unit's snapshot and the time of the last refresh (2 items)."""
        got = self.figure_store.snapshots([f"unit#{view}#{code}", META])
        body = _body(got.get(f"unit#{view}#{code}"))
        meta = got.get(META) or {}
        ident = st.with_identity(code, {}, self.units(), self.name())
        return {
            **ident,
            "view": view,
            "generated_at": meta.get("generated_at"),
            "windows": body.get("windows") or {},
            "monthly": body.get("monthly") or [],
        }

    def csv(self, windows: list[str], levels: list[str], view: str) -> str:
        """Open data: one row per unit and window (UTF-8)."""
        out = io.StringIO()
        cfg = st.config()
        columns = [
            "window",
            "unit_code",
            "unit_name",
            "level",
            "view",
            "received",
            *(f"received_{ch}" for ch in cfg.channels),
            "open",
            "overdue",
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
            *(f"backlog_{b['label']}" for b in cfg.backlog_by_age),
            "ranked",
            "generated_at",
        ]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for window in windows:
            for level in levels:
                if view == "place" and level == "opd":
                    continue
                t = self.table(window, level, view)
                for r in t["units"]:
                    flat = {**r, "window": window, "view": view, "generated_at": t["generated_at"]}
                    for ch in cfg.channels:
                        flat[f"received_{ch}"] = r["received_by_channel"].get(ch, 0)
                    for b in cfg.backlog_by_age:
                        flat[f"backlog_{b['label']}"] = r.get("backlog_by_age", {}).get(b["label"], 0)
                    writer.writerow([open_data.cell(flat.get(c)) for c in columns])
        return out.getvalue()

    def places_geojson(self, window: str) -> dict[str, Any]:
        """`GET /v1/stats/places.geojson`: every desa/kelurahan's boundary with this region's figures
        (by place) in one window, as an RFC 7946 FeatureCollection (WGS 84, [lon, lat]); flat
        properties, as the CSV's columns, so a GIS reads them as attribute columns. A region
        onboarded without boundaries has no features (a map client still reads an empty layer)."""
        cfg = st.config()
        areas, shapes = self._map()
        if not shapes:
            return {"type": "FeatureCollection", "features": []}  # no figures read for a map with nothing on it
        t = self.table(window, "kelurahan", "place")
        rows = {r["unit_code"]: r for r in t["units"]}
        features = []
        for code, kecamatan_code, rings in shapes:
            kel = areas.kelurahan.get(code)
            props: dict[str, Any] = {
                "kelurahan_code": code,
                "kelurahan_name": kel.name if kel else None,
                "kecamatan_code": kecamatan_code,
                "kecamatan_name": areas.kecamatan.get(kecamatan_code),
                "unit_code": f"kel:{code}",
                "window": window,
                "generated_at": t["generated_at"],
            }
            props.update(_flat_figures(rows.get(f"kel:{code}", {}), cfg))
            geometry = (
                {"type": "Polygon", "coordinates": rings[:1]}
                if len(rings) == 1
                else {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}  # an area over islands
            )
            features.append({"type": "Feature", "id": code, "properties": props, "geometry": geometry})
        return {"type": "FeatureCollection", "features": features}

    def _map(self) -> tuple[reference.Areas, list[geo.Outline]]:
        """This region's areas and desa/kelurahan outlines (the default region's from the package;
        another's from its boundaries, simplified once per container)."""
        if not self.region:
            return reference.areas(), [(code, kec, [ring]) for code, kec, ring in geo.boundaries()]
        j = self.regions.get(self.region) if self.regions is not None else None
        shapes = self.regions.outlines(self.region) if self.regions is not None and j is not None else None
        return (areas_of(j) if j is not None else reference.areas()), shapes or []

    # -- the lists behind the figures ----------------------------------------------

    def public_list(
        self,
        unit: str,
        view: str,
        cls: str | None,
        overdue: bool,
        window: str | None,
        cursor: str | None,
        limit: int,
        narrow: Narrowing | None = None,
    ) -> dict[str, Any]:
        """Counted complaints behind a number, newest first, from the stats indexes (no Scan)."""
        now = self.clock()
        rows, nxt = self._listed(unit, view, cls, overdue, window, cursor, limit, narrow or Narrowing(), now)
        return {
            "unit": unit,
            "view": view,
            "status": cls,
            "overdue": overdue,
            "window": window,
            "complaints": [_public(r, now) for r in rows],
            "cursor": nxt,
        }

    def download(
        self,
        unit: str,
        view: str,
        cls: str | None,
        overdue: bool,
        window: str | None,
        cursor: str | None,
        limit: int,
        narrow: Narrowing,
    ) -> dict[str, Any]:
        """The complaints behind a figure as open data: public fields only; confidential ones are
        counted on the page that reached them (`confidential_count`), never listed."""
        now = self.clock()
        rows, nxt = self._listed(unit, view, cls, overdue, window, cursor, limit, narrow, now)
        shown = [r for r in rows if not _withheld(r)]
        return {
            "unit": unit,
            "view": view,
            "status": cls,
            "overdue": overdue,
            "window": window,
            **narrow.echo(),
            "confidential_count": len(rows) - len(shown),
            "complaints": [open_data_row(r, now) for r in shown],
            "cursor": nxt,
        }

    def _listed(
        self,
        unit: str,
        view: str,
        cls: str | None,
        overdue: bool,
        window: str | None,
        cursor: str | None,
        limit: int,
        narrow: Narrowing,
        now: dt.datetime,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of list rows and the position the next page continues below.

        The city (and the complaints moved out of a unit, found anywhere in it) is one index
        partition of its own (`statscity`). A kecamatan by unit is a handful of index partitions
        merged newest first: each
        first reads about its share of the page, and more only when the merge runs through
        it, within a budget of Queries (then the cursor continues where every partition was
        read to). The cursor is bound to its query: it names the query it continues and
        never reaches outside the window."""
        query = _query_digest(unit, view, cls, overdue, window, narrow)
        if narrow.place and unit == st.CITY and cls != "moved":
            unit, view = f"kel:{narrow.place}", "place"  # one kecamatan's partition, not the city's
        partitions, kel = self._partitions(unit, view, cls)
        if kel and narrow.place and kel != narrow.place:
            return [], None  # a kelurahan inside another kelurahan: nothing
        lo, hi = "0", "~"
        if window:
            first, last = st.window_days(window, now.astimezone(local_tz()).date(), st.config())
            lo = utc_text(dt.datetime.combine(first, dt.time.min, tzinfo=local_tz()))
            hi = utc_text(dt.datetime.combine(last, dt.time.max, tzinfo=local_tz())) + "~"
        if narrow.since:
            lo = max(lo, utc_text(dt.datetime.combine(narrow.since, dt.time.min, tzinfo=local_tz())))
        if narrow.until:
            hi = min(hi, utc_text(dt.datetime.combine(narrow.until, dt.time.max, tzinfo=local_tz())) + "~")
        if lo > hi:
            return [], None
        upper = hi
        if cursor:
            upper = min(_decode_cursor(cursor, query), hi)  # never above the window
        filters: dict[str, Any] = {}
        if cls == "moved":
            filters["moved_from"] = unit
        elif cls:
            filters["cls"] = cls
        if overdue:
            filters["overdue_at"] = now
        if kel or narrow.place:
            filters["kelurahan_code"] = kel or narrow.place
        if narrow.category:
            filters["category"] = narrow.category
        if narrow.channel:
            filters["channel"] = narrow.channel
        page: list[dict[str, Any]] = []
        nxt: str | None = None
        if upper > lo:
            # each partition's part of the page; one partition alone reads the page and the one row
            # that says another page follows, in one Query
            share = limit + 1 if len(partitions) == 1 else -(-limit // len(partitions))
            budget = _Budget(2 * len(partitions) + 2)
            floors: list[str] = []  # where partitions stopped with more to read
            streams = [
                self._stream(by, partition, lo, upper, filters, share, budget, floors) for by, partition in partitions
            ]
            position = self.figure_store.listed_position
            for item in heapq.merge(*streams, key=position, reverse=True):
                floor = max(floors, default=None)
                if floor is not None and position(item) < floor:
                    nxt = floor  # a partition stopped at its budget: everything above it was shown
                    break
                if len(page) == limit:
                    nxt = position(page[-1])  # the next page: below the last one shown
                    break
                page.append(item)
            else:
                nxt = max(floors, default=None)
        rows = [i["row"] for i in page if i.get("row")]
        return rows, (_encode_cursor(nxt, query) if nxt else None)

    def _stream(
        self,
        by: str,
        partition: str,
        lo: str,
        hi: str,
        filters: Mapping[str, Any],
        share: int,
        budget: _Budget,
        floors: list[str],
    ) -> Iterator[dict[str, Any]]:
        """One list partition newest first, a page at a time, only as far as the merge consumes
        it; with the budget spent, where it stopped goes to `floors` (all above it was read)."""
        upper: str | None = hi
        chunk = share
        while upper is not None:
            if not budget.take():
                floors.append(upper)
                return
            items, upper = self.figure_store.listed_page(by, partition, lo, upper, filters, chunk)
            yield from items
            # past its share: small pages as the merge needs them; a filter that thins them out reads wider
            chunk = max(share, 10) if filters else max(2, -(-share // 3))

    def _partitions(self, unit: str, view: str, cls: str | None) -> tuple[list[tuple[str, str]], str | None]:
        """The lists to read: (`city`, the city), (`unit`, a unit code) or (`place`, a kecamatan),
        and a kelurahan to filter."""
        units = self.units()
        if unit == st.CITY or cls == "moved":
            return [("city", scoped(st.CITY, self.region))], None
        level = st.level_of(unit)
        if view == "unit":
            if level == "kecamatan":
                kels = sorted(c for c, u in units.items() if u.kecamatan == unit)
                return [("unit", c) for c in [unit, *kels]], None
            return [("unit", scoped(unit, self.region))], None
        if level == "kecamatan":
            return [("place", unit)], None
        info = units.get(unit)
        place = info.kecamatan if info and info.kecamatan else scoped(st.NO_PLACE, self.region)
        return [("place", place)], unit.removeprefix("kel:")

    # -- audit and repair -----------------------------------------------------------

    def complaints_since(self, month: str, shards: int) -> Iterator[dict[str, Any]]:
        """Every complaint of this region from `month` (UTC, YYYY-MM) on: its partitions of the
        `created` index, one Query per month and shard."""
        now = self.clock()
        y, m = (int(x) for x in month.split("-"))
        while (y, m) <= (now.year, now.month):
            for shard in range(shards):
                yield from self.complaints.created_in(f"{y:04d}-{m:02d}", shard, self.region)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)

    def recompute(self, since_month: str, shards: int, repair: bool = False) -> dict[str, Any]:
        """Every figure again from the complaints; compare with the kept ones; optionally repair.

        Repair goes complaint by complaint through the same conditional transaction
        as the stream (its stored sequence unchanged), so it is safe while the
        stream consumer runs."""
        expected: dict[dt.date, st.Counters] = {}
        complaints: list[dict[str, Any]] = []
        for item in self.complaints_since(since_month, shards):
            if not self.complaints.in_created_index(item) or not self._mine(item):
                continue
            created = st.parse_instant(item.get("created_at"))
            if created is None:
                continue
            complaints.append(item)
            st.add(expected.setdefault(st.received_day(created), {}), self._contribution(item))
        first_day = dt.date.fromisoformat(f"{since_month}-01")
        kept = {d: c for d, c in self.day_counters(first_day).items()}
        differences = _compare(expected, kept)
        repaired = rebuilt = listed = 0
        if repair and differences:
            for item in complaints:
                repaired += self._repair(item)
            for diff_day in differences:
                rebuilt += self._rebuild_day(dt.date.fromisoformat(diff_day["day"]))
        if repair:
            for day in sorted(set(expected) | set(kept)):
                listed += self._list_in_city(day)
        return {
            "complaints": len(complaints),
            "days": len(expected),
            "differences": differences,
            "repaired": repaired,
            "days_rebuilt": rebuilt,
            "city_rows_listed": listed,
            "expected": expected,
        }

    def _rebuild_day(self, day: dt.date) -> int:
        """Set a day's counters to the sum of its complaints' stats items (the stream keeps both in step).

        Conditional on the day's revision read first: a change counted meanwhile makes it start again."""
        for _ in range(5):
            current = self.figure_store.day(day) or {}
            total: st.Counters = {}
            for item in self.figure_store.contributions(day):
                if str(item.get("j") or "") == self.region:  # the day's own region's complaints
                    st.add(total, {k: int(v) for k, v in (item.get("c") or {}).items()})
            have = {k: v for k, v in _counters_of(current).items() if v}
            want = {k: v for k, v in total.items() if v}
            if have == want:
                return 0
            try:
                self.figure_store.replace_day(day, want, current or None)
                return 1
            except ConditionFailed:
                continue
        return 0

    def _list_in_city(self, day: dt.date) -> int:
        """Rows of a day stored before the city had its own list: written again as they are, with
        its keys (the same conditional write as the stream's, so safe while it runs)."""
        done = 0
        for stored in self.figure_store.contributions(day):
            if not stored.get("row") or "sc_pk" in stored or str(stored.get("j") or "") != self.region:
                continue
            counters = {k: int(v) for k, v in (stored.get("c") or {}).items()}
            if self._write(day, str(stored["sk"]), stored, counters, stored["row"], None) == "listed":
                done += 1
        return done

    def _mine(self, item: Mapping[str, Any]) -> bool:
        """A complaint of this service's region (one stored before regions were: the default's)."""
        code = str(item.get("jurisdiction") or "")
        return (code if code != reference.default_code() else "") == self.region

    def _repair(self, item: dict[str, Any]) -> int:
        created = st.parse_instant(item["created_at"])
        assert created is not None
        day = st.received_day(created)
        fresh = self.complaints.item(item["tracking_id"], consistent=True) or item
        new_c = self._contribution(fresh) if self.complaints.in_created_index(fresh) else {}
        row = list_row(fresh) if st.is_counted(fresh) and new_c else None
        for _ in range(5):
            stored = self.figure_store.contribution(day, item["tracking_id"])
            outcome = self._write(day, item["tracking_id"], stored, new_c, row, None)
            if outcome != "lost_race":
                return 1 if outcome in ("counted", "listed") else 0
        return 0


@dataclass(frozen=True)
class Narrowing:
    """What the open-data download adds to a list's question: a category, a channel, a
    kelurahan (`place`, its code) and a range of days of arrival (WIB, both included)."""

    category: str | None = None
    channel: str | None = None
    place: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def echo(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "channel": self.channel,
            "place": self.place,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }


def _counters_of(item: Mapping[str, Any]) -> st.Counters:
    return {k: int(v) for k, v in item.items() if (k == "nf" or k.count("|") == 2) and isinstance(v, int)}


def _compare(expected: Mapping[dt.date, st.Counters], kept: Mapping[dt.date, st.Counters]) -> list[dict[str, Any]]:
    out = []
    for day in sorted(set(expected) | set(kept)):
        want = {k: v for k, v in expected.get(day, {}).items() if v}
        have = {k: v for k, v in kept.get(day, {}).items() if v}
        if want != have:
            keys = sorted(set(want) | set(have))
            out.append(
                {
                    "day": day.isoformat(),
                    "counters": {
                        k: {"expected": want.get(k, 0), "kept": have.get(k, 0)}
                        for k in keys
                        if want.get(k, 0) != have.get(k, 0)
                    },
                }
            )
    return out


def _body(item: Mapping[str, Any] | None) -> dict[str, Any]:
    if not item or not item.get("body"):
        return {}
    return dict(json.loads(item["body"]))


def _public(row: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    # only open complaints are late; a resolved one's deadline is the reporter's window
    overdue = overdue_working_days(st.parse_instant(row.get("deadline")), now) if row.get("cls") == "open" else None
    try:
        label = STATUS_LABELS_ID[Status(str(row.get("status")))]
    except (ValueError, KeyError):
        label = str(row.get("status"))
    return {
        "tracking_id": row["tracking_id"],
        "title": row.get("title"),
        "category": row.get("category"),
        "status": row.get("status"),
        "status_label": label,
        "created_at": row.get("created_at"),
        "deadline": row.get("deadline") if row.get("cls") == "open" else None,
        "overdue_working_days": overdue,
        "unit": {"code": row.get("unit_code"), "name": row.get("unit_name")},
        "kelurahan_code": row.get("kelurahan_code"),
    }


#: the figures a place's GeoJSON feature carries, flat (nested counts are spread into columns)
_FIGURES = (
    "received",
    "open",
    "overdue",
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


def _flat_figures(row: Mapping[str, Any], cfg: st.StatsConfig) -> dict[str, Any]:
    flat: dict[str, Any] = {k: row.get(k) for k in _FIGURES}
    for ch in cfg.channels:
        flat[f"received_{ch}"] = (row.get("received_by_channel") or {}).get(ch, 0)
    for b in cfg.backlog_by_age:
        flat[f"backlog_{b['label']}"] = (row.get("backlog_by_age") or {}).get(b["label"], 0)
    return flat


def _withheld(row: Mapping[str, Any]) -> bool:
    """A confidential complaint is counted, never listed in open data. A row written before rows
    said so holds no title when confidential: such a row without a title is held back too."""
    if "confidential" in row:
        return bool(row["confidential"])
    return row.get("title") is None


#: the columns of the complaints behind a figure as open data (CSV and JSON), in order
OPEN_DATA_COLUMNS = (
    "tracking_id",
    "created_at",
    "status",
    "status_label",
    "category",
    "channel",
    "title",
    "unit_code",
    "unit_name",
    "kecamatan_code",
    "kelurahan_code",
    "deadline",
    "overdue_working_days",
)


def open_data_row(row: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """One complaint behind a figure as open data: the list's public row, flat."""
    shown = _public(row, now)
    return {
        "tracking_id": shown["tracking_id"],
        "created_at": shown["created_at"],
        "status": shown["status"],
        "status_label": shown["status_label"],
        "category": shown["category"],
        "channel": row.get("channel"),
        "title": shown["title"],
        "unit_code": shown["unit"]["code"],
        "unit_name": shown["unit"]["name"],
        "kecamatan_code": row.get("kecamatan_code"),
        "kelurahan_code": shown["kelurahan_code"],
        "deadline": shown["deadline"],
        "overdue_working_days": shown["overdue_working_days"],
    }


def open_data_csv(rows: list[dict[str, Any]]) -> str:
    """The complaints behind a figure as CSV (UTF-8, RFC 4180 line ends, so a title holding a
    line break is quoted), every cell inert in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OPEN_DATA_COLUMNS)
    for r in rows:
        writer.writerow([open_data.cell(r.get(c)) for c in OPEN_DATA_COLUMNS])
    return out.getvalue()


def _query_digest(unit: str, view: str, cls: str | None, overdue: bool, window: str | None, narrow: Narrowing) -> str:
    """What a cursor must continue: the list's unit, view, status, overdue, window and narrowing."""
    echo = narrow.echo()
    text = "\n".join(
        [unit, view, cls or "", "1" if overdue else "0", window or "", *(f"{k}={echo[k]}" for k in sorted(echo))]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode_cursor(sk: str, query: str) -> str:
    return base64.urlsafe_b64encode(f"{query}|{sk}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str, query: str) -> str:
    """The sort key to continue below, from a cursor this same query handed out; a 400
    naming `cursor` for anything else (a forged one, or one of another list or window)."""
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    digest, _, sk = text.partition("|")
    if not sk or len(sk) > 120 or "#" not in sk or digest != query:
        raise InvalidInput(
            [
                FieldProblem(
                    "cursor",
                    "invalid_cursor",
                    "cursor tidak valid; pakai nilai dari halaman sebelumnya",
                    "cursor is not valid; use the value from the previous page",
                )
            ]
        )
    return sk


class _Budget:
    """Queries one page may still send."""

    def __init__(self, queries: int) -> None:
        self.left = queries

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True
