"""Which unit handles a complaint: by category, and by place for area units.

A reported lat/lon is placed in its kelurahan by point-in-polygon; the
kelurahan gives the kecamatan. A kelurahan_code given by the reporter wins over
the coordinates (they chose it; GPS indoors is often off).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import geo, reference
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.models import Location, Unit


@dataclass(frozen=True)
class Place:
    kelurahan_code: str | None
    kecamatan_code: str | None


def place_of(location: Location) -> Place:
    """Resolve the kelurahan and kecamatan of a location, or refuse it."""
    areas = reference.areas()
    if location.kelurahan_code:
        kel = areas.kelurahan.get(location.kelurahan_code)
        if kel is None:
            raise InvalidInput([FieldProblem(
                "location.kelurahan_code", "unknown_kelurahan",
                "Kode kelurahan tidak dikenal di Kota Serang",
                "Unknown kelurahan code for Kota Serang",
            )])
        return Place(kel.code, kel.kecamatan_code)
    if location.lat is not None and location.lon is not None:
        placement = geo.locate(location.lat, location.lon)
        if placement is None:
            raise InvalidInput([FieldProblem(
                "location", "outside_kota_serang",
                "Lokasi berada di luar Kota Serang; pilih kelurahan (kelurahan_code)",
                "The location is outside Kota Serang; choose a kelurahan (kelurahan_code)",
            )])
        return Place(placement.kelurahan_code, placement.kecamatan_code)
    return Place(None, None)


def unit_for(category_code: str, place: Place) -> Unit:
    """The handling unit: the category's OPD, or the area unit of the place."""
    cat = reference.categories()[category_code]
    units = reference.units()
    if cat.unit_kind == "opd":
        return units[cat.unit or "opd:diskominfo"]
    code = place.kelurahan_code if cat.unit_kind == "kelurahan" else place.kecamatan_code
    if code is None:
        raise InvalidInput([FieldProblem(
            "location", "location_required",
            "Kategori ini memerlukan lokasi (kelurahan_code atau lat/lon)",
            "This category needs a location (kelurahan_code or lat/lon)",
        )])
    prefix = "kel" if cat.unit_kind == "kelurahan" else "kec"
    return units[f"{prefix}:{code}"]
