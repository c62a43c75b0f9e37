"""Open311 on the running local stack: a third-party client (the `georeport` package) reads it,
and a form POST as Open311 clients send it becomes a complaint that reaches the LAPOR! simulator."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import requests
from georeport import GeoReport

from tests.conftest import poll
from tests.e2e.conftest import DEV_API_KEY
from tests.support.stack import ROOT, LocalStack

CIPARE = "36.73.01.1002"
FORM = {
    "jurisdiction_id": "serangkota.go.id",
    "service_code": "jalan-rusak",
    "description": "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
    "address_string": "Jl. Contoh No. 1",
    "first_name": "Siti",
    "phone": "+6281234567890",
    "attribute[kelurahan]": CIPARE,
    "attribute[severity]": "berat",
}


def as_list(found: Any) -> list[dict[str, Any]]:
    """xmltodict (inside georeport) gives one element as a dict and several as a list."""
    return found if isinstance(found, list) else [found]


@pytest.fixture(scope="module")
def stack(running_stack: LocalStack) -> str:
    return running_stack.url


@pytest.fixture(scope="module")
def open311_request(stack: str) -> str:
    resp = requests.post(f"{stack}/open311/v2/requests.json", data={**FORM, "api_key": DEV_API_KEY}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    [answer] = resp.json()
    return str(answer["service_request_id"])


def test_form_post_reaches_lapor(stack: str, open311_request: str) -> None:
    def forwarded() -> dict[str, Any] | None:
        body = requests.get(f"{stack}/v1/complaints/{open311_request}", timeout=10).json()
        return body if body.get("lapor_id") else None

    body = poll(forwarded, deadline_s=60, every_s=0.3)
    assert body["channel"] == "open311" and body["unit"]["code"] == "opd:dpupr"
    assert "Siti" not in str(body)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_services_definition_and_requests(stack: str, open311_request: str, fmt: str) -> None:
    client = GeoReport(f"{stack}/open311/v2", jurisdiction="serangkota.go.id", output_format=fmt)
    services = client.get_service_list()
    assert "jalan-rusak" in [s["service_code"] for s in services]
    definition = client.get_service_definition("jalan-rusak")
    attributes = definition["attributes"] if fmt == "json" else as_list(definition["attributes"]["attribute"])
    assert {"kelurahan", "severity"} <= {a["code"] for a in attributes}

    listed = as_list(client.get_service_requests(service_code="jalan-rusak", status="open"))
    mine = [r for r in listed if r["service_request_id"] == open311_request]
    assert len(mine) == 1 and mine[0]["status"] == "open" and mine[0]["service_code"] == "jalan-rusak"
    assert all(r["service_code"] == "jalan-rusak" and r["status"] == "open" for r in listed)

    one = client.get_service_request(open311_request)
    if fmt == "xml":
        [one] = as_list(one)
    assert one["service_request_id"] == open311_request
    assert one["agency_responsible"] and one["requested_datetime"]
    assert "Siti" not in str(one) and "81234567890" not in str(one)


def test_discovery_points_at_the_running_endpoint(stack: str) -> None:
    body = requests.get(f"{stack}/open311/v2/discovery.json", timeout=10).json()
    [endpoint] = body["endpoints"]
    assert endpoint["url"] == f"{stack}/open311/v2"
    assert requests.get(f"{endpoint['url']}/services.xml", timeout=10).status_code == 200


def test_make_apikey_creates_a_key_the_running_stack_accepts(stack: str, running_stack: LocalStack) -> None:
    """`make apikey NAME=...` beside the running stack (found by itself), as a developer runs it beside `make run`."""
    out = subprocess.run(
        ["make", "-s", "apikey", "NAME=E2E App"],
        cwd=ROOT,
        env=running_stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip().splitlines()[-1]
    ok = requests.post(f"{stack}/open311/v2/requests.xml", data={**FORM, "api_key": key}, timeout=10)
    assert ok.status_code == 200, ok.text
    assert ok.headers["Content-Type"].startswith("text/xml")
    wrong = requests.post(f"{stack}/open311/v2/requests.json", data={**FORM, "api_key": key + "x"}, timeout=10)
    assert wrong.status_code == 403 and wrong.json()[0]["code"] == 403
