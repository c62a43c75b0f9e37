"""Open data that follows the page: the CSV refuses what the JSON refuses, the complaints behind a
figure as CSV and JSON (public fields, confidential ones counted), the kelurahan as GeoJSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from tests.integration.test_statistics import KEL, iso, put, refresh, sclient, table

pytestmark = pytest.mark.moto_table

__all__ = ["sclient", "table"]

OTHER_KEL = "36.73.02.1001"


@pytest.mark.parametrize(
    "query",
    [
        "window=7d",
        "window=2026-13",
        "level=desa",
        "view=x",
        "level=opd&view=place",
        "nope=1",
        "level=opd&view=place&window=90d",
    ],
)
def test_the_csv_refuses_what_the_json_refuses_with_the_same_400(sclient: Any, query: str) -> None:
    as_json = sclient.http.get(f"/v1/stats?{query}")
    as_csv = sclient.http.get(f"/v1/stats.csv?{query}")
    assert as_json.status_code == as_csv.status_code == 400, (as_json.body, as_csv.body)
    assert as_json.json_body == json.loads(as_csv.body)


def test_csv_flags_are_true_or_false(sclient: Any, pump: Any) -> None:
    put()
    pump.drain_streams()
    refresh()
    body = sclient.http.get("/v1/stats.csv?level=opd&window=30d").body.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and {r["ranked"] for r in rows} <= {"true", "false"}


def _csv(resp: Any) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.body
    assert resp.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(resp.body.decode(), newline="")))


def test_the_complaints_behind_a_figure_download_with_public_fields_only(sclient: Any, pump: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    plain = [put(now - dt.timedelta(days=2, minutes=i), unit=f"kel:{KEL}") for i in range(5)]
    formula = put(now - dt.timedelta(days=1), unit=f"kel:{KEL}", title='=HYPERLINK("http://x","klik")')
    secret = put(now - dt.timedelta(days=1, hours=1), unit=f"kel:{KEL}", title="Rahasia sekali", confidential=True)
    other_cat = put(now - dt.timedelta(days=3), unit=f"kel:{KEL}", category="sampah")
    elsewhere = put(now - dt.timedelta(days=3), unit=f"kel:{OTHER_KEL}", kel=OTHER_KEL)
    old = put(now - dt.timedelta(days=40), unit=f"kel:{KEL}")
    pump.drain_streams()
    refresh()

    # JSON, page by page: every public one once, the confidential one counted and never listed
    seen: list[dict[str, Any]] = []
    withheld = 0
    cursor = None
    for _ in range(10):
        q = f"/v1/public/complaints.json?unit=kel:{KEL}&view=place&limit=3" + (f"&cursor={cursor}" if cursor else "")
        resp = sclient.http.get(q)
        assert resp.status_code == 200, resp.body
        body = resp.json_body
        assert "Rahasia" not in resp.body.decode() and "Siti" not in resp.body.decode()
        assert resp.headers["X-Confidential-Count"] == str(body["confidential_count"])
        seen += body["complaints"]
        withheld += body["confidential_count"]
        cursor = body["cursor"]
        if cursor:
            assert 'rel="next"' in resp.headers["Link"]
        else:
            break
    ids = [c["tracking_id"] for c in seen]
    assert sorted(ids) == sorted([*plain, formula, other_cat, old]) and withheld == 1 and secret not in ids
    assert {c["channel"] for c in seen} == {"app"} and {c["kelurahan_code"] for c in seen} == {KEL}

    # the same question as CSV: the same rows, a formula made text
    rows = _csv(sclient.http.get(f"/v1/public/complaints.csv?unit=kel:{KEL}&view=place&limit=50"))
    assert [r["tracking_id"] for r in rows] == [
        c["tracking_id"] for c in sorted(seen, key=lambda c: c["created_at"], reverse=True)
    ]
    by_id = {r["tracking_id"]: r for r in rows}
    assert by_id[formula]["title"] == '\'=HYPERLINK("http://x","klik")'
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())

    # narrowed: category, channel, place, status, days
    def ids_of(query: str) -> set[str]:
        resp = sclient.http.get(f"/v1/public/complaints.json?{query}&limit=50")
        assert resp.status_code == 200, resp.body
        return {c["tracking_id"] for c in resp.json_body["complaints"]}

    assert ids_of("category=sampah") == {other_cat}
    assert ids_of(f"place={OTHER_KEL}") == {elsewhere}
    assert ids_of(f"place=kel:{OTHER_KEL}&channel=app") == {elsewhere}
    assert ids_of("channel=rabeg") == set()
    today = now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert old not in ids_of(f"from={(today - dt.timedelta(days=10)).isoformat()}")
    assert ids_of(f"to={(today - dt.timedelta(days=30)).isoformat()}") == {old}
    assert ids_of("window=30d&status=open") >= {*plain, formula}
    assert old not in ids_of("window=30d")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=nope", "category"),
        ("channel=fax", "channel"),
        ("place=99.99", "place"),
        ("from=2026-02-30", "from"),
        ("from=2026-03-02&to=2026-03-01", "from"),
        ("from=1900-01-01", "from"),
        ("limit=500", "limit"),
        ("x=1", "x"),
    ],
)
def test_bad_download_queries_get_a_400_naming_the_field(sclient: Any, query: str, field: str) -> None:
    for path in ("/v1/public/complaints.json", "/v1/public/complaints.csv"):
        resp = sclient.http.get(f"{path}?{query}")
        assert resp.status_code == 400, (path, resp.body)
        assert field in {e["field"] for e in resp.json_body["errors"]}
    assert sclient.http.get("/v1/public/complaints.csv?unit=kel:99").status_code == 404


def test_kelurahan_boundaries_with_their_figures_as_geojson(sclient: Any, pump: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    for i in range(3):
        put(now - dt.timedelta(hours=i), unit=f"kel:{KEL}", deadline=iso(now - dt.timedelta(minutes=5)))
    pump.drain_streams()
    refresh()
    resp = sclient.http.get("/v1/stats/places.geojson?window=30d")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/geo+json")
    doc = json.loads(resp.body)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946: WGS 84, no crs member
    from chalicelib.domain import reference

    assert {f["properties"]["kelurahan_code"] for f in doc["features"]} == set(reference.areas().kelurahan)
    for f in doc["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Polygon"
        [ring] = f["geometry"]["coordinates"]
        assert ring[0] == ring[-1] and len(ring) >= 4
        assert all(105.5 < lon < 106.7 and -6.5 < lat < -5.8 for lon, lat in ring)  # [lon, lat], not [lat, lon]
        twice_area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False))
        assert twice_area > 0  # the exterior counterclockwise (the right-hand rule)
        assert all(not isinstance(v, dict | list) for v in f["properties"].values())  # flat: GIS columns
    mine = next(f["properties"] for f in doc["features"] if f["properties"]["kelurahan_code"] == KEL)
    assert mine["received"] == 3 and mine["open"] == 3 and mine["kelurahan_name"] and mine["ranked"] is not None
    assert sclient.http.get("/v1/stats/places.geojson?window=7d").status_code == 400


def test_the_openapi_document_names_its_server_and_the_downloads(sclient: Any) -> None:
    from chalicelib.settings import settings

    doc = sclient.http.get("/v1/openapi.json").json_body
    assert doc["servers"] == [{"url": settings().public_base_url.rstrip("/"), "description": "aduan-hub"}]
    for path in ("/v1/public/complaints.csv", "/v1/public/complaints.json", "/v1/stats/places.geojson"):
        assert "get" in doc["paths"][path], path
    names = {p["name"] for p in doc["paths"]["/v1/public/complaints.csv"]["get"]["parameters"]}
    assert {"unit", "place", "category", "channel", "status", "from", "to", "cursor", "limit"} <= names


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=hs.dictionaries(
        hs.sampled_from(
            [
                "unit",
                "view",
                "status",
                "overdue",
                "window",
                "cursor",
                "limit",
                "place",
                "category",
                "channel",
                "from",
                "to",
            ]
        ),
        hs.text(min_size=0, max_size=30),
        max_size=5,
    )
)
def test_hostile_download_queries_never_get_a_5xx(sclient: Any, params: dict[str, str]) -> None:
    from urllib.parse import urlencode

    for path in ("/v1/public/complaints.json", "/v1/public/complaints.csv", "/v1/stats/places.geojson"):
        resp = sclient.http.get(f"{path}?{urlencode(params)}")
        assert resp.status_code < 500, (path, params, resp.body)
