"""No region in the code: outside ``chalicelib/data/``, no file under ``chalicelib/`` names a kabupaten or
kota of Indonesia, spells a Kemendagri code, or writes an onboarded region's tracking-id prefix.

A region's names, codes, prefix, files, page texts and public address are data (``data/jurisdictions.json``
for the regions packaged with the hub, the table for the others), so that every region is served by the
same code. The names are the 514 kabupaten/kota of the national list in the shared data folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.domain.jurisdiction import region_slug
from infra.jurisdictions.wilayah import Wilayah, load, wilayah_csv

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "chalicelib"
DATA = CODE / "data"
TEXT_SUFFIXES = {".py", ".js", ".html", ".css", ".json", ".webmanifest", ".svg", ".md", ".txt"}

#: Bare regional names that are also ordinary words of the code's own text; they are still caught
#: with "Kota"/"Kabupaten" in front and as file-name slugs ("kota-x"), just not alone.
#: "Batang" (Kabupaten Batang) is a chart's bar on the transparency page.
ORDINARY_WORDS: frozenset[str] = frozenset({"Batang"})

#: Kemendagri codes in the shape they are written: NN.NN, NN.NN.NN, NN.NN.NN.NNNN (not part of a longer number).
KEMENDAGRI_CODE = re.compile(r"(?<![\d.])\d{2}\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?(?![\d.]*\d)")

needs_national_list = pytest.mark.skipif(
    not wilayah_csv().is_file(), reason=f"the national area list is absent ({wilayah_csv()}; set ADUAN_SHARED_DIR)"
)


def _code_files() -> Iterator[Path]:
    for path in sorted(CODE.rglob("*")):
        if path.is_file() and DATA not in path.parents and path.suffix in TEXT_SUFFIXES:
            yield path


def _regions(wilayah: Wilayah) -> list[tuple[str, str, str]]:
    """(code, kind, bare name) of every kabupaten and kota."""
    return [(a.code, a.kind, _bare(a.name)) for a in wilayah.areas.values() if a.kind in ("kota", "kabupaten")]


def _bare(name: str) -> str:
    return re.sub(r"^(Kota|Kabupaten)( Administrasi)?\s+", "", name)


def _prefixes() -> set[str]:
    """The tracking-id prefixes of the regions onboarded from the repository's data."""
    index = json.loads((DATA / "jurisdictions.json").read_text(encoding="utf-8"))
    found = {r["prefix"] for r in index["regions"].values()}
    local = json.loads((ROOT / "infra" / "local" / "default_jurisdiction.json").read_text(encoding="utf-8"))
    found.add(local["prefix"])
    return found


@pytest.fixture(scope="module")
def wilayah() -> Wilayah:
    return load()


@needs_national_list
def test_no_file_outside_the_data_names_a_kabupaten_or_kota(wilayah: Wilayah) -> None:
    regions = _regions(wilayah)
    assert len(regions) == 514
    names = {n for _, _, n in regions if n not in ORDINARY_WORDS}
    full = {f"{'Kota' if kind == 'kota' else 'Kabupaten'} {n}" for _, kind, n in regions}
    slugs = {region_slug(kind, n) for _, kind, n in regions}  # kota-x: file names, ids
    by_name = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names | full), key=len, reverse=True)) + r")\b")
    by_slug = re.compile(r"(?i)(?<![a-z0-9])(" + "|".join(map(re.escape, slugs)) + r")(?![a-z0-9])")
    found = []
    for path in _code_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for hit in [*by_name.findall(line), *by_slug.findall(line)]:
                found.append(f"{path.relative_to(ROOT)}:{number}: {hit!r}")
    assert not found, "a region named in the code (put it in chalicelib/data/):\n" + "\n".join(found)


@needs_national_list
def test_no_file_outside_the_data_spells_a_kemendagri_code(wilayah: Wilayah) -> None:
    known = set(wilayah.areas)
    found = []
    for path in _code_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for hit in KEMENDAGRI_CODE.findall(line):
                if hit in known:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {hit!r}")
    assert not found, "a Kemendagri code in the code (put it in chalicelib/data/):\n" + "\n".join(found)


def test_no_file_outside_the_data_writes_an_onboarded_prefix() -> None:
    prefixes = _prefixes()
    assert prefixes and all(re.fullmatch(r"[A-Z]{3}", p) for p in prefixes)
    pattern = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(sorted(prefixes)) + r")(?![a-z0-9])")
    found = []
    for path in _code_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for hit in pattern.findall(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {hit!r}")
    assert not found, "an onboarded region's prefix in the code (it is in chalicelib/data/):\n" + "\n".join(found)


def test_the_default_region_reads_the_same_from_its_data() -> None:
    """The answers name the default region as they always have, from its data."""
    from chalicelib.domain import reference

    region = reference.region()
    assert reference.city_name() == region.words.region
    assert region.words.outside_reason == "outside_" + region_slug(region.kind, region.name).replace("-", "_")
    assert (DATA / region.areas).is_file() and (DATA / region.boundaries).is_file() and (DATA / region.map).is_file()


def test_the_default_region_is_configuration_and_its_files_come_from_the_index() -> None:
    from chalicelib.domain import reference
    from chalicelib.settings import Settings

    index = json.loads((DATA / "jurisdictions.json").read_text(encoding="utf-8"))
    default = Settings()
    assert default.default_jurisdiction == reference.default_code()
    assert default.public_base_url == index["regions"][default.default_jurisdiction]["public_base_url"]
    assert Settings(public_base_url="https://aduan.example").public_base_url == "https://aduan.example"
    # a default region onboarded into the table only: its address is configured, not guessed
    assert Settings(default_jurisdiction="99.99").public_base_url == ""
    with pytest.raises(LookupError, match="99.99"):
        reference.region("99.99")


def test_served_pages_name_the_default_region_from_its_data() -> None:
    from chalicelib.domain import reference
    from chalicelib.routes import web

    region = reference.region()
    for name in (
        "index.html",
        "lapor.html",
        "lacak.html",
        "operator.html",
        "manifest.webmanifest",
        "operator.webmanifest",
    ):
        served = web._web_file(name)
        assert "{{" not in served and region.words.region in served, name
    assert region.short_name in web._web_file("manifest.webmanifest")
    assert f'placeholder="{region.prefix}-' in web._web_file("index.html")
