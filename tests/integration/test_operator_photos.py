"""The reporter's photos on the operator's complaint page: scoped like the complaint, checked first.

An operator who may see the complaint reads its photos through the API (same origin, bearer);
anyone else gets the same 404 as for the complaint. A file the hub's check refused (an HTML page
sent as `image/jpeg`) is neither listed nor served.
"""

from __future__ import annotations

from typing import Any

from tests.integration.operator_support import ADMIN, OPERATOR, Who
from tests.integration.test_attachments import upload
from tests.integration.test_photo_checks import HTML, ask_upload, submit_with
from tests.support.photos import clean_jpeg


def test_operators_see_the_checked_photos_of_complaints_in_their_scope_only(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    photo = ask_upload(client, "image/jpeg")
    page = ask_upload(client, "image/jpeg")
    assert upload(photo, clean_jpeg(3), "image/jpeg").status_code < 300
    assert upload(page, HTML, "image/jpeg").status_code < 300
    tid = submit_with(client, [photo["key"], page["key"]])
    pump.drain("forward_to_lapor")  # the forwarder checks both: the page is refused

    seen = client.http.get(f"/v1/operator/complaints/{tid}", headers=dict(ADMIN))
    assert seen.status_code == 200, seen.body
    assert seen.json_body["photos"] == [
        {"number": 1, "url": f"/v1/operator/complaints/{tid}/photos/1", "alt": f"Foto 1 dari pelapor, aduan {tid}"}
    ]
    unit = seen.json_body["unit"]["code"]
    for who in (ADMIN, Who("operator", unit, "petugas")):
        got = client.http.get(f"/v1/operator/complaints/{tid}/photos/1", headers={**who, "Accept": "image/jpeg"})
        assert got.status_code == 200, got.body
        assert got.headers["Content-Type"] == "image/jpeg"
        assert got.body[:3] == b"\xff\xd8\xff" and b"<script" not in got.body
        assert got.headers["Cache-Control"].startswith("private")

    # refused, absent, not a number: not found, as outside the scope
    for n in ("2", "3", "0", "x", "1.0"):
        assert client.http.get(f"/v1/operator/complaints/{tid}/photos/{n}", headers=dict(ADMIN)).status_code == 404
    outside = client.http.get(f"/v1/operator/complaints/{tid}/photos/1", headers={**OPERATOR, "Accept": "image/jpeg"})
    complaint_outside = client.http.get(f"/v1/operator/complaints/{tid}", headers=dict(OPERATOR))
    assert outside.status_code == complaint_outside.status_code == 404
    assert client.http.get(f"/v1/operator/complaints/{tid}/photos/1").status_code == 401
