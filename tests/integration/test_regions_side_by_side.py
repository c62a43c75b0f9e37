"""Three regions on one deployment: a complaint names its region by its place, and no role crosses regions.

The default region ships in the package; Kabupaten Serang and Kota Cilegon are onboarded as
`make jurisdiction` does (Cilegon with its boundaries, islands among them; Kabupaten Serang without,
so it is reached by code), each with its own LAPOR! agency at the simulator. Intake finds the region
from a desa/kelurahan code or a point, stamps it on the complaint, numbers it with the region's
prefix and routes it to that region's own unit. Operators, supervisors, call centres and
coordinators of one region get the same 404 as for an unknown id for another region's complaint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain import geo
from infra.jurisdictions.onboard import Request, onboard
from infra.jurisdictions.wilayah import Wilayah, shared_dir, wilayah_csv
from tests.integration.test_lapor_accounts import AGENCY, CILEGON, KAB_SERANG, agencies, agency_of, forward
from tests.integration.test_lapor_accounts import wilayah as wilayah  # noqa: F401 - the module-scoped fixture
from tests.support.auth import bearer

pytestmark = pytest.mark.skipif(
    not wilayah_csv().is_file(), reason=f"the shared data folder is absent ({shared_dir()}; set ADUAN_SHARED_DIR)"
)

HOME_KEL = "36.73.01.1002"


@pytest.fixture()
def regions(hub: Any, lapor_sim: Any, wilayah: Wilayah, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from chalicelib import bootstrap

    name_prefix, secrets = agencies(lapor_sim, monkeypatch)
    cilegon_map = shared_dir() / "data" / "wilayah" / f"batas-{CILEGON}.geojson"
    for code, prefix, boundaries in ((KAB_SERANG, "SRN", None), (CILEGON, "CLG", cilegon_map)):
        auth, token = AGENCY[code]
        onboard(
            Request(
                code,
                prefix=prefix,
                boundaries=boundaries,
                lapor_auth=auth,
                lapor_token=token,
                channel_secrets={"rabeg": f"rabeg-of-{code}"},
            ),
            store=bootstrap.jurisdiction_store(),
            files=bootstrap.boundary_files(),
            secrets=secrets,
            name_prefix=name_prefix,
            wilayah=wilayah,
        )
    yield {"cilegon_map": json.loads(cilegon_map.read_text())}


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})


def complaint(category: str, location: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "category": category,
        "description": "Lampu penerangan jalan di gang ini padam sejak seminggu lalu.",
        "location": location,
        "reporter": {"name": "Warga", "phone": "+6281234567001"},
        **more,
    }


def a_point_in(collection: dict[str, Any], code: str) -> tuple[float, float]:
    feature = next(f for f in collection["features"] if f["properties"]["kode"] == code)
    geometry = feature["geometry"]
    ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
    return geo.interior_point(ring)


def test_each_region_gets_its_own_prefix_units_and_agency(
    client: Any, hub: Any, lapor_sim: Any, regions: dict[str, Any], wilayah: Wilayah
) -> None:
    from chalicelib import bootstrap

    kab_desa = next(v for v in wilayah.desa_kelurahan_of(KAB_SERANG) if v.kind == "desa")
    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    lat, lon = a_point_in(regions["cilegon_map"], cilegon_kel)

    by_code = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": kab_desa.code}))
    by_point = post(client, complaint("lampu-jalan", {"lat": lat, "lon": lon}))
    at_home = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": HOME_KEL}))
    assert [r.status_code for r in (by_code, by_point, at_home)] == [201, 201, 201], by_point.body
    kab, kota, home = (r.json_body["tracking_id"] for r in (by_code, by_point, at_home))
    assert (kab[:4], kota[:4], home[:4]) == ("SRN-", "CLG-", "SRG-")

    items = {t: bootstrap.complaints().item(t) or {} for t in (kab, kota, home)}
    assert [items[t]["jurisdiction"] for t in (kab, kota, home)] == [KAB_SERANG, CILEGON, "36.73"]
    assert items[kab]["unit"] == {"code": f"kel:{kab_desa.code}", "kind": "kelurahan", "name": f"Desa {kab_desa.name}"}
    assert items[kota]["unit"]["code"] == "opd:dishub" and items[kota]["location"]["kelurahan_code"] == cilegon_kel
    # the public answer by id needs nothing more than the id
    assert client.http.get(f"/v1/complaints/{kota}").status_code == 200

    for tid in (kab, kota):
        forward(hub, tid)
    assert agency_of(lapor_sim, kab) == [KAB_SERANG]
    assert agency_of(lapor_sim, kota) == [CILEGON]


def test_a_place_names_one_region_and_a_named_region_must_agree(client: Any, regions: dict[str, Any]) -> None:
    far = post(client, complaint("lampu-jalan", {"lat": -8.65, "lon": 115.2}))  # Bali: onboarded nowhere
    assert far.status_code == 400 and far.json_body["errors"][0]["field"] == "location", far.body
    unknown = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": "35.78.01.1001"}))  # not onboarded
    assert unknown.status_code == 400 and unknown.json_body["errors"][0]["field"] == "location.kelurahan_code"
    mismatch = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": HOME_KEL}, jurisdiction=CILEGON))
    assert mismatch.status_code == 400 and mismatch.json_body["errors"][0]["field"] == "jurisdiction", mismatch.body
    nowhere = post(client, complaint("lampu-jalan", {"address": "dekat pasar"}, jurisdiction="99.99"))
    assert nowhere.status_code == 400 and nowhere.json_body["errors"][0]["field"] == "jurisdiction"
    agreed = post(client, complaint("lampu-jalan", {"address": "dekat pasar"}, jurisdiction=CILEGON))
    assert agreed.status_code == 201 and agreed.json_body["tracking_id"].startswith("CLG-")


def test_no_role_reaches_into_another_region(client: Any, regions: dict[str, Any]) -> None:
    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    kota = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": cilegon_kel}))
    home = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": HOME_KEL}))
    kota_id, home_id = kota.json_body["tracking_id"], home.json_body["tracking_id"]
    kec = cilegon_kel.rsplit(".", 1)[0]

    def status(headers: dict[str, str], tid: str) -> int:
        return int(client.http.get(f"/v1/operator/complaints/{tid}", headers=headers).status_code)

    unknown = "CLG-" + kota_id[4:-1] + ("2" if kota_id[-1] != "2" else "3")  # a check character off: no such id
    theirs = {
        "operator": bearer("operator", f"kel:{cilegon_kel}", **{"custom:jurisdiction": CILEGON}),
        "supervisor": bearer("supervisor", f"kec:{kec}", **{"custom:jurisdiction": CILEGON}),
        "admin": bearer("admin", "city", **{"custom:jurisdiction": CILEGON}),
    }
    ours = {
        "operator": bearer("operator", f"kel:{HOME_KEL}"),
        "supervisor": bearer("supervisor", "kec:36.73.01"),
        "admin": bearer("admin", "city"),
        "callcenter": bearer("callcenter", "call112"),
    }
    for role, headers in theirs.items():
        assert status(headers, kota_id) == 200, role
        assert status(headers, home_id) == status(headers, unknown) == 404, role
    for role, headers in ours.items():
        assert status(headers, kota_id) == status(headers, unknown) == 404, role
    # the coordinators' inboxes: each its own region's, and another region's units are out of scope
    theirs_inbox = client.http.get("/v1/operator/complaints?limit=100", headers=theirs["admin"]).json_body
    ours_inbox = client.http.get("/v1/operator/complaints?limit=100", headers=ours["admin"]).json_body
    listed = client.http.get(f"/v1/operator/complaints?unit=kel:{cilegon_kel}", headers=theirs["admin"]).json_body
    assert kota_id in {r["tracking_id"] for r in listed["complaints"]}
    assert kota_id not in {r["tracking_id"] for r in ours_inbox["complaints"]}
    assert home_id not in {r["tracking_id"] for r in theirs_inbox["complaints"]}
    crossing = client.http.get(f"/v1/operator/complaints?unit=kel:{cilegon_kel}", headers=ours["admin"])
    assert crossing.status_code in (403, 404) or kota_id not in {
        r["tracking_id"] for r in crossing.json_body.get("complaints", [])
    }
    # a token naming a region this deployment does not serve is refused
    stranger = bearer("admin", "city", **{"custom:jurisdiction": "99.99"})
    assert client.http.get("/v1/operator/complaints", headers=stranger).status_code == 401


def test_open311_names_a_region_by_its_code(client: Any, regions: dict[str, Any], api_key: str) -> None:
    from tests.integration.open311_support import BASE, REQUEST, spec_errors
    from tests.integration.open311_support import post as post_form

    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    fields = {**REQUEST, "api_key": api_key, "address_id": cilegon_kel}
    filed = post_form(client, {**fields, "jurisdiction_id": CILEGON})
    assert filed.status_code == 200, filed.body
    [answer] = json.loads(filed.body)
    assert answer["service_request_id"].startswith("CLG-")
    # the place alone names it too; a region served nowhere is the spec's 404; the code must agree
    [alone] = json.loads(post_form(client, fields).body)
    assert alone["service_request_id"].startswith("CLG-")
    [refused] = spec_errors(post_form(client, {**fields, "jurisdiction_id": "99.99"}), 404)
    assert "jurisdiction_id" in refused["description"]
    mismatch = post_form(client, {**fields, "jurisdiction_id": KAB_SERANG})
    assert mismatch.status_code == 400 and "jurisdiction" in mismatch.body.decode(), mismatch.body
    # services and a request by id answer for every region; the lists of requests are the default region's
    assert client.http.get(f"{BASE}/services.json?jurisdiction_id={CILEGON}").status_code == 200
    by_id = client.http.get(f"{BASE}/requests/{answer['service_request_id']}.json?jurisdiction_id={CILEGON}")
    assert by_id.status_code == 200
    spec_errors(client.http.get(f"{BASE}/requests.json?jurisdiction_id={CILEGON}"), 404)


def test_a_channel_signed_for_one_region_files_into_that_region_only(
    client: Any, regions: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.channel_support import SECRETS, rabeg_record, signed

    monkeypatch.setenv("CHANNEL_SECRET_RABEG", SECRETS["rabeg"])  # the default region's
    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]

    def send(record: dict[str, Any], secret: str, region: str | None) -> Any:
        body = json.dumps(record).encode()
        headers = {"Content-Type": "application/json", "X-Aduan-Signature": signed(body, "rabeg", secret=secret)}
        query = f"?jurisdiction={region}" if region else ""
        return client.http.post(f"/v1/channels/rabeg/complaints{query}", body=body, headers=headers)

    theirs = rabeg_record(KD_KEL=cilegon_kel)
    filed = send(theirs, f"rabeg-of-{CILEGON}", CILEGON)
    assert filed.status_code == 201, filed.body
    assert filed.json_body["tracking_id"].startswith("CLG-")
    # the same native id in the default region is another record, never the neighbour's answer
    ours = {**rabeg_record(KD_KEL=HOME_KEL), "ID_ADUAN": theirs["ID_ADUAN"]}
    home = send(ours, SECRETS["rabeg"], None)
    assert home.status_code == 201 and home.json_body["tracking_id"].startswith("SRG-"), home.body
    # signed for one region, it never files into another: wrong secret, or a place elsewhere
    assert send(rabeg_record(KD_KEL=cilegon_kel), f"rabeg-of-{CILEGON}", None).status_code == 401
    assert send(rabeg_record(KD_KEL=cilegon_kel), f"rabeg-of-{CILEGON}", KAB_SERANG).status_code == 401
    elsewhere = send(rabeg_record(KD_KEL=cilegon_kel), SECRETS["rabeg"], None)
    assert elsewhere.status_code == 400 and "jurisdiction" in elsewhere.body.decode(), elsewhere.body
    unknown = send(rabeg_record(KD_KEL=cilegon_kel), "x", "99.99")
    assert unknown.status_code == 404 and unknown.json_body["error"] == "unknown_jurisdiction"
