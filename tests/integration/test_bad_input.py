"""Hostile and absurd input gets a clear 4xx naming the field, never a 500.

Each case here was a 500 once (review findings); the last test throws a handful
of hostile inputs at every route the app registers.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.integration.channel_support import (
    call112_record,
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    psc119_record,
    rabeg_record,
)
from tests.support.auth import admin_headers

pytestmark = pytest.mark.usefixtures("channel_secrets")

JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000


def problem(resp: Any) -> dict[str, Any]:
    """The one field problem of a 400, checked to be bilingual."""
    assert resp.status_code == 400, resp.body
    [found] = resp.json_body["errors"]
    assert found["message"] == f"{found['message_id']} / {found['message_en']}"
    assert found["message_id"] != found["message_en"]
    return found


# -- nearby: points far from Kota Serang ------------------------------------------


@pytest.mark.parametrize(
    "lat,lon,fields",
    [
        ("90", "180", ["lat", "lon"]),
        ("-90", "-180", ["lat", "lon"]),
        ("89.9999", "0", ["lat", "lon"]),
        ("85", "106.15", ["lat"]),
        ("-6.12", "0", ["lon"]),
        ("-6.12", "-180", ["lon"]),
        ("0", "106.15", ["lat"]),
        ("-6.5", "106.15", ["lat"]),
        ("-6.12", "106.5", ["lon"]),
    ],
)
def test_nearby_far_from_the_city_is_400_outside_kota_serang(
    client: Any, lat: str, lon: str, fields: list[str]
) -> None:
    resp = client.http.get(f"/v1/complaints/nearby?lat={lat}&lon={lon}&category=sampah")
    assert resp.status_code == 400, resp.body
    errors = resp.json_body["errors"]
    assert [e["field"] for e in errors] == fields
    for e in errors:
        assert e["reason"] == "outside_kota_serang"
        assert e["message"] == f"{e['message_id']} / {e['message_en']}"
        assert "Kota Serang" in e["message_id"] and "Kota Serang" in e["message_en"]


@pytest.mark.parametrize("lat,lon", [("nan", "106.15"), ("-6.12", "inf"), ("-inf", "106.15"), ("1e309", "106.15")])
def test_nearby_non_finite_coordinates_are_400(client: Any, lat: str, lon: str) -> None:
    resp = client.http.get(f"/v1/complaints/nearby?lat={lat}&lon={lon}&category=sampah")
    assert resp.status_code == 400, resp.body
    assert {e["field"] for e in resp.json_body["errors"]} <= {"lat", "lon"}


def test_nearby_inside_the_box_still_answers(client: Any) -> None:
    resp = client.http.get("/v1/complaints/nearby?lat=-6.12&lon=106.15&category=sampah")
    assert resp.status_code == 200, resp.body


def test_nearby_service_turns_a_geometry_error_into_400(hub: Any) -> None:
    """Defence in depth: a point the geometry refuses is the caller's mistake, not a 500; and a
    point so far north that the circle would cost more than MAX_QUERIES Queries is refused before
    any is made (a region's own hints take any point of its choosing)."""
    from chalicelib import bootstrap
    from chalicelib.domain.errors import InvalidInput
    from chalicelib.services.nearby import MAX_QUERIES

    for lat in (95.0, 80.0, 89.99):
        with pytest.raises(InvalidInput) as err:
            bootstrap.nearby().find(lat, 106.15, "sampah", region="36.04")
        assert err.value.problems[0].field == "lat/lon"
    assert bootstrap.nearby().find(55.0, 106.15, "sampah", region="36.04").queries <= MAX_QUERIES


def test_city_box_comes_from_the_kelurahan_polygons() -> None:
    from chalicelib.domain import geo
    from chalicelib.domain.geo import service_area

    box = service_area()
    for lat, lon in (geo.interior_point(p) for p in _rings()):
        assert box.lat_min < lat < box.lat_max and box.lon_min < lon < box.lon_max
    assert box.lat_max - box.lat_min < 1 and box.lon_max - box.lon_min < 1  # a city, not a hemisphere


def _rings() -> list[Any]:
    from chalicelib.domain import reference

    return [f["geometry"]["coordinates"][0] for f in reference.load_json("kota-serang-kelurahan.geojson")["features"]]


# -- bodies nested beyond Python's recursion limit ------------------------------------


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_400_invalid_json(client: Any, body: bytes) -> None:
    resp = client.http.post("/v1/complaints", body=body, headers=JSON)
    found = problem(resp)
    assert (found["field"], found["reason"]) == ("body", "invalid_json")


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_channel_record_is_400_invalid_json(client: Any, body: bytes) -> None:
    found = problem(post_channel(client, "rabeg", body))
    assert (found["field"], found["reason"]) == ("body", "invalid_json")


# -- channel times out of any sane range ------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01 00:00:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "1999-12-31T23:59:59+07:00",
        "2101-01-01 00:00:00",
    ],
)
def test_rabeg_tgl_aduan_out_of_range_is_400_naming_it(client: Any, hub: Any, when: str) -> None:
    from tests.integration.test_channels import idem

    rec = rabeg_record(TGL_ADUAN=when)
    found = problem(post_channel(client, "rabeg", rec))
    assert found["field"] == "TGL_ADUAN" and found["reason"] in ("greater_than_equal", "less_than_equal")
    assert "di luar rentang" in found["message_id"] and "out of range" in found["message_en"]
    assert idem(hub, "rabeg", rec["ID_ADUAN"]) is None


