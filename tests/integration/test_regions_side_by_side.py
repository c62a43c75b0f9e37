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
from chalicelib.domain.models import Status
from infra.jurisdictions.onboard import Request, onboard
from infra.jurisdictions.wilayah import Wilayah, shared_dir, wilayah_csv
from tests.integration.channel_support import channel_secrets as channel_secrets  # noqa: F401 - fixture
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
    # services, a request by id and the region's own list answer for every region
    assert client.http.get(f"{BASE}/services.json?jurisdiction_id={CILEGON}").status_code == 200
    by_id = client.http.get(f"{BASE}/requests/{answer['service_request_id']}.json?jurisdiction_id={CILEGON}")
    assert by_id.status_code == 200
    listed = client.http.get(f"{BASE}/requests.json?jurisdiction_id={CILEGON}")
    assert {r["service_request_id"] for r in json.loads(listed.body)} == {
        answer["service_request_id"],
        alone["service_request_id"],
    }


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


#: a valid body per action route, so the answer comes from the lookup, not from the body's check
BODIES: dict[str, dict[str, Any]] = {"actions": {"action": "acknowledge"}, "dismiss": {"reason": "bukan aduan"}}


def test_every_operator_and_admin_route_answers_another_regions_id_as_an_unknown_one(
    client: Any, regions: dict[str, Any]
) -> None:
    """Every operator and admin route x every role of the other region: the home region's complaint
    gets exactly the answer an id that does not exist gets, and no list shows it."""
    import app
    from chalicelib.domain.tracking import new_tracking_id

    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    home = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": HOME_KEL}))
    call = post(client, complaint("pelayanan-kelurahan", {"kelurahan_code": HOME_KEL}))
    target = home.json_body["tracking_id"]
    ghost = new_tracking_id()
    assert target.startswith(ghost[:4]) and call.status_code == 201
    kec = cilegon_kel.rsplit(".", 1)[0]
    roles = {
        "operator": bearer("operator", f"kel:{cilegon_kel}", **{"custom:jurisdiction": CILEGON}),
        "supervisor": bearer("supervisor", f"kec:{kec}", **{"custom:jurisdiction": CILEGON}),
        "admin": bearer("admin", "city", **{"custom:jurisdiction": CILEGON}),
        "callcenter": bearer("callcenter", "call112", **{"custom:jurisdiction": CILEGON}),
    }
    routes = [
        (path, method)
        for path, methods in app.app.routes.items()
        if path.startswith(("/v1/operator", "/v1/admin"))
        for method in methods
    ]
    assert len(routes) >= 20
    checked = 0
    for path, method in sorted(routes):
        for role, headers in roles.items():
            answers = []
            for tid in (target, ghost):
                url = (
                    path.replace("{tracking_id}", tid)
                    .replace("{number}", "1")
                    .replace("{template_id}", "t1")
                    .replace("{channel}", "rabeg")
                    .replace("{unit}", f"kel:{HOME_KEL}")
                )
                body = json.dumps(BODIES.get(path.rsplit("/", 1)[1], {})) if method in ("POST", "PUT") else None
                sent = {**headers, "Content-Type": "application/json"}
                answer = client.http.request(method, url, body=body, headers=sent)
                text = answer.body.decode()
                if "{tracking_id}" not in path:
                    assert target not in text, (method, path, role)
                try:
                    code = json.loads(text).get("error") if text.startswith("{") else None
                except ValueError:
                    code = None
                answers.append((answer.status_code, code))
            if "{tracking_id}" in path:
                assert answers[0] == answers[1], (method, path, role, answers)
                if path.rsplit("/", 1)[1] != "attachments":  # an upload body is refused before any lookup
                    assert answers[0][0] in (403, 404), (method, path, role, answers)
                checked += 1
    assert checked >= 7 * len(roles)
    # the comparison can tell: the home region's coordinator reads the one and not the other
    ours = bearer("admin", "city")
    assert client.http.get(f"/v1/operator/complaints/{target}", headers=ours).status_code == 200
    assert client.http.get(f"/v1/operator/complaints/{ghost}", headers=ours).status_code == 404


