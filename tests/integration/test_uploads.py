"""Photos first, the way mobile apps work: upload form before the complaint, the complaint names it.

`POST /v1/uploads` gives a presigned S3 form under `uploads/`; `POST /v1/complaints` names
the keys in `attachments` (each claimable once); the forwarder sends them with the LAPOR!
create, waiting a bounded time for a photo that is still on its way.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tests.conftest import VALID, poll
from tests.integration.test_attachments import JPEG, quick_uploads, upload  # noqa: F401 - fixture
from tests.integration.test_forwarding import tickets
from tests.integration.test_log_privacy import captured_logs, lines_for
from tests.support.photos import clean_jpeg

pytestmark = pytest.mark.usefixtures("quick_uploads")


def ask_upload(client: Any, body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.http.post("/v1/uploads", body=raw, headers={"Content-Type": "application/json"})


def submit_with(client: Any, keys: list[str], headers: dict[str, str] | None = None) -> Any:
    return client.http.post(
        "/v1/complaints",
        body=json.dumps({**VALID, "attachments": keys}),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def photo(i: int) -> bytes:
    return clean_jpeg(i + 1)


def test_an_upload_form_before_the_complaint(client: Any, stack_env: dict[str, str]) -> None:
    import boto3

    resp = ask_upload(client, {"content_type": "image/jpeg"})
    assert resp.status_code == 201, resp.body
    form = resp.json_body
    assert set(form) == {"upload", "key", "expires_in"} and set(form["upload"]) == {"url", "fields"}
    assert form["key"].startswith("uploads/") and form["key"].endswith(".jpg") and len(form["key"]) == 44
    policy = json.loads(base64.b64decode(form["upload"]["fields"]["policy"]))
    assert {"Content-Type": "image/jpeg"} in policy["conditions"] and {"key": form["key"]} in policy["conditions"]
    assert upload(form, JPEG, "image/jpeg").status_code < 300
    stored = boto3.client("s3").get_object(Bucket=stack_env["ATTACHMENTS_BUCKET"], Key=form["key"])
    assert stored["Body"].read() == JPEG

    for bad in ({"content_type": "text/html"}, {}, {"content_type": "image/png", "filename": "KTP.png"}):
        refused = ask_upload(client, bad)
        assert refused.status_code == 400, bad
    assert ask_upload(client, "[]").status_code == 400


def test_the_complaint_names_its_uploads_and_each_is_claimed_once(client: Any, hub: Any) -> None:
    from chalicelib.bootstrap import repository

    keys = [ask_upload(client, {"content_type": "image/png"}).json_body["key"] for _ in range(2)]
    first = submit_with(client, keys)
    assert first.status_code == 201, first.body
    tid = first.json_body["tracking_id"]
    assert repository().get_item(tid)["attachments"] == keys
    assert repository().get_raw(f"UPLOAD#{keys[0]}", "UPLOAD")["tracking_id"] == tid

    again = submit_with(client, [keys[1]])
    assert again.status_code == 400
    assert [(e["field"], e["reason"]) for e in again.json_body["errors"]] == [("attachments.0", "upload_already_used")]

    fresh = ask_upload(client, {"content_type": "image/png"}).json_body["key"]
    bad = submit_with(client, [fresh, "uploads/../../etc/passwd", "attachments/SRG-AAAA-AAAA/x.png", fresh])
    assert bad.status_code == 400
    assert [(e["field"], e["reason"]) for e in bad.json_body["errors"]] == [
        ("attachments.1", "unknown_upload"),
        ("attachments.2", "unknown_upload"),
        ("attachments.3", "duplicate_upload"),
    ]
    six = [ask_upload(client, {"content_type": "image/png"}).json_body["key"] for _ in range(6)]
    too_many = submit_with(client, six)
    assert too_many.status_code == 400 and too_many.json_body["errors"][-1]["reason"] == "too_many_attachments"
    assert submit_with(client, [fresh]).status_code == 201  # nothing above claimed it


def test_a_retried_submission_with_uploads_gets_the_same_complaint(client: Any, hub: Any) -> None:
    key = ask_upload(client, {"content_type": "image/jpeg"}).json_body["key"]
    headers = {"Idempotency-Key": f"photo-retry-{key[8:24]}"}
    first = submit_with(client, [key], headers)
    again = submit_with(client, [key], headers)
    assert first.status_code == again.status_code == 201
    assert again.json_body["tracking_id"] == first.json_body["tracking_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_the_forwarder_waits_for_a_photo_still_on_its_way(client: Any, hub: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import forwarding
    from chalicelib.services.forwarding import RetryLater

    form = ask_upload(client, {"content_type": "image/jpeg"}).json_body
    tid = submit_with(client, [form["key"]]).json_body["tracking_id"]
    with pytest.raises(RetryLater) as waiting:  # the forwarder is faster than the phone
        forwarding().forward(tid)
    assert waiting.value.delay_s == 1  # upload_check_every_s (quick_uploads)
    assert tickets(lapor_sim, tid) == []
    assert upload(form, photo(99), "image/jpeg").status_code < 300
    assert forwarding().forward(tid).outcome == "forwarded"
    [ticket] = tickets(lapor_sim, tid)
    assert [(a["name"], a["sha256"]) for a in ticket["attachments"]] == [
        ("lampiran-1.jpg", hashlib.sha256(photo(99)).hexdigest())
    ]


@pytest.fixture()
def quick_retries(hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No backoff of our own: a retry comes back after the delay the code asked for."""
    from chalicelib import bootstrap

    monkeypatch.setenv("FORWARD_BACKOFF_BASE_S", "0")
    bootstrap.reset()