@pytest.mark.parametrize("channel,make", [("call112", call112_record), ("psc119", psc119_record)])
def test_call_received_at_out_of_range_is_400_naming_it(client: Any, channel: str, make: Any) -> None:
    found = problem(post_channel(client, channel, make(received_at="0001-01-01T00:00:00")))
    assert found["field"] == "received_at"


def test_channel_time_at_the_edges_of_the_range_is_accepted(client: Any) -> None:
    assert post_channel(client, "rabeg", rabeg_record(TGL_ADUAN="2000-01-01 00:00:00")).status_code == 201
    assert post_channel(client, "call112", call112_record(received_at="2100-12-31T23:59:59+07:00")).status_code == 201


# -- callback URLs urlsplit cannot read -----------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://[::1/x", "http://[zz]/x", "https://[::1]:99999999/x", "https://exa mple.org:x/"]
)
def test_unparseable_callback_url_is_400_on_url(client: Any, url: str) -> None:
    resp = client.http.put(
        "/v1/admin/channels/rabeg/callback", body=json.dumps({"url": url}), headers=admin_headers(JSON)
    )
    found = problem(resp)
    assert (found["field"], found["reason"]) == ("url", "invalid_url")


# -- admin page tokens that are JSON but not our key ----------------------------------------


def token(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


GOOD_KEY = {
    "pk": {"S": "C#SRG-0000-0000"},
    "sk": {"S": "C"},
    "outbox_pk": {"S": "PARKED"},
    "outbox_sk": {"S": "2025-01-01T00:00:00Z"},
}


@pytest.mark.parametrize(
    "key",
    [
        {"outbox_pk": {"S": "PARKED"}, "outbox_sk": 5},
        {"outbox_pk": {"S": "PARKED"}, "outbox_sk": {"N": "5"}},
        {**GOOD_KEY, "outbox_sk": {"S": 5}},
        {**GOOD_KEY, "pk": {"S": ""}},
        {**GOOD_KEY, "sk": {"S": "C", "N": "1"}},
        {**GOOD_KEY, "extra": {"S": "x"}},
        {k: v for k, v in GOOD_KEY.items() if k != "pk"},
        {**GOOD_KEY, "outbox_pk": {"S": "OUTBOX#1"}},
        [GOOD_KEY],
        "PARKED",
    ],
    ids=lambda k: json.dumps(k)[:40],
)
def test_admin_page_token_of_the_wrong_shape_is_400_on_next(client: Any, key: Any) -> None:
    resp = client.http.get(f"/v1/admin/complaints?status=needs_attention&next={token(key)}", headers=admin_headers())
    found = problem(resp)
    assert (found["field"], found["reason"]) == ("next", "invalid_token")


def test_admin_page_token_of_the_right_shape_is_accepted(client: Any) -> None:
    resp = client.http.get(
        f"/v1/admin/complaints?status=needs_attention&next={token(GOOD_KEY)}", headers=admin_headers()
    )
    assert resp.status_code == 200, resp.body


# -- every route, a handful of hostile inputs ---------------------------------------------------

HOSTILE_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b"0",
    b'"text"',
    b"{",
    b"\xff\xfe\x00",
    b"1e999999",
    DEEP,
    DEEP_OBJECT,
    b'{"description": {"$gt": ""}, "category": ["x"], "location": 5}',
    json.dumps({"url": "https://[::1/x", "reason": "x" * 100_000, "filename": "\u0000" * 300}).encode(),
]
HOSTILE_IDS = ["SRG-0000-0000", "..%2F..%2Fetc", "%00", "x" * 300, "rabeg%0d%0aX-Evil:1", "\u00e9\u00e9"]
HOSTILE_QUERIES = [
    "",
    "lat=90&lon=180&category=sampah",
    "lat=nan&lon=nan&category=x",
    "lat=1e309&lon=-1e309",
    "status=needs_attention&limit=99999999999999999999",
    "status=needs_attention&next=%00%00",
    f"status=needs_attention&next={token({'outbox_pk': {'S': 'PARKED'}, 'outbox_sk': 5})}",
    "category=" + "x" * 5000,
    "lat=-6.12&lon=106.15&category=sampah&extra=1",
]


