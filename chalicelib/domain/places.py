"""A place named in free text: "Kp. Baru RT 02, Kel. Sukawana, Kec. Curug".

Channels and apps often send only an address. When it names a kelurahan and/or a
kecamatan of the city after the usual labels ("Kelurahan", "Kel.", "Desa", "Ds.",
"Kecamatan", "Kec.", any case, spacing or punctuation), the complaint can be placed
there. Names are matched whole, with or without their inner spaces (a two-word name
written as one word); the names come from the area data and the labels from
`data/address_words.json`, so no city is written here.

Only labelled names count: a bare name in an address is often the region's as much as a
kelurahan's or a kecamatan's. A kelurahan name shared by two kelurahan is
placed only when a named kecamatan settles it; names that contradict each other
place nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.domain import reference

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class NamedPlace:
    kelurahan_code: str | None
    kecamatan_code: str


@dataclass(frozen=True)
class _Index:
    kelurahan: dict[str, frozenset[str]]  # compact name -> kelurahan codes
    kecamatan: dict[str, frozenset[str]]  # compact name -> kecamatan codes
    kelurahan_labels: frozenset[str]
    kecamatan_labels: frozenset[str]
    max_words: int


def words(text: str) -> list[str]:
    """Lower-case words without accents; punctuation and spacing do not count."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _WORD.findall(plain)


def _compact(name: str) -> str:
    return "".join(words(name))


@lru_cache(maxsize=1)
def _index() -> _Index:
    areas = reference.areas()
    kel: dict[str, set[str]] = {}
    for k in areas.kelurahan.values():
        kel.setdefault(_compact(k.name), set()).add(k.code)
    kec: dict[str, set[str]] = {}
    for code, name in areas.kecamatan.items():
        kec.setdefault(_compact(name), set()).add(code)
    labels = reference.load_json("address_words.json")
    return _Index(
        kelurahan={k: frozenset(v) for k, v in kel.items()},
        kecamatan={k: frozenset(v) for k, v in kec.items()},
        kelurahan_labels=frozenset(w for label in labels["kelurahan"] for w in words(label)),
        kecamatan_labels=frozenset(w for label in labels["kecamatan"] for w in words(label)),
        max_words=int(labels["max_name_words"]),
    )


def _name_after(
    tokens: list[str], start: int, names: dict[str, frozenset[str]], stop: frozenset[str], max_words: int
) -> frozenset[str]:
    """The codes of the longest name starting at `start` (before the next label), or none."""
    end = start
    while end < len(tokens) and end - start < max_words and tokens[end] not in stop:
        end += 1
    for last in range(end, start, -1):
        found = names.get("".join(tokens[start:last]))
        if found:
            return found
    return frozenset()


def place_named_in(text: str | None) -> NamedPlace | None:
    """The kelurahan (and its kecamatan), or only the kecamatan, that `text` names; None
    when it names none, or names that are ambiguous or contradict each other."""
    if not text:
        return None
    idx = _index()
    tokens = words(text[:1000])
    labels = idx.kelurahan_labels | idx.kecamatan_labels
    kel_codes: set[str] = set()
    kec_codes: set[str] = set()
    for i, token in enumerate(tokens):
        if token in idx.kelurahan_labels:
            kel_codes |= _name_after(tokens, i + 1, idx.kelurahan, labels, idx.max_words)
        elif token in idx.kecamatan_labels:
            kec_codes |= _name_after(tokens, i + 1, idx.kecamatan, labels, idx.max_words)
    if len(kec_codes) > 1:
        return None
    areas = reference.areas()
    if kec_codes:
        [kec] = kec_codes
        if not kel_codes:
            return NamedPlace(None, kec)  # a kecamatan alone
        kel_codes = {c for c in kel_codes if areas.kelurahan[c].kecamatan_code == kec}  # none: they contradict
    if len(kel_codes) != 1:
        return None
    [kel] = kel_codes
    return NamedPlace(kel, areas.kelurahan[kel].kecamatan_code)
