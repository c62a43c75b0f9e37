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

from chalicelib.domain.jurisdiction import Jurisdiction
from chalicelib.services.ports import JurisdictionBoundaries, JurisdictionRecord, Jurisdictions

__all__ = ["JurisdictionService"]

_NOT_READ = object()


@dataclass
class _Loaded:
    record: JurisdictionRecord
    boundaries: Any = field(default=_NOT_READ)


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