def test_registers_and_addresses_of_a_shared_unit_code_are_each_regions_own(
    client: Any, regions: dict[str, Any]
) -> None:
    theirs = bearer("admin", "city", user="koordinator-clg", **{"custom:jurisdiction": CILEGON})
    ours = bearer("admin", "city", user="koordinator")
    added = client.http.post(
        "/v1/operator/people",
        body=json.dumps({"user": "dewi-clg", "unit": "opd:dinkes", "name": "Dewi"}),
        headers={**theirs, "Content-Type": "application/json"},
    )
    assert added.status_code in (200, 201), added.body
    listed = client.http.get("/v1/operator/people?unit=opd:dinkes", headers=theirs).json_body["people"]
    assert [(p["user"], p["unit"]) for p in listed] == [("dewi-clg", "opd:dinkes")]
    assert "dewi-clg" not in client.http.get("/v1/operator/people?unit=opd:dinkes", headers=ours).body.decode()

    put = client.http.put(
        "/v1/operator/units/opd:dinkes/notifications",
        body=json.dumps({"emails": ["dinkes@cilegon.example"]}),
        headers={**theirs, "Content-Type": "application/json"},
    )
    assert put.status_code == 200, put.body
    assert put.json_body["filter_policy"]["unit"] == [f"{CILEGON}/opd:dinkes"]
    home = client.http.get("/v1/operator/units/opd:dinkes/notifications", headers=ours).json_body
    assert home["emails"] == [] and home["filter_policy"]["unit"] == ["opd:dinkes"]
    # another region's area is not a unit of theirs
    foreign = client.http.get(f"/v1/operator/units/kel:{HOME_KEL}/notifications", headers=theirs)
    assert foreign.status_code == 400


def test_nearby_hints_are_each_regions_own(client: Any, regions: dict[str, Any]) -> None:
    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    lat, lon = a_point_in(regions["cilegon_map"], cilegon_kel)
    filed = post(client, complaint("lampu-jalan", {"lat": lat, "lon": lon}))
    assert filed.status_code == 201, filed.body
    tid = filed.json_body["tracking_id"]

    def hints(extra: str = "") -> Any:
        return client.http.get(f"/v1/complaints/nearby?lat={lat}&lon={lon}&category=lampu-jalan{extra}")

    found = hints()  # the point names its region
    assert found.status_code == 200 and [c["tracking_id"] for c in found.json_body["complaints"]] == [tid]
    assert [c["tracking_id"] for c in hints(f"&jurisdiction={CILEGON}").json_body["complaints"]] == [tid]
    home = hints("&jurisdiction=36.73")  # the default region's hints (or a 400 when outside its area)
    assert home.status_code == 400 or home.json_body["complaints"] == [], home.body
    elsewhere = hints(f"&jurisdiction={KAB_SERANG}")  # another region's hints never show it
    assert elsewhere.status_code == 200 and elsewhere.json_body["complaints"] == []
    assert hints("&jurisdiction=99.99").status_code == 400


