"""Onboarding a kabupaten/kota as data: the model, the words per kind, the defaults, the
national area list, every check's message, and all 514 regions built from codes alone.

The national list and the boundaries are in the shared data folder (``shared/`` beside the
repository, or ``$ADUAN_SHARED_DIR``); without it these tests skip, saying so.
"""

from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.escalation import EscalationLadderFile
from chalicelib.domain.jurisdiction import (
    Jurisdiction,
    Words,
    default_ladder,
    default_opd,
    escalation_ladder,
    province_timezone,
    village_kind,
)
from chalicelib.domain.reference import load_json
from chalicelib.domain.reference import units as reference_units
from infra.jurisdictions.build import InvalidJurisdiction, build, derive_prefix, prefix_candidates
from infra.jurisdictions.validate import (
    Problem,
    check_boundaries,
    check_code,
    check_document,
    check_prefix,
    check_units,
    errors,
)
from infra.jurisdictions.wilayah import Wilayah, load, read, shared_dir, wilayah_csv

SHARED = shared_dir()
needs_shared = pytest.mark.skipif(
    not wilayah_csv().is_file(),
    reason=f"the shared data folder is absent ({SHARED}; set ADUAN_SHARED_DIR): the national area list is needed",
)

KOTA_SERANG = "36.73"
KAB_SERANG = "36.04"
CILEGON = "36.72"


