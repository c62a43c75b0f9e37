"""Checks before a kabupaten/kota is onboarded: every problem at once, nothing written.

Each problem names what is wrong, in Indonesian first and English alongside (as the
API's errors do), and where: the region code, the prefix, an entry of the UNITS file, a
boundary feature. Errors refuse the onboarding; warnings are reported and let it pass.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from chalicelib.domain.calendar import HolidayOverrides
from chalicelib.domain.escalation import EscalationLadderFile
from chalicelib.domain.jurisdiction import (
    Jurisdiction,
    escalation_ladder,
    is_opd_code,
    is_prefix,
    is_region_code,
)
from chalicelib.domain.reference import Category, load_json
from chalicelib.domain.sla import SlaPolicy
from infra.jurisdictions.wilayah import LEVEL_NAMES, Wilayah

__all__ = [
    "Problem",
    "check_boundaries",
    "check_code",
    "check_document",
    "check_prefix",
    "check_units",
    "errors",
    "validate",
]

# Indonesia with a margin: a point beyond it is a mistake (often lat/lng swapped).
INDONESIA_LNG = (94.0, 142.0)
INDONESIA_LAT = (-12.0, 7.0)
_MIN_RING = 4  # GeoJSON: a closed ring has at least four positions


@dataclass(frozen=True)
class Problem:
    """One thing wrong. ``where`` names the input (``code``, ``prefix``,
    ``units[3]``, ``boundaries.features[12]``), ``reason`` is a machine code."""

    where: str
    reason: str
    message_id: str
    message_en: str
    severity: Literal["error", "warning"] = "error"

    @property
    def message(self) -> str:
        return f"{self.where}: {self.message_id} / {self.message_en}"


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# --- the region --------------------------------------------------------------


def check_code(wilayah: Wilayah, code: str) -> list[Problem]:
    """The code is a kabupaten/kota of the national list."""
    area = wilayah.get(code)
    if area is not None and area.level != "kabupaten_kota":
        level_id, level_en = LEVEL_NAMES.get(area.level, (area.level, area.level))
        return [
            Problem(
                "code",
                "not_a_region",
                f"{code} ({area.name}) adalah {level_id}, bukan kabupaten/kota",
                f"{code} ({area.name}) is a {level_en}, not a regency/city (kabupaten/kota)",
            )
        ]
    if area is None:
        if not is_region_code(code):
            return [
                Problem(
                    "code",
                    "bad_code",
                    f"kode {code!r} tidak berbentuk NN.NN (kode kabupaten/kota Kemendagri)",
                    f"code {code!r} is not of the form NN.NN (a Kemendagri regency/city code)",
                )
            ]
        return [
            Problem(
                "code",
                "unknown_code",
                f"kode {code} tidak ada dalam daftar wilayah Kemendagri",
                f"code {code} is not in the Kemendagri area list",
            )
        ]
    return []


def check_prefix(prefix: str, taken: Iterable[str]) -> list[Problem]:
    """Three capital letters, not used by another region of the deployment."""
    if not is_prefix(prefix):
        return [
            Problem(
                "prefix",
                "bad_prefix",
                f"prefiks {prefix!r} harus tiga huruf kapital (A-Z)",
                f"prefix {prefix!r} must be three capital letters (A-Z)",
            )
        ]
    if prefix in set(taken):
        return [
            Problem(
                "prefix",
                "prefix_taken",
                f"prefiks {prefix} sudah dipakai wilayah lain",
                f"prefix {prefix} is already used by another region",
            )
        ]
    return []


# --- the UNITS file ----------------------------------------------------------


def check_units(raw: Any) -> list[Problem]:
    """A JSON list of ``{"code": "opd:<slug>", "name": "..."}``, codes unique."""
    if not isinstance(raw, list) or not raw:
        return [
            Problem(
                "units",
                "bad_units",
                "berkas UNITS harus berupa daftar JSON berisi {code, name} yang tidak kosong",
                "the UNITS file must be a non-empty JSON list of {code, name}",
            )
        ]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        where = f"units[{i}]"
        if not isinstance(item, dict):
            problems.append(
                Problem(where, "bad_unit", "entri harus objek {code, name}", "entry must be an object {code, name}")
            )
            continue
        extra = sorted(set(item) - {"code", "name"})
        if extra:
            problems.append(
                Problem(
                    where,
                    "unknown_field",
                    f"kolom tidak dikenal: {', '.join(extra)}",
                    f"unknown fields: {', '.join(extra)}",
                )
            )
        code, name = item.get("code"), item.get("name")
        if not isinstance(code, str) or not is_opd_code(code):
            problems.append(
                Problem(
                    where,
                    "bad_unit_code",
                    f"kode {code!r} harus berbentuk opd:<slug> (huruf kecil, angka, '-')",
                    f"code {code!r} must be opd:<slug> (lower-case letters, digits, '-')",
                )
            )
        elif code in seen:
            problems.append(
                Problem(
                    where,
                    "duplicate_unit",
                    f"kode {code} sudah dipakai di units[{seen[code]}]",
                    f"code {code} is already used by units[{seen[code]}]",
                )
            )
        else:
            seen[code] = i
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(where, "missing_name", "nama wajib diisi", "name is required"))
    return problems


# --- boundaries --------------------------------------------------------------


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _ring_problems(ring: Any) -> list[tuple[str, str, str]]:
    """(reason, Indonesian, English) for one linear ring; empty when it is fine."""
    if not isinstance(ring, list):
        return [("bad_ring", "cincin poligon bukan daftar posisi", "a polygon ring is not a list of positions")]
    out: list[tuple[str, str, str]] = []
    if len(ring) < _MIN_RING:
        out.append(
            (
                "short_ring",
                f"cincin poligon hanya {len(ring)} posisi (minimal 4)",
                f"a polygon ring has only {len(ring)} positions (at least 4)",
            )
        )
    bad_shape = bad_value = outside = 0
    first_bad = ""
    for pos in ring:
        if not isinstance(pos, list) or len(pos) not in (2, 3) or not all(_is_number(v) for v in pos):
            bad_shape += 1
            first_bad = first_bad or repr(pos)[:60]
            continue
        lng, lat = float(pos[0]), float(pos[1])
        if not (math.isfinite(lng) and math.isfinite(lat)) or not (-180 <= lng <= 180 and -90 <= lat <= 90):
            bad_value += 1
            first_bad = first_bad or repr(pos)[:60]
        elif not (INDONESIA_LNG[0] <= lng <= INDONESIA_LNG[1] and INDONESIA_LAT[0] <= lat <= INDONESIA_LAT[1]):
            outside += 1
            first_bad = first_bad or repr(pos)[:60]
    if bad_shape:
        out.append(
            (
                "bad_position",
                f"{bad_shape} posisi bukan [bujur, lintang] berupa angka (mis. {first_bad})",
                f"{bad_shape} positions are not numeric [lng, lat] (e.g. {first_bad})",
            )
        )
    if bad_value:
        out.append(
            (
                "bad_coordinate",
                f"{bad_value} koordinat tidak terhingga atau di luar rentang bujur -180..180 / lintang -90..90"
                f" (mis. {first_bad})",
                f"{bad_value} coordinates are not finite or outside lng -180..180 / lat -90..90 (e.g. {first_bad})",
            )
        )
    if outside:
        out.append(
            (
                "outside_indonesia",
                f"{outside} koordinat di luar Indonesia; urutannya harus [bujur, lintang] (mis. {first_bad})",
                f"{outside} coordinates lie outside Indonesia; the order must be [lng, lat] (e.g. {first_bad})",
            )
        )
    if not bad_shape and len(ring) >= 2 and ring[0][:2] != ring[-1][:2]:
        out.append(
            (
                "open_ring",
                "cincin poligon tidak tertutup (posisi pertama dan terakhir berbeda)",
                "a polygon ring is not closed (its first and last positions differ)",
            )
        )
    return out


def _geometry_problems(geometry: Any) -> list[tuple[str, str, str]]:
    if not isinstance(geometry, dict):
        return [("missing_geometry", "fitur tidak punya geometri", "the feature has no geometry")]
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords if isinstance(coords, list) else [None]
    else:
        return [
            (
                "bad_geometry_type",
                f"jenis geometri {kind!r} tidak didukung (hanya Polygon atau MultiPolygon)",
                f"geometry type {kind!r} is not supported (only Polygon or MultiPolygon)",
            )
        ]
    if not polygons:
        return [("empty_geometry", "geometri tanpa poligon", "the geometry has no polygon")]
    out: list[tuple[str, str, str]] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            out.append(("bad_polygon", "poligon tanpa cincin", "a polygon has no ring"))
            continue
        for ring in polygon:
            for problem in _ring_problems(ring):
                if problem not in out:
                    out.append(problem)
    return out


def _kode(feature: Any) -> str | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    kode = props.get("kode") if isinstance(props, dict) else None
    return kode if isinstance(kode, str) and kode else None


def check_boundaries(geojson: Any, wilayah: Wilayah, region_code: str) -> list[Problem]:
    """A FeatureCollection with exactly one valid (Multi)Polygon per desa/kelurahan of
    the region, each feature's ``properties.kode`` its Kemendagri code."""
    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection":
        return [
            Problem(
                "boundaries",
                "not_a_feature_collection",
                "batas wilayah harus GeoJSON FeatureCollection",
                "the boundaries must be a GeoJSON FeatureCollection",
            )
        ]
    features = geojson.get("features")
    if not isinstance(features, list):
        return [
            Problem("boundaries", "missing_features", "FeatureCollection tanpa daftar features", "no features list")
        ]
    expected = {v.code: v for v in wilayah.desa_kelurahan_of(region_code)}
    region_area = wilayah.get(region_code)
    region = f"{region_code} ({region_area.name})" if region_area else region_code
    problems: list[Problem] = []
    counts = Counter(k for k in map(_kode, features) if k)
    reported_dupes: set[str] = set()
    found: set[str] = set()
    for i, feature in enumerate(features):
        where = f"boundaries.features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(where, "not_a_feature", "bukan GeoJSON Feature", "not a GeoJSON Feature"))
            continue
        raw_props = feature.get("properties")
        props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
        kode = _kode(feature)
        if not kode:
            problems.append(Problem(where, "missing_kode", "properti kode tidak ada", "the property kode is missing"))
        else:
            where = f"{where} ({kode})"
            area = wilayah.get(kode)
            if kode not in expected:
                if area is None:
                    msg = (f"kode {kode} tidak ada dalam daftar wilayah", f"code {kode} is not in the area list")
                elif area.level != "desa_kelurahan":
                    lvl_id, lvl_en = LEVEL_NAMES.get(area.level, (area.level, area.level))
                    msg = (
                        f"kode {kode} ({area.name}) adalah {lvl_id}, bukan desa/kelurahan",
                        f"code {kode} ({area.name}) is a {lvl_en}, not a village (desa/kelurahan)",
                    )
                else:
                    msg = (
                        f"desa/kelurahan {kode} ({area.name}) bukan bagian dari {region}",
                        f"village {kode} ({area.name}) is not part of {region}",
                    )
                problems.append(Problem(where, "foreign_kode", *msg))
            elif counts[kode] > 1 and kode not in reported_dupes:
                reported_dupes.add(kode)
                problems.append(
                    Problem(
                        where,
                        "duplicate_kode",
                        f"kode {kode} muncul {counts[kode]} kali",
                        f"code {kode} appears {counts[kode]} times",
                    )
                )
            found.add(kode)
            nama = props.get("nama")
            if kode in expected and isinstance(nama, str) and nama.strip().lower() != expected[kode].name.lower():
                problems.append(
                    Problem(
                        where,
                        "name_differs",
                        f"nama {nama!r} berbeda dari daftar wilayah ({expected[kode].name!r}); kode yang dipakai",
                        f"name {nama!r} differs from the area list ({expected[kode].name!r}); the code is used",
                        severity="warning",
                    )
                )
        for reason, msg_id, msg_en in _geometry_problems(feature.get("geometry")):
            problems.append(Problem(where, reason, msg_id, msg_en))
    for code, village in expected.items():
        if code not in found:
            problems.append(
                Problem(
                    "boundaries",
                    "missing_feature",
                    f"tidak ada batas untuk {village.kind} {code} ({village.name})",
                    f"no boundary for {village.kind} {code} ({village.name})",
                )
            )
    return problems


