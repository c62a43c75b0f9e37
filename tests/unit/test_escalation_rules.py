"""Escalation ladder: every path, the top of the ladder, and the data file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from chalicelib.domain.escalation import (
    EscalationDecision,
    EscalationLadderFile,
    Rung,
    decide,
    ladder_for,
    load_ladder_file,
    next_rung,
)
from chalicelib.domain.overdue import is_overdue

UTC = dt.UTC
DATA = Path(__file__).resolve().parents[2] / "chalicelib" / "data"
INSPEKTORAT = "opd:inspektorat"
WAWALI = "pimpinan:wakil-walikota"


def path_of(ladder: list[Rung]) -> list[tuple[int, str, str]]:
    return [(r.level, r.unit_code, r.role) for r in ladder]


# --- ladder_for: each path -----------------------------------------------------


def test_kelurahan_category_climbs_kelurahan_kecamatan_inspektorat_wawali() -> None:
    ladder = ladder_for("kel:36.73.01.1001", "pelayanan-kelurahan", "36.73.01", None)
    assert path_of(ladder) == [
        (0, "kel:36.73.01.1001", "Lurah"),
        (1, "kec:36.73.01", "Camat"),
        (2, INSPEKTORAT, "Inspektur"),
        (3, WAWALI, "Wakil Wali Kota"),
    ]


def test_kelurahan_derives_its_kecamatan() -> None:
    # Kasemen (36.73.02) kelurahan, kecamatan not passed.
    ladder = ladder_for("kel:36.73.02.1003", "lingkungan-rt-rw", None, None)
    assert ladder[1].unit_code == "kec:36.73.02"
    assert ladder[1].role == "Camat"


def test_kelurahan_with_responsible_opd_includes_opd_head() -> None:
    # An OPD-category complaint handled at kelurahan level: Lurah -> Camat ->
    # Kepala DLH -> Inspektur -> Wakil Wali Kota.
    ladder = ladder_for("kel:36.73.01.1001", "sampah", "kec:36.73.01", "opd:dlh")
    assert path_of(ladder) == [
        (0, "kel:36.73.01.1001", "Lurah"),
        (1, "kec:36.73.01", "Camat"),
        (2, "opd:dlh", "Kepala Dinas"),
        (3, INSPEKTORAT, "Inspektur"),
        (4, WAWALI, "Wakil Wali Kota"),
    ]


def test_kecamatan_category_skips_missing_opd() -> None:
    ladder = ladder_for("kec:36.73.05", "pelayanan-kecamatan", "36.73.05", None)
    assert path_of(ladder) == [
        (0, "kec:36.73.05", "Camat"),
        (1, INSPEKTORAT, "Inspektur"),
        (2, WAWALI, "Wakil Wali Kota"),
    ]


def test_opd_category_climbs_desk_head_inspektorat_wawali() -> None:
    ladder = ladder_for("opd:dlh", "sampah", "36.73.01", "opd:dlh")
    assert path_of(ladder) == [
        (0, "opd:dlh", "Petugas Pengaduan"),
        (1, "opd:dlh", "Kepala Dinas"),
        (2, INSPEKTORAT, "Inspektur"),
        (3, WAWALI, "Wakil Wali Kota"),
    ]
    # Same unit code, different contact for the head rung.
    assert ladder[0].contacts != ladder[1].contacts
    assert ladder[1].contacts == ("kepala.dlh@serangkota.example", "+62-254-000000")


def test_opd_code_defaults_to_handling_opd() -> None:
    assert ladder_for("opd:dpupr", "jalan-rusak", None, None) == ladder_for(
        "opd:dpupr", "jalan-rusak", None, "opd:dpupr"
    )


def test_unit_override_sets_head_role() -> None:
    ladder = ladder_for("opd:bpbd", "bencana", None, "opd:bpbd")
    assert ladder[1] == Rung(
        1,
        "opd:bpbd",
        "Kepala Pelaksana BPBD",
        ("kepala.bpbd@serangkota.example", "+62-254-000000"),
    )


def test_override_category_pungli_goes_straight_to_inspektorat() -> None:
    handled_by_inspektorat = ladder_for(INSPEKTORAT, "pungli-asn", None, INSPEKTORAT)
    assert path_of(handled_by_inspektorat) == [
        (0, INSPEKTORAT, "Petugas Pengaduan"),
        (1, INSPEKTORAT, "Inspektur"),
        (2, WAWALI, "Wakil Wali Kota"),
    ]
    # Even if it was routed to a kelurahan, the Camat / OPD head are skipped.
    at_kelurahan = ladder_for("kel:36.73.04.1002", "pungli-asn", None, "opd:dlh")
    assert path_of(at_kelurahan) == [
        (0, "kel:36.73.04.1002", "Lurah"),
        (1, INSPEKTORAT, "Inspektur"),
        (2, WAWALI, "Wakil Wali Kota"),
    ]


def test_inspektorat_unit_never_escalates_to_itself_twice() -> None:
    ladder = ladder_for(INSPEKTORAT, "lainnya", None, None)
    assert [r.unit_code for r in ladder] == [INSPEKTORAT, INSPEKTORAT, WAWALI]
    assert len({(r.unit_code, r.role) for r in ladder}) == len(ladder)


def test_levels_are_consecutive_and_contacts_are_fake() -> None:
    ladder = ladder_for("kel:36.73.06.1001", "pelayanan-kelurahan", None, None)
    assert [r.level for r in ladder] == list(range(len(ladder)))
    for rung in ladder:
        assert rung.contacts, rung
        for contact in rung.contacts:
            assert contact.endswith(".example") or contact == "+62-254-000000"


@pytest.mark.parametrize("bad", ["36.73.01.1001", "dinas:dlh", "opd:"])
def test_rejects_bad_unit_code(bad: str) -> None:
    with pytest.raises(ValueError, match="unit code"):
        ladder_for(bad, "sampah", None, None)


def test_rejects_non_opd_opd_code() -> None:
    with pytest.raises(ValueError, match="OPD"):
        ladder_for("kel:36.73.01.1001", "sampah", None, "kec:36.73.01")


# --- next_rung / is_overdue / decide ---------------------------------------------

LADDER = ladder_for("opd:dlh", "sampah", None, "opd:dlh")
DEADLINE = dt.datetime(2026, 4, 16, 16, 59, 59, 999999, tzinfo=UTC)


def test_next_rung_and_top() -> None:
    assert next_rung(LADDER, 0) == LADDER[1]
    assert next_rung(LADDER, 2) == LADDER[3]
    assert next_rung(LADDER, 3) is None  # Wakil Wali Kota is the top
    assert next_rung(LADDER, 10) is None
    with pytest.raises(ValueError, match="current_level"):
        next_rung(LADDER, -1)


def test_is_overdue() -> None:
    assert is_overdue(None, DEADLINE) is False
    assert is_overdue(DEADLINE, DEADLINE) is False  # the last instant is still on time
    assert is_overdue(DEADLINE, DEADLINE + dt.timedelta(microseconds=1)) is True
    assert is_overdue(DEADLINE, DEADLINE - dt.timedelta(hours=1)) is False
    # Same instant in WIB: 17 Apr 00:00:00.000001 WIB is overdue.
    wib = dt.timezone(dt.timedelta(hours=7))
    assert is_overdue(DEADLINE, dt.datetime(2026, 4, 17, 0, 0, 0, 1, tzinfo=wib)) is True
    with pytest.raises(ValueError, match="timezone-aware"):
        is_overdue(DEADLINE, dt.datetime(2026, 4, 17))


def test_decide_climbs_one_rung_when_overdue() -> None:
    now = DEADLINE + dt.timedelta(days=9)  # long overdue: still only one rung
    assert decide(0, DEADLINE, now, LADDER) == EscalationDecision(0, LADDER[1], DEADLINE)
    assert decide(2, DEADLINE, now, LADDER) == EscalationDecision(2, LADDER[3], DEADLINE)


def test_decide_nothing_when_on_time_or_no_deadline() -> None:
    assert decide(0, DEADLINE, DEADLINE - dt.timedelta(minutes=5), LADDER) is None
    assert decide(0, None, DEADLINE + dt.timedelta(days=1), LADDER) is None


def test_decide_nothing_at_top() -> None:
    assert decide(3, DEADLINE, DEADLINE + dt.timedelta(days=1), LADDER) is None


# --- data file -----------------------------------------------------------------


def _json(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_ladder_file_references_known_units_and_categories() -> None:
    cfg = load_ladder_file()
    units = _json("units.json")
    known_units = {u["code"] for group in ("opd", "pimpinan") for u in units[group]}
    known_categories = {c["code"] for c in _json("categories.json")["categories"]}

    assert set(cfg.units) <= known_units
    assert set(cfg.categories) <= known_categories
    ladders = [k.ladder for k in cfg.kinds.values()]
    ladders += [u.ladder for u in cfg.units.values() if u.ladder]
    ladders += [c.ladder for c in cfg.categories.values()]
    literal_steps = {s for ladder in ladders for s in ladder if ":" in s}
    assert literal_steps <= known_units
    assert load_ladder_file() is cfg


def test_every_category_has_a_ladder_ending_at_wawali() -> None:
    kota = _json("kota-serang.json")
    kec = kota["kecamatan"][0]
    kel_code = kec["kelurahan"][0]["code"]
    for cat in _json("categories.json")["categories"]:
        if cat["unit_kind"] == "opd":
            unit = cat["unit"]
        elif cat["unit_kind"] == "kecamatan":
            unit = f"kec:{kec['code']}"
        else:
            unit = f"kel:{kel_code}"
        ladder = ladder_for(unit, cat["code"], kec["code"], cat.get("unit"))
        assert ladder[0].unit_code == unit, cat["code"]
        assert ladder[-1].unit_code == WAWALI, cat["code"]
        assert len(ladder) >= 2, cat["code"]


def test_ladder_must_start_with_self() -> None:
    raw = _json("escalation_ladder.json")
    raw["categories"]["pungli-asn"]["ladder"] = [INSPEKTORAT, WAWALI]
    with pytest.raises(ValidationError, match="start with 'self'"):
        EscalationLadderFile.model_validate(raw)


def test_ladder_rejects_unknown_step() -> None:
    raw = _json("escalation_ladder.json")
    raw["kinds"]["opd"]["ladder"] = ["self", "bupati"]
    with pytest.raises(ValidationError, match="unknown ladder step"):
        EscalationLadderFile.model_validate(raw)