def _geojson(name: str) -> Any:
    return json.loads((SHARED / "data" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def wilayah() -> Wilayah:
    if not wilayah_csv().is_file():
        pytest.skip(f"the shared data folder is absent ({SHARED}; set ADUAN_SHARED_DIR)")
    return load()


@pytest.fixture(scope="module")
def cilegon_batas() -> Any:
    return _geojson("wilayah/batas-36.72.geojson")


def reasons(problems: list[Problem]) -> list[str]:
    return [p.reason for p in problems]


# --- words and defaults (no shared data needed) ----------------------------------


def test_words_follow_the_kind() -> None:
    kota, kab = Words("kota", "Contoh"), Words("kabupaten", "Contoh")
    assert (kota.region, kab.region) == ("Kota Contoh", "Kabupaten Contoh")
    assert (kota.head, kota.deputy) == ("Wali Kota", "Wakil Wali Kota")
    assert (kab.head, kab.deputy) == ("Bupati", "Wakil Bupati")
    assert kab.head_of_region == "Bupati Contoh" and kota.deputy_of_region == "Wakil Wali Kota Contoh"
    assert (kota.head_unit, kota.deputy_unit) == ("pimpinan:walikota", "pimpinan:wakil-walikota")
    assert (kab.head_unit, kab.deputy_unit) == ("pimpinan:bupati", "pimpinan:wakil-bupati")
    assert kab.outside == ("di luar Kabupaten Contoh", "outside Kabupaten Contoh")
    assert kota.complaints_page_title == "Transparansi Pengaduan Kota Contoh"
    assert Words.village("desa", "Sukamaju") == "Desa Sukamaju"
    assert Words.village("kelurahan", "Sukamaju") == "Kelurahan Sukamaju"
    assert (Words.village_head("desa"), Words.village_head("kelurahan")) == ("Kepala Desa", "Lurah")
    assert Words.kecamatan("Baros") == "Kecamatan Baros" and Words.kecamatan_head() == "Camat"


def test_village_kind_from_the_code() -> None:
    assert village_kind("11.01.01.1001") == "kelurahan"
    assert village_kind("kel:11.01.01.2001") == "desa"
    assert village_kind("91.03.01.3007") == "desa"  # a desa adat
    with pytest.raises(ValueError):
        village_kind("11.01.01")


@pytest.mark.parametrize("kind", ["kota", "kabupaten"])
def test_default_opd_cover_every_category_and_ladder_unit(kind: str) -> None:
    codes = {o.code for o in default_opd(kind)}  # type: ignore[arg-type]
    assert len(codes) == len(default_opd(kind))  # type: ignore[arg-type]
    wanted = {c["unit"] for c in load_json("categories.json")["categories"] if c.get("unit")}
    assert wanted <= codes
    assert "opd:inspektorat" in codes


@pytest.mark.parametrize(
    ("kind", "deputy", "head"),
    [("kota", "Wakil Wali Kota", "Wali Kota"), ("kabupaten", "Wakil Bupati", "Bupati")],
)
def test_ladder_per_kind(kind: str, deputy: str, head: str) -> None:
    raw = default_ladder(kind)  # type: ignore[arg-type]
    ladder = EscalationLadderFile.model_validate(raw)  # today's format, as escalation.py reads it
    w = Words(kind, "Contoh")  # type: ignore[arg-type]
    # desa/kelurahan -> kecamatan -> OPD -> Inspektorat -> the region's leadership
    assert ladder.kinds["kelurahan"].ladder == ["self", "kecamatan", "opd_head", "opd:inspektorat", w.deputy_unit]
    assert ladder.kinds["kecamatan"].ladder[-2:] == ["opd:inspektorat", w.deputy_unit]
    assert ladder.kinds["opd"].ladder[-2:] == ["opd:inspektorat", w.deputy_unit]
    assert ladder.categories["pungli-asn"].ladder == ["self", "opd:inspektorat", w.deputy_unit]
    assert ladder.units[w.deputy_unit].head is not None and ladder.units[w.deputy_unit].head.role == deputy
    assert ladder.units[w.head_unit].head is not None and ladder.units[w.head_unit].head.role == head
    other = "pimpinan:wakil-bupati" if kind == "kota" else "pimpinan:wakil-walikota"
    assert other not in json.dumps(raw)
    village_head = "Lurah" if kind == "kota" else "Kepala Desa"
    assert ladder.kinds["kelurahan"].head.role == village_head


def test_province_time_zones() -> None:
    assert province_timezone("36") == "Asia/Jakarta"
    assert province_timezone("51") == "Asia/Makassar"
    assert province_timezone("94") == "Asia/Jayapura"
    with pytest.raises(ValueError):
        province_timezone("99")


# --- the national list ------------------------------------------------------------


@needs_shared
def test_national_list_is_read_fast_and_complete() -> None:
    start = time.perf_counter()
    w = read(wilayah_csv())
    took = time.perf_counter() - start
    levels: dict[str, int] = {}
    for area in w.areas.values():
        levels[area.level] = levels.get(area.level, 0) + 1
    assert levels == {"provinsi": 38, "kabupaten_kota": 514, "kecamatan": 7285, "desa_kelurahan": 83762}
    assert took < 3, f"reading the national list took {took:.2f} s"  # ~0.3 s idle; slack for a busy CI


@needs_shared
def test_region_lists_match_the_packaged_areas(wilayah: Wilayah) -> None:
    packaged = load_json("kota-serang.json")
    kel = {x["code"]: x["name"] for k in packaged["kecamatan"] for x in k["kelurahan"]}
    assert {k.code for k in wilayah.kecamatan_of(KOTA_SERANG)} == {k["code"] for k in packaged["kecamatan"]}
    assert {v.code for v in wilayah.desa_kelurahan_of(KOTA_SERANG)} == set(kel)
    assert wilayah.bare_name("31.72") == "Administrasi Jakarta Utara"  # stripped, and the title keeps its word


# --- three real regions -------------------------------------------------------------


@needs_shared
def test_kota_serang(wilayah: Wilayah) -> None:
    boundaries = _geojson("kota-serang-kelurahan.geojson")
    built = build(wilayah, KOTA_SERANG, boundaries=boundaries)
    j = built.jurisdiction
    assert (j.kind, j.name, j.province_code, j.timezone) == ("kota", "Serang", "36", "Asia/Jakarta")
    assert j.words.region == "Kota Serang" and j.words.head_of_region == "Wali Kota Serang"
    assert j.prefix == "SRG"  # as today's tracking ids
    assert (len(j.kecamatan), len(j.desa_kelurahan)) == (6, 67)
    assert {v.kind for v in j.desa_kelurahan} == {"kelurahan"}
    assert j.has_boundaries and built.warnings == []
    units = j.units()
    assert units["kel:36.73.01.1001"].name == "Kelurahan Serang" and units["kel:36.73.01.1001"].kind == "kelurahan"
    assert units["kec:36.73.01"].name == "Kecamatan Serang"
    assert units["pimpinan:wakil-walikota"].name == "Wakil Wali Kota Serang"
    # today's area and leadership units, codes and names, come out of the national list unchanged
    today = reference_units()
    for code, unit in today.items():
        if unit.kind != "opd":
            assert units[code] == unit
    assert set(load_json("units.json")["opd"][0]) == {"code", "name"}  # a UNITS entry is today's OPD entry
    assert {c for c in today if c.startswith("opd:")} & set(units)  # the starter list keeps today's codes


@needs_shared
def test_kabupaten_serang(wilayah: Wilayah) -> None:
    boundaries = _geojson("wilayah/batas-36.04.geojson")
    built = build(wilayah, KAB_SERANG, boundaries=boundaries, taken_prefixes={"SRG"})
    j = built.jurisdiction
    assert (j.kind, j.words.region, j.words.head) == ("kabupaten", "Kabupaten Serang", "Bupati")
    assert j.prefix != "SRG" and j.prefix.startswith("S")
    assert len(j.desa_kelurahan) == 326 and len(j.kecamatan) == 29
    desa = [v for v in j.desa_kelurahan if v.kind == "desa"]
    assert len(desa) > len(j.desa_kelurahan) / 2
    unit = j.units()[f"kel:{desa[0].code}"]
    assert unit.name == f"Desa {desa[0].name}" and unit.kind == "kelurahan"  # the level keeps its kind
    assert "opd:dpmd" in j.units()  # desa affairs: a kabupaten's starter list has the DPMD
    assert built.boundaries is not None and len(built.boundaries["features"]) == 326
    ladder = EscalationLadderFile.model_validate(escalation_ladder(j))
    assert ladder.kinds["kelurahan"].head.role == "Kepala Desa"
    assert ladder.kinds["kelurahan"].ladder[-1] == "pimpinan:wakil-bupati"
    assert "{region}" not in json.dumps(escalation_ladder(j))
    assert "kabupaten-serang.example" in ladder.kinds["opd"].head.contacts[0]


@needs_shared
def test_kota_cilegon_with_islands(wilayah: Wilayah, cilegon_batas: Any) -> None:
    assert any(f["geometry"]["type"] == "MultiPolygon" for f in cilegon_batas["features"])
    built = build(wilayah, CILEGON, boundaries=cilegon_batas, taken_prefixes={"SRG"})
    j = built.jurisdiction
    assert (j.kind, j.words.region, len(j.desa_kelurahan)) == ("kota", "Kota Cilegon", 43)
    assert built.warnings == []
    doc, boundaries = built.parts()
    assert Jurisdiction.model_validate(doc) == j  # the stored document reads back the same
    assert "features" not in json.dumps(doc) and boundaries is not None
    assert len(json.dumps(doc)) < 20_000
    assert {f["properties"]["kode"] for f in boundaries["features"]} == {v.code for v in j.desa_kelurahan}


@needs_shared
def test_the_other_kind_of_village_gets_its_own_head(wilayah: Wilayah) -> None:
    """A kelurahan in a kabupaten is headed by a Lurah, a desa in a kota by a Kepala Desa."""
    mixed_kab = next(
        r.code
        for r in wilayah.regions()
        if r.kind == "kabupaten" and any(v.kind == "kelurahan" for v in wilayah.desa_kelurahan_of(r.code))
    )
    j = build(wilayah, mixed_kab).jurisdiction
    ladder = EscalationLadderFile.model_validate(escalation_ladder(j))
    kel = next(v for v in j.desa_kelurahan if v.kind == "kelurahan")
    desa = next(v for v in j.desa_kelurahan if v.kind == "desa")
    own = ladder.units[f"kel:{kel.code}"]
    assert own.head is not None and own.head.role == "Lurah"
    assert f"kel:{desa.code}" not in ladder.units  # the kind's default (Kepala Desa) holds
    mixed_kota = next(
        r.code
        for r in wilayah.regions()
        if r.kind == "kota" and any(v.kind == "desa" for v in wilayah.desa_kelurahan_of(r.code))
    )
    j = build(wilayah, mixed_kota).jurisdiction
    ladder = EscalationLadderFile.model_validate(escalation_ladder(j))
    desa = next(v for v in j.desa_kelurahan if v.kind == "desa")
    head = ladder.units[f"kel:{desa.code}"].head
    assert head is not None and head.role == "Kepala Desa"
    assert j.units()[f"kel:{desa.code}"].name == f"Desa {desa.name}"


@needs_shared
def test_all_regions_build_from_codes_alone(wilayah: Wilayah) -> None:
    taken: set[str] = {"SRG"}
    start = time.perf_counter()
    built = []
    for region in wilayah.regions():
        j = build(wilayah, region.code, taken_prefixes=taken).jurisdiction
        taken.add(j.prefix)
        built.append(j)
    took = time.perf_counter() - start
    print(f"\n514 kabupaten/kota built from codes alone in {took:.2f} s")
    assert len(built) == 514
    assert len({j.prefix for j in built}) == 514  # unique across the deployment
    assert sum(len(j.desa_kelurahan) for j in built) == 83762
    assert sum(len(j.kecamatan) for j in built) == 7285
    assert {j.kind for j in built} == {"kota", "kabupaten"}
    assert all(not j.has_boundaries for j in built)
    assert took < 60, f"building every region took {took:.1f} s"


# --- every failure, with its message ------------------------------------------------


@needs_shared
@pytest.mark.parametrize(
    ("code", "reason", "words"),
    [
        ("99.99", "unknown_code", "tidak ada dalam daftar wilayah Kemendagri"),
        ("36", "not_a_region", "adalah provinsi, bukan kabupaten/kota"),
        ("36.73.01", "not_a_region", "adalah kecamatan, bukan kabupaten/kota"),
        ("36.73.01.1001", "not_a_region", "adalah desa/kelurahan, bukan kabupaten/kota"),
        ("3673", "bad_code", "tidak berbentuk NN.NN"),
    ],
)
def test_a_code_that_is_not_a_region(wilayah: Wilayah, code: str, reason: str, words: str) -> None:
    (problem,) = check_code(wilayah, code)
    assert problem.reason == reason and words in problem.message_id and problem.where == "code"
    assert problem.message_en and " / " in problem.message
    with pytest.raises(InvalidJurisdiction) as refused:
        build(wilayah, code)
    assert reasons(refused.value.problems) == [reason]


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("SR", "bad_prefix"),
        ("srg", "bad_prefix"),
        ("S1G", "bad_prefix"),
        ("ABCD", "bad_prefix"),
        ("SRG", "prefix_taken"),
    ],
)
def test_a_bad_or_taken_prefix(prefix: str, reason: str) -> None:
    (problem,) = check_prefix(prefix, taken={"SRG"})
    assert problem.reason == reason
    assert ("sudah dipakai" if reason == "prefix_taken" else "tiga huruf kapital") in problem.message_id
    assert check_prefix("CLG", taken={"SRG"}) == []