def test_each_region_registers_its_channels_callbacks_and_hears_only_its_own(
    channel_secrets: dict[str, str], client: Any, pump: Any, regions: dict[str, Any]
) -> None:
    from tests.integration.channel_support import Receiver, rabeg_record, signed
    from tests.integration.test_callbacks import deliver_until, later_status

    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    theirs_admin = bearer("admin", "city", **{"custom:jurisdiction": CILEGON})
    ours_admin = bearer("admin", "city")
    ours, theirs = Receiver(channel_secrets["rabeg"]), Receiver(f"rabeg-of-{CILEGON}")
    for receiver, headers in ((ours, ours_admin), (theirs, theirs_admin)):
        receiver.thread.start()
        put = client.http.put(
            "/v1/admin/channels/rabeg/callback",
            body=json.dumps({"url": receiver.url}),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert put.status_code == 200, put.body
    try:
        for receiver, headers in ((ours, ours_admin), (theirs, theirs_admin)):
            shown = client.http.get("/v1/admin/channels/rabeg/callback", headers=headers)
            assert shown.json_body["url"] == receiver.url  # each admin sees their region's own

        def file(kel: str, secret: str, query: str) -> str:
            body = json.dumps(rabeg_record(KD_KEL=kel)).encode()
            headers = {"Content-Type": "application/json", "X-Aduan-Signature": signed(body, "rabeg", secret=secret)}
            resp = client.http.post(f"/v1/channels/rabeg/complaints{query}", body=body, headers=headers)
            assert resp.status_code == 201, resp.body
            return str(resp.json_body["tracking_id"])

        kota = file(cilegon_kel, f"rabeg-of-{CILEGON}", f"?jurisdiction={CILEGON}")
        home = file(HOME_KEL, channel_secrets["rabeg"], "")
        for tid in (kota, home):
            later_status(tid, Status.VERIFIED)
        deliver_until(pump, lambda: ours.events_for(home) and theirs.events_for(kota))
        pump.drain("deliver_channel_event", idle_rounds=2)
        # each event went to its own region's URL, signed with its own region's secret (the
        # receivers refuse any other), and nothing of one region reached the other's receiver
        # (the queue is shared: events of earlier tests' complaints may arrive too, each at its own region's)
        assert theirs.events_for(kota) and not theirs.events_for(home) and not theirs.refused
        assert ours.events_for(home) and not ours.events_for(kota) and not ours.refused
        assert {e["jurisdiction"] for e in theirs.accepted} == {CILEGON}
        assert all(e["tracking_id"].startswith("CLG-") for e in theirs.accepted)
        assert not any(e["tracking_id"].startswith(("CLG-", "SRN-")) for e in ours.accepted)
        # one region's admin removing its callback leaves the other's
        assert client.http.delete("/v1/admin/channels/rabeg/callback", headers=theirs_admin).status_code == 204
        assert client.http.get("/v1/admin/channels/rabeg/callback", headers=theirs_admin).status_code == 404
        assert client.http.get("/v1/admin/channels/rabeg/callback", headers=ours_admin).json_body["url"] == ours.url
    finally:
        client.http.delete("/v1/admin/channels/rabeg/callback", headers=ours_admin)
        for receiver in (ours, theirs):
            receiver.server.shutdown()
            receiver.server.server_close()


def test_an_idempotency_key_never_returns_another_regions_complaint(client: Any, regions: dict[str, Any]) -> None:
    """Idempotency scopes are per region: the same install and key, first for a complaint in one
    region, then for another region's place, files a complaint of that region's own, never
    answered with the first region's complaint or token; each body again is its own replay."""
    import uuid

    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": f"key-{uuid.uuid4().hex}",
        "X-Client-Id": f"install-{uuid.uuid4().hex}",
    }
    theirs = complaint("pelayanan-kelurahan", {"kelurahan_code": cilegon_kel})
    ours = complaint("pelayanan-kelurahan", {"kelurahan_code": HOME_KEL})

    def post_with_key(body: dict[str, Any]) -> Any:
        return client.http.post("/v1/complaints", body=json.dumps(body), headers=headers)

    first = post_with_key(theirs)
    assert first.status_code == 201 and first.json_body["tracking_id"].startswith("CLG-"), first.body
    other = post_with_key(ours)
    assert other.status_code == 201 and other.json_body["tracking_id"].startswith("SRG-"), other.body
    assert other.headers.get("Idempotent-Replayed") is None
    assert first.json_body["reporter_token"] not in other.body.decode()
    for body, answer in ((theirs, first), (ours, other)):
        again = post_with_key(body)
        assert again.status_code == 201 and again.json_body == answer.json_body
        assert again.headers.get("Idempotent-Replayed") == "true"
    # within one region, the key with another body is refused as reused
    changed = post_with_key({**theirs, "description": "Sesuatu yang sama sekali berbeda di kelurahan ini."})
    assert changed.status_code == 422 and changed.json_body["error"] == "idempotency_key_reused"
