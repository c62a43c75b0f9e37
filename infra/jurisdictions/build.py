"""Build a region's complete document from its code, and split it for storage.

Inputs: the Kemendagri code, and optionally the desa/kelurahan boundaries (GeoJSON), the
OPD list (a UNITS file) and the tracking-id prefix. Everything else comes from the national
area list and the defaults of the region's kind. Nothing is stored here: the caller puts
the document in the table and the boundaries in S3.
"""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.jurisdiction import (
    Jurisdiction,
    Opd,
    default_opd,
    is_prefix,
    province_timezone,
)
from infra.jurisdictions.validate import Problem, check_document, errors, validate
from infra.jurisdictions.wilayah import Wilayah

__all__ = ["InvalidJurisdiction", "Onboarding", "build", "derive_prefix", "prefix_candidates", "storage_parts"]

_VOWELS = frozenset("AEIOU")
_IGNORED_WORDS = frozenset({"ADMINISTRASI"})


class InvalidJurisdiction(ValueError):
    """The inputs have errors; ``problems`` lists all of them (and the warnings)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.message for p in errors(problems)))


@dataclass(frozen=True)
class Onboarding:
    """A built region: the document, its boundaries (when given) and any warnings."""

    jurisdiction: Jurisdiction
    boundaries: dict[str, Any] | None
    warnings: list[Problem] = field(default_factory=list)

    def parts(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        return storage_parts(self.jurisdiction, self.boundaries)


def storage_parts(j: Jurisdiction, boundaries: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(document for the table, boundaries for S3). The document is small (codes and
    names: about 30 KB for a kabupaten of 400 desa); the boundaries can be megabytes."""
    return j.model_dump(mode="json"), boundaries


def prefix_candidates(name: str) -> Iterator[str]:
    """Three-letter prefixes for a name, most telling first: the first letter, the next
    consonant and the last consonant (S-e-R-a-n-G), then other letters of the name in
    order, then any letters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    words = [w for w in re.findall(r"[A-Z]+", plain) if w not in _IGNORED_WORDS] or ["X"]
    letters = "".join(words)
    first, rest = letters[0], letters[1:]
    consonants = [c for c in rest if c not in _VOWELS]
    if len(words) > 1:
        inner = [c for c in words[0][1:] if c not in _VOWELS] or list(words[0][1:]) or [words[1][0]]
        yield first + inner[0] + words[1][0]
    if consonants:
        yield first + consonants[0] + consonants[-1]
    for a, b in itertools.combinations(consonants, 2):
        yield first + a + b
    for a, b in itertools.combinations(rest, 2):
        yield first + a + b
    for a, b in itertools.product(string.ascii_uppercase, repeat=2):
        yield first + a + b
    for triple in itertools.product(string.ascii_uppercase, repeat=3):
        yield "".join(triple)


def derive_prefix(name: str, taken: Iterable[str]) -> str:
    """The first candidate prefix for ``name`` that no other region uses."""
    used = set(taken)
    for candidate in prefix_candidates(name):
        if is_prefix(candidate) and candidate not in used:
            return candidate
    raise ValueError("every three-letter prefix is taken")


def _opd(units: Any) -> tuple[Opd, ...]:
    return tuple(Opd(code=u["code"], name=u["name"].strip()) for u in units)


def _normalised(boundaries: dict[str, Any]) -> dict[str, Any]:
    """Only what the hub reads (kode, nama, geometry), sorted by code."""
    features = sorted(boundaries["features"], key=lambda f: f["properties"]["kode"])
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kode": f["properties"]["kode"], "nama": f["properties"].get("nama", "")},
                "geometry": {"type": f["geometry"]["type"], "coordinates": f["geometry"]["coordinates"]},
            }
            for f in features
        ],
    }


def build(
    wilayah: Wilayah,
    code: str,
    *,
    boundaries: Any = None,
    units: Any = None,
    prefix: str | None = None,
    taken_prefixes: Iterable[str] = (),
    public_base_url: str | None = None,
) -> Onboarding:
    """The region's document (and normalised boundaries), or InvalidJurisdiction listing
    every problem. Without units the starter OPD list of its kind is used; without a
    prefix one is derived from the name, avoiding ``taken_prefixes``."""
    taken = set(taken_prefixes)
    problems = validate(wilayah, code, boundaries=boundaries, units=units, prefix=prefix, taken_prefixes=taken)
    if errors(problems):
        raise InvalidJurisdiction(problems)
    kind = wilayah.region_kind(code)
    name = wilayah.bare_name(code)
    province = code.split(".")[0]
    province_area = wilayah.get(province)
    jurisdiction = Jurisdiction(
        code=code,
        name=name,
        kind=kind,
        province_code=province,
        province_name=province_area.name if province_area else "",
        timezone=province_timezone(province),
        prefix=prefix if prefix is not None else derive_prefix(name, taken),
        kecamatan=tuple(wilayah.kecamatan_of(code)),
        desa_kelurahan=tuple(wilayah.desa_kelurahan_of(code)),
        opd=_opd(units) if units is not None else default_opd(kind),
        has_boundaries=boundaries is not None,
        public_base_url=public_base_url,
    )
    problems += check_document(jurisdiction)
    if errors(problems):
        raise InvalidJurisdiction(problems)
    return Onboarding(
        jurisdiction=jurisdiction,
        boundaries=_normalised(boundaries) if boundaries is not None else None,
        warnings=problems,
    )
