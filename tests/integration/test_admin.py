"""Admin view of parked complaints and the retry action (role admin; sign-in in tests/integration/test_signin.py)."""

from __future__ import annotations

import json
from typing import Any

from infra.local.lapor_simulator import FaultConfig
from tests.integration.test_forwarding import submit, tickets
from tests.support.auth import admin_headers

PII = ("Siti", "81234567890", "siti@example.org", "3673010101010001")


def park(client: Any, lapor_sim: Any) -> str:
    from chalicelib.bootstrap import forwarding

    tid = submit(client)
    lapor_sim.faults = FaultConfig(rate_reject=1.0)
    try:
        assert forwarding().forward(tid).outcome == "parked"
    finally:
        lapor_sim.faults = FaultConfig()
    return tid


def all_pages(client: Any, limit: int) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        url = f"/v1/admin/complaints?status=needs_attention&limit={limit}" + (f"&next={token}" if token else "")
        resp = client.http.get(url, headers=admin_headers())
        assert resp.status_code == 200, resp.body
        pages.append(resp.json_body["complaints"])
        token = resp.json_body["next"]
        if not token:
            return pages


def test_parked_complaints_are_listed_with_reason_paginated_and_without_pii(client: Any, lapor_sim: Any) -> None:
    mine = {park(client, lapor_sim) for _ in range(3)}
    pages = all_pages(client, limit=2)
    assert all(len(p) <= 2 for p in pages)
    rows = [row for page in pages for row in page]
    ids = [r["tracking_id"] for r in rows]
    assert len(ids) == len(set(ids)), "a complaint appeared on two pages"
    listed = {r["tracking_id"]: r for r in rows if r["tracking_id"] in mine}
    assert set(listed) == mine
    for row in listed.values():
        assert row["status"] == "needs_attention"
        assert row["park_reason"].startswith("LAPOR! menolak")
        assert row["forward_attempts"] == 1
    raw = json.dumps(rows)
    assert "reporter" not in raw and not any(secret in raw for secret in PII)


def test_admin_list_refuses_bad_parameters_with_the_field_named(client: Any) -> None:
    for query, field in (
        ("status=forwarded", "status"),
        ("", "status"),
        ("status=needs_attention&next=bm90LWEta2V5", "next"),
        ("status=needs_attention&next=%%%", "next"),
        ("status=needs_attention&limit=abc", "limit"),
        ("status=needs_attention&limit=0", "limit"),
    ):
        resp = client.http.get(f"/v1/admin/complaints?{query}", headers=admin_headers())
        assert resp.status_code == 400, (query, resp.body)
        [problem] = resp.json_body["errors"]
        assert problem["field"] == field and " / " in problem["message"]


def test_retry_sends_a_parked_complaint_again_once(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid = park(client, lapor_sim)
    resp = client.http.post(f"/v1/admin/complaints/{tid}/retry", headers=admin_headers())
    assert resp.status_code == 202, resp.body
    assert resp.json_body == {"tracking_id": tid, "status": "received"}
    again = client.http.post(f"/v1/admin/complaints/{tid}/retry", headers=admin_headers())  # no longer parked
    assert again.status_code == 409
    assert again.json_body["error"] == "not_parked" and "needs_attention" in again.json_body["message_en"]
    pump.drain("forward_to_lapor")
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["status"] == "forwarded"
    [ticket] = tickets(lapor_sim, tid)
    assert body["lapor_id"] == ticket["complaint_id"]
    assert [e["kind"] for e in body["timeline"]] == ["received", "parked", "retry", "forwarded"]
    listed = {r["tracking_id"] for page in all_pages(client, 100) for r in page}
    assert tid not in listed


def test_retry_of_unknown_or_malformed_id_is_404(client: Any) -> None:
    assert client.http.post("/v1/admin/complaints/SRG-2222-2222/retry", headers=admin_headers()).status_code == 404
    assert client.http.post("/v1/admin/complaints/nonsense/retry", headers=admin_headers()).status_code == 404
