"""A jurisdiction: the one kabupaten or kota a complaint belongs to, as data.

One deployment serves many regions; each is onboarded as a document (this model) plus,
optionally, its desa/kelurahan boundaries, with no new code. The region is keyed by its
Kemendagri code (``NN.NN``), never by its name: names repeat across the country.

The words shown to people follow the kinds: a kota is led by a Wali Kota, a kabupaten by
a Bupati; a kelurahan is headed by a Lurah, a desa by a Kepala Desa. :class:`Words` is
the one place that says them, so that pages and messages never spell a region out.

Desa and kelurahan share one unit kind, ``kelurahan`` (units ``kel:<code>``): the
handling level that categories, access rules, statistics and the escalation ladder key
on. A new kind would ripple through all of them and through stored complaints, while the
difference is only in the words, which follow the area's own kind (:func:`village_kind`).

Everything here is pure; the defaults (starter OPD list, escalation ladder per kind,
province time zones) are data files under ``data/defaults/``, read lazily.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.models import Unit

__all__ = [
    "DesaKelurahan",
    "Jurisdiction",
    "Kecamatan",
    "Opd",
    "RegionKind",
    "VillageKind",
    "Words",
    "default_ladder",
    "default_opd",
    "escalation_ladder",
    "is_opd_code",
    "is_prefix",
    "is_region_code",
    "province_timezone",
    "region_slug",
    "time_zones",
    "village_kind",
    "village_title",
    "words_for",
]

DEFAULTS_DIR = Path(__file__).resolve().parent.parent / "data" / "defaults"

RegionKind = Literal["kota", "kabupaten"]
VillageKind = Literal["desa", "kelurahan"]

REGION_CODE = re.compile(r"^\d{2}\.\d{2}$")
KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
VILLAGE_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
PREFIX = re.compile(r"^[A-Z]{3}$")
OPD_CODE = re.compile(r"^opd:[a-z0-9]+(?:-[a-z0-9]+)*$")
_LOOPBACK_URL = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d+)?(/|$)")

#: Document format version, for a later change of shape in the stored document.
SCHEMA_VERSION = 1


def is_region_code(code: str) -> bool:
    """``NN.NN``: the shape of a kabupaten/kota code (not whether it exists)."""
    return bool(REGION_CODE.match(code))


def is_prefix(prefix: str) -> bool:
    """Three capital letters: the shape of a tracking-id prefix."""
    return bool(PREFIX.match(prefix))


def is_opd_code(code: str) -> bool:
    """``opd:<slug>``, the slug lower-case letters and digits, words joined by '-'."""
    return bool(OPD_CODE.match(code))


def village_kind(code: str) -> VillageKind:
    """Desa or kelurahan, from the Kemendagri code: the last part starts with 1 for a
    kelurahan, 2 for a desa (3 for a desa adat, a desa too). Accepts the unit code
    (``kel:<code>``) too."""
    bare = code.removeprefix("kel:")
    if not VILLAGE_CODE.match(bare):
        raise ValueError(f"not a desa/kelurahan code: {code!r}")
    return "kelurahan" if bare.rsplit(".", 1)[1].startswith("1") else "desa"


# --- words -------------------------------------------------------------------

_VILLAGE_TITLE: dict[VillageKind, str] = {"desa": "Desa", "kelurahan": "Kelurahan"}
_VILLAGE_HEAD: dict[VillageKind, str] = {"desa": "Kepala Desa", "kelurahan": "Lurah"}
_REGION_TITLE: dict[RegionKind, str] = {"kota": "Kota", "kabupaten": "Kabupaten"}
_REGION_HEAD: dict[RegionKind, str] = {"kota": "Wali Kota", "kabupaten": "Bupati"}
_REGION_HEAD_SLUG: dict[RegionKind, str] = {"kota": "walikota", "kabupaten": "bupati"}


def village_title(kind: VillageKind) -> str:
    """``Desa`` or ``Kelurahan``."""
    return _VILLAGE_TITLE[kind]


@dataclass(frozen=True)
class Words:
    """What pages and messages call a region, its leaders and its areas.

    ``name`` is the bare name as Kemendagri lists it without "Kota"/"Kabupaten" (for a
    Jakarta city it keeps "Administrasi", which is part of the official titles:
    "Wali Kota Administrasi ...").
    """

    kind: RegionKind
    name: str

    @property
    def region(self) -> str:
        """``Kota X`` / ``Kabupaten X``."""
        return f"{_REGION_TITLE[self.kind]} {self.name}"

    @property
    def head(self) -> str:
        """``Wali Kota`` / ``Bupati``: the title alone."""
        return _REGION_HEAD[self.kind]

    @property
    def deputy(self) -> str:
        """``Wakil Wali Kota`` / ``Wakil Bupati``: the title alone."""
        return f"Wakil {self.head}"

    @property
    def head_of_region(self) -> str:
        """``Wali Kota X`` / ``Bupati X``."""
        return f"{self.head} {self.name}"

    @property
    def deputy_of_region(self) -> str:
        """``Wakil Wali Kota X`` / ``Wakil Bupati X``."""
        return f"{self.deputy} {self.name}"

    @property
    def head_unit(self) -> str:
        """The leadership unit of the head: ``pimpinan:walikota`` / ``pimpinan:bupati``."""
        return f"pimpinan:{_REGION_HEAD_SLUG[self.kind]}"

    @property
    def deputy_unit(self) -> str:
        """The leadership unit of the deputy: ``pimpinan:wakil-walikota`` / ``pimpinan:wakil-bupati``."""
        return f"pimpinan:wakil-{_REGION_HEAD_SLUG[self.kind]}"

    @property
    def outside(self) -> tuple[str, str]:
        """(Indonesian, English) for a place outside the region, e.g. in a 400."""
        return f"di luar {self.region}", f"outside {self.region}"

    @property
    def outside_reason(self) -> str:
        """The reason code of a 400 for a place outside the region: ``outside_kota_x``."""
        return "outside_" + region_slug(self.kind, self.name).replace("-", "_")

    @property
    def complaints_page_title(self) -> str:
        """The title of the region's public page."""
        return f"Transparansi Pengaduan {self.region}"

    @staticmethod
    def village(kind: VillageKind, name: str) -> str:
        """``Desa X`` / ``Kelurahan X``."""
        return f"{_VILLAGE_TITLE[kind]} {name}"

    @staticmethod
    def village_head(kind: VillageKind) -> str:
        """``Kepala Desa`` / ``Lurah``."""
        return _VILLAGE_HEAD[kind]

    @staticmethod
    def kecamatan(name: str) -> str:
        """``Kecamatan X``."""
        return f"Kecamatan {name}"

    @staticmethod
    def kecamatan_head() -> str:
        """``Camat``."""
        return "Camat"


