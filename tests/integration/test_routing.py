"""Routing by place and category, through the API and through a channel."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain import geo, reference
from tests.conftest import poll
from tests.integration.channel_support import (
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    rabeg_record,
    retire,
)
from tests.integration.test_forwarding import tickets

FAR_OUTSIDE = (-5.9500, 106.1500)  # Teluk Banten, ~8 km off the coast
JUST_OUTSIDE = (-6.2200, 106.1754)  # ~125 m south of the southernmost vertex


def polygons() -> list[tuple[str, str, tuple[float, float]]]:
    with open(reference.boundaries_file(), encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return [
        (f["properties"]["kode"], f["properties"]["kode_kec"], geo.interior_point(f["geometry"]["coordinates"][0]))
        for f in features
    ]


@pytest.fixture()
def created(hub: Any) -> Any:
    tids: list[str] = []
    yield tids
    retire(tids)  # checked: no need to send 70 test complaints to LAPOR! in later tests' drains


@pytest.fixture()
def post(client: Any, created: list[str]) -> Any:
    def post(category: str, location: dict[str, Any]) -> Any:
        body = {
            "category": category,
            "description": "Pelayanan surat keterangan di kantor lambat sekali.",
            "location": location,
        }
        resp = client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
        if resp.status_code == 201:
            created.append(resp.json_body["tracking_id"])
        return resp

    return post


def test_every_kelurahan_interior_point_lands_in_that_kelurahan(client: Any, post: Any) -> None:
    polys = polygons()
    assert len(polys) == 67
    for code, kec, (lat, lon) in polys:
        resp = post("pelayanan-kelurahan", {"lat": lat, "lon": lon})
        assert resp.status_code == 201, (code, resp.body)
        body = client.http.get(f"/v1/complaints/{resp.json_body['tracking_id']}").json_body
        assert (body["kelurahan_code"], body["kecamatan_code"]) == (code, kec)
        assert body["unit"]["code"] == f"kel:{code}"
        assert body["unit"]["name"] == f"Kelurahan {reference.areas().kelurahan[code].name}"


def test_kecamatan_and_opd_categories_route_by_kind(client: Any, post: Any) -> None:
    code, kec, (lat, lon) = polygons()[10]
    kec_resp = post("pelayanan-kecamatan", {"lat": lat, "lon": lon})
    body = client.http.get(f"/v1/complaints/{kec_resp.json_body['tracking_id']}").json_body
    assert body["unit"]["code"] == f"kec:{kec}"
    opd = post("lampu-jalan", {"lat": lat, "lon": lon})
    assert client.http.get(f"/v1/complaints/{opd.json_body['tracking_id']}").json_body["unit"]["code"] == "opd:dishub"


def test_a_point_just_outside_takes_the_nearest_kelurahan(client: Any, post: Any) -> None:
    placement = geo.locate(*JUST_OUTSIDE)
    assert placement is not None and placement.distance_m > 0
    resp = post("pelayanan-kelurahan", {"lat": JUST_OUTSIDE[0], "lon": JUST_OUTSIDE[1]})
    assert resp.status_code == 201, resp.body
    body = client.http.get(f"/v1/complaints/{resp.json_body['tracking_id']}").json_body
    assert body["unit"]["code"] == f"kel:{placement.kelurahan_code}"


def test_a_point_far_outside_is_refused_even_with_a_kelurahan(client: Any, post: Any) -> None:
    resp = post("sampah", {"lat": FAR_OUTSIDE[0], "lon": FAR_OUTSIDE[1]})
    assert resp.status_code == 400
    [problem] = resp.json_body["errors"]
    assert problem["reason"] == "outside_kota_serang"
    assert "luar Kota Serang" in problem["message_id"] and "outside Kota Serang" in problem["message_en"]
    chosen = post(
        "pelayanan-kelurahan", {"lat": FAR_OUTSIDE[0], "lon": FAR_OUTSIDE[1], "kelurahan_code": "36.73.02.1003"}
    )
    [problem] = chosen.json_body["errors"]
    assert (chosen.status_code, problem["field"], problem["reason"]) == (400, "location", "location_mismatch")
    assert "Terumbu" in problem["message_id"] and "km" in problem["message_en"]


def test_a_kelurahan_code_wins_over_a_nearby_point(client: Any, post: Any) -> None:
    """Within the city's tolerance the reporter's chosen kelurahan stands (GPS indoors is off)."""
    placement = geo.locate(*JUST_OUTSIDE)
    assert placement is not None
    tolerance = reference.areas().point_kelurahan_tolerance_m
    neighbours = [
        code
        for code, _kec, (lat, lon) in polygons()
        if code != placement.kelurahan_code
        and 0 < (geo.distance_to_kelurahan_m(JUST_OUTSIDE[0], JUST_OUTSIDE[1], code) or 0) <= tolerance
    ]
    assert neighbours, "no kelurahan within the tolerance of the test point"
    lat, lon = JUST_OUTSIDE
    resp = post("pelayanan-kelurahan", {"lat": lat, "lon": lon, "kelurahan_code": neighbours[0]})
    assert resp.status_code == 201, resp.body
    assert (
        client.http.get(f"/v1/complaints/{resp.json_body['tracking_id']}").json_body["kelurahan_code"] == neighbours[0]
    )


@pytest.mark.usefixtures("channel_secrets")
def test_a_channel_record_is_routed_by_its_coordinates_and_disposed_at_lapor(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    code, _kec, (lat, lon) = polygons()[42]
    rec = rabeg_record(KD_KAT="KELURAHAN", KD_KEL=None, LAT=lat, LNG=lon)
    resp = post_channel(client, "rabeg", rec)
    assert resp.status_code == 201, resp.body
    tid = resp.json_body["tracking_id"]

    def forwarded() -> list[dict[str, Any]] | None:  # another test's pump may hold the message a moment
        pump.drain("forward_to_lapor")
        return tickets(lapor_sim, tid) or None

    [ticket] = poll(forwarded, deadline_s=60, every_s=0.5)
    unit = reference.units()[f"kel:{code}"]
    assert ticket["disposition_id"] == reference.disposition_id(unit)
    assert ticket["disposition_name"]  # the simulator knows the institution

    outside = post_channel(client, "rabeg", rabeg_record(KD_KEL=None, LAT=FAR_OUTSIDE[0], LNG=FAR_OUTSIDE[1]))
    assert outside.status_code == 400
    assert outside.json_body["errors"][0]["reason"] == "outside_kota_serang"


# -- free-text places --------------------------------------------------------------------


def sukawana(kecamatan: str) -> str:
    [code] = [
        k.code for k in reference.areas().kelurahan.values() if k.name == "Sukawana" and k.kecamatan_code == kecamatan
    ]
    return code


@pytest.mark.usefixtures("channel_secrets")
def test_a_rabeg_lokasi_naming_kelurahan_and_kecamatan_places_the_complaint(
    client: Any, hub: Any, created: list[str]
) -> None:
    rec = rabeg_record(KD_KAT="KELURAHAN", KD_KEL=None, LOKASI="Kp. Pasir RT 03/01, Kel. Sukawana,  KEC.CURUG")
    resp = post_channel(client, "rabeg", rec)
    assert resp.status_code == 201, resp.body
    created.append(resp.json_body["tracking_id"])
    body = client.http.get(f"/v1/complaints/{resp.json_body['tracking_id']}").json_body
    assert (body["kelurahan_code"], body["kecamatan_code"]) == (sukawana("36.73.04"), "36.73.04")
    assert body["unit"]["code"] == f"kel:{sukawana('36.73.04')}"
    from chalicelib import bootstrap

    assert bootstrap.repository().get_item(resp.json_body["tracking_id"])["place_source"] == "address"


@pytest.mark.usefixtures("channel_secrets")
def test_an_ambiguous_lokasi_is_not_placed(client: Any) -> None:
    resp = post_channel(client, "rabeg", rabeg_record(KD_KAT="KELURAHAN", KD_KEL=None, LOKASI="Kel. Sukawana"))
    assert resp.status_code == 400 and resp.json_body["errors"][0]["reason"] == "location_required"


def test_the_apps_address_places_the_complaint_too(client: Any, post: Any) -> None:
    resp = post("pelayanan-kecamatan", {"address": "Jl. Raya Serang, kel. sukawana, kec. serang"})
    assert resp.status_code == 201, resp.body
    body = client.http.get(f"/v1/complaints/{resp.json_body['tracking_id']}").json_body
    assert (body["kelurahan_code"], body["unit"]["code"]) == (sukawana("36.73.01"), "kec:36.73.01")


def test_coordinates_and_codes_win_over_the_address(client: Any, post: Any) -> None:
    resp = post("pelayanan-kelurahan", {"kelurahan_code": "36.73.02.1003", "address": "Kel. Cipare, Kec. Serang"})
    assert (
        client.http.get(f"/v1/complaints/{resp.json_body['tracking_id']}").json_body["kelurahan_code"]
        == "36.73.02.1003"
    )