def _paths(template: str) -> list[str]:
    if "{" not in template:
        return [template]
    name = template[template.index("{") + 1 : template.index("}")]
    return [template.replace("{" + name + "}", value) for value in HOSTILE_IDS]


def test_every_route_answers_hostile_input_with_4xx_never_5xx(client: Any, hub: Any) -> None:
    routes = hub.app.routes
    assert len(routes) >= 10  # the check covers what app.py registers, whatever it grows to
    seen: list[tuple[str, str, int]] = []
    for template, methods in routes.items():
        for method in methods:
            for path in _paths(template):
                if method in ("GET", "DELETE"):
                    for query in HOSTILE_QUERIES:
                        url = f"{path}?{query}" if query else path
                        resp = getattr(client.http, method.lower())(url)
                        seen.append((method, url, resp.status_code))
                else:
                    for body in HOSTILE_BODIES:
                        resp = getattr(client.http, method.lower())(path, body=body, headers=JSON)
                        seen.append((method, path, resp.status_code))
    failures = [s for s in seen if not (s[2] < 300 or 400 <= s[2] < 500)]
    assert not failures, failures[:10]
    assert sum(1 for s in seen if 400 <= s[2] < 500) > len(seen) // 2  # hostile input is mostly refused


# -- input that cannot be stored or makes no sense ------------------------------------------------


