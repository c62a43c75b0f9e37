"""Open311 GeoReport v2 through the Chalice test client, on moto's server and the LAPOR! simulator.

JSON answers are validated against the published schemas (tests/open311_schemas); XML answers
are parsed with xmltodict into the spec's structures, the one-element case included.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.conftest import VALID
from tests.integration.open311_support import (
    BASE,
    CIPARE,
    REQUEST,
    W3C,
    parse_xml,
    post,
    spec_errors,
    validate,
)
from tests.integration.test_admin import all_pages
from tests.integration.test_forwarding import submit, tickets

IN_CIPARE = (-6.125558824687445, 106.16366630256255)


def created(client: Any, key: str, **fields: Any) -> str:
    resp = post(client, {**REQUEST, "api_key": key, **fields})
    assert resp.status_code == 200, resp.body
    [answer] = json.loads(resp.body)
    return str(answer["service_request_id"])


def get_json(client: Any, path: str) -> Any:
    resp = client.http.get(f"{BASE}/{path}")
    assert resp.status_code == 200, resp.body
    assert resp.headers["Content-Type"].startswith("application/json")
    return json.loads(resp.body)


def get_xml(client: Any, path: str) -> dict[str, Any]:
    resp = client.http.get(f"{BASE}/{path}")
    assert resp.status_code == 200, resp.body
    assert resp.headers["Content-Type"].startswith("text/xml")
    return parse_xml(resp.body)


def one_request(client: Any, tid: str) -> dict[str, Any]:
    [found] = get_json(client, f"requests/{tid}.json")
    validate("request.json", found)
    return dict(found)


# -- discovery, services, definitions ------------------------------------------------


def test_discovery_names_the_endpoint_and_both_formats(client: Any) -> None:
    body = get_json(client, "discovery.json")
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] in ("production", "test")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    xml = get_xml(client, "discovery.xml")["discovery"]
    [x_endpoint] = xml["endpoints"]["endpoint"]
    assert x_endpoint["url"] == endpoint["url"] and xml["changeset"] == body["changeset"]
    assert x_endpoint["formats"]["format"] == endpoint["formats"]


def test_services_are_our_categories_and_validate(client: Any) -> None:
    from chalicelib.domain import reference

    body = get_json(client, "services.json")
    validate("services.json", body)
    assert [s["service_code"] for s in body] == list(reference.categories())
    road = next(s for s in body if s["service_code"] == "jalan-rusak")
    assert road["service_name"] == "Jalan rusak" and road["type"] == "realtime" and road["metadata"] is True
    assert road["group"] and road["keywords"]
    xml = get_xml(client, "services.xml")["services"]["service"]
    assert [s["service_code"] for s in xml] == [s["service_code"] for s in body]
    assert xml[0]["metadata"] == "true"


def test_service_definition_offers_kelurahan_and_severity_lists(client: Any) -> None:
    from chalicelib.domain import reference

    body = get_json(client, "services/jalan-rusak.json")
    validate("service-definition.json", body)
    attrs = {a["code"]: a for a in body["attributes"]}
    kel = attrs["kelurahan"]
    assert kel["datatype"] == "singlevaluelist" and kel["variable"] is True
    assert {v["key"] for v in kel["values"]} == set(reference.areas().kelurahan)
    sukawana = [v["name"] for v in kel["values"] if v["name"].startswith("Sukawana")]
    assert len(sukawana) == 2 and len(set(sukawana)) == 2  # the two are told apart by their kecamatan
    assert [v["key"] for v in attrs["severity"]["values"]] == ["ringan", "sedang", "berat"]
    assert sorted(a["order"] for a in body["attributes"]) == list(range(1, len(attrs) + 1))
    assert "values" not in attrs["title"]  # a string: no list (the schema allows no null here)

    xml = get_xml(client, "services/jalan-rusak.xml")["service_definition"]
    assert xml["service_code"] == "jalan-rusak"
    x_attrs = {a["code"]: a for a in xml["attributes"]["attribute"]}
    assert [v["key"] for v in x_attrs["severity"]["values"]["value"]] == ["ringan", "sedang", "berat"]
    assert x_attrs["kelurahan"]["required"] == "false" and x_attrs["kelurahan"]["order"] == "1"


def test_unknown_service_or_extension_is_404_in_the_spec_form(client: Any) -> None:
    spec_errors(client.http.get(f"{BASE}/services/no-such-thing.json"), 404)
    spec_errors(client.http.get(f"{BASE}/services/no-such-thing.xml"), 404, "xml")
    spec_errors(client.http.get(f"{BASE}/services/jalan-rusak.yaml"), 404, "xml")  # XML: the spec's required format
    spec_errors(client.http.get(f"{BASE}/services/jalan-rusak"), 404, "xml")


@pytest.mark.parametrize(
    "path",
    [
        "discovery.json",
        "services.json",
        "services/sampah.json",
        "requests.json",
        "requests/SRG-2345-6789.json",
        "tokens/SRG-2345-6789.json",
    ],
)
def test_jurisdiction_is_optional_ours_accepted_and_unknown_404(client: Any, path: str) -> None:
    ok = client.http.get(f"{BASE}/{path}?jurisdiction_id=serangkota.go.id")
    assert ok.status_code in (200, 404)
    [e] = spec_errors(client.http.get(f"{BASE}/{path}?jurisdiction_id=sfgov.org"), 404)
    assert "jurisdiction_id" in e["description"] and "serangkota.go.id" in e["description"]


# -- POST requests ------------------------------------------------------------------


def test_form_post_creates_a_complaint_that_reaches_lapor(client: Any, pump: Any, lapor_sim: Any, api_key: str) -> None:
    fields = [
        *{**REQUEST, "api_key": api_key}.items(),
        ("attribute[severity]", "berat"),
        ("attribute[title]", "Jalan berlubang"),
        ("attribute[kelurahan]", CIPARE),
        ("attribute[report_url]", "https://fixmystreet.example/report/1"),
    ]  # a client's own: ignored
    resp = post(client, fields)
    assert resp.status_code == 200, resp.body
    [answer] = json.loads(resp.body)
    assert set(answer) == {"service_request_id", "service_notice"}
    tid = answer["service_request_id"]
    assert "Dinas Pekerjaan Umum" in answer["service_notice"] or "PUPR" in answer["service_notice"]

    from chalicelib import bootstrap

    item = bootstrap.repository().get_item(tid, consistent=True)
    assert item["channel"] == "open311" and item["client_app"] == "Test Client"
    assert item["severity"] == "berat" and item["title"] == "Jalan berlubang"
    assert item["location"]["kelurahan_code"] == CIPARE and item["unit"]["code"] == "opd:dpupr"
    reporter = {k: v for k, v in item["reporter"].items() if v is not None}
    assert reporter == {"name": "Siti Aminah", "phone": "+6281234567890", "email": "siti@example.org"}
    assert "device-42" not in json.dumps(item) and "acct-42" not in json.dumps(item)  # not needed, not kept
    assert item["created_pk"].startswith(f"CREATED#{item['created_at'][:7]}#")

    pump.drain("forward_to_lapor")
    [ticket] = tickets(lapor_sim, tid)
    assert "Siti" not in json.dumps(ticket)
    found = one_request(client, tid)
    assert found["status"] == "open" and found["agency_responsible"] == item["unit"]["name"]
    assert found["expected_datetime"] is not None  # the current deadline
    assert found["status_notes"]  # the newest timeline message: forwarded to LAPOR!


def test_post_answers_xml_as_the_spec_shows_it(client: Any, api_key: str) -> None:
    resp = post(client, {**REQUEST, "api_key": api_key}, fmt="xml")
    assert resp.status_code == 200, resp.body
    [req] = parse_xml(resp.body)["service_requests"]["request"]
    assert req["service_request_id"].startswith("SRG-") and req["service_notice"]


def test_location_by_coordinates_places_the_kelurahan(client: Any, api_key: str) -> None:
    from chalicelib import bootstrap

    fields = {k: v for k, v in REQUEST.items() if k not in ("address_id", "address_string")}
    tid = created(
        client, api_key, **fields, lat=str(IN_CIPARE[0]), long=str(IN_CIPARE[1]), **{"attribute[confidential]": "false"}
    )
    item = bootstrap.repository().get_item(tid, consistent=True)
    assert item["location"]["kelurahan_code"] == CIPARE
    found = one_request(client, tid)
    # the point places the complaint; the public read shows its kelurahan, never the point
    assert (found["lat"], found["long"]) == (None, None)
    assert found["address"] == "Kel. Cipare, Kec. Serang, Kota Serang"


def test_area_service_with_only_an_address_needs_the_kelurahan(client: Any, api_key: str) -> None:
    fields = {**REQUEST, "service_code": "pelayanan-kelurahan", "api_key": api_key}
    del fields["address_id"]
    [e] = spec_errors(post(client, fields), 400)
    assert e["description"].startswith("lat/long/address_string/address_id:")
    tid = created(client, api_key, **{**fields, "attribute[kelurahan]": CIPARE})
    assert one_request(client, tid)["agency_responsible"] == "Kelurahan Cipare"


@pytest.mark.parametrize("key", [None, "", "not-a-key-we-gave-anyone", "x" * 5000])
def test_missing_or_wrong_api_key_is_403(client: Any, hub: Any, key: str | None) -> None:
    fields = dict(REQUEST) if key is None else {**REQUEST, "api_key": key}
    [e] = spec_errors(post(client, fields), 403)
    assert "api_key" in e["description"]
    spec_errors(post(client, fields, fmt="xml"), 403, "xml")


def test_api_key_is_stored_hashed_and_accepted_in_the_url_too(client: Any, api_key: str) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import apikey_pk
    from chalicelib.services.api_keys import key_hash

    item = bootstrap.repository().get_raw(apikey_pk(key_hash(api_key)), "APIKEY")
    assert item is not None and api_key not in json.dumps(item) and item["client_app"] == "Test Client"
    resp = client.http.post(
        f"{BASE}/requests.json?api_key={quote(api_key)}",
        body=urlencode(REQUEST),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 200, resp.body


@pytest.mark.parametrize(
    "change,field",
    [
        ({"service_code": None}, "service_code"),
        ({"description": None}, "description"),
        ({"description": "pendek"}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"lat": "-6.12"}, "long"),
        ({"lat": "nan", "long": "106.1"}, "lat"),
        ({"lat": "-6.1", "long": "1e999"}, "long"),
        (
            {"lat": "1e-200", "long": "1e-200", "address_id": None, "address_string": None},
            "lat/long/address_string/address_id",
        ),
        ({"address_id": "99.99.99.9999"}, "address_id/attribute[kelurahan]"),  # a code of no region served here
        ({"address_id": None, "address_string": None}, "lat/long/address_string/address_id"),
        ({"attribute[severity]": "parah"}, "attribute[severity]"),
        ({"attribute[kelurahan]": "36.73.02.1001"}, "address_id"),
        ({"attribute[title]": "t" * 201}, "attribute[title]"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"media_url": "file:///etc/passwd"}, "media_url"),
        ({"email": "e" * 300}, "email"),
        ({"first_name": "n" * 61}, "first_name"),
    ],
)
def test_bad_fields_are_400_naming_the_parameter(client: Any, api_key: str, change: dict[str, Any], field: str) -> None:
    fields = {**REQUEST, "api_key": api_key, **change}
    errors = spec_errors(post(client, {k: v for k, v in fields.items() if v is not None}), 400)
    assert any(e["description"].startswith(f"{field}:") for e in errors), errors


def test_unknown_service_on_post_is_404(client: Any, api_key: str) -> None:
    spec_errors(post(client, {**REQUEST, "api_key": api_key, "service_code": "nope"}), 404)


def test_a_field_given_twice_or_a_body_not_form_encoded_is_400(client: Any, api_key: str) -> None:
    twice = [*{**REQUEST, "api_key": api_key}.items(), ("description", "Sekali lagi dengan teks yang lain.")]
    [e] = spec_errors(post(client, twice), 400)
    assert e["description"].startswith("description:")
    as_json = client.http.post(
        f"{BASE}/requests.json",
        body=json.dumps({**REQUEST, "api_key": api_key}),
        headers={"Content-Type": "application/json"},
    )
    [e] = spec_errors(as_json, 400)
    assert "application/x-www-form-urlencoded" in e["description"]
    spec_errors(
        client.http.post(
            f"{BASE}/requests.xml", body=b"\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ),
        400,
        "xml",
    )


def test_attribute_lists_and_flags(client: Any, api_key: str) -> None:
    from chalicelib import bootstrap

    tid = created(client, api_key, **{"attribute[anonymous]": "true", "attribute[confidential]": "true"})
    item = bootstrap.repository().get_item(tid, consistent=True)
    assert item["anonymous"] is True and item["confidential"] is True and "reporter" not in item
    two = [
        *{**REQUEST, "api_key": api_key}.items(),
        ("attribute[severity][]", "berat"),
        ("attribute[severity][]", "ringan"),
    ]
    [e] = spec_errors(post(client, two), 400)
    assert e["description"].startswith("attribute[severity]:")


# -- GET requests -------------------------------------------------------------------


def test_request_fields_exactly_as_listed_without_pii(client: Any, api_key: str) -> None:
    tid = created(client, api_key, media_url="https://media.example.org/a.jpg")
    found = one_request(client, tid)
    assert list(found) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "lat",
        "long",
        "media_url",
    ]
    assert found["service_code"] == "jalan-rusak" and found["description"] == REQUEST["description"]
    assert found["address"] == "Kel. Cipare, Kec. Serang, Kota Serang"  # never the reporter's address line
    assert found["media_url"] == "https://media.example.org/a.jpg"
    for dt in ("requested_datetime", "updated_datetime"):
        assert W3C.match(found[dt]), found[dt]
    text = json.dumps(found)
    for pii in ("Siti", "Aminah", "siti@example.org", "81234567890", "device-42", "acct-42"):
        assert pii not in text


def test_confidential_request_never_shows_its_content(client: Any, api_key: str) -> None:
    tid = created(
        client,
        api_key,
        media_url="https://media.example.org/secret.jpg",
        **{"attribute[confidential]": "true", "attribute[title]": "Judul rahasia"},
    )
    for found in (one_request(client, tid), *[r for r in get_json(client, f"requests.json?service_request_id={tid}")]):
        assert found["description"] is None and found["media_url"] is None and found["lat"] is None
        assert found["address"] == "Kel. Cipare, Kec. Serang, Kota Serang"
        assert "Jl. Contoh" not in json.dumps(found) and "rahasia" not in json.dumps(found).lower()
    xml = get_xml(client, f"requests/{tid}.xml")["service_requests"]["request"][0]
    assert xml["description"] is None and REQUEST["description"] not in json.dumps(xml)


def test_app_complaints_are_listed_too_and_descriptions_are_clipped(client: Any) -> None:
    tid = submit(client, {**VALID, "description": "p" * 5000})
    found = one_request(client, tid)  # validates: description <= 4000
    assert len(found["description"]) == 4000 and found["description"].endswith("…")


def test_list_by_ids_keeps_their_order_and_drops_unknown_ones(client: Any, api_key: str) -> None:
    a, b = created(client, api_key), created(client, api_key)
    body = get_json(client, f"requests.json?service_request_id={b},SRG-2345-6789,not-an-id,{a},{b}")
    validate("requests.json", body)
    assert [r["service_request_id"] for r in body] == [b, a]
    assert get_json(client, "requests.json?service_request_id=not-an-id") == []
    empty = client.http.get(f"{BASE}/requests.xml?service_request_id=SRG-2345-6789")
    assert parse_xml(empty.body) == {"service_requests": None}


def test_list_by_window_filters_by_service_and_status(client: Any, api_key: str) -> None:
    from chalicelib import bootstrap

    road = created(client, api_key)
    light = created(client, api_key, service_code="lampu-jalan")
    bootstrap.repository().update(light, "SET #s = :c", names={"#s": "status"}, vals={":c": {"S": "closed"}})
    body = get_json(client, "requests.json?service_code=jalan-rusak,lampu-jalan")
    validate("requests.json", body)
    ids = [r["service_request_id"] for r in body]
    assert road in ids and light in ids
    assert ids.index(light) < ids.index(road)  # newest first
    assert {r["service_code"] for r in body} == {"jalan-rusak", "lampu-jalan"}
    closed = get_json(client, "requests.json?service_code=lampu-jalan&status=closed")
    assert light in [r["service_request_id"] for r in closed] and {r["status"] for r in closed} == {"closed"}
    opened = get_json(client, "requests.json?status=open&service_code=lampu-jalan")
    assert light not in [r["service_request_id"] for r in opened]
    both = get_json(client, "requests.json?status=open&status=closed&service_code=lampu-jalan")
    assert light in [r["service_request_id"] for r in both]
    xml = get_xml(client, "requests.xml?service_code=lampu-jalan&status=closed")["service_requests"]["request"]
    assert light in [r["service_request_id"] for r in xml]


def test_window_bounds_and_paging(client: Any, api_key: str) -> None:
    from chalicelib.adapters.storage.codec import iso
    from chalicelib.domain.models import utcnow

    mine = [created(client, api_key, service_code="bencana") for _ in range(3)]
    now = utcnow()
    start, end = quote(iso(now - timedelta(minutes=10))), quote(iso(now + timedelta(minutes=1)))
    window = f"requests.json?service_code=bencana&start_date={start}&end_date={end}"
    ids = [r["service_request_id"] for r in get_json(client, window)]
    assert ids[:3] == mine[::-1]
    pages = [get_json(client, f"{window}&page_size=1&page={p}") for p in (1, 2, 3)]
    assert [p[0]["service_request_id"] for p in pages] == ids[:3]
    past = quote((now - timedelta(days=400)).isoformat())
    assert get_json(client, f"requests.json?service_code=bencana&end_date={past}") == []
    only_start = get_json(client, f"requests.json?service_code=bencana&start_date={start}")
    assert [r["service_request_id"] for r in only_start][:3] == mine[::-1]
    local = (now + timedelta(hours=7, seconds=1)).strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"  # '+' unencoded
    assert get_json(client, f"requests.json?service_code=bencana&start_date={local}") == []


@pytest.mark.parametrize(
    "query,field",
    [
        ("start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z", "end_date"),
        ("start_date=2025-02-01T00:00:00Z&end_date=2025-01-01T00:00:00Z", "start_date"),
        ("start_date=2025-01-01T00:00:00", "start_date"),
        ("end_date=yesterday", "end_date"),
        ("start_date=0001-01-01T00:00:00Z", "start_date"),
        ("status=pending", "status"),
        ("service_code=nope", "service_code"),
        ("page=0", "page"),
        ("page_size=1001", "page_size"),
        ("page=11&page_size=1000", "page"),
        ("page=-1", "page"),
        ("service_request_id=" + ",".join(f"SRG-{i:04d}" for i in range(1001)), "service_request_id"),
    ],
)
def test_bad_list_parameters_are_400_naming_them(client: Any, query: str, field: str) -> None:
    for fmt in ("json", "xml"):
        errors = spec_errors(client.http.get(f"{BASE}/requests.{fmt}?{query}"), 400, fmt)
        assert any(e["description"].startswith(f"{field}:") for e in errors), errors


def test_unlisted_statuses_are_never_served(client: Any, api_key: str) -> None:
    from chalicelib import bootstrap

    tid = created(client, api_key, service_code="kesehatan")
    bootstrap.repository().update(tid, "SET #s = :e", names={"#s": "status"}, vals={":e": {"S": "emergency"}})
    spec_errors(client.http.get(f"{BASE}/requests/{tid}.json"), 404)
    assert get_json(client, f"requests.json?service_request_id={tid}") == []
    assert tid not in [r["service_request_id"] for r in get_json(client, "requests.json?service_code=kesehatan")]


def test_single_request_and_token(client: Any, api_key: str) -> None:
    tid = created(client, api_key)
    [x] = get_xml(client, f"requests/{tid}.xml")["service_requests"]["request"]  # one element, still a list
    assert x["service_request_id"] == tid and x["status"] == "open" and W3C.match(x["requested_datetime"])
    assert one_request(client, tid.lower().replace("-", ""))["service_request_id"] == tid  # as people type it
    [t] = get_json(client, f"tokens/{tid}.json")
    assert t == {"service_request_id": tid, "token": tid}
    [tx] = get_xml(client, f"tokens/{tid}.xml")["service_requests"]["request"]
    assert tx["service_request_id"] == tid
    spec_errors(client.http.get(f"{BASE}/requests/SRG-2345-6789.json"), 404)
    spec_errors(client.http.get(f"{BASE}/tokens/nothing.xml"), 404, "xml")


def test_closed_maps_from_our_lifecycle() -> None:
    from chalicelib.domain import open311
    from chalicelib.domain.models import Status

    assert {s for s in Status if open311.status_of(s) == "closed"} == {
        Status.RESOLVED,
        Status.CLOSED,
        Status.REJECTED,
        Status.ARCHIVED,
        Status.DUPLICATE,
    }
    assert not open311.is_listed(Status.EMERGENCY) and not open311.is_listed(Status.AWAITING_CONFIRMATION)


# -- media_url is a link, never fetched --------------------------------------------------


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_HEAD = do_POST = do_GET  # noqa: N815

    def log_message(self, *_: Any) -> None:
        pass


def test_media_url_is_never_requested(client: Any, pump: Any, lapor_sim: Any, api_key: str) -> None:
    """A client-chosen address is never contacted: on intake, forwarding, status sync or any read."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        local = f"http://127.0.0.1:{server.server_address[1]}/photo.jpg"
        [e] = spec_errors(post(client, {**REQUEST, "api_key": api_key, "media_url": local}), 400)
        assert "media_url" in e["description"]  # a loopback address is refused, and never contacted
        url = "https://media.example.org/photo.jpg"
        tid = created(client, api_key, media_url=url)
        pump.drain("forward_to_lapor")
        pump.fire("sync_lapor_status")
        assert one_request(client, tid)["media_url"] == url
        get_xml(client, f"requests/{tid}.xml")
        get_json(client, f"requests.json?service_request_id={tid}")
        client.http.get(f"/v1/complaints/{tid}")
        from chalicelib import bootstrap

        assert bootstrap.repository().get(tid).media_url == url  # kept for operators
        assert _Counting.hits == []
    finally:
        server.shutdown()


