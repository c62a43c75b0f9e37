"""Regions as a key: tracking ids, inbox partitions and sight never mix two regions (pure rules)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import inbox, reference, tracking
from chalicelib.domain.access import Holding, Principal, Role, Sight, can_see, sight
from chalicelib.domain.geo import locate, polygons_from
from chalicelib.domain.models import Status
from chalicelib.domain.region import region_code_of

HOME = reference.default_code()
OTHER = "99.01"  # any region code other than the default one


@given(st.binary(min_size=8, max_size=32), st.sampled_from(["ABC", "XYZ", "SRN"]))
def test_an_id_of_any_region_reads_back_as_typed(digest: bytes, prefix: str) -> None:
    tid = tracking.tracking_id_from(digest, prefix)
    assert tid.startswith(prefix + "-")
    assert tracking.normalise(tid) == tid
    assert tracking.normalise(tid.lower().replace("-", " ")) == tid
    assert tracking.normalise(tid[4:]) == f"{tracking.prefix()}-{tid[4:]}"  # no letters: the default region


def test_region_code_of_reads_the_first_two_levels() -> None:
    assert region_code_of("kel:99.01.02.2003") == "99.01"
    assert region_code_of("99.01.02") == "99.01"
    assert region_code_of("opd:dinkes") is None
    assert region_code_of("city") is None


def test_shared_unit_codes_are_partitioned_by_region_and_areas_stand_alone() -> None:
    assert inbox.scoped("opd:dinkes", OTHER) == f"{OTHER}/opd:dinkes"
    assert inbox.scoped("opd:dinkes", HOME) == "opd:dinkes"
    assert inbox.scoped("kel:99.01.02.2003", OTHER) == "kel:99.01.02.2003"
    assert inbox.holder(Status.RETURNED, "opd:dinkes", "app", jurisdiction=OTHER) == f"{OTHER}/{inbox.CITY}"
    assert inbox.holder(Status.AWAITING_CONFIRMATION, None, "call112", jurisdiction=OTHER) == f"{OTHER}/call112"
    theirs = Principal("a", Role.ADMIN, inbox.CITY, jurisdiction=OTHER)
    ours = Principal("a", Role.ADMIN, inbox.CITY)
    assert inbox.default_view(theirs) != inbox.default_view(ours)


@pytest.mark.parametrize("role,unit", [("operator", "opd:dinkes"), ("admin", "city"), ("callcenter", "call112")])
def test_no_role_sees_another_regions_complaint(role: str, unit: str) -> None:
    ours = Principal("u", Role(role), unit)
    theirs = Principal("u", Role(role), unit, jurisdiction=OTHER)
    held = Holding(unit_code="opd:dinkes", channel="call112", status=Status.IN_PROGRESS, jurisdiction=OTHER)
    assert sight(ours, held) == Sight.NONE and not can_see(ours, "opd:dinkes", "call112", OTHER)
    assert sight(theirs, held) != Sight.NONE and can_see(theirs, "opd:dinkes", "call112", OTHER)
    home = Holding(unit_code="opd:dinkes", channel="call112", status=Status.IN_PROGRESS)  # stored before regions
    assert sight(theirs, home) == Sight.NONE and sight(ours, home) != Sight.NONE


def test_an_island_area_is_found_on_each_of_its_islands() -> None:
    square = [[0.0, 0.0], [0.01, 0.0], [0.01, 0.01], [0.0, 0.01], [0.0, 0.0]]
    far = [[x + 1.0, y] for x, y in square]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kode": "99.01.02.1001"},
                "geometry": {"type": "MultiPolygon", "coordinates": [[square], [far]]},
            }
        ],
    }
    polygons = polygons_from(collection)
    for lon in (0.005, 1.005):
        found = locate(0.005, lon, polygons=polygons)
        assert found is not None and (found.kelurahan_code, found.kecamatan_code) == ("99.01.02.1001", "99.01.02")
    assert locate(0.005, 0.5, polygons=polygons) is None


def test_another_regions_lists_and_hints_are_its_own_partitions() -> None:
    from chalicelib.adapters.storage.figures import list_keys
    from chalicelib.adapters.storage.keys import geo_attributes
    from chalicelib.domain.models import Complaint, Location

    row = {"created_at": "2026-12-01T03:00:00Z", "tracking_id": "x", "unit_code": "opd:dinkes", "kecamatan_code": None}
    home, theirs = list_keys(row, "none", "city"), list_keys(row, "none", "city", OTHER)
    assert (home["su_pk"], home["sc_pk"], home["sp_pk"]) == ("SU#opd:dinkes", "SC#city", "SP#none")
    assert (theirs["su_pk"], theirs["sc_pk"], theirs["sp_pk"]) == (
        f"SU#{OTHER}/opd:dinkes",
        f"SC#{OTHER}/city",
        f"SP#{OTHER}/none",
    )
    here = Complaint(tracking_id="x", category="sampah", description="d", location=Location(lat=-6.1, lon=106.1))
    ours = geo_attributes(here)["geo_pk"]
    assert ours == geo_attributes(here.model_copy(update={"jurisdiction": HOME}))["geo_pk"]
    theirs = geo_attributes(here.model_copy(update={"jurisdiction": OTHER}))["geo_pk"]
    assert theirs is not None and ours is not None and theirs == ours.replace("GEO#", f"GEO#{OTHER}#", 1)


def test_another_regions_complaints_arrive_in_its_own_created_partitions() -> None:
    from datetime import UTC, datetime

    from chalicelib.adapters.storage.keys import created_attributes, created_pk, region_part, shard_of

    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    shard = shard_of("x")
    home = created_attributes("x", at)
    assert home == {"created_pk": f"CREATED#2026-12#{shard}", "created_sk": "2026-12-01T03:00:00.000000Z"}
    assert created_attributes("x", at, region_part(HOME)) == home == created_attributes("x", at, region_part(None))
    theirs = created_attributes("x", at, region_part(OTHER))
    assert theirs == {"created_pk": f"CREATED#{OTHER}#2026-12#{shard}", "created_sk": home["created_sk"]}
    assert created_pk("2026-12", shard) == home["created_pk"]
    assert created_pk("2026-12", shard, OTHER) == theirs["created_pk"] != home["created_pk"]


def test_a_kabupaten_complaint_climbs_its_own_regions_ladder() -> None:
    from chalicelib.domain.jurisdiction import DesaKelurahan, Jurisdiction, Kecamatan, default_opd
    from chalicelib.domain.models import Complaint, Unit
    from chalicelib.services.escalation import _Ladders, ladder_of, unit_name

    region = Jurisdiction(
        code=OTHER,
        name="Contoh",
        kind="kabupaten",
        province_code=OTHER[:2],
        timezone="Asia/Jakarta",
        prefix="CTH",
        kecamatan=(Kecamatan(code=f"{OTHER}.02", name="Tengah"),),
        desa_kelurahan=(
            DesaKelurahan(code=f"{OTHER}.02.2003", name="Maju", kind="desa", kecamatan_code=f"{OTHER}.02"),
        ),
        opd=default_opd("kabupaten"),
    )

    class Regions:
        def get(self, code: str) -> Jurisdiction | None:
            return region if code == OTHER else None

    desa = Unit(code=f"kel:{OTHER}.02.2003", kind="kelurahan", name="Desa Maju")
    c = Complaint(tracking_id="x", category="pelayanan-kelurahan", description="d", unit=desa, jurisdiction=OTHER)
    cfg, units = _Ladders(Regions()).of(c)
    rungs = ladder_of(c, cfg)
    assert [r.role for r in rungs][0] == "Kepala Desa"
    assert rungs[-1].unit_code == "pimpinan:wakil-bupati"
    assert unit_name(rungs[-1].unit_code, units) == "Wakil Bupati Contoh"
    # the default region's complaint climbs the package's ladder, as before
    home = c.model_copy(
        update={"jurisdiction": None, "unit": Unit(code="kel:36.73.01.1002", kind="kelurahan", name="x")}
    )
    assert _Ladders(Regions()).of(home) == (None, None)
    assert ladder_of(home)[-1].unit_code != "pimpinan:wakil-bupati"