def post_app(client: Any, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.http.post("/v1/complaints", body=raw, headers={**JSON, **(headers or {})})


def app_body(**location: Any) -> dict[str, Any]:
    return {
        "category": "pelayanan-kelurahan",
        "description": "Pelayanan surat keterangan di kantor lambat sekali.",
        "location": location,
    }


def test_a_denormal_coordinate_with_a_kelurahan_is_400_not_500(client: Any) -> None:
    resp = post_app(client, app_body(lat=1e-200, lon=106.15, kelurahan_code="36.73.01.1002"))
    found = problem(resp)
    assert (found["field"], found["reason"]) == ("location", "location_mismatch")


@pytest.mark.parametrize("lat,lon", [(1e-200, 1e-200), (-1e-300, 5e-324)])
def test_denormal_coordinates_alone_are_outside_the_city(client: Any, lat: float, lon: float) -> None:
    found = problem(post_app(client, app_body(lat=lat, lon=lon)))
    assert (found["field"], found["reason"]) == ("location", "outside_kota_serang")


def test_a_signed_record_with_a_denormal_coordinate_is_400_and_can_be_fixed(client: Any, hub: Any) -> None:
    from tests.integration.test_channels import idem

    rec = rabeg_record(LAT=1e-200, LNG=106.15)
    found = problem(post_channel(client, "rabeg", rec))
    assert found["field"] == "LAT/LNG/KD_KEL" and found["reason"] == "location_mismatch"
    assert idem(hub, "rabeg", rec["ID_ADUAN"]) is None
    fixed = post_channel(client, "rabeg", {**rec, "LAT": None, "LNG": None})
    assert fixed.status_code == 201, fixed.body  # the channel's retry gets its record stored


@pytest.mark.parametrize(
    "location,field",
    [
        ({"lat": -6.12}, "location.lon"),
        ({"lon": 106.15}, "location.lat"),
        ({"lat": -6.12, "kelurahan_code": "36.73.01.1002"}, "location.lon"),
    ],
)
def test_half_a_coordinate_pair_on_the_app_route_is_400(client: Any, location: dict[str, Any], field: str) -> None:
    found = problem(post_app(client, app_body(**location)))
    assert (found["field"], found["reason"]) == (field, "missing")


@pytest.mark.parametrize("bad", ['"\\ud800"', '"ok \\udfff"'])
def test_text_that_is_not_unicode_is_400_naming_the_field(client: Any, bad: str) -> None:
    raw = json.dumps(app_body(kelurahan_code="36.73.01.1002")).replace(
        '"Pelayanan surat keterangan di kantor lambat sekali."', bad[:-1] + ' dan lambat sekali"'
    )
    found = problem(post_app(client, raw))
    assert (found["field"], found["reason"]) == ("description", "invalid_text")
    rec = json.dumps(rabeg_record()).replace('"Jl. Ki Mas Jong"', bad).encode()
    assert problem(post_channel(client, "rabeg", rec))["reason"] == "invalid_text"


def test_numbers_past_dynamodb_are_400_on_every_coordinate(client: Any) -> None:
    for value in ("1e400", "-1e400", "NaN", "Infinity"):
        raw = json.dumps(app_body(lon=106.15)).replace('"location": {', f'"location": {{"lat": {value}, ')
        resp = post_app(client, raw)
        assert resp.status_code == 400, (value, resp.body)
        assert "location.lat" in {e["field"] for e in resp.json_body["errors"]}


# -- answers stay small whatever the request ---------------------------------------------------------


def test_a_huge_unknown_key_gets_a_small_answer(client: Any) -> None:
    """1.3 MB with one long unknown key once got a 6.5 MB 400; now the body limit answers first."""
    body = {**app_body(kelurahan_code="36.73.01.1002"), "k" * 1_300_000: 1}
    resp = post_app(client, body)
    assert resp.status_code == 413 and len(resp.body) < 1000, resp.body[:300]
    assert resp.json_body["error"] == "payload_too_large"
    assert " / " in resp.json_body["message"]


def test_a_long_unknown_key_within_the_limit_is_cut_short(client: Any) -> None:
    from chalicelib.domain.limits import limits

    key = "k" * 60_000
    resp = post_app(client, {**app_body(kelurahan_code="36.73.01.1002"), key: 1})
    found = problem(resp)
    assert found["reason"] == "extra_forbidden"
    assert len(found["field"]) <= limits().errors.max_field_chars and found["field"].endswith("…")
    assert len(resp.body) < 2000


def test_at_most_twenty_problems_are_listed(client: Any) -> None:
    body = {**app_body(kelurahan_code="36.73.01.1002"), **{f"x{i}": i for i in range(500)}}
    resp = post_app(client, body)
    assert resp.status_code == 400
    assert len(resp.json_body["errors"]) == 20 and resp.json_body["errors_total"] == 500
    assert len(resp.body) < 20 * 600


def test_every_route_answers_413_past_its_body_limit(client: Any, hub: Any) -> None:
    from chalicelib.domain.limits import limits, route_key

    rules = limits()
    for template, methods in hub.app.routes.items():
        path = template.replace("{tracking_id}", "SRG-2222-2222").replace("{channel}", "rabeg").replace("{fmt}", "json")
        for method in methods:
            most = rules.body_limit(route_key(method, template))
            resp = getattr(client.http, method.lower())(path, body=b" " * (most + 1), headers=JSON)
            assert resp.status_code == 413, (method, template, resp.status_code)
            ok = getattr(client.http, method.lower())(path, body=b" " * most, headers=JSON)
            assert ok.status_code != 413, (method, template)
