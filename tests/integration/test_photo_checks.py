"""What the hub accepts as a photo is a photo: checked by its content, re-encoded, on time.

Uploads go straight from the app to S3 (moto over HTTP); the bucket's event reaches the
forward queue, and the event pump hands it to forward_to_lapor, as Lambda's event source
does. Nothing a client declares is trusted: an HTML page sent as `image/jpeg` never reaches
LAPOR!, and a camera's photo reaches LAPOR!, S3 and the API without its metadata.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from typing import Any

import pytest
import requests

from tests.conftest import VALID, poll
from tests.integration.test_attachments import ask, upload
from tests.integration.test_forwarding import tickets
from tests.support.photos import GPS, OWNER, SERIAL, camera_jpeg, clean_jpeg, secrets_in

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script>Foto jalan</body></html>"


def ask_upload(client: Any, content_type: str) -> dict[str, Any]:
    resp = client.http.post(
        "/v1/uploads", body=json.dumps({"content_type": content_type}), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 201, resp.body
    return dict(resp.json_body)


def submit_with(client: Any, keys: list[str]) -> str:
    resp = client.http.post(
        "/v1/complaints",
        body=json.dumps({**VALID, "attachments": keys}),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 201, resp.body
    return str(resp.json_body["tracking_id"])


def s3_object(stack_env: dict[str, str], key: str) -> dict[str, Any]:
    import boto3

    out = boto3.client("s3").get_object(Bucket=stack_env["ATTACHMENTS_BUCKET"], Key=key)
    return {"data": out["Body"].read(), "type": out["ContentType"], "meta": out.get("Metadata") or {}}


def public_view(client: Any, tid: str) -> dict[str, Any]:
    resp = client.http.get(f"/v1/complaints/{tid}")
    assert resp.status_code == 200, resp.body
    return dict(resp.json_body)


def docs_at_lapor(lapor_sim: Any, tid: str) -> list[dict[str, Any]]:
    rows = tickets(lapor_sim, tid)
    return list(rows[0]["attachments"]) if rows else []


def test_an_html_page_sent_as_a_jpeg_never_reaches_lapor(
    client: Any, hub: Any, pump: Any, lapor_sim: Any, stack_env: dict[str, str]
) -> None:
    photo = ask_upload(client, "image/jpeg")
    page = ask_upload(client, "image/jpeg")
    assert upload(photo, clean_jpeg(3), "image/jpeg").status_code < 300
    assert upload(page, HTML, "image/jpeg").status_code < 300  # S3 takes what the form allows
    tid = submit_with(client, [photo["key"], page["key"]])

    pump.drain("forward_to_lapor")
    [row] = tickets(lapor_sim, tid)
    assert [d["name"] for d in row["attachments"]] == ["lampiran-1.jpg"]
    assert [d["sha256"] for d in row["attachments"]] == [hashlib.sha256(clean_jpeg(3)).hexdigest()]
    every_doc = requests.get(f"{lapor_sim.base_url}/_sim/complaints", timeout=5).text
    assert hashlib.sha256(HTML).hexdigest() not in every_doc

    dropped = s3_object(stack_env, page["key"])
    assert dropped["data"] == b"" and dropped["meta"]["hub-check"] == "refused:not_a_photo"
    [entry] = [e for e in public_view(client, tid)["timeline"] if e["kind"] == "attachment_refused"]
    assert entry["message"].startswith("Lampiran 2 tidak diteruskan")
    assert "bukan foto" in entry["message"]


def test_a_file_refused_after_forwarding_is_not_posted_and_the_timeline_says_so(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    from tests.integration.test_attachment_followups import ours
    from tests.integration.test_status_sync import forwarded

    tid, lid = forwarded(client, pump, lapor_sim)
    form = ask(client, tid, {"filename": "x.png", "content_type": "image/png"}).json_body
    assert upload(form, b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "image/png").status_code < 300
    pump.drain("forward_to_lapor")
    assert ours(lapor_sim, lid) == []
    [entry] = [e for e in public_view(client, tid)["timeline"] if e["kind"] == "attachment_refused"]
    assert "rusak" in entry["message"]


def test_a_camera_photo_reaches_lapor_s3_and_the_api_without_its_metadata(
    client: Any, hub: Any, pump: Any, lapor_sim: Any, stack_env: dict[str, str]
) -> None:
    from PIL import Image

    raw = camera_jpeg()
    assert len(secrets_in(raw)) >= 8  # the camera wrote them all
    form = ask_upload(client, "image/jpeg")
    assert upload(form, raw, "image/jpeg").status_code < 300
    tid = submit_with(client, [form["key"]])
    pump.drain("forward_to_lapor")

    kept = s3_object(stack_env, form["key"])  # the copy operators and the public are shown
    assert kept["meta"]["hub-check"] == "clean" and kept["type"] == "image/jpeg"
    assert secrets_in(kept["data"]) == []
    with Image.open(io.BytesIO(kept["data"])) as img:
        assert img.size == (1200, 1600)  # turned upright (EXIF orientation 6), longest side capped
        assert dict(img.getexif()) == {} and "icc_profile" not in img.info and "xmp" not in img.info
        assert img.getpixel((1199, 0))[0] < 60  # the camera's dark top-left corner, now top-right

    [doc] = docs_at_lapor(lapor_sim, tid)  # LAPOR! got exactly the clean copy, never the camera's file
    assert doc["sha256"] == hashlib.sha256(kept["data"]).hexdigest() != hashlib.sha256(raw).hexdigest()
    assert doc["size"] == len(kept["data"])

    seen = json.dumps(public_view(client, tid))
    for secret in (OWNER, SERIAL, "Rahmat", str(GPS[2][0])[:3] + "7"):
        assert secret not in seen


def test_a_photo_that_lands_after_the_complaint_reaches_lapor_within_seconds(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    """The forwarder waits for the named photo; the bucket's event brings it on at once,
    not at the forwarder's next look (30 s, upload_check_every_s)."""
    from chalicelib.domain.attachments import rules

    assert rules().upload_check_every_s >= 30
    form = ask_upload(client, "image/jpeg")
    tid = submit_with(client, [form["key"]])  # the app sends the complaint, the photo is still going up
    pump.drain("forward_to_lapor")
    assert tickets(lapor_sim, tid) == []  # waiting for the photo

    landed = time.monotonic()
    assert upload(form, clean_jpeg(7), "image/jpeg").status_code < 300

    def at_lapor() -> list[dict[str, Any]]:
        pump.drain("forward_to_lapor", idle_rounds=1, deadline_s=2)
        return docs_at_lapor(lapor_sim, tid)

    [doc] = poll(at_lapor, deadline_s=15)
    assert time.monotonic() - landed < rules().upload_check_every_s / 2
    assert doc["sha256"] == hashlib.sha256(clean_jpeg(7)).hexdigest()
    assert len(tickets(lapor_sim, tid)) == 1


@pytest.mark.parametrize("ctype", ["image/webp", "image/heic"])
def test_webp_and_heic_photos_are_accepted_and_sent_as_jpeg(
    client: Any, hub: Any, pump: Any, lapor_sim: Any, ctype: str
) -> None:
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (10, 200, 30)).save(out, format="WEBP" if ctype == "image/webp" else "HEIF")
    form = ask_upload(client, ctype)
    assert upload(form, out.getvalue(), ctype).status_code < 300
    tid = submit_with(client, [form["key"]])
    pump.drain("forward_to_lapor")
    [doc] = docs_at_lapor(lapor_sim, tid)
    assert doc["name"] == "lampiran-1.jpg" and doc["content_type"] == "image/jpeg"