def test_derived_prefixes_avoid_taken_ones() -> None:
    assert derive_prefix("Serang", taken=()) == "SRG"
    assert derive_prefix("Serang", taken={"SRG"}) == "SRN"
    assert derive_prefix("Tangerang Selatan", taken=()) == "TNS"
    assert derive_prefix("Administrasi Jakarta Utara", taken=()) == "JKU"
    everything_but_one = {c for c in prefix_candidates("Aa") if len(c) == 3} - {"ZZZ"}
    assert derive_prefix("Aa", taken=everything_but_one) == "ZZZ"


def test_a_bad_units_file() -> None:
    assert check_units([{"code": "opd:dinkes", "name": "Dinas Kesehatan"}]) == []
    problems = check_units(
        [
            {"code": "opd:dinkes", "name": "Dinas Kesehatan"},
            {"code": "opd:dinkes", "name": "Dinas Kesehatan lagi"},
            {"code": "dinkes", "name": "Tanpa awalan"},
            {"code": "opd:Dinas Kesehatan", "name": "Spasi"},
            {"code": "opd:dlh", "name": " "},
            {"code": "opd:dishub", "name": "Dinas Perhubungan", "kepala": "x"},
            "opd:satpolpp",
        ]
    )
    assert [(p.where, p.reason) for p in problems] == [
        ("units[1]", "duplicate_unit"),
        ("units[2]", "bad_unit_code"),
        ("units[3]", "bad_unit_code"),
        ("units[4]", "missing_name"),
        ("units[5]", "unknown_field"),
        ("units[6]", "bad_unit"),
    ]
    assert "sudah dipakai di units[0]" in problems[0].message_id
    assert reasons(check_units({"opd": []})) == ["bad_units"]
    assert reasons(check_units([])) == ["bad_units"]