@pytest.mark.usefixtures("quick_retries")
def test_ten_complaints_each_photo_uploaded_right_after_submitting_all_reach_lapor(
    client: Any, pump: Any, lapor_sim: Any
) -> None:
    """Ten phones, one after the other: a form, the complaint naming it, the photo. The
    forwarder runs between them; half the phones are slower than it, so their photo lands
    only after it has already tried the complaint. Every ticket carries its own photo."""
    from chalicelib.bootstrap import repository

    tids: list[str] = []
    with captured_logs() as buffer:
        for i in range(10):
            form = ask_upload(client, {"content_type": "image/jpeg"}).json_body
            resp = submit_with(client, [form["key"]])
            assert resp.status_code == 201, resp.body
            tid = str(resp.json_body["tracking_id"])
            tids.append(tid)
            slow = i % 2 == 1
            if not slow:
                assert upload(form, photo(i), "image/jpeg").status_code < 300
            pump.drain("forward_to_lapor", idle_rounds=1)
            if slow:
                assert repository().get_item(tid, consistent=True).get("fwd_attempts")  # it came first
                assert upload(form, photo(i), "image/jpeg").status_code < 300

        def at_lapor() -> dict[str, dict[str, Any]] | None:
            pump.drain("forward_to_lapor", idle_rounds=1)
            found = {tid: tickets(lapor_sim, tid) for tid in tids}
            return {t: rows[0] for t, rows in found.items()} if all(found.values()) else None

        tickets_by_id = poll(at_lapor, deadline_s=60, every_s=0.2)
    assert all(len(tickets(lapor_sim, tid)) == 1 for tid in tids)
    with_photo = [
        tid
        for i, tid in enumerate(tids)
        if [a["sha256"] for a in tickets_by_id[tid]["attachments"]] == [hashlib.sha256(photo(i)).hexdigest()]
    ]
    assert len(with_photo) == 10, f"{len(with_photo)} of 10 reached LAPOR! with their photo"
    assert {a["name"] for t in tickets_by_id.values() for a in t["attachments"]} == {"lampiran-1.jpg"}
    waited = {
        tid
        for tid in tids[1::2]
        if any(e["message"] == "waiting for an attachment upload" for e in lines_for(buffer, tid))
    }
    assert waited == set(tids[1::2])  # the slow phones' complaints did wait for their photo


def test_unclaimed_uploads_expire() -> None:
    """S3 deletes what is left under uploads/ (AWS applies the template's lifecycle rule; moto's
    CloudFormation ignores lifecycle rules and moto expires nothing, so the template is checked)."""
    from chalicelib.domain.attachments import UPLOAD_PREFIX, rules
    from infra.local.provision import TEMPLATE

    bucket = json.loads(TEMPLATE.read_text())["Resources"]["AttachmentsBucket"]["Properties"]
    [expire] = [r for r in bucket["LifecycleConfiguration"]["Rules"] if r["Id"] == "expire-uploads"]
    assert (expire["Status"], expire["Prefix"]) == ("Enabled", UPLOAD_PREFIX)
    assert expire["ExpirationInDays"] == rules().uploads_expire_days
