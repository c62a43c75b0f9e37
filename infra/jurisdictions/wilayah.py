"""The national list of Kemendagri area codes (``shared/data/wilayah/kode-wilayah.csv``).

Columns ``kode,nama,tingkat,jenis``: every provinsi, kabupaten/kota, kecamatan and
desa/kelurahan. Read in one pass into indexes keyed on codes (never names: there are many
a "Sukamaju"); about 0.2 s for the 91,600 rows.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from chalicelib.domain.jurisdiction import DesaKelurahan, Kecamatan, RegionKind, VillageKind

__all__ = ["Area", "Wilayah", "load", "shared_dir", "wilayah_csv"]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SHARED_ENV = "ADUAN_SHARED_DIR"

Level = str  # "provinsi" | "kabupaten_kota" | "kecamatan" | "desa_kelurahan"
LEVEL_NAMES = {
    "provinsi": ("provinsi", "province"),
    "kabupaten_kota": ("kabupaten/kota", "regency/city"),
    "kecamatan": ("kecamatan", "district"),
    "desa_kelurahan": ("desa/kelurahan", "village"),
}
_REGION_WORDS = {"kota": "Kota ", "kabupaten": "Kabupaten "}


def shared_dir(repo_root: Path | None = None) -> Path:
    """The shared data folder: ``$ADUAN_SHARED_DIR``, else ``shared/`` beside the repository."""
    override = os.environ.get(SHARED_ENV)
    if override:
        return Path(override)
    return (repo_root or REPO_ROOT).parent / "shared"


def wilayah_csv(repo_root: Path | None = None) -> Path:
    return shared_dir(repo_root) / "data" / "wilayah" / "kode-wilayah.csv"


class Area(NamedTuple):
    """One row of the list. ``name`` is stripped; ``kind`` is ``kota``/``kabupaten`` for
    a region, ``desa``/``kelurahan`` for a village, empty otherwise."""

    code: str
    name: str
    level: Level
    kind: str


@dataclass
class Wilayah:
    """Indexes over the national list."""

    areas: dict[str, Area] = field(default_factory=dict)
    _children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def get(self, code: str) -> Area | None:
        return self.areas.get(code)

    def children(self, code: str) -> list[str]:
        """The codes one level below ``code``, in the list's order."""
        return list(self._children.get(code, ()))

    def regions(self) -> list[Area]:
        """Every kabupaten/kota."""
        return [a for a in self.areas.values() if a.level == "kabupaten_kota"]

    def region_kind(self, code: str) -> RegionKind:
        area = self.areas[code]
        if area.level != "kabupaten_kota" or area.kind not in _REGION_WORDS:
            raise ValueError(f"{code} is not a kabupaten/kota")
        return "kota" if area.kind == "kota" else "kabupaten"

    def bare_name(self, code: str) -> str:
        """The region's name without its leading "Kota "/"Kabupaten "."""
        area = self.areas[code]
        return area.name.removeprefix(_REGION_WORDS[self.region_kind(code)]).strip()

    def kecamatan_of(self, region_code: str) -> list[Kecamatan]:
        return [Kecamatan(code=c, name=self.areas[c].name) for c in self.children(region_code)]

    def desa_kelurahan_of(self, region_code: str) -> list[DesaKelurahan]:
        out: list[DesaKelurahan] = []
        for kec in self.children(region_code):
            for code in self.children(kec):
                area = self.areas[code]
                kind: VillageKind = "kelurahan" if area.kind == "kelurahan" else "desa"
                out.append(DesaKelurahan(code=code, name=area.name, kind=kind, kecamatan_code=kec))
        return out


def read(path: Path) -> Wilayah:
    """Parse the CSV (one pass)."""
    w = Wilayah()
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        if header[:4] != ["kode", "nama", "tingkat", "jenis"]:
            raise ValueError(f"{path}: unexpected columns {header}")
        areas, children = w.areas, w._children
        for code, name, level, kind in rows:
            areas[code] = Area(code, name.strip(), level, kind)
            parent = code[: code.rfind(".")] if "." in code else ""
            if parent:
                children[parent].append(code)
    return w


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> Wilayah:
    """The national list, read once per process."""
    return read(path or wilayah_csv())
