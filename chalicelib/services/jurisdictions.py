"""The onboarded jurisdictions, as a container uses them: loaded on first use, a bounded number kept.

A deployment may serve every kabupaten and kota of the country; a container only ever needs the
few its requests name. Each region's document is read from the table the first time it is asked
for (one BatchGetItem), its boundaries from object storage the first time they are asked for, and
the least recently used region is forgotten when more than ``capacity`` are held. Nothing is read
at import or at start. The list of regions is kept for ``list_ttl_s``, so a region onboarded
while containers run shows there within that time, with no deploy.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import geo, reference
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.jurisdiction import Jurisdiction
from chalicelib.domain.models import Location
from chalicelib.domain.region import Region, Rules, default_region, from_jurisdiction, packaged_rules, region_code_of
from chalicelib.domain.region import rules_of as _rules_of
from chalicelib.services.ports import JurisdictionBoundaries, JurisdictionRecord, Jurisdictions

__all__ = ["JurisdictionService"]

_NOT_READ = object()


@dataclass
class _Loaded:
    record: JurisdictionRecord
    boundaries: Any = field(default=_NOT_READ)
    region: Region | None = None
    rules: Rules | None = None
    outlines: list[geo.Outline] | None = None


class JurisdictionService:
    def __init__(
        self,
        store: Jurisdictions,
        boundaries: JurisdictionBoundaries | Callable[[], JurisdictionBoundaries],
        capacity: int = 32,
        list_ttl_s: float = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``boundaries``: the object store, or a function that makes it (only when a region's
        boundaries are first read)."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.store = store
        self._boundaries = boundaries
        self.capacity = capacity
        self.list_ttl_s = list_ttl_s
        self.clock = clock
        self._loaded: OrderedDict[str, _Loaded] = OrderedDict()
        self._list: tuple[float, list[dict[str, Any]]] | None = None
        self._lock = threading.Lock()

    # -- the list -----------------------------------------------------------------------------

    def summaries(self) -> list[dict[str, Any]]:
        """Every onboarded region: code, name, kind, prefix (by code)."""
        now = self.clock()
        cached = self._list
        if cached is not None and now - cached[0] < self.list_ttl_s:
            return cached[1]
        listed = self.store.summaries()
        self._list = (now, listed)
        return listed

    # -- one region ---------------------------------------------------------------------------

    def record(self, code: str) -> JurisdictionRecord | None:
        """The region as onboarded (loaded now if this container has not got it); None when unknown."""
        loaded = self._entry(code)
        return loaded.record if loaded else None

    def get(self, code: str) -> Jurisdiction | None:
        record = self.record(code)
        return record.jurisdiction if record else None

    def boundaries(self, code: str) -> dict[str, Any] | None:
        """The region's desa/kelurahan boundaries (GeoJSON), None when it has none."""
        loaded = self._entry(code)
        if loaded is None or not loaded.record.boundaries_key:
            return None
        if loaded.boundaries is _NOT_READ:
            files = self._boundaries() if callable(self._boundaries) else self._boundaries
            loaded.boundaries = files.read(loaded.record.boundaries_key)
        value: dict[str, Any] | None = loaded.boundaries
        return value

    def region(self, code: str) -> Region | None:
        """The region as intake uses it (the default one from the package's data); None when unknown."""
        if code == reference.default_code():
            return default_region()
        loaded = self._entry(code)
        if loaded is None:
            return None
        if loaded.region is None:
            loaded.region = from_jurisdiction(loaded.record.jurisdiction, self.boundaries(code))
        return loaded.region

    def rules(self, code: str | None) -> Rules | None:
        """A region's categories, SLA policy and calendar (no boundaries read); the default
        region's for an empty code; None when the region is not served here."""
        if not code or code == reference.default_code():
            return packaged_rules()
        loaded = self._entry(code)
        if loaded is None:
            return None
        if loaded.rules is None:
            loaded.rules = loaded.region.rules if loaded.region else _rules_of(loaded.record.jurisdiction)
        return loaded.rules

    def rules_or_refuse(self, code: str | None) -> Rules:
        """As ``rules``, with the 400 naming `jurisdiction` for a region not served here."""
        found = self.rules(code)
        if found is None:
            raise unknown_jurisdiction()
        return found

    def outlines(self, code: str) -> list[geo.Outline] | None:
        """The region's desa/kelurahan as its map draws them (simplified once, kept with the
        region); [] when it has no boundaries, None when unknown."""
        if code == reference.default_code():
            return [(c, kec, [ring]) for c, kec, ring in geo.boundaries()]
        region = self.region(code)
        loaded = self._entry(code)
        if region is None or loaded is None:
            return None
        if loaded.outlines is None:
            loaded.outlines = geo.outlines(region.polygons) if region.polygons else []
        return loaded.outlines

    def region_for(self, location: Location, named: str | None = None) -> Region:
        """The one region a complaint's place belongs to, or a 400 naming the field.

        A desa/kelurahan code names its region by its first digits; a point lies in the default
        region or in one onboarded region with boundaries; an address alone is read in the
        default region (or in the region named). A named ``jurisdiction`` must agree."""
        found: Region | None = None
        if location.kelurahan_code:
            code = region_code_of(location.kelurahan_code)
            found = self.region(code) if code else None
            if found is None:  # unknown everywhere: routing says so in the default region's words
                found = default_region()
        elif location.lat is not None and location.lon is not None:
            found = self._region_at(location.lat, location.lon)
        if named is not None:
            wanted = self.region(named)
            if wanted is None:
                raise unknown_jurisdiction()
            if found is not None and found.code != wanted.code and location.kelurahan_code:
                raise InvalidInput([_problem("jurisdiction", "jurisdiction_mismatch", _MISMATCH)])
            if found is None or found.code != wanted.code:
                found = wanted  # a point outside it is refused by routing, in its own words
        return found or default_region()

    def code_at(self, lat: float, lon: float) -> str:
        """The code of the region whose polygons hold the point; the default region's when none does."""
        found = self._region_at(lat, lon)
        return found.code if found is not None else reference.default_code()

    def _region_at(self, lat: float, lon: float) -> Region | None:
        """The region whose polygons hold the point: the default first, then each onboarded
        region with boundaries whose box holds it; None when none does (routing refuses it)."""
        home = default_region()
        if home.locate(lat, lon) is not None:
            return home
        for summary in self.summaries():
            code = str(summary.get("code"))
            if code == home.code or not summary.get("has_boundaries"):
                continue
            region = self.region(code)
            if region is not None and region.holds_box(lat, lon) and region.locate(lat, lon) is not None:
                return region
        return home

    def code_for_prefix(self, prefix: str) -> str | None:
        """The region a tracking-id prefix belongs to."""
        for summary in self.summaries():
            if summary.get("prefix") == prefix:
                return str(summary["code"])
        return self.store.code_for_prefix(prefix)  # onboarded since the list was read

    def loaded(self) -> list[str]:
        """The codes this container holds, least recently used first."""
        return list(self._loaded)

    def forget(self, code: str | None = None) -> None:
        """Drop one region (or all, and the list): the next use reads it again."""
        with self._lock:
            if code is None:
                self._loaded.clear()
                self._list = None
            else:
                self._loaded.pop(code, None)

    def _entry(self, code: str) -> _Loaded | None:
        with self._lock:
            loaded = self._loaded.get(code)
            if loaded is not None:
                self._loaded.move_to_end(code)
                return loaded
        record = self.store.load(code)  # outside the lock: a slow read never holds up the others
        if record is None:
            return None
        with self._lock:
            loaded = self._loaded.setdefault(code, _Loaded(record))
            self._loaded.move_to_end(code)
            while len(self._loaded) > self.capacity:
                self._loaded.popitem(last=False)
        return loaded


_UNKNOWN = (
    "Wilayah tidak dilayani di sini; lihat GET /v1/jurisdictions",
    "Not a jurisdiction served here; see GET /v1/jurisdictions",
)
_MISMATCH = (
    "Kode kelurahan tidak berada di wilayah ini (jurisdiction)",
    "The kelurahan code is not in this jurisdiction",
)


def unknown_jurisdiction() -> InvalidInput:
    """The 400 for a `jurisdiction` this deployment does not serve (intake, figures, nearby)."""
    return InvalidInput([_problem("jurisdiction", "unknown_jurisdiction", _UNKNOWN)])


def _problem(path: str, reason: str, words: tuple[str, str]) -> FieldProblem:
    return FieldProblem(path, reason, words[0], words[1])