def test_operators_see_the_client_app_and_the_media_link(client: Any, lapor_sim: Any, api_key: str) -> None:
    from chalicelib.bootstrap import forwarding
    from infra.local.lapor_simulator import FaultConfig

    tid = created(client, api_key, media_url="https://media.example.org/parked.jpg")
    lapor_sim.faults = FaultConfig(rate_reject=1.0)
    try:
        assert forwarding().forward(tid).outcome == "parked"
    finally:
        lapor_sim.faults = FaultConfig()
    [row] = [r for page in all_pages(client, 100) for r in page if r["tracking_id"] == tid]
    assert (row["channel"], row["client_app"]) == ("open311", "Test Client")
    assert row["media_url"] == "https://media.example.org/parked.jpg"


def _stored(category: str, created_at: Any, status: str = "forwarded") -> str:
    """A complaint written straight to the table as intake writes it, arriving at `created_at`."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import complaint_item
    from chalicelib.adapters.storage.keys import created_attributes as created_keys
    from chalicelib.domain import reference
    from chalicelib.domain.models import Complaint, Location, Status
    from chalicelib.domain.tracking import new_tracking_id

    c = Complaint(
        tracking_id=new_tracking_id(),
        category=category,
        description="Izin usaha tidak kunjung terbit.",
        location=Location(kelurahan_code=CIPARE),
        kecamatan_code="36.73.01",
        unit=reference.units()["opd:dpmptsp"],
        status=Status(status),
        created_at=created_at,
        updated_at=created_at,
    )
    bootstrap.repository().db.put_item(
        TableName=bootstrap.repository().table, Item=complaint_item(c, created_keys(c.tracking_id, created_at))
    )
    return c.tracking_id


def test_the_window_spans_months_newest_first(client: Any) -> None:
    from chalicelib.domain.models import utcnow

    now = utcnow()
    ages = [1, 25, 40, 62, 89, 91, 130]  # days: the last two are outside the default 90 days
    made = {age: _stored("perizinan", now - timedelta(days=age, minutes=5)) for age in ages}
    listed = [r["service_request_id"] for r in get_json(client, "requests.json?service_code=perizinan")]
    mine = [tid for tid in listed if tid in made.values()]
    assert mine == [made[a] for a in ages if a < 90]
    paged = [get_json(client, f"requests.json?service_code=perizinan&page_size=2&page={p}") for p in (1, 2, 3, 4)]
    assert [r["service_request_id"] for page in paged for r in page if r["service_request_id"] in mine] == mine
    old = quote((now - timedelta(days=131)).isoformat())
    older = get_json(client, f"requests.json?service_code=perizinan&start_date={old}")  # 131 .. 41 days ago
    assert [r["service_request_id"] for r in older if r["service_request_id"] in made.values()] == [
        made[62],
        made[89],
        made[91],
        made[130],
    ]


def test_an_answer_too_large_is_refused_naming_the_page_size_that_fits(client: Any, api_key: str) -> None:
    from chalicelib.domain import open311

    for _ in range(3):
        created(client, api_key, service_code="air-bersih")
    limits = open311.config().limits
    before = limits.max_response_bytes
    limits.max_response_bytes = 2500
    try:
        [e] = spec_errors(client.http.get(f"{BASE}/requests.json?service_code=air-bersih"), 400)
        assert e["description"].startswith("page_size:") and "page_size=1" in e["description"]
        assert len(get_json(client, "requests.json?service_code=air-bersih&page_size=1")) == 1
    finally:
        limits.max_response_bytes = before


def test_open311_intake_logs_no_reporter_data_and_no_key(client: Any, api_key: str) -> None:
    from tests.integration.test_log_privacy import captured_logs

    with captured_logs() as buffer:
        tid = created(client, api_key)
        spec_errors(post(client, {**REQUEST, "api_key": "wrong-key-0123456789"}), 403)
    out = buffer.getvalue()
    assert tid in out and "Test Client" in out
    for secret in (
        api_key,
        "wrong-key-0123456789",
        "Siti",
        "Aminah",
        "siti@example.org",
        "81234567890",
        "device-42",
        "acct-42",
    ):
        assert secret not in out


def test_a_stored_item_that_no_longer_fits_is_left_out_and_logged_without_data(client: Any, api_key: str) -> None:
    from tests.integration.test_log_privacy import break_reporter, captured_logs

    tid = created(client, api_key, service_code="pendidikan")
    nik = break_reporter(tid)
    with captured_logs() as buffer:
        spec_errors(client.http.get(f"{BASE}/requests/{tid}.json"), 404)
        listed = get_json(client, "requests.json?service_code=pendidikan")
    assert tid not in [r["service_request_id"] for r in listed]
    out = buffer.getvalue()
    assert "stored complaint left out of an Open311 answer" in out and tid in out
    assert nik not in out and "Siti" not in out
