"""A complaint's photos as the public sees them: the hub's checked copies, nothing else.

The public view lists the photos the hub's check passed and re-encoded, as same-origin
addresses (`/v1/complaints/<id>/photos/<n>`), and each address answers exactly the checked
JPEG S3 holds (no EXIF). A file not checked yet, a refused one, every photo of a confidential
complaint and any forged number answer the 404 of an unknown tracking id, never a 5xx.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.conftest import VALID
from tests.integration.test_attachments import upload
from tests.integration.test_photo_checks import HTML, ask_upload, public_view, s3_object, submit_with
from tests.support.photos import camera_jpeg, clean_jpeg, secrets_in

#: what a browser sends for an <img> (API Gateway looks at the first type only)
IMG_ACCEPT = {"Accept": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"}


def photo(client: Any, url: str) -> Any:
    return client.http.get(url, headers=IMG_ACCEPT)


def not_found_body(client: Any) -> Any:
    """What an unknown tracking id answers: every photo the public may not see answers the same."""
    resp = client.http.get("/v1/complaints/SRG-ZZZZ-ZZZZZ")
    assert resp.status_code == 404
    return resp.json_body


def test_a_checked_photo_is_listed_and_served_as_the_hubs_clean_copy(
    client: Any, hub: Any, pump: Any, lapor_sim: Any, stack_env: dict[str, str]
) -> None:
    from PIL import Image

    form = ask_upload(client, "image/jpeg")
    assert upload(form, camera_jpeg(), "image/jpeg").status_code < 300
    tid = submit_with(client, [form["key"]])
    pump.drain("forward_to_lapor")

    view = public_view(client, tid)
    assert view["photos"] == [{"url": f"/v1/complaints/{tid}/photos/1"}]
    assert form["key"] not in str(view)  # the S3 key is never public
    resp = photo(client, view["photos"][0]["url"])
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in resp.headers["Cache-Control"]
    kept = s3_object(stack_env, form["key"])
    assert kept["meta"]["hub-check"] == "clean"
    assert resp.body == kept["data"]  # byte for byte the hub's copy
    assert secrets_in(resp.body) == []
    with Image.open(io.BytesIO(resp.body)) as img:
        assert dict(img.getexif()) == {} and img.size == (1200, 1600)
    # a client that accepts no image at all is refused (Chalice's rule for binary answers), not sent base64
    assert client.http.get(view["photos"][0]["url"], headers={"Accept": "application/json"}).status_code == 400


def test_an_unchecked_or_refused_file_is_neither_listed_nor_served_until_the_check_passes_it(
    client: Any, hub: Any, pump: Any, lapor_sim: Any, stack_env: dict[str, str]
) -> None:
    good, page, late = (ask_upload(client, "image/jpeg") for _ in range(3))
    assert upload(good, clean_jpeg(1), "image/jpeg").status_code < 300
    assert upload(page, HTML, "image/jpeg").status_code < 300
    tid = submit_with(client, [good["key"], page["key"], late["key"]])
    pump.drain("forward_to_lapor")  # checks the first two; waits for the third
    assert upload(late, clean_jpeg(2), "image/jpeg").status_code < 300  # landed, its event not handled yet
    assert s3_object(stack_env, late["key"])["meta"].get("hub-check") is None

    assert public_view(client, tid)["photos"] == [{"url": f"/v1/complaints/{tid}/photos/1"}]
    missing = not_found_body(client)
    for n in (2, 3):  # refused; unchecked
        resp = photo(client, f"/v1/complaints/{tid}/photos/{n}")
        assert (resp.status_code, resp.json_body) == (404, missing)
    # the public route never checks (nor re-encodes) a file itself: the upload is as it landed
    assert s3_object(stack_env, late["key"])["meta"].get("hub-check") is None

    pump.drain("forward_to_lapor")  # the bucket's event: the third is checked now
    assert [p["url"][-1] for p in public_view(client, tid)["photos"]] == ["1", "3"]
    resp = photo(client, f"/v1/complaints/{tid}/photos/3")
    assert resp.status_code == 200 and resp.body == s3_object(stack_env, late["key"])["data"]


def test_a_confidential_complaints_photos_are_never_public(
    client: Any, hub: Any, pump: Any, lapor_sim: Any, stack_env: dict[str, str]
) -> None:
    import json

    form = ask_upload(client, "image/jpeg")
    assert upload(form, clean_jpeg(3), "image/jpeg").status_code < 300
    resp = client.http.post(
        "/v1/complaints",
        body=json.dumps({**VALID, "confidential": True, "attachments": [form["key"]]}),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 201, resp.body
    tid = resp.json_body["tracking_id"]
    pump.drain("forward_to_lapor")
    assert s3_object(stack_env, form["key"])["meta"]["hub-check"] == "clean"  # checked, and still private
    assert public_view(client, tid)["photos"] == []
    resp = photo(client, f"/v1/complaints/{tid}/photos/1")
    assert (resp.status_code, resp.json_body) == (404, not_found_body(client))


@pytest.mark.parametrize(
    "n",
    [
        "0",
        "2",
        "01",
        "-1",
        "+1",
        "1.0",
        "1e0",
        "..",
        "%2e%2e",
        "..%2f..%2fuploads",
        "1%00",
        "a",
        "99999999999999999999",
    ],
)
def test_a_forged_photo_number_is_not_found_never_an_error(client: Any, hub: Any, pump: Any, n: str) -> None:
    form = ask_upload(client, "image/jpeg")
    assert upload(form, clean_jpeg(4), "image/jpeg").status_code < 300
    tid = submit_with(client, [form["key"]])
    pump.drain("forward_to_lapor")
    assert photo(client, f"/v1/complaints/{tid}/photos/1").status_code == 200
    resp = photo(client, f"/v1/complaints/{tid}/photos/{n}")
    assert resp.status_code in (400, 404), (n, resp.status_code, resp.body)


@pytest.mark.parametrize("tid", ["SRG-ZZZZ-ZZZZZ", "..", "%2e%2e", "x" * 300, "SRG-<script>"])
def test_a_photo_of_an_unknown_or_forged_complaint_is_not_found(client: Any, hub: Any, tid: str) -> None:
    resp = photo(client, f"/v1/complaints/{tid}/photos/1")
    assert resp.status_code in (400, 404), (tid, resp.status_code, resp.body)