@needs_shared
def test_units_missing_a_category_unit_are_refused(wilayah: Wilayah) -> None:
    units = [{"code": "opd:inspektorat", "name": "Inspektorat"}, {"code": "opd:dinkes", "name": "Dinas Kesehatan"}]
    with pytest.raises(InvalidJurisdiction) as refused:
        build(wilayah, CILEGON, units=units)
    missing = [p for p in refused.value.problems if p.reason == "missing_unit"]
    assert any("opd:dpupr" in p.message_id and p.where.startswith("categories[") for p in missing)
    assert "opd:dinkes" not in " ".join(p.message_id for p in missing)
    full = [{"code": o.code, "name": o.name} for o in default_opd("kota")]
    j = build(wilayah, CILEGON, units=full).jurisdiction
    assert [o.code for o in j.opd] == [o["code"] for o in full]


@needs_shared
def test_boundaries_of_another_region_and_missing_ones(wilayah: Wilayah, cilegon_batas: Any) -> None:
    bad = copy.deepcopy(cilegon_batas)
    dropped = bad["features"].pop(0)["properties"]["kode"]
    bad["features"][0]["properties"]["kode"] = "36.73.01.1001"  # a kelurahan of another region
    bad["features"][1]["properties"]["kode"] = "36.72.01"  # a kecamatan
    bad["features"][2]["properties"]["kode"] = "36.72.99.1001"  # nowhere
    del bad["features"][3]["properties"]["kode"]
    problems = check_boundaries(bad, wilayah, CILEGON)
    by_reason = {p.reason: p for p in problems}
    foreign = [p.message_id for p in problems if p.reason == "foreign_kode"]
    assert any("bukan bagian dari 36.72 (Kota Cilegon)" in m for m in foreign)
    assert any("adalah kecamatan, bukan desa/kelurahan" in m for m in foreign)
    assert any("tidak ada dalam daftar wilayah" in m for m in foreign)
    assert by_reason["missing_kode"].where == "boundaries.features[3]"
    missing = [p for p in problems if p.reason == "missing_feature"]
    assert len(missing) == 5  # the dropped one and the four overwritten ones
    assert any(dropped in p.message_id and "tidak ada batas untuk kelurahan" in p.message_id for p in missing)
    assert all(p.severity == "error" for p in missing)