def words_for(kind: RegionKind, name: str) -> Words:
    return Words(kind=kind, name=name)


def region_slug(kind: RegionKind, name: str) -> str:
    """``kota-x`` / ``kabupaten-x``: lower-case, words joined by '-' (for contact
    placeholders and file names; never a key, the code is)."""
    words = re.findall(r"[a-z0-9]+", f"{kind} {name}".lower())
    return "-".join(words)


# --- the document ------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Kecamatan(_Model):
    code: str = Field(pattern=KECAMATAN_CODE.pattern)
    name: str = Field(min_length=1)


class DesaKelurahan(_Model):
    code: str = Field(pattern=VILLAGE_CODE.pattern)
    name: str = Field(min_length=1)
    kind: VillageKind
    kecamatan_code: str = Field(pattern=KECAMATAN_CODE.pattern)

    @model_validator(mode="after")
    def _consistent(self) -> DesaKelurahan:
        if not self.code.startswith(self.kecamatan_code + "."):
            raise ValueError(f"{self.code} is not in kecamatan {self.kecamatan_code}")
        if village_kind(self.code) != self.kind:
            raise ValueError(f"{self.code} is a {village_kind(self.code)}, not a {self.kind}")
        return self


class Opd(_Model):
    code: str = Field(pattern=OPD_CODE.pattern)
    name: str = Field(min_length=1)


