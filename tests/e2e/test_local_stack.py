"""The whole local stack, started as `make run` starts it, used over HTTP."""

from __future__ import annotations

import requests

from tests.conftest import VALID, poll


def test_complaint_goes_from_api_to_lapor(stack: str) -> None:
    resp = requests.post(f"{stack}/v1/complaints", json=VALID, timeout=10)
    assert resp.status_code == 201, resp.text
    tid = resp.json()["tracking_id"]

    def forwarded() -> dict | None:
        body = requests.get(f"{stack}/v1/complaints/{tid}", timeout=10).json()
        return body if body.get("lapor_id") else None

    body = poll(forwarded, deadline_s=60, every_s=0.3)
    assert body["status"] in {"forwarded", "verified", "in_progress"}
    assert [e["kind"] for e in body["timeline"]][:2] == ["received", "forwarded"]
    assert "Siti" not in str(body)


def test_bad_input_is_a_readable_400(stack: str) -> None:
    resp = requests.post(f"{stack}/v1/complaints", data="{}", headers={"Content-Type": "application/json"},
                         timeout=10)
    assert resp.status_code == 400
    assert {e["field"] for e in resp.json()["errors"]} >= {"category", "description", "location"}
