"""Reference data: the default region's areas, units and complaint categories.

Loaded lazily from the package's data files (not at import time, to keep cold
starts short) and keyed on codes, never on names: two kelurahan can share a name.
Which region the packaged area data describes, what it is called and which files
hold it is data too (``jurisdictions.json``): no code path names a region.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.jurisdiction import RegionKind, Words, village_kind
from chalicelib.domain.models import Severity, Unit

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: the index of the regions whose data ships in the package
INDEX = "jurisdictions.json"


def load_json(name: str) -> Any:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


class PackagedRegion(BaseModel):
    """A region whose data ships in the package: its names, prefix, public address and files."""

    model_config = ConfigDict(defer_build=True)

    code: str
    kind: RegionKind
    name: str
    short_name: str
    prefix: str
    public_base_url: str
    areas: str
    boundaries: str
    map: str

    @property
    def words(self) -> Words:
        return Words(kind=self.kind, name=self.name)


@lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    data: dict[str, Any] = load_json(INDEX)
    return data


def default_code() -> str:
    """The deployment's default region: ``DEFAULT_JURISDICTION`` (set per stage), else the one the
    index names. Read here rather than from settings, which sit above the domain, so that every
    reader of the packaged area data agrees on the region."""
    return os.environ.get("DEFAULT_JURISDICTION") or str(_index()["default"])


@lru_cache(maxsize=4)
def _region(code: str) -> PackagedRegion:
    entry = _index()["regions"].get(code)
    if entry is None:
        raise LookupError(f"DEFAULT_JURISDICTION={code}: no data for that region in chalicelib/data/{INDEX}")
    return PackagedRegion(code=code, **entry)


def region(code: str | None = None) -> PackagedRegion:
    """A region whose data ships in the package (the default region unless ``code`` is given)."""
    return _region(code or default_code())


def boundaries_file() -> Path:
    """The default region's desa/kelurahan boundaries (GeoJSON)."""
    return DATA_DIR / region().boundaries


def map_file() -> Path:
    """The default region's simplified map for the pages (SVG paths and their projection)."""
    return DATA_DIR / region().map


class Category(BaseModel):
    model_config = ConfigDict(defer_build=True)
    code: str
    name: str
    name_en: str
    unit_kind: Literal["opd", "kecamatan", "kelurahan"]
    unit: str | None = None
    severity: Severity


class Kelurahan(BaseModel):
    model_config = ConfigDict(defer_build=True)
    code: str
    name: str
    kecamatan_code: str


class Areas(BaseModel):
    model_config = ConfigDict(defer_build=True)
    kecamatan: dict[str, str]  # code -> name
    kelurahan: dict[str, Kelurahan]
    #: how far a reported point may lie outside the kelurahan it was sent with
    point_kelurahan_tolerance_m: float


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    return {c["code"]: Category(**c) for c in load_json("categories.json")["categories"]}


def category(code: str) -> Category:
    """The category with that code, or a 400 that names the field."""
    from chalicelib.domain.errors import FieldProblem, InvalidInput

    found = categories().get(code)
    if found is None:
        raise InvalidInput(
            [
                FieldProblem(
                    "category",
                    "unknown_category",
                    "Kategori tidak dikenal; lihat GET /v1/categories",
                    "Unknown category; see GET /v1/categories",
                )
            ]
        )
    return found


@lru_cache(maxsize=1)
def areas() -> Areas:
    raw = load_json(region().areas)
    kec: dict[str, str] = {}
    kel: dict[str, Kelurahan] = {}
    for k in raw["kecamatan"]:
        kec[k["code"]] = k["name"]
        for x in k["kelurahan"]:
            kel[x["code"]] = Kelurahan(code=x["code"], name=x["name"], kecamatan_code=k["code"])
    return Areas(
        kecamatan=kec, kelurahan=kel, point_kelurahan_tolerance_m=raw["place_rules"]["point_kelurahan_tolerance_m"]
    )


@lru_cache(maxsize=1)
def city_name() -> str:
    """``Kota X`` / ``Kabupaten X``: the default region as pages and messages name it."""
    return region().words.region


@lru_cache(maxsize=1)
def units() -> dict[str, Unit]:
    """Every unit by code: OPD and leadership from units.json, plus one per area."""
    raw = load_json("units.json")
    out: dict[str, Unit] = {}
    for u in raw["opd"]:
        out[u["code"]] = Unit(code=u["code"], kind="opd", name=u["name"])
    for u in raw["pimpinan"]:
        out[u["code"]] = Unit(code=u["code"], kind="pimpinan", name=u["name"])
    a = areas()
    for code, name in a.kecamatan.items():
        out[f"kec:{code}"] = Unit(code=f"kec:{code}", kind="kecamatan", name=f"Kecamatan {name}")
    for code, k in a.kelurahan.items():
        out[f"kel:{code}"] = Unit(code=f"kel:{code}", kind="kelurahan", name=Words.village(village_kind(code), k.name))
    return out


@lru_cache(maxsize=1)
def _dispositions() -> dict[str, int]:
    return {k: int(v) for k, v in load_json("lapor_dispositions.json")["dispositions"].items()}


def disposition_id(unit: Unit | None) -> int | None:
    """The LAPOR! institution id (disposition_id) of one of our units."""
    return _dispositions().get(unit.code) if unit else None
