"""The public API through Chalice's test client, against moto's server."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.conftest import VALID


def post(client: Any, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.http.post("/v1/complaints", body=raw, headers={"Content-Type": "application/json", **(headers or {})})


def test_categories_come_from_the_data_file(client: Any) -> None:
    resp = client.http.get("/v1/categories")
    assert resp.status_code == 200
    cats = {c["code"]: c for c in resp.json_body["categories"]}
    assert cats["sampah"]["unit_kind"] == "opd" and cats["sampah"]["name"] == "Sampah dan kebersihan"
    assert cats["pelayanan-kelurahan"]["unit_kind"] == "kelurahan"


def test_submit_then_read_without_pii(client: Any) -> None:
    resp = post(client, VALID)
    assert resp.status_code == 201, resp.body
    tid = resp.json_body["tracking_id"]
    assert resp.headers["Location"] == f"/v1/complaints/{tid}"
    got = client.http.get(f"/v1/complaints/{tid}")
    assert got.status_code == 200
    body = got.json_body
    assert body["status"] == "received"
    assert body["unit"]["code"] == "opd:dpupr"
    assert body["kecamatan_code"] == "36.73.01"
    assert [e["kind"] for e in body["timeline"]] == ["received"]
    text = got.body.decode()
    for secret in ("Siti", "81234567890", "siti@example.org", "3673010101010001", "reporter"):
        assert secret not in text


def test_tracking_id_lookup_forgives_case_and_dashes(client: Any) -> None:
    tid = post(client, VALID).json_body["tracking_id"]
    loose = tid.replace("-", "").lower()
    assert client.http.get(f"/v1/complaints/{loose}").json_body["tracking_id"] == tid


def test_every_bad_field_is_named_in_both_languages(client: Any) -> None:
    bad = {"category": "", "description": "pendek", "location": {"lat": 200}, "anonymous": "maybe", "x": 1}
    resp = post(client, bad)
    assert resp.status_code == 400
    fields = {e["field"] for e in resp.json_body["errors"]}
    assert {"category", "description", "location.lat", "anonymous", "x"} <= fields
    for err in resp.json_body["errors"]:
        assert " / " in err["message"] and err["message_id"] and err["message_en"]


def test_every_bad_field_is_named_in_one_answer(client: Any) -> None:
    """An unknown category is named with the missing fields, not after they are fixed."""
    r = post(client, {"category": "x"})
    assert r.status_code == 400
    named = {(e["field"], e["reason"]) for e in r.json_body["errors"]}
    assert named == {("category", "unknown_category"), ("description", "missing"), ("location", "missing")}
    [category] = [e for e in r.json_body["errors"] if e["field"] == "category"]
    assert "GET /v1/categories" in category["message_id"] and "GET /v1/categories" in category["message_en"]


def test_unknown_category_and_kelurahan_are_400(client: Any) -> None:
    r1 = post(client, {**VALID, "category": "tidak-ada"})
    assert r1.status_code == 400 and r1.json_body["errors"][0]["reason"] == "unknown_category"
    r2 = post(client, {**VALID, "location": {"kelurahan_code": "36.73.99.9999"}})
    assert r2.status_code == 400 and r2.json_body["errors"][0]["field"] == "location.kelurahan_code"


def test_not_json_and_not_an_object_are_400(client: Any) -> None:
    assert post(client, "{not json").status_code == 400
    assert post(client, "[1, 2]").json_body["errors"][0]["field"] == "body"


def test_area_category_needs_a_place(client: Any) -> None:
    resp = post(client, {**VALID, "category": "pelayanan-kelurahan", "location": {}})
    assert resp.status_code == 400
    assert resp.json_body["errors"][0]["reason"] == "location_required"
    ok = post(client, {**VALID, "category": "pelayanan-kelurahan"})
    tid = ok.json_body["tracking_id"]
    assert client.http.get(f"/v1/complaints/{tid}").json_body["unit"]["code"] == "kel:36.73.01.1002"


def test_idempotency_key_returns_the_first_answer(client: Any) -> None:
    key = f"k-{uuid.uuid4()}"
    first = post(client, VALID, {"Idempotency-Key": key})
    again = post(client, VALID, {"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json_body["tracking_id"] == again.json_body["tracking_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = post(
        client, {**VALID, "description": "Sesuatu yang sama sekali berbeda di sini."}, {"Idempotency-Key": key}
    )
    assert other.status_code == 422 and other.json_body["error"] == "idempotency_key_reused"


def test_unknown_and_malformed_ids_are_404(client: Any) -> None:
    assert client.http.get("/v1/complaints/SRG-2222-2222").status_code == 404
    assert client.http.get("/v1/complaints/hello").status_code == 404


def test_anonymous_complaint_stores_no_reporter(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap

    tid = post(client, {**VALID, "anonymous": True}).json_body["tracking_id"]
    stored = bootstrap.repository().get(tid)
    assert stored is not None and stored.anonymous and stored.reporter is None


def test_confidential_complaint_hides_its_text(client: Any) -> None:
    tid = post(client, {**VALID, "confidential": True}).json_body["tracking_id"]
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["confidential"] is True and body["description"] is None and body["title"] is None
