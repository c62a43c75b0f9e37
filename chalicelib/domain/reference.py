"""Reference data: areas of Kota Serang, units and complaint categories.

Loaded lazily from the package's data files (not at import time, to keep cold
starts short) and keyed on codes, never on names: two kelurahan are called
Sukawana.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from chalicelib.domain.models import Severity, Unit

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def load_json(name: str) -> Any:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


class Category(BaseModel):
    code: str
    name: str
    name_en: str
    unit_kind: Literal["opd", "kecamatan", "kelurahan"]
    unit: str | None = None
    severity: Severity


class Kelurahan(BaseModel):
    code: str
    name: str
    kecamatan_code: str


class Areas(BaseModel):
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
    raw = load_json("kota-serang.json")
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
    return str(load_json("kota-serang.json")["kota"]["name"])


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
        out[f"kel:{code}"] = Unit(code=f"kel:{code}", kind="kelurahan", name=f"Kelurahan {k.name}")
    return out


@lru_cache(maxsize=1)
def _dispositions() -> dict[str, int]:
    return {k: int(v) for k, v in load_json("lapor_dispositions.json")["dispositions"].items()}


def disposition_id(unit: Unit | None) -> int | None:
    """The LAPOR! institution id (disposition_id) of one of our units."""
    return _dispositions().get(unit.code) if unit else None
