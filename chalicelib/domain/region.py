"""One region's working data, whichever way it reached the hub: what intake places and routes with.

The default region's data ships in the package (``reference``); every other region was onboarded
as a document (``jurisdiction.Jurisdiction``) with, optionally, its desa/kelurahan boundaries.
Both become a :class:`Region`, so routing reads the same fields for every kabupaten and kota and
never asks which one it is serving. Kemendagri codes are nationally unique and hierarchical: the
first five characters of a kecamatan or desa/kelurahan code are its region's code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from chalicelib.domain import geo, reference
from chalicelib.domain.calendar import WorkingCalendar, default_calendar, regional_calendar
from chalicelib.domain.jurisdiction import Jurisdiction, Words
from chalicelib.domain.models import Unit
from chalicelib.domain.sla import SlaPolicy, default_policy

__all__ = [
    "Region",
    "Rules",
    "areas_of",
    "default_region",
    "from_jurisdiction",
    "packaged_rules",
    "region_code_of",
    "rules_of",
]


@dataclass(frozen=True)
class Rules:
    """What a region offers and how long its units have: its categories, SLA policy and
    working-day calendar (the package's, or the region's overrides of them)."""

    categories: Mapping[str, reference.Category]
    sla: SlaPolicy
    calendar: WorkingCalendar


@lru_cache(maxsize=1)
def packaged_rules() -> Rules:
    """The package's categories, SLA policy and national calendar (the default region's, and
    every region's that overrides none of them)."""
    return Rules(categories=reference.categories(), sla=default_policy(), calendar=default_calendar())


def rules_of(j: Jurisdiction) -> Rules:
    """An onboarded region's rules: each override it has, else the package's.

    A region's categories are the deployment's catalogue codes it offers, under its own names,
    units and severities (the LAPOR! and channel mappings are keyed on those codes; onboarding
    refuses others)."""
    base = packaged_rules()
    categories = base.categories
    if j.categories is not None:
        categories = {str(c["code"]): reference.Category(**c) for c in j.categories.get("categories", [])}
    sla = SlaPolicy.model_validate(j.sla_policy) if j.sla_policy is not None else base.sla
    calendar = regional_calendar(j.holidays) if j.holidays else base.calendar
    return Rules(categories=categories, sla=sla, calendar=calendar)


def region_code_of(area_code: str) -> str | None:
    """``NN.NN`` of a kecamatan or desa/kelurahan code (``kel:``/``kec:`` allowed); None for others."""
    bare = area_code.split(":", 1)[1] if area_code.startswith(("kel:", "kec:")) else area_code
    parts = bare.split(".")
    if len(parts) < 3 or not all(p.isdigit() for p in parts):
        return None
    return f"{parts[0]}.{parts[1]}"


@dataclass(frozen=True)
class Region:
    """A region as intake uses it: areas, units, words, prefix, and the polygons a point is placed in."""

    code: str
    prefix: str
    words: Words
    areas: reference.Areas
    units: Mapping[str, Unit]
    #: its desa/kelurahan polygons (``geo.polygons_from``); empty: points cannot be placed here
    polygons: Sequence[Any] = field(default=(), repr=False)
    #: True for the deployment's default region (its address-in-text rules ship in the package)
    default: bool = False
    #: its categories, SLA policy and calendar
    rules: Rules = field(default_factory=packaged_rules, repr=False)

    def locate(self, lat: float, lon: float) -> geo.Placement | None:
        if self.default:
            return geo.locate(lat, lon)
        return geo.locate(lat, lon, polygons=self.polygons) if self.polygons else None

    def distance_to_kelurahan_m(self, lat: float, lon: float, kelurahan_code: str) -> float | None:
        if self.default:
            return geo.distance_to_kelurahan_m(lat, lon, kelurahan_code)
        return geo.distance_to_kelurahan_m(lat, lon, kelurahan_code, polygons=self.polygons) if self.polygons else None

    def holds_box(self, lat: float, lon: float) -> bool:
        """A cheap first test: the point lies within the polygons' bounding box (300 m grace)."""
        grace = 0.003
        return any(
            p.lat_min - grace <= lat <= p.lat_max + grace and p.lon_min - grace <= lon <= p.lon_max + grace
            for p in self.polygons
        )


def default_region() -> Region:
    """The default region, from the package's data."""
    packaged = reference.region()
    return Region(
        code=packaged.code,
        prefix=packaged.prefix,
        words=packaged.words,
        areas=reference.areas(),
        units=reference.units(),
        default=True,
    )


def areas_of(j: Jurisdiction) -> reference.Areas:
    """An onboarded region's kecamatan and desa/kelurahan; the tolerance between a point and its
    code is the package's rule."""
    return reference.Areas(
        kecamatan={k.code: k.name for k in j.kecamatan},
        kelurahan={
            v.code: reference.Kelurahan(code=v.code, name=v.name, kecamatan_code=v.kecamatan_code)
            for v in j.desa_kelurahan
        },
        point_kelurahan_tolerance_m=reference.areas().point_kelurahan_tolerance_m,
    )


def from_jurisdiction(j: Jurisdiction, boundaries: Mapping[str, Any] | None) -> Region:
    """An onboarded region, placing points in its boundaries (when it has them)."""
    areas = areas_of(j)
    return Region(
        code=j.code,
        prefix=j.prefix,
        words=j.words,
        areas=areas,
        units=j.units(),
        polygons=geo.polygons_from(boundaries) if boundaries else (),
        rules=rules_of(j),
    )
