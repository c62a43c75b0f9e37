"""Presigned uploads to S3 (moto over HTTP) and their way to LAPOR! as documents.

Files of a complaint that is still on its way go with the LAPOR! create; the forwarder
waits a bounded time for a named file that has not arrived yet, then goes without it.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine

from tests.integration.test_escalation import reporter_headers, submit
from tests.integration.test_forwarding import tickets
from tests.support.photos import clean_jpeg

#: a photo the hub passes on byte for byte (it is already what its re-encoding makes)
JPEG = clean_jpeg(0)


@pytest.fixture()
def quick_uploads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """attachments.json with short waits, so a test waits seconds where production waits minutes."""
    from chalicelib.domain import attachments, reference

    data = {**reference.load_json("attachments.json"), "upload_wait_s": 60, "upload_check_every_s": 1}
    monkeypatch.setattr(attachments, "load_json", lambda name: data)
    attachments.rules.cache_clear()
    yield data
    attachments.rules.cache_clear()


def ask(client: Any, tid: str, body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.http.post(f"/v1/complaints/{tid}/attachments", body=raw, headers=reporter_headers(tid))


def upload(form: dict[str, Any], data: bytes, content_type: str) -> requests.Response:
    up = form["upload"]
    return requests.post(up["url"], data=up["fields"], files={"file": ("x", data, content_type)}, timeout=10)


def ticket_docs(lapor_sim: Any, tid: str) -> list[dict[str, Any]]:
    """The files LAPOR! holds for the complaint's ticket (the simulator's admin view)."""
    [row] = tickets(lapor_sim, tid)
    return list(row["attachments"])


def test_presigned_post_enforces_type_and_size_and_uploads_to_s3(client: Any, stack_env: dict[str, str]) -> None:
    import boto3

    tid = submit(client)
    resp = ask(client, tid, {"filename": "../Foto Jalan (1).jpg", "content_type": "image/jpeg"})
    assert resp.status_code == 201, resp.body
    form = resp.json_body
    assert re.fullmatch(rf"attachments/{tid}/[0-9a-f]{{32}}\.jpg", form["key"]), form["key"]
    assert form["expires_in"] == 900
    policy = json.loads(base64.b64decode(form["upload"]["fields"]["policy"]))
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"key": form["key"]} in policy["conditions"]
    # moto accepts presigned POSTs but does not evaluate their policy conditions,
    # so the refusal of a wrong type / size is S3's (asserted above via the policy)
    assert upload(form, JPEG, "image/jpeg").status_code in (200, 201, 204)
    stored = boto3.client("s3").get_object(Bucket=stack_env["ATTACHMENTS_BUCKET"], Key=form["key"])
    assert stored["Body"].read() == JPEG


def test_uploaded_files_reach_lapor_once_and_missing_ones_are_waited_for_then_skipped(
    client: Any, hub: Any, lapor_sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.lapor import LaporClient, LaporError
    from chalicelib.bootstrap import forwarding, repository
    from chalicelib.domain.attachments import rules
    from chalicelib.domain.models import utcnow
    from chalicelib.services.forwarding import RetryLater

    tid = submit(client)
    photo = ask(client, tid, {"filename": "jalan.jpg", "content_type": "image/jpeg"}).json_body
    pdf = ask(client, tid, {"filename": "surat.pdf", "content_type": "application/pdf"}).json_body
    never = ask(client, tid, {"filename": "video.mp4", "content_type": "video/mp4"}).json_body
    assert upload(photo, JPEG, "image/jpeg").status_code < 300
    assert upload(pdf, b"%PDF-1.4 surat", "application/pdf").status_code < 300

    uploads_before = lapor_sim.stats()["calls"].get("POST /complaints/complaint/file", 0)
    real_create = LaporClient.create
    calls = {"n": 0}

    def create_fails_once(self: LaporClient, payload: dict[str, Any]) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise LaporError("429: Too Many Attempts.", "not_sent", 429, 0)
        return real_create(self, payload)

    monkeypatch.setattr(LaporClient, "create", create_fails_once)
    with pytest.raises(RetryLater) as waiting:
        forwarding().forward(tid)  # the video was asked for but has not arrived: wait for it
    assert waiting.value.reason == "waiting for an attachment upload"
    assert waiting.value.delay_s == rules().upload_check_every_s
    assert calls["n"] == 0 and "lapor_docs" not in repository().get_item(tid)
    with time_machine.travel(utcnow() + timedelta(seconds=rules().upload_wait_s + 1)):
        with pytest.raises(RetryLater):  # the wait is over: without the video; the create fails once
            forwarding().forward(tid)
        docs = repository().get_item(tid)["lapor_docs"]
        assert set(docs) == {photo["key"], pdf["key"]}  # recorded before the create was tried
        assert forwarding().forward(tid).outcome == "forwarded"
    uploads = lapor_sim.stats()["calls"]["POST /complaints/complaint/file"] - uploads_before
    assert uploads == 2, "a retry must not upload the same file again"
    at_lapor = ticket_docs(lapor_sim, tid)
    assert sorted(d["id"] for d in at_lapor) == sorted(docs.values())
    assert {d["name"] for d in at_lapor} == {"lampiran-1.jpg", "lampiran-2.pdf"}  # never the app's file names
    assert never["key"] not in docs


def test_attachment_requests_are_checked(client: Any, pump: Any) -> None:
    from tests.integration.channel_support import retire

    tid = submit(client)
    bad_type = ask(client, tid, {"filename": "a.exe", "content_type": "application/x-msdownload"})
    assert bad_type.status_code == 400
    assert bad_type.json_body["errors"][0]["field"] == "content_type"
    assert "image/jpeg" in bad_type.json_body["errors"][0]["message"]
    missing = ask(client, tid, {"content_type": "image/png"})
    assert missing.status_code == 400 and missing.json_body["errors"][0]["field"] == "filename"
    assert ask(client, tid, "not json").status_code == 400
    assert ask(client, "SRG-2222-2222", {"filename": "a.png", "content_type": "image/png"}).status_code == 404

    for i in range(5):
        assert ask(client, tid, {"filename": f"{i}.png", "content_type": "image/png"}).status_code == 201
    sixth = ask(client, tid, {"filename": "6.png", "content_type": "image/png"})
    assert sixth.status_code == 409 and sixth.json_body["error"] == "too_many_attachments"

    other = submit(client)
    retire([other])  # closed: nothing more goes to LAPOR!
    late = ask(client, other, {"filename": "late.png", "content_type": "image/png"})
    assert late.status_code == 409 and late.json_body["error"] == "attachments_closed"
    assert "Lampiran" in late.json_body["message_id"] and "attachments" in late.json_body["message_en"]


def test_the_apps_file_name_goes_nowhere(client: Any, hub: Any, lapor_sim: Any, stack_env: dict[str, str]) -> None:
    """People name files after what is in them: a KTP photo's name carries the NIK.
    It is not in the S3 key, the stored complaint, the logs, or the LAPOR! upload."""
    import boto3

    from chalicelib.bootstrap import forwarding, repository
    from chalicelib.domain.attachments import rules
    from chalicelib.domain.models import utcnow
    from chalicelib.observability import logger

    nik = "3673015808900003"
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    try:
        tid = submit(client)
        for name, ctype in (
            (f"KTP_{nik}.JPG", "image/jpeg"),
            (f"{nik} surat.pdf", "application/pdf"),
            (f"C:\\Users\\{nik}\\x.png", "IMAGE/PNG "),
            (f"video_{nik}", "video/mp4"),
        ):
            resp = ask(client, tid, {"filename": name, "content_type": ctype})
            assert resp.status_code == 201, resp.body
            form = resp.json_body
            assert nik not in json.dumps(form)
            if ctype == "image/jpeg":
                assert upload(form, JPEG, ctype).status_code < 300
        with time_machine.travel(utcnow() + timedelta(seconds=rules().upload_wait_s + 1)):
            assert forwarding().forward(tid).outcome == "forwarded"
    finally:
        logger._logger.removeHandler(handler)
    stored = repository().get_item(tid)
    assert [k.rsplit(".", 1)[-1] for k in stored["attachments"]] == ["jpg", "pdf", "png", "mp4"]
    assert nik not in json.dumps(stored, default=str)
    assert nik not in buffer.getvalue()
    assert "attachment never uploaded; forwarded without it" in buffer.getvalue()  # three never were
    [doc] = ticket_docs(lapor_sim, tid)
    assert doc["name"] == "lampiran-1.jpg"
    listed = boto3.client("s3").list_objects_v2(Bucket=stack_env["ATTACHMENTS_BUCKET"], Prefix=f"attachments/{tid}/")
    assert [o["Key"] for o in listed.get("Contents", [])] == [stored["attachments"][0]]