@needs_shared
def test_duplicated_features(wilayah: Wilayah, cilegon_batas: Any) -> None:
    bad = copy.deepcopy(cilegon_batas)
    bad["features"].append(copy.deepcopy(bad["features"][5]))
    problems = check_boundaries(bad, wilayah, CILEGON)
    assert reasons(problems) == ["duplicate_kode"]
    assert "muncul 2 kali" in problems[0].message_id


def _ring(*points: tuple[float, float]) -> list[list[float]]:
    return [list(p) for p in points]


SQUARE = _ring((106.0, -6.0), (106.01, -6.0), (106.01, -6.01), (106.0, -6.0))


@needs_shared
@pytest.mark.parametrize(
    ("geometry", "reason", "words"),
    [
        ({"type": "Polygon", "coordinates": [SQUARE[:-1] + [[106.0, -6.02]]]}, "open_ring", "tidak tertutup"),
        ({"type": "Polygon", "coordinates": [SQUARE[:2] + SQUARE[:1]]}, "short_ring", "hanya 3 posisi"),
        ({"type": "Polygon", "coordinates": [[*SQUARE[:2], [math.nan, -6.0], SQUARE[0]]]}, "bad_coordinate", ""),
        ({"type": "Polygon", "coordinates": [[*SQUARE[:2], [106.0, -96.0], SQUARE[0]]]}, "bad_coordinate", ""),
        ({"type": "Polygon", "coordinates": [[[-6.0, 106.0], *SQUARE[1:3], [-6.0, 106.0]]]}, "bad_coordinate", ""),
        ({"type": "Polygon", "coordinates": [[[2.35, 48.85], *SQUARE[1:3], [2.35, 48.85]]]}, "outside_indonesia", ""),
        ({"type": "Polygon", "coordinates": [[*SQUARE[:2], ["106", -6.0], SQUARE[0]]]}, "bad_position", ""),
        ({"type": "Point", "coordinates": [106.0, -6.0]}, "bad_geometry_type", "tidak didukung"),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE[:3]]]}, "open_ring", ""),
        (None, "missing_geometry", "tidak punya geometri"),
    ],
)
def test_invalid_polygons(wilayah: Wilayah, cilegon_batas: Any, geometry: Any, reason: str, words: str) -> None:
    bad = copy.deepcopy(cilegon_batas)
    bad["features"][7]["geometry"] = geometry
    kode = bad["features"][7]["properties"]["kode"]
    problems = check_boundaries(bad, wilayah, CILEGON)
    assert reason in reasons(problems)
    problem = next(p for p in problems if p.reason == reason)
    assert problem.where == f"boundaries.features[7] ({kode})" and words in problem.message_id
    with pytest.raises(InvalidJurisdiction) as refused:
        build(wilayah, CILEGON, boundaries=bad)
    assert reason in str(reasons(refused.value.problems))


