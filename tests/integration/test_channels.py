"""Rabeg, 112 and 119 webhooks: signed, normalised, idempotent; emergencies stay out of LAPOR!."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from tests.integration.channel_support import (
    KEL,
    call112_record,
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    psc119_record,
    rabeg_record,
    signed,
)
from tests.integration.test_forwarding import tickets
from tests.support.auth import admin_headers

pytestmark = pytest.mark.usefixtures("channel_secrets")


def idem(hub: Any, channel: str, native_id: str) -> dict[str, Any] | None:
    from chalicelib import bootstrap

    return bootstrap.intake().find_by_key(f"channel#{channel}", native_id)


def item(tracking_id: str) -> dict[str, Any]:
    from chalicelib import bootstrap

    found = bootstrap.repository().get_item(tracking_id, consistent=True)
    assert found is not None
    return found


# -- signatures ----------------------------------------------------------------


def test_signed_record_is_accepted(client: Any, hub: Any) -> None:
    rec = rabeg_record()
    resp = post_channel(client, "rabeg", rec)
    assert resp.status_code == 201, resp.body
    assert resp.json_body["channel_ref"] == rec["ID_ADUAN"]
    assert idem(hub, "rabeg", rec["ID_ADUAN"])["tracking_id"] == resp.json_body["tracking_id"]


@pytest.mark.parametrize("case", ["missing", "wrong_secret", "stale", "future", "old_mac_new_time", "garbage"])
def test_refused_signatures_are_401_and_store_nothing(client: Any, hub: Any, case: str) -> None:
    rec = rabeg_record()
    body = json.dumps(rec).encode()
    now = int(time.time())
    header = {
        "missing": None,
        "wrong_secret": signed(body, "rabeg", secret="not-the-secret"),
        "stale": signed(body, "rabeg", ts=now - 301),
        "future": signed(body, "rabeg", ts=now + 400),
        # a captured request replayed with a fresh timestamp but the old MAC
        "old_mac_new_time": f"t={now},v1=" + signed(body, "rabeg", ts=now - 900).split("v1=")[1],
        "garbage": "v1=xyz",
    }[case]
    resp = post_channel(client, "rabeg", body, signature=header)
    assert resp.status_code == 401, resp.body
    assert resp.json_body["error"] == "invalid_signature"
    assert "/" in resp.json_body["message"]  # Indonesian / English
    assert idem(hub, "rabeg", rec["ID_ADUAN"]) is None


def test_signature_covers_the_exact_body(client: Any, hub: Any) -> None:
    rec = rabeg_record()
    header = signed(json.dumps(rec).encode(), "rabeg")
    tampered = json.dumps({**rec, "KD_KAT": "PUNGLI"}).encode()
    assert post_channel(client, "rabeg", tampered, signature=header).status_code == 401
    assert idem(hub, "rabeg", rec["ID_ADUAN"]) is None


def test_unknown_channel_is_404(client: Any) -> None:
    resp = post_channel(client, "whatsapp", rabeg_record(), secret="x")
    assert resp.status_code == 404 and resp.json_body["error"] == "unknown_channel"


def test_secret_comes_from_secrets_manager_when_no_env(
    client: Any, hub: Any, monkeypatch: Any, stack_env: dict[str, str]
) -> None:
    monkeypatch.delenv("CHANNEL_SECRET_PSC119")
    monkeypatch.delenv("CHANNEL_SECRET_RABEG")
    sm = boto3.client("secretsmanager")
    stored = json.loads(sm.get_secret_value(SecretId=stack_env["CHANNEL_SECRET_ARN"])["SecretString"])
    rec = psc119_record()
    resp = post_channel(client, "psc119", rec, secret=stored["psc119"])
    assert resp.status_code == 201, resp.body
    # the template's placeholder is not a secret: the channel stays closed
    assert stored["rabeg"] == "CHANGE-ME"
    resp = post_channel(client, "rabeg", rabeg_record(), secret="CHANGE-ME")
    assert resp.status_code == 503 and resp.json_body["error"] == "channel_not_configured"


# -- Rabeg -----------------------------------------------------------------------


def test_rabeg_record_becomes_a_complaint_forwarded_once(client: Any, hub: Any, pump: Any, lapor_sim: Any) -> None:
    rec = rabeg_record(ANONIM=False)
    first = post_channel(client, "rabeg", rec)
    assert first.status_code == 201, first.body
    tid = first.json_body["tracking_id"]
    again = post_channel(client, "rabeg", rec)  # Rabeg re-sends the same row
    assert again.status_code == 200 and again.json_body["tracking_id"] == tid
    assert again.headers.get("Idempotent-Replayed") == "true"

    stored = item(tid)
    assert (stored["channel"], stored["channel_ref"], stored["category"]) == ("rabeg", rec["ID_ADUAN"], "jalan-rusak")
    assert stored["unit"]["code"] == "opd:dpupr"
    assert stored["channel_media"] == "WEB" and stored["channel_received_at"].startswith("2025-03-04T02:15:00")
    assert stored["reporter"]["phone"] == rec["NO_HP"]

    pump.drain("forward_to_lapor")
    assert len(tickets(lapor_sim, tid)) == 1
    public = client.http.get(f"/v1/complaints/{tid}")
    assert public.json_body["status"] == "forwarded" and public.json_body["channel"] == "rabeg"
    assert "Budi" not in public.body.decode() and rec["NO_HP"] not in public.body.decode()


def test_rabeg_same_id_with_other_content_is_refused_not_replayed(client: Any, hub: Any) -> None:
    rec = rabeg_record()
    first = post_channel(client, "rabeg", rec)
    assert first.status_code == 201, first.body
    tid = first.json_body["tracking_id"]

    # a faithful re-send: other key order, padding, a column we ignore, the time spelled with a T
    resent = {
        **dict(reversed(list(rec.items()))),
        "JUDUL_ADUAN": f"  {rec['JUDUL_ADUAN']} ",
        "KOLOM_BARU": "x",
        "TGL_ADUAN": rec["TGL_ADUAN"].replace(" ", "T"),
    }
    again = post_channel(client, "rabeg", resent)
    assert again.status_code == 200 and again.json_body["tracking_id"] == tid

    for change in (
        {"ISI_ADUAN": "Lampu jalan mati di seluruh gang sejak tiga hari yang lalu."},
        {"KD_KEL": "36.73.01.1001"},
        {"TGL_ADUAN": "2025-03-05 09:15:00"},
    ):
        other = post_channel(client, "rabeg", {**rec, **change})
        assert other.status_code == 422, (change, other.body)
        body = other.json_body
        assert body["error"] == "idempotency_key_reused"
        assert "ID_ADUAN" in body["message_id"] and "ID_ADUAN" in body["message_en"]
        assert tid not in other.body.decode()  # the other record's complaint is not handed out
    assert item(tid)["description"] == rec["ISI_ADUAN"]
    assert idem(hub, "rabeg", rec["ID_ADUAN"])["tracking_id"] == tid


def test_112_same_call_id_with_other_content_is_refused(client: Any) -> None:
    rec = call112_record()
    assert post_channel(client, "call112", rec).status_code == 201
    other = post_channel(client, "call112", {**rec, "description": "Banjir setinggi lutut di depan balai warga."})
    assert other.status_code == 422 and other.json_body["error"] == "idempotency_key_reused"
    assert "call_id" in other.json_body["message_en"]


def test_rabeg_unknown_category_code_goes_to_lainnya_with_a_note(client: Any, hub: Any) -> None:
    resp = post_channel(client, "rabeg", rabeg_record(KD_KAT="XYZ-99"))
    assert resp.status_code == 201, resp.body
    stored = item(resp.json_body["tracking_id"])
    assert stored["category"] == "lainnya"
    assert "XYZ-99" in stored["channel_note"]


def test_rabeg_anonymous_row_keeps_no_reporter(client: Any, hub: Any) -> None:
    resp = post_channel(client, "rabeg", rabeg_record(ANONIM=1, RAHASIA=1))
    assert resp.status_code == 201, resp.body
    stored = item(resp.json_body["tracking_id"])
    assert stored.get("reporter") is None and stored["anonymous"] and stored["confidential"]


@pytest.mark.parametrize(
    ("over", "field", "reason"),
    [
        ({"ISI_ADUAN": "pendek"}, "ISI_ADUAN", "string_too_short"),
        ({"ID_ADUAN": None}, "ID_ADUAN", "missing"),
        ({"TGL_ADUAN": "kemarin"}, "TGL_ADUAN", "datetime_from_date_parsing"),
        ({"LAT": -6.12, "KD_KEL": None}, "LNG", "missing"),
        ({"KD_KEL": "36.73.99.9999"}, "KD_KEL", "unknown_kelurahan"),
        ({"LAT": -5.95, "LNG": 106.15, "KD_KEL": None}, "LAT/LNG/KD_KEL", "outside_kota_serang"),
    ],
)
def test_bad_rabeg_rows_name_the_rabeg_field(
    client: Any, hub: Any, over: dict[str, Any], field: str, reason: str
) -> None:
    rec = rabeg_record(**over)
    resp = post_channel(client, "rabeg", rec)
    assert resp.status_code == 400, resp.body
    problems = {(e["field"], e["reason"]) for e in resp.json_body["errors"]}
    assert (field, reason) in problems, problems
    if "ID_ADUAN" in rec:
        assert idem(hub, "rabeg", rec["ID_ADUAN"]) is None


def test_body_that_is_not_json_is_400_after_the_signature(client: Any) -> None:
    resp = post_channel(client, "rabeg", b"ID_ADUAN=1")
    assert resp.status_code == 400 and resp.json_body["errors"][0]["reason"] == "invalid_json"


# -- 112 ---------------------------------------------------------------------------


def test_112_prank_is_refused_and_not_stored(client: Any, hub: Any) -> None:
    for kind in ("prank", "ghost"):
        rec = call112_record(call_class=kind)
        resp = post_channel(client, "call112", rec)
        assert resp.status_code == 422 and resp.json_body["error"] == "not_a_complaint"
        assert idem(hub, "call112", rec["call_id"]) is None


def test_112_emergency_is_kept_but_never_forwarded(client: Any, hub: Any, pump: Any, lapor_sim: Any) -> None:
    resp = post_channel(client, "call112", call112_record(emergency=True, incident_type="KEBAKARAN"))
    assert resp.status_code == 201 and resp.json_body["status"] == "emergency"
    tid = resp.json_body["tracking_id"]
    stored = item(tid)
    assert "outbox_pk" not in stored and "geo_pk" not in stored
    pump.drain("forward_to_lapor")
    assert tickets(lapor_sim, tid) == []
    assert client.http.get(f"/v1/complaints/{tid}").json_body["status"] == "emergency"


def test_112_unconfirmed_waits_then_confirm_forwards(client: Any, hub: Any, pump: Any, lapor_sim: Any) -> None:
    rec = call112_record(confirmed=False, lat=-6.1210, lon=106.1500, kelurahan_code=None)
    resp = post_channel(client, "call112", rec)
    assert resp.status_code == 201 and resp.json_body["status"] == "awaiting_confirmation"
    tid = resp.json_body["tracking_id"]
    stored = item(tid)
    assert "outbox_pk" not in stored and "geo_pk" not in stored  # not forwarded, not listed nearby
    pump.drain("forward_to_lapor")
    assert tickets(lapor_sim, tid) == []

    confirmed = client.http.post(f"/v1/admin/complaints/{tid}/confirm", headers=admin_headers())
    assert confirmed.status_code == 200 and confirmed.json_body["status"] == "received"
    stored = item(tid)
    assert stored["outbox_pk"].startswith("OUTBOX#") and stored["geo_pk"].startswith("GEO#bencana#")
    pump.drain("forward_to_lapor")
    assert len(tickets(lapor_sim, tid)) == 1
    body = client.http.get(f"/v1/complaints/{tid}").json_body
    assert body["status"] == "forwarded"
    assert [e["kind"] for e in body["timeline"]] == ["received", "confirmed", "forwarded"]

    # confirming twice is the same answer; dismissing now is refused
    assert client.http.post(f"/v1/admin/complaints/{tid}/confirm", headers=admin_headers()).status_code == 200
    late = client.http.post(f"/v1/admin/complaints/{tid}/dismiss", headers=admin_headers())
    assert late.status_code == 409 and late.json_body["error"] == "not_awaiting_confirmation"


def test_112_dismiss_closes_without_forwarding(client: Any, hub: Any, pump: Any, lapor_sim: Any) -> None:
    tid = post_channel(client, "call112", call112_record(confirmed=False)).json_body["tracking_id"]
    resp = client.http.post(
        f"/v1/admin/complaints/{tid}/dismiss",
        body=json.dumps({"reason": "salah sambung"}),
        headers=admin_headers({"Content-Type": "application/json"}),
    )
    assert resp.status_code == 200 and resp.json_body["status"] == "closed"
    assert item(tid)["dismiss_reason"] == "salah sambung"
    assert client.http.post(f"/v1/admin/complaints/{tid}/confirm", headers=admin_headers()).status_code == 409
    pump.drain("forward_to_lapor")
    assert tickets(lapor_sim, tid) == []


def test_confirm_of_an_app_complaint_or_unknown_id_is_refused(client: Any) -> None:
    from tests.integration.test_forwarding import submit

    tid = submit(client)
    assert client.http.post(f"/v1/admin/complaints/{tid}/confirm", headers=admin_headers()).status_code == 409
    assert client.http.post("/v1/admin/complaints/SRG-0000-0000/confirm", headers=admin_headers()).status_code == 404


def test_112_same_call_twice_is_one_complaint(client: Any, hub: Any) -> None:
    rec = call112_record()
    a = post_channel(client, "call112", rec)
    b = post_channel(client, "call112", rec)
    assert (a.status_code, b.status_code) == (201, 200)
    assert a.json_body["tracking_id"] == b.json_body["tracking_id"]


def test_112_unknown_field_is_named(client: Any) -> None:
    resp = post_channel(client, "call112", call112_record(operator="x"))
    assert resp.status_code == 400
    assert resp.json_body["errors"][0]["field"] == "operator"


# -- 119 ---------------------------------------------------------------------------


@pytest.mark.parametrize("over", [{"triage": "merah"}, {"triage": "kuning"}, {"triage": None, "emergency": True}])
def test_119_emergency_is_kept_but_never_forwarded(
    client: Any, hub: Any, pump: Any, lapor_sim: Any, over: dict[str, Any]
) -> None:
    resp = post_channel(client, "psc119", psc119_record(case_code="GAWAT_DARURAT", **over))
    assert resp.status_code == 201 and resp.json_body["status"] == "emergency"
    tid = resp.json_body["tracking_id"]
    pump.drain("forward_to_lapor")
    assert tickets(lapor_sim, tid) == []


def test_119_service_complaint_is_forwarded_to_dinkes(client: Any, hub: Any, pump: Any, lapor_sim: Any) -> None:
    rec = psc119_record()
    resp = post_channel(client, "psc119", rec)
    assert resp.status_code == 201 and resp.json_body["status"] == "received"
    tid = resp.json_body["tracking_id"]
    assert post_channel(client, "psc119", rec).json_body["tracking_id"] == tid
    pump.drain("forward_to_lapor")
    [ticket] = tickets(lapor_sim, tid)
    assert ticket["disposition_id"] == 50008  # opd:dinkes in lapor_dispositions.json
    assert item(tid)["unit"]["code"] == "opd:dinkes" and KEL == item(tid)["location"]["kelurahan_code"]
