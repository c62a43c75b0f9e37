"""Which unit handles a complaint: by category, and by place for area units.

Where a complaint is, in this order:

1. a kelurahan_code (the reporter chose it; GPS indoors is often off), checked
   against the point when one came too: farther than the city's tolerance
   (`place_rules` in the area data) they disagree and the request is refused;
2. a lat/lon, placed in its kelurahan by point-in-polygon (half a pair is refused);
3. a kelurahan and/or kecamatan named in the free-text address (domain/places.py).

The kelurahan gives the kecamatan.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import places, reference
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.models import Location, Unit
from chalicelib.domain.region import Region, default_region


@dataclass(frozen=True)
class Place:
    kelurahan_code: str | None
    kecamatan_code: str | None
    #: how it was found: "code", "point", "address", or None (no place)
    source: str | None = None


def place_of(location: Location, region: Region | None = None) -> Place:
    """Resolve the kelurahan and kecamatan of a location in its region (the default one when
    not given), or refuse it."""
    region = region or default_region()
    areas = region.areas
    lat, lon = location.lat, location.lon
    if (lat is None) != (lon is None):
        missing = "location.lon" if lon is None else "location.lat"
        raise InvalidInput(
            [
                FieldProblem(
                    missing,
                    "missing",
                    "location.lat dan location.lon harus diisi bersama",
                    "location.lat and location.lon must be given together",
                )
            ]
        )
    if location.kelurahan_code:
        kel = areas.kelurahan.get(location.kelurahan_code)
        if kel is None:
            raise InvalidInput(
                [
                    FieldProblem(
                        "location.kelurahan_code",
                        "unknown_kelurahan",
                        f"Kode kelurahan tidak dikenal di {region.words.region}",
                        f"Unknown kelurahan code for {region.words.region}",
                    )
                ]
            )
        if lat is not None and lon is not None:
            _agree(lat, lon, kel, areas.point_kelurahan_tolerance_m, region)
        return Place(kel.code, kel.kecamatan_code, "code")
    if lat is not None and lon is not None:
        placement = region.locate(lat, lon)
        if placement is None:
            words = region.words
            outside_id, outside_en = words.outside
            raise InvalidInput(
                [
                    FieldProblem(
                        "location",
                        words.outside_reason,
                        f"Lokasi berada {outside_id}; pilih kelurahan (kelurahan_code)",
                        f"The location is {outside_en}; choose a kelurahan (kelurahan_code)",
                    )
                ]
            )
        return Place(placement.kelurahan_code, placement.kecamatan_code, "point")
    named = places.place_named_in(location.address) if region.default else None
    if named is not None:
        return Place(named.kelurahan_code, named.kecamatan_code, "address")
    return Place(None, None)


def _agree(lat: float, lon: float, kel: reference.Kelurahan, tolerance_m: float, region: Region) -> None:
    """A point sent with a kelurahan code must lie in (or near) that kelurahan."""
    distance = region.distance_to_kelurahan_m(lat, lon, kel.code)
    if distance is None or distance <= tolerance_m:
        return  # a code without a polygon cannot be checked
    km = f"{distance / 1000:.1f}" if distance < 100_000 else f"{distance / 1000:.0f}"
    raise InvalidInput(
        [
            FieldProblem(
                "location",
                "location_mismatch",
                f"Titik lat/lon berada {km} km dari Kelurahan {kel.name} (kelurahan_code); "
                f"perbaiki salah satunya (toleransi {tolerance_m:.0f} m)",
                f"The lat/lon point is {km} km from Kelurahan {kel.name} (kelurahan_code); "
                f"correct one of them (tolerance {tolerance_m:.0f} m)",
            )
        ]
    )


_CATALOGUE = "GET /v1/categories?jurisdiction="


def offered(category_code: str, region: Region) -> reference.Category:
    """The category as the region offers it (its own name, unit and severity); a 400 naming
    `category` when the region does not offer it."""
    cat = region.rules.categories.get(category_code)
    if cat is None:
        raise InvalidInput(
            [
                FieldProblem(
                    "category",
                    "unknown_category",
                    f"Kategori tidak ditawarkan di {region.words.region} ({_CATALOGUE}{region.code})",
                    f"Category not offered in {region.words.region} ({_CATALOGUE}{region.code})",
                )
            ]
        )
    return cat


def unit_for(category_code: str, place: Place, region: Region | None = None) -> Unit | None:
    """The handling unit: the category's OPD, or the area unit of the place. None when the
    region lists no such OPD: the region's coordinator routes it by hand."""
    region = region or default_region()
    cat = offered(category_code, region)
    units = region.units
    if cat.unit_kind == "opd":
        return units.get(cat.unit or "opd:diskominfo")
    code = place.kelurahan_code if cat.unit_kind == "kelurahan" else place.kecamatan_code
    if code is None:
        raise InvalidInput(
            [
                FieldProblem(
                    "location",
                    "location_required",
                    "Kategori ini memerlukan lokasi (kelurahan_code, lat/lon, atau alamat yang menyebut "
                    "kelurahan dan kecamatan)",
                    "This category needs a location (kelurahan_code, lat/lon, or an address naming the "
                    "kelurahan and kecamatan)",
                )
            ]
        )
    prefix = "kel" if cat.unit_kind == "kelurahan" else "kec"
    return units[f"{prefix}:{code}"]
