"""Free-text places: labelled kelurahan and kecamatan names, however they are written."""

from __future__ import annotations

import pytest

from chalicelib.domain import reference
from chalicelib.domain.places import place_named_in

SERANG, CURUG, WALANTAKA = "36.73.01", "36.73.04", "36.73.03"


def kel(name: str, kecamatan: str) -> str:
    [code] = [k.code for k in reference.areas().kelurahan.values() if k.name == name and k.kecamatan_code == kecamatan]
    return code


@pytest.mark.parametrize(
    "text,name,kecamatan",
    [
        ("Kp. Baru RT 02/03, Kel. Sukawana, Kec. Curug", "Sukawana", CURUG),
        ("kel sukawana kec serang", "Sukawana", SERANG),
        ("Kel.Sukawana,Kec.Curug, Kota Serang", "Sukawana", CURUG),
        ("KELURAHAN CIPARE", "Cipare", SERANG),
        ("Jl. Veteran, Kelurahan Kota Baru, Serang", "Kota Baru", SERANG),
        ("kel. kotabaru", "Kota Baru", SERANG),
        ("Desa Sumur-Pecung", "Sumur Pecung", SERANG),
        ("Ds. Lontar Baru", "Lontarbaru", SERANG),
        ("Kelurahan: Kasemen; Kecamatan: Kasemen", "Kasemen", "36.73.02"),
        ("kelurahan   cipocok  jaya   kecamatan cipocok jaya", "Cipocok Jaya", "36.73.05"),
        ("Kél. Unyur", "Unyur", SERANG),
        ("Perum Taman Widya, Kel.Pager Agung Kec.Walantaka", "Pager Agung", WALANTAKA),
    ],
)
def test_a_labelled_kelurahan_is_placed(text: str, name: str, kecamatan: str) -> None:
    found = place_named_in(text)
    assert found is not None and (found.kelurahan_code, found.kecamatan_code) == (kel(name, kecamatan), kecamatan)


def test_a_kecamatan_alone_places_the_kecamatan() -> None:
    found = place_named_in("Jl. Raya Walantaka, Kec. Walantaka")
    assert found is not None and (found.kelurahan_code, found.kecamatan_code) == (None, WALANTAKA)


@pytest.mark.parametrize(
    "text",
    [
        "Kel. Sukawana",  # two kelurahan have that name: the kecamatan must settle it
        "Kelurahan Sukawana, Kota Serang",
        "Kel. Cipare, Kec. Curug",  # contradict each other
        "Kec. Serang, Kec. Curug",
        "Kel. Cipare, Kel. Unyur",
        "Jl. Ki Mas Jong, Serang",  # unlabelled names are the city as often as a kelurahan
        "Cipare Serang",
        "Kel. Antah Berantah",
        "",
        None,
    ],
)
def test_ambiguous_contradictory_or_unlabelled_names_place_nothing(text: str | None) -> None:
    assert place_named_in(text) is None


def test_every_kelurahan_of_the_data_can_be_named() -> None:
    areas = reference.areas()
    for code, k in areas.kelurahan.items():
        text = f"Kel. {k.name.upper()}, Kec. {areas.kecamatan[k.kecamatan_code].lower()}"
        found = place_named_in(text)
        assert found is not None and found.kelurahan_code == code, text
