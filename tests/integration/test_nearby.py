""" "Already reported nearby": GET /v1/complaints/nearby from the geo index, and the
possible-duplicate hint for operators."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from chalicelib.domain import geo, reference
from chalicelib.domain.models import Status, TimelineEntry, utcnow
from tests.integration.channel_support import retire

_rng = random.Random()
_made: list[str] = []


@pytest.fixture(autouse=True)
def _retire_afterwards(hub: Any) -> Any:
    yield
    retire(_made)  # later tests' drains and sweeps need not work on these
    _made.clear()


def interior_points() -> list[tuple[float, float]]:
    with open(reference.boundaries_file(), encoding="utf-8") as fh:
        return [geo.interior_point(f["geometry"]["coordinates"][0]) for f in json.load(fh)["features"]]


def somewhere() -> tuple[float, float]:
    """A fresh spot in the city per test, so tests sharing the table do not meet."""
    lat, lon = _rng.choice(interior_points())
    return offset(lat, lon, _rng.uniform(0, 60), _rng.uniform(0, 360))


def offset(lat: float, lon: float, metres: float, bearing_deg: float) -> tuple[float, float]:
    b = math.radians(bearing_deg)
    dlat = metres * math.cos(b) / 111_195.0
    dlon = metres * math.sin(b) / (111_195.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def submit_at(client: Any, lat: float, lon: float, category: str = "sampah", **over: Any) -> str:
    body = {
        "category": category,
        "title": "Tumpukan sampah",
        "description": "Sampah menumpuk di pinggir jalan sejak seminggu.",
        "location": {"lat": lat, "lon": lon},
        "reporter": {"name": "Rahasia Orang", "phone": "0811000111"},
        **over,
    }
    resp = client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201, resp.body
    _made.append(resp.json_body["tracking_id"])
    return resp.json_body["tracking_id"]


def nearby(client: Any, **params: Any) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.http.get(f"/v1/complaints/nearby?{query}")


def ids(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.body
    return [c["tracking_id"] for c in resp.json_body["complaints"]]


def test_lists_open_complaints_of_the_category_within_200_m(client: Any) -> None:
    lat, lon = somewhere()
    near = submit_at(client, lat, lon)
    far = submit_at(client, *offset(lat, lon, 320, 90))
    other_category = submit_at(client, lat, lon, category="jalan-rusak")
    secret = submit_at(client, lat, lon, confidential=True)

    q_lat, q_lon = offset(lat, lon, 120, 200)
    resp = nearby(client, lat=q_lat, lon=q_lon, category="sampah")
    found = ids(resp)
    assert near in found
    assert far not in found and other_category not in found and secret not in found
    [row] = [c for c in resp.json_body["complaints"] if c["tracking_id"] == near]
    assert set(row) == {
        "tracking_id",
        "category",
        "title",
        "status",
        "status_label",
        "created_at",
        "distance_m",
        "unit",
    }
    assert 110 <= row["distance_m"] <= 130 and row["unit"] == "Dinas Lingkungan Hidup"
    assert "Rahasia" not in resp.body.decode() and "0811000111" not in resp.body.decode()
    assert resp.json_body["radius_m"] == 200
    assert near not in ids(nearby(client, lat=q_lat, lon=q_lon, category="jalan-rusak"))
    assert other_category in ids(nearby(client, lat=q_lat, lon=q_lon, category="jalan-rusak"))


def test_nearest_first(client: Any) -> None:
    lat, lon = somewhere()
    a = submit_at(client, *offset(lat, lon, 150, 0))
    b = submit_at(client, *offset(lat, lon, 20, 0))
    found = [t for t in ids(nearby(client, lat=lat, lon=lon, category="sampah")) if t in (a, b)]
    assert found == [b, a]


def test_a_final_status_leaves_the_list_in_the_same_write(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.services.status_events import Transition

    lat, lon = somewhere()
    tid = submit_at(client, lat, lon)
    assert tid in ids(nearby(client, lat=lat, lon=lon, category="sampah"))
    repo = bootstrap.repository()
    c = repo.get(tid, consistent=True)
    assert c is not None
    # a writer that sets a final status without naming the geo keys: the one door removes them
    bootstrap.status_events().commit(
        Transition(
            c,
            c.model_copy(update={"status": Status.ARCHIVED}),
            TimelineEntry(at=utcnow(), kind="status", status=Status.ARCHIVED, ref="archived"),
            {"status": "archived"},
        )
    )
    assert "geo_pk" not in repo.get_item(tid, consistent=True)
    assert tid not in ids(nearby(client, lat=lat, lon=lon, category="sampah"))


def test_nearby_is_not_taken_for_a_tracking_id(client: Any) -> None:
    resp = nearby(client, lat=-6.12, lon=106.15, category="sampah")
    assert resp.status_code == 200 and "complaints" in resp.json_body


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("lon=106.15&category=sampah", "lat", "missing"),
        ("lat=abc&lon=106.15&category=sampah", "lat", "float_parsing"),
        ("lat=-100&lon=106.15&category=sampah", "lat", "greater_than_equal"),
        ("lat=-6.12&lon=106.15", "category", "missing"),
        ("lat=-6.12&lon=106.15&category=roket", "category", "unknown_category"),
        ("lat=-6.12&lon=106.15&category=sampah&radius=5000", "radius", "extra_forbidden"),
    ],
)
def test_bad_queries_are_400_in_both_languages(client: Any, query: str, field: str, reason: str) -> None:
    resp = client.http.get(f"/v1/complaints/nearby?{query}")
    assert resp.status_code == 400, resp.body
    [problem] = resp.json_body["errors"]
    assert (problem["field"], problem["reason"]) == (field, reason)
    assert problem["message_id"] and problem["message_en"] and problem["message_id"] != problem["message_en"]


def test_forwarder_marks_a_possible_duplicate_for_operators(client: Any, hub: Any, pump: Any) -> None:
    from chalicelib import bootstrap

    lat, lon = somewhere()
    first = submit_at(client, lat, lon)
    pump.drain("forward_to_lapor")
    second = submit_at(client, *offset(lat, lon, 40, 45))
    elsewhere = submit_at(client, *offset(lat, lon, 600, 180))
    pump.drain("forward_to_lapor")
    repo = bootstrap.repository()
    assert repo.get_item(second, consistent=True).get("possible_duplicate_of") == first
    assert repo.get_item(first, consistent=True).get("possible_duplicate_of") is None  # older ones are not
    assert repo.get_item(elsewhere, consistent=True).get("possible_duplicate_of") != first
    public = client.http.get(f"/v1/complaints/{second}").json_body
    assert public["status"] == "forwarded" and "possible_duplicate_of" not in public


def test_the_reindex_brings_keys_of_an_older_layout_back_into_the_list(client: Any, hub: Any) -> None:
    """A complaint listed under the earlier layout (a geohash cell, sorted by arrival) is not
    found until `make nearby-reindex` rewrites its keys; a second run rewrites nothing."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values
    from infra.local.reindex_nearby import reindex

    lat, lon = somewhere()
    tid, closed = submit_at(client, lat, lon), submit_at(client, lat, lon)
    repo = bootstrap.repository()
    old_sk = "2026-01-02T03:04:05.000000Z"
    for t in (tid, closed):
        repo.update(t, "SET geo_pk = :p, geo_sk = :s", vals=values(p="GEO#sampah#qqgx1b2", s=old_sk))
    assert not {tid, closed} & set(ids(nearby(client, lat=lat, lon=lon, category="sampah")))
    retire([closed])  # closed meanwhile: out of the index, and the reindex leaves it out
    version = repo.get_item(tid, consistent=True)["version"]

    first = reindex("2020-01")
    assert first["rewritten"] >= 1 and first["listed"] <= first["read"]
    assert tid in ids(nearby(client, lat=lat, lon=lon, category="sampah"))
    assert closed not in ids(nearby(client, lat=lat, lon=lon, category="sampah"))
    stored = repo.get_item(tid, consistent=True)
    assert stored["geo_pk"] == f"GEO#sampah#s{geo.stripe_of(lon)}" and stored["geo_sk"].startswith(geo.lat_key(lat))
    assert stored["version"] == version  # index upkeep: an operator's If-Match stays good
    assert reindex("2020-01")["rewritten"] == 0
