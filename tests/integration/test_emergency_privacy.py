"""Emergencies (112/119 calls the call centre handles) are confidential by default.

Health data is specific personal data under UU 27/2022: whoever holds a tracking id
sees that the call is being handled, and when, nothing else.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.channel_support import (
    call112_record,
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    psc119_record,
)

pytestmark = pytest.mark.usefixtures("channel_secrets")

HEALTH = "Pasien sesak napas berat, riwayat jantung, ditangani ambulans PSC di Jl. Cemara No. 7."


@pytest.mark.parametrize(
    ("channel", "record"),
    [
        ("psc119", lambda: psc119_record(triage="merah", case_code="GAWAT_DARURAT", description=HEALTH)),
        ("call112", lambda: call112_record(emergency=True, incident_type="KEBAKARAN", description=HEALTH)),
    ],
)
def test_the_public_sees_status_and_times_only(client: Any, hub: Any, channel: str, record: Any) -> None:
    from chalicelib import bootstrap

    resp = post_channel(client, channel, record())
    assert resp.status_code == 201 and resp.json_body["status"] == "emergency"
    tid = resp.json_body["tracking_id"]
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    text = json.dumps(body)
    assert "sesak" not in text and "Cemara" not in text and channel not in text
    assert (body["status"], body["tracking_id"]) == ("emergency", tid)
    assert body["created_at"] and body["updated_at"] and body["confidential"] is True
    for hidden in (
        "channel",
        "category",
        "title",
        "description",
        "kelurahan_code",
        "kecamatan_code",
        "unit",
        "lapor_id",
        "deadline",
    ):
        assert body[hidden] is None, hidden
    assert body["timeline"] and all(e["message"] == "" and e["at"] for e in body["timeline"])
    assert bootstrap.repository().get_item(tid)["confidential"] is True  # stored so, for every other view


def test_a_119_complaint_about_services_stays_public(client: Any, hub: Any) -> None:
    resp = post_channel(client, "psc119", psc119_record(triage="hijau"))
    body = client.http.get(f"/v1/complaints/{resp.json_body['tracking_id']}").json_body
    assert body["status"] == "received" and body["description"] and body["channel"] == "psc119"
    assert body["confidential"] is False