# --- the built document ------------------------------------------------------


def _model_problems(where: str, model: Any, raw: Mapping[str, Any]) -> list[Problem]:
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        return [
            Problem(
                where,
                "bad_override",
                f"format tidak sah: {err['msg']} di {'.'.join(str(p) for p in err['loc'])}",
                f"invalid format: {err['msg']} at {'.'.join(str(p) for p in err['loc'])}",
            )
            for err in exc.errors()
        ]
    return []


def _categories(j: Jurisdiction) -> list[dict[str, Any]]:
    raw = j.categories if j.categories is not None else load_json("categories.json")
    cats = raw.get("categories", [])
    return cats if isinstance(cats, list) else []


def check_document(j: Jurisdiction) -> list[Problem]:
    """The overrides parse, and every unit that a category or the ladder names exists."""
    problems: list[Problem] = []
    if j.sla_policy is not None:
        problems += _model_problems("sla_policy", SlaPolicy, j.sla_policy)
    if j.holidays is not None:
        problems += _model_problems("holidays", HolidayOverrides, j.holidays)
    ladder = escalation_ladder(j)
    ladder_problems = _model_problems("escalation_ladder", EscalationLadderFile, ladder)
    problems += ladder_problems
    units = j.units()
    catalogue = {str(c.get("code")) for c in load_json("categories.json")["categories"]}
    for i, cat in enumerate(_categories(j)):
        where = f"categories[{i}]"
        if j.categories is not None:
            try:
                Category.model_validate(cat)
            except ValidationError as exc:
                problems.append(
                    Problem(where, "bad_override", f"format tidak sah: {exc.errors()[0]['msg']}", "invalid format")
                )
                continue
            if cat.get("code") not in catalogue:
                problems.append(
                    Problem(
                        where,
                        "unknown_category",
                        f"kode {cat.get('code')} tidak ada di katalog kategori hub (kode yang dipetakan ke LAPOR!)",
                        f"code {cat.get('code')} is not in the hub's category catalogue (the codes mapped to LAPOR!)",
                    )
                )
        unit = cat.get("unit")
        if unit and unit not in units:
            problems.append(
                Problem(
                    where,
                    "missing_unit",
                    f"kategori {cat.get('code')} ditangani {unit}, yang tidak ada dalam daftar OPD",
                    f"category {cat.get('code')} is handled by {unit}, which is not in the OPD list",
                )
            )
    if not ladder_problems:
        steps: set[str] = set()
        for section in ("kinds", "units", "categories"):
            for cfg in ladder.get(section, {}).values():
                steps.update(cfg.get("ladder") or [])
        for step in sorted(steps):
            if ":" in step and step not in units:
                problems.append(
                    Problem(
                        "escalation_ladder",
                        "missing_unit",
                        f"tangga eskalasi menyebut {step}, yang tidak ada dalam daftar unit",
                        f"the escalation ladder names {step}, which is not among the units",
                    )
                )
    return problems


def validate(
    wilayah: Wilayah,
    code: str,
    *,
    boundaries: Any = None,
    units: Any = None,
    prefix: str | None = None,
    taken_prefixes: Iterable[str] = (),
) -> list[Problem]:
    """Every problem of the inputs (the built document is checked by ``build``)."""
    problems = check_code(wilayah, code)
    if prefix is not None:
        problems += check_prefix(prefix, taken_prefixes)
    if units is not None:
        problems += check_units(units)
    if boundaries is not None and not problems_of(problems, "code"):
        problems += check_boundaries(boundaries, wilayah, code)
    return problems


def problems_of(problems: Iterable[Problem], where: str) -> list[Problem]:
    return [p for p in problems if p.where == where]