@needs_shared
def test_not_a_feature_collection(wilayah: Wilayah) -> None:
    assert reasons(check_boundaries({"type": "Feature"}, wilayah, CILEGON)) == ["not_a_feature_collection"]
    assert reasons(check_boundaries([], wilayah, CILEGON)) == ["not_a_feature_collection"]


@needs_shared
def test_a_different_name_is_a_warning(wilayah: Wilayah, cilegon_batas: Any) -> None:
    renamed = copy.deepcopy(cilegon_batas)
    renamed["features"][0]["properties"]["nama"] = "Nama Lain"
    built = build(wilayah, CILEGON, boundaries=renamed)
    assert [(p.reason, p.severity) for p in built.warnings] == [("name_differs", "warning")]


@needs_shared
def test_all_problems_are_collected(wilayah: Wilayah, cilegon_batas: Any) -> None:
    bad = copy.deepcopy(cilegon_batas)
    bad["features"][0]["geometry"] = {"type": "LineString", "coordinates": []}
    with pytest.raises(InvalidJurisdiction) as refused:
        build(
            wilayah,
            CILEGON,
            boundaries=bad,
            units=[{"code": "bad", "name": "x"}],
            prefix="SRG",
            taken_prefixes={"SRG"},
        )
    assert sorted(set(reasons(errors(refused.value.problems)))) == [
        "bad_geometry_type",
        "bad_unit_code",
        "prefix_taken",
    ]
    assert "prefiks SRG sudah dipakai" in str(refused.value)


WRONG_YEAR = {"years": {"2026": {"add": [{"date": "2025-12-25", "name": "Natal"}]}}}


@needs_shared
def test_overrides_are_checked(wilayah: Wilayah) -> None:
    j = build(wilayah, CILEGON).jurisdiction
    ladder = default_ladder("kota")
    ladder["kinds"]["opd"]["ladder"] = ["opd_head"]
    ladder["units"]["opd:inspektorat"]["ladder"] = ["self", "opd:tidak-ada"]
    broken = j.model_copy(update={"escalation_ladder": ladder, "sla_policy": {"stages": 3}, "holidays": WRONG_YEAR})
    problems = check_document(broken)
    assert {p.where for p in problems} == {"escalation_ladder", "sla_policy", "holidays"}
    ladder["kinds"]["opd"]["ladder"] = ["self", "opd_head"]
    problems = check_document(j.model_copy(update={"escalation_ladder": ladder}))
    assert [(p.reason, "opd:tidak-ada" in p.message_id) for p in problems] == [("missing_unit", True)]
    assert check_document(j) == []


def test_the_shared_folder_can_be_moved(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADUAN_SHARED_DIR", str(tmp_path))
    assert wilayah_csv() == tmp_path / "data" / "wilayah" / "kode-wilayah.csv"
    monkeypatch.delenv("ADUAN_SHARED_DIR")
    assert shared_dir(Path("/somewhere/repo")) == Path("/somewhere/shared")


@needs_shared
def test_the_document_is_consistent(wilayah: Wilayah) -> None:
    j = build(wilayah, CILEGON, public_base_url="https://aduan.example").jurisdiction
    doc = j.model_dump(mode="json")
    assert Jurisdiction.model_validate({**doc, "public_base_url": "http://127.0.0.1:8000"}).public_base_url
    broken = [
        {**doc, "public_base_url": "http://aduan.example"},
        {**doc, "code": "36.7"},
        {**doc, "prefix": "Ab1"},
        {**doc, "kind": "provinsi"},
        {**doc, "province_code": "35"},
        {**doc, "kecamatan": [*doc["kecamatan"], {"code": "36.04.01", "name": "Lain"}]},
        {**doc, "kecamatan": doc["kecamatan"][1:]},  # its desa/kelurahan name a kecamatan not listed
        {**doc, "desa_kelurahan": [*doc["desa_kelurahan"], doc["desa_kelurahan"][0]]},
        {**doc, "desa_kelurahan": [{**doc["desa_kelurahan"][0], "kind": "desa"}]},  # the code says kelurahan
        {**doc, "opd": [*doc["opd"], doc["opd"][0]]},
        {**doc, "opd": [{"code": "opd:Dinas", "name": "x"}]},
    ]
    for raw in broken:
        with pytest.raises(ValueError):
            Jurisdiction.model_validate(raw)