class Jurisdiction(_Model):
    """One kabupaten or kota as the hub serves it (the small document kept in the table;
    its boundaries, when it has them, are stored apart).

    The overrides are in the format of the hub's data files of the same name
    (``categories.json``, ``sla_policy.json``, ``escalation_ladder.json``,
    ``holiday_overrides.json``); None means the default for the region's kind.
    """

    schema_version: int = SCHEMA_VERSION
    code: str = Field(pattern=REGION_CODE.pattern)
    name: str = Field(min_length=1)
    kind: RegionKind
    province_code: str = Field(pattern=r"^\d{2}$")
    province_name: str = ""
    timezone: str = Field(min_length=1)
    #: tracking-id prefix, unique in the deployment (checked at onboarding)
    prefix: str = Field(pattern=PREFIX.pattern)
    kecamatan: tuple[Kecamatan, ...]
    desa_kelurahan: tuple[DesaKelurahan, ...]
    opd: tuple[Opd, ...]
    has_boundaries: bool = False
    public_base_url: str | None = None
    categories: dict[str, Any] | None = None
    sla_policy: dict[str, Any] | None = None
    escalation_ladder: dict[str, Any] | None = None
    holidays: dict[str, Any] | None = None

    @field_validator("public_base_url")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        if v is not None and not (v.startswith("https://") or _LOOPBACK_URL.match(v)):
            raise ValueError("public_base_url must be an https:// URL (http:// only on this machine)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Jurisdiction:
        if not self.code.startswith(self.province_code + "."):
            raise ValueError(f"{self.code} is not in province {self.province_code}")
        kec_codes = [k.code for k in self.kecamatan]
        if len(set(kec_codes)) != len(kec_codes):
            raise ValueError("duplicate kecamatan codes")
        for code in kec_codes:
            if not code.startswith(self.code + "."):
                raise ValueError(f"kecamatan {code} is not in {self.code}")
        known = set(kec_codes)
        village_codes = [v.code for v in self.desa_kelurahan]
        if len(set(village_codes)) != len(village_codes):
            raise ValueError("duplicate desa/kelurahan codes")
        for v in self.desa_kelurahan:
            if v.kecamatan_code not in known:
                raise ValueError(f"{v.code}: kecamatan {v.kecamatan_code} is not listed")
        opd_codes = [o.code for o in self.opd]
        if len(set(opd_codes)) != len(opd_codes):
            raise ValueError("duplicate OPD codes")
        return self

    @property
    def words(self) -> Words:
        return Words(kind=self.kind, name=self.name)

    @property
    def slug(self) -> str:
        return region_slug(self.kind, self.name)

    def units(self) -> dict[str, Unit]:
        """Every unit by code: the OPD, the two leadership units, and one unit per
        kecamatan (``kec:<code>``) and per desa/kelurahan (``kel:<code>``, its name
        "Desa X" or "Kelurahan X" from the area's own kind)."""
        w = self.words
        out: dict[str, Unit] = {}
        for o in self.opd:
            out[o.code] = Unit(code=o.code, kind="opd", name=o.name)
        out[w.deputy_unit] = Unit(code=w.deputy_unit, kind="pimpinan", name=w.deputy_of_region)
        out[w.head_unit] = Unit(code=w.head_unit, kind="pimpinan", name=w.head_of_region)
        for k in self.kecamatan:
            out[f"kec:{k.code}"] = Unit(code=f"kec:{k.code}", kind="kecamatan", name=w.kecamatan(k.name))
        for v in self.desa_kelurahan:
            out[f"kel:{v.code}"] = Unit(code=f"kel:{v.code}", kind="kelurahan", name=w.village(v.kind, v.name))
        return out


# --- defaults ----------------------------------------------------------------


def _load(name: str) -> Any:
    with (DEFAULTS_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def _opd_file() -> dict[str, Any]:
    data: dict[str, Any] = _load("opd.json")
    return data


def default_opd(kind: RegionKind) -> tuple[Opd, ...]:
    """The starter OPD list for a region of that kind (``data/defaults/opd.json``)."""
    raw = _opd_file()
    return tuple(Opd(**o) for o in [*raw["common"], *raw["by_kind"][kind]])


@lru_cache(maxsize=2)
def _ladder_file(kind: RegionKind) -> dict[str, Any]:
    data: dict[str, Any] = _load(f"escalation_ladder.{kind}.json")
    return data


def default_ladder(kind: RegionKind) -> dict[str, Any]:
    """The default escalation ladder of a kind (a fresh copy: callers may change it)."""
    return copy.deepcopy(_ladder_file(kind))


@lru_cache(maxsize=1)
def _timezones() -> dict[str, str]:
    raw = _load("timezones.json")
    return {p: zone for zone, z in raw["zones"].items() for p in z["provinces"]}


def province_timezone(province_code: str) -> str:
    """The IANA time zone of a province (``data/defaults/timezones.json``)."""
    try:
        return _timezones()[province_code]
    except KeyError:
        raise ValueError(f"no time zone for province {province_code!r}") from None


def time_zones() -> tuple[str, ...]:
    """Every IANA time zone a region can be in (WIB, WITA, WIT), in a stable order."""
    return tuple(sorted(set(_timezones().values())))


def _fill_region(value: Any, slug: str) -> Any:
    if isinstance(value, str):
        return value.replace("{region}", slug)
    if isinstance(value, list):
        return [_fill_region(v, slug) for v in value]
    if isinstance(value, dict):
        return {k: _fill_region(v, slug) for k, v in value.items()}
    return value


def escalation_ladder(j: Jurisdiction) -> dict[str, Any]:
    """The region's escalation ladder, in the format of ``escalation_ladder.json``.

    Its own ladder when it has one, else the default of its kind, with ``{region}`` in
    the contact templates filled in. The ``kelurahan`` unit kind names the head of the
    usual area of the kind (a Lurah in a kota, a Kepala Desa in a kabupaten); every
    desa/kelurahan of the other kind gets its own post titles per unit, so that a
    desa in a kota is headed by its Kepala Desa and a kelurahan in a kabupaten by its
    Lurah.
    """
    base = j.escalation_ladder if j.escalation_ladder is not None else default_ladder(j.kind)
    ladder: dict[str, Any] = _fill_region(base, j.slug)
    kel_kind = ladder["kinds"]["kelurahan"]
    units: dict[str, Any] = ladder.setdefault("units", {})
    for v in j.desa_kelurahan:
        role = Words.village_head(v.kind)
        posts = [post for post in ("desk", "head") if kel_kind[post]["role"] != role]
        if posts:
            own = units.setdefault(f"kel:{v.code}", {})
            for post in posts:
                own.setdefault(post, {}).setdefault("role", role)
    return ladder
