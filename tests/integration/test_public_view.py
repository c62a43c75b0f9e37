"""One complaint, filed through several channels, read through every public surface: the same
public facts everywhere (chalicelib/domain/public_view.py), never the reporter, the address
line or the point."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.channel_support import KEL, channel_secrets, post_channel, rabeg_record
from tests.integration.open311_support import BASE, parse_xml
from tests.integration.open311_support import post as open311_post

pytestmark = pytest.mark.moto_table

__all__ = ["channel_secrets"]

IN_CIPARE = (-6.125558824687445, 106.16366630256255)
ADDRESS = "Jl. Melati No. 5 (rumah Bpk. Rahmat)"
PHONE = "081298760001"
EMAIL = "rahmat.pelapor@example.org"
NIK = "3673010101019999"
DESCRIPTION = "Jalan di depan rumah berlubang besar dan membahayakan pengendara motor."
TITLE = "Jalan berlubang dekat sekolah"
#: never on a public surface: the reporter, the address line, the point's digits
SECRETS = (ADDRESS, "Melati", "Rahmat", PHONE, "98760001", EMAIL, NIK, "6.1255588", "106.1636663")


@pytest.fixture()
def table(stack_env: dict[str, str], aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from chalicelib import bootstrap
    from infra.local.provision import create_table_like

    name = create_table_like(f"pub-{uuid.uuid4().hex[:10]}", aws_endpoint)
    monkeypatch.setenv("TABLE_NAME", name)
    bootstrap.reset()
    yield name
    import boto3

    boto3.client("dynamodb", endpoint_url=aws_endpoint).delete_table(TableName=name)


def file_by_app(client: Any, confidential: bool) -> str:
    body = {
        "category": "jalan-rusak",
        "title": TITLE,
        "description": DESCRIPTION,
        "location": {"lat": IN_CIPARE[0], "lon": IN_CIPARE[1], "address": ADDRESS},
        "reporter": {"name": "Bpk. Rahmat", "phone": PHONE, "email": EMAIL, "nik": NIK},
        "confidential": confidential,
    }
    resp = client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201, resp.body
    return str(resp.json_body["tracking_id"])


def file_by_open311(client: Any, api_key: str, confidential: bool) -> str:
    fields = {
        "api_key": api_key,
        "service_code": "jalan-rusak",
        "description": DESCRIPTION,
        "lat": str(IN_CIPARE[0]),
        "long": str(IN_CIPARE[1]),
        "address_string": ADDRESS,
        "first_name": "Bpk.",
        "last_name": "Rahmat",
        "email": EMAIL,
        "phone": PHONE,
        "attribute[title]": TITLE,
        "attribute[confidential]": "true" if confidential else "false",
    }
    resp = open311_post(client, fields)
    assert resp.status_code == 200, resp.body
    return str(json.loads(resp.body)[0]["service_request_id"])


def file_by_rabeg(client: Any, confidential: bool) -> str:
    rec = rabeg_record(
        JUDUL_ADUAN=TITLE,
        ISI_ADUAN=DESCRIPTION,
        LOKASI=ADDRESS,
        PELAPOR="Bpk. Rahmat",
        NO_HP=PHONE,
        EMAIL=EMAIL,
        LAT=IN_CIPARE[0],
        LNG=IN_CIPARE[1],
        RAHASIA=confidential,
    )
    resp = post_channel(client, "rabeg", rec)
    assert resp.status_code in (200, 201), resp.body
    return str(resp.json_body["tracking_id"])


def public_reads(client: Any, tid: str) -> dict[str, dict[str, Any]]:
    """The complaint as each public surface shows it (a surface that does not list it is absent)."""
    out: dict[str, dict[str, Any]] = {}
    one = client.http.get(f"/v1/complaints/{tid}")
    assert one.status_code == 200, one.body
    out["v1"] = one.json_body
    listed = client.http.get("/v1/public/complaints?unit=city&limit=50").json_body["complaints"]
    _put(out, "list", [c for c in listed if c["tracking_id"] == tid])
    downloaded = client.http.get("/v1/public/complaints.json?unit=city&limit=50").json_body["complaints"]
    _put(out, "download", [c for c in downloaded if c["tracking_id"] == tid])
    sheet = csv.DictReader(io.StringIO(client.http.get("/v1/public/complaints.csv?unit=city&limit=50").body.decode()))
    _put(out, "download_csv", [dict(r) for r in sheet if r["tracking_id"] == tid])
    near = client.http.get(
        "/v1/complaints/nearby?" + urlencode({"lat": IN_CIPARE[0], "lon": IN_CIPARE[1], "category": "jalan-rusak"})
    ).json_body["complaints"]
    _put(out, "nearby", [c for c in near if c["tracking_id"] == tid])
    [out["open311"]] = json.loads(client.http.get(f"{BASE}/requests/{tid}.json").body)
    requests = json.loads(client.http.get(f"{BASE}/requests.json").body)
    _put(out, "open311_list", [r for r in requests if r["service_request_id"] == tid])
    [out["open311_xml"]] = parse_xml(client.http.get(f"{BASE}/requests/{tid}.xml").body)["service_requests"]["request"]
    return out


def _put(out: dict[str, dict[str, Any]], surface: str, found: list[dict[str, Any]]) -> None:
    assert len(found) <= 1, (surface, found)
    if found:
        out[surface] = found[0]


def raw_public_bodies(client: Any) -> list[str]:
    """Every public answer that may carry a complaint, as text."""
    paths = [
        "/v1/public/complaints?unit=city&limit=50",
        f"{BASE}/requests.json",
        f"{BASE}/requests.xml",
        "/v1/stats.csv",
        "/v1/public/complaints.json?unit=city&limit=50",
        "/v1/public/complaints.csv?unit=city&limit=50",
        "/v1/stats/places.geojson",
    ]
    return [client.http.get(p).body.decode() for p in paths]


@pytest.mark.parametrize("confidential", [False, True])
def test_one_complaint_reads_the_same_on_every_public_surface(
    client: Any, pump: Any, table: str, api_key: str, channel_secrets: dict[str, str], confidential: bool
) -> None:
    from chalicelib import bootstrap

    filed = {
        "app": file_by_app(client, confidential),
        "open311": file_by_open311(client, api_key, confidential),
        "rabeg": file_by_rabeg(client, confidential),
    }
    pump.drain_streams()
    bootstrap.statistics().refresh()
    for channel, tid in filed.items():
        reads = public_reads(client, tid)
        assert {"v1", "list", "open311", "open311_list", "open311_xml"} <= set(reads), (channel, set(reads))
        assert ("nearby" in reads) is (not confidential)  # the nearby hint lists open, shareable ones
        # open data lists no confidential complaint (it is counted instead)
        assert ("download" in reads) is ("download_csv" in reads) is (not confidential)
        for surface, shown in reads.items():
            text = json.dumps(shown, ensure_ascii=False)
            for secret in SECRETS:
                assert secret not in text, (channel, surface, secret)
        v1, listed, o311 = reads["v1"], reads["list"], reads["open311"]
        # the same facts: the place is the kelurahan, the content only when not confidential
        assert v1["kelurahan_code"] == listed["kelurahan_code"] == KEL, channel
        assert o311["address"] == reads["open311_xml"]["address"] == "Kel. Cipare, Kec. Serang, Kota Serang"
        assert o311["lat"] is None and o311["long"] is None and reads["open311_xml"]["lat"] is None
        assert v1["category"] == listed["category"] == o311["service_code"] == "jalan-rusak"
        assert v1["unit"]["code"] == listed["unit"]["code"] and v1["unit"]["name"] == o311["agency_responsible"]
        want_title = None if confidential else TITLE
        assert v1["title"] == listed["title"] == want_title, channel
        assert v1["description"] == o311["description"] == (None if confidential else DESCRIPTION)
        if not confidential:
            assert reads["nearby"]["title"] == TITLE
            got, sheet = reads["download"], reads["download_csv"]
            assert got["title"] == sheet["title"] == TITLE and got["kelurahan_code"] == sheet["kelurahan_code"] == KEL
            assert (
                got["category"] == sheet["category"] == "jalan-rusak" and got["channel"] == sheet["channel"] == channel
            )
            assert got["unit_code"] == sheet["unit_code"] == v1["unit"]["code"]
        assert o311["status"] == "open" and v1["status"] == listed["status"]
    counted = client.http.get("/v1/public/complaints.json?unit=city&limit=50").json_body["confidential_count"]
    assert counted == (len(filed) if confidential else 0)
    for body in raw_public_bodies(client):
        for secret in SECRETS:
            assert secret not in body, secret
