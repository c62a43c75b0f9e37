"""Operators act on complaints through the API: the state machine, If-Match, LAPOR! and the channel.

Signed in with tokens of the test issuer (tests/support/auth.py); complaints in
kecamatan Walantaka, which no other test file uses, so inbox pages and counts
here are this file's own (tests/integration/operator_support.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.channel_support import (
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    rabeg_record,
    receiver_for,
)
from tests.integration.operator_support import (
    ADMIN,
    KEL,
    KEL2,
    OPD,
    OPD_OPERATOR,
    OPERATOR,
    OPERATOR2,
    OUTSIDER,
    REPORTER,
    act,
    counts,
    inbox,
    item,
    ok,
    show,
    sim_followups,
    submit,
    true_counts,
    verified,
    version,
)


def drain_callbacks(pump: Any, receiver: Any, tid: str, n: int) -> list[dict[str, Any]]:
    from tests.conftest import poll

    def enough() -> bool:
        pump.drain("deliver_channel_event", idle_rounds=1, deadline_s=10)
        return len(receiver.events_for(tid)) >= n

    poll(enough, deadline_s=120)  # the FIFO queue is shared with earlier tests: a backlog first
    pump.drain("deliver_channel_event", idle_rounds=2)  # nothing more may come
    return receiver.events_for(tid)


@pytest.mark.moto_table  # the inbox badges it checks come from the table's stream
@pytest.mark.usefixtures("channel_secrets")
def test_a_rabeg_complaint_from_answer_to_reassignment_to_rating(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    before = {h: counts(h) for h in (f"kel:{KEL}", "city", OPD)}
    with receiver_for(client, "rabeg") as receiver:
        rec = rabeg_record(
            KD_KEL=KEL,
            KD_KAT="KELURAHAN",
            ISI_ADUAN="Surat pengantar di kelurahan tidak kunjung selesai meski sudah dua minggu.",
        )
        resp = post_channel(client, "rabeg", rec)
        assert resp.status_code == 201, resp.body
        tid, token = resp.json_body["tracking_id"], resp.json_body["reporter_token"]
        lapor_id = verified(client, pump, lapor_sim, tid)

        mine = ok(inbox(client, OPERATOR))
        assert tid in [r["tracking_id"] for r in mine["complaints"]] and mine["inbox"] == f"kel:{KEL}"
        ack = ok(act(client, tid, OPERATOR, "acknowledge"))
        assert ack["acknowledged_at"] and "acknowledge" not in ack["allowed_actions"]
        answer = ok(act(client, tid, OPERATOR, "respond", message="Berkas Anda sedang kami periksa."))
        assert answer["status"] == "in_progress" and answer["first_response_at"]
        first_response = answer["first_response_at"]
        returned = ok(act(client, tid, OPERATOR, "not-ours", reason="Surat ini diurus di dinas, bukan kelurahan."))
        assert returned["status"] == "returned"
        assert tid not in [r["tracking_id"] for r in ok(inbox(client, OPERATOR))["complaints"]]
        assert tid in [r["tracking_id"] for r in ok(inbox(client, ADMIN))["complaints"]]

        moved = ok(act(client, tid, ADMIN, "reassign", unit=OPD, reason="Arsip kependudukan di Dispusip."))
        assert moved["status"] == "verified" and moved["unit"]["code"] == OPD
        assert moved["moved_from"] == [f"kel:{KEL}"] and moved["escalation_level"] == 0
        assert moved["deadline"] and moved["acknowledged_at"] is None
        assert ok(show(client, tid, OPERATOR))["allowed_actions"] == []  # the old unit reads it, no more
        done = ok(act(client, tid, OPD_OPERATOR, "resolve", message="Surat pengantar sudah dapat diambil."))
        assert done["status"] == "resolved" and done["resolved_at"]
        assert done["first_response_at"] == first_response  # set once

        rated = client.http.post(
            f"/v1/complaints/{tid}/rating",
            body=json.dumps({"stars": 4, "comment": "Cepat"}),
            headers={"Content-Type": "application/json", "X-Reporter-Token": token},
        )
        assert rated.status_code == 201, rated.body
        assert item(tid)["rating_stars"] == 4 and item(tid)["rated_at"]

        pump.drain("forward_to_lapor")
        pump.drain("forward_to_lapor")  # a second pass posts nothing again
        posted = [f["content"] for f in sim_followups(lapor_sim, lapor_id)]
        assert [p.split("\n")[0] for p in posted] == [
            "Berkas Anda sedang kami periksa.",
            "Pengaduan ini didisposisikan kepada Dinas Perpustakaan dan Kearsipan.",
            "Surat pengantar sudah dapat diambil.",
        ]
        assert all(f"[aduan-hub:{tid}:" in p for p in posted)

        events = drain_callbacks(pump, receiver, tid, 7)
        assert [e["type"] for e in events] == [
            "forwarded",
            "status",
            "acknowledged",
            "answer",
            "returned",
            "reassigned",
            "resolved",
        ]
        assert len({e["event_id"] for e in events}) == len(events)
        assert "dinas, bukan kelurahan" not in json.dumps(events)  # the not-ours reason is the coordinator's
        assert rec["PELAPOR"] not in json.dumps(events)

    public = client.http.get(f"/v1/complaints/{tid}").json_body
    kinds = [e["kind"] for e in public["timeline"]]
    assert "answer" in kinds and "resolved" in kinds and "rated" in kinds
    assert "dinas, bukan kelurahan" not in json.dumps(public) and "kurniawan" not in json.dumps(public)
    for h in (f"kel:{KEL}", "city", OPD):
        assert counts(h) == true_counts(h), h
    assert counts(OPD).get("resolved", 0) == before[OPD].get("resolved", 0) + 1
    assert counts("city").get("returned", 0) == before["city"].get("returned", 0)
    assert utcnow()  # (time moves on; nothing else to check)


def test_a_stale_version_changes_nothing(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, _ = submit(client)
    verified(client, pump, lapor_sim, tid)
    seen = version(client, tid, OPERATOR)
    ok(act(client, tid, OPERATOR, "assign", assignee="budi", if_match=seen))
    state = item(tid)
    resp = act(client, tid, OPERATOR, "respond", message="Jawaban dari layar lama.", if_match=seen)
    assert resp.status_code == 409 and resp.json_body["error"] == "stale_version"
    assert resp.json_body["version"] == seen + 1 and resp.headers["ETag"] == f'"{seen + 1}"'
    after = item(tid)
    assert after == state  # nothing changed: not the status, not the version, no follow-up written
    assert [e for e in client.http.get(f"/v1/complaints/{tid}").json_body["timeline"] if e["kind"] == "answer"] == []


def test_refusals_name_what_is_wrong(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, _ = submit(client)
    resp = act(client, tid, OPERATOR, "resolve", message="Selesai.")
    assert resp.status_code == 409 and resp.json_body["error"] == "action_not_allowed"
    assert resp.json_body["allowed_actions"] == [
        "acknowledge",
        "assign",
        "respond",
        "note",
        "reject",
        "not-ours",
        "duplicate-of",
    ]
    assert "received" in resp.json_body["message_en"]
    resp = act(client, tid, OPERATOR, "reassign", unit=OPD)
    assert resp.status_code == 403 and resp.json_body["error"] == "action_not_permitted"
    resp = act(client, tid, OPERATOR, "respond", if_match=None, message="Tanpa versi.")
    assert resp.status_code == 428 and resp.json_body["error"] == "if_match_required"
    resp = act(client, tid, OPERATOR, "respond", if_match="abc", message="Versi aneh.")
    assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "If-Match"
    resp = act(client, tid, OPERATOR, "not-ours")
    assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "reason"
    resp = act(client, tid, OPERATOR, "respond", message="Ok", reason="salah kolom")
    assert resp.status_code == 400 and resp.json_body["errors"][0]["reason"] == "not_for_action"
    resp = act(client, tid, OPERATOR, "fly")
    assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "action"
    # outside the scope: 404 whatever the body, the same answer as for no complaint at all
    assert act(client, tid, OUTSIDER, "respond", message="x").status_code == 404
    assert act(client, tid, OUTSIDER, "fly").status_code == 404
    assert show(client, tid, OPERATOR2).status_code == 404
    assert item(tid)["version"] == 1


def test_a_complaint_the_forwarder_is_sending_is_not_taken_away(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import iso, values
    from chalicelib.domain.models import utcnow

    tid, _ = submit(client)
    lease = iso(utcnow().replace(year=utcnow().year + 1))
    bootstrap.repository().update(tid, "SET fwd_owner = :o, fwd_lease_until = :u", vals=values(o="x", u=lease))
    resp = act(client, tid, OPERATOR, "not-ours", reason="Bukan urusan kelurahan.")
    assert resp.status_code == 409 and resp.json_body["error"] == "being_forwarded"
    assert item(tid)["status"] == "received"
    # an answer does not take it from the forwarder: allowed, and it waits for the LAPOR! ticket
    answered = ok(act(client, tid, OPERATOR, "respond", message="Sedang kami pelajari."))
    assert answered["status"] == "received"


def test_respond_before_forwarding_reaches_lapor_after_the_ticket(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap

    tid, _ = submit(client)
    ok(act(client, tid, OPERATOR, "respond", message="Sudah kami terima, segera kami tindak lanjuti."))
    assert bootstrap.lapor_followups().deliver(tid) == {"waiting_for_ticket": 1}
    pump.drain("forward_to_lapor")  # the ticket, then (asked again) the follow-up
    bootstrap.lapor_followups().deliver(tid)
    lapor_id = int(item(tid)["lapor_id"])
    assert [f["content"].split("\n")[0] for f in sim_followups(lapor_sim, lapor_id)] == [
        "Sudah kami terima, segera kami tindak lanjuti."
    ]


def test_notes_and_assignments_stay_with_the_operators(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, _ = submit(client, kel=KEL2)
    lapor_id = verified(client, pump, lapor_sim, tid)
    ok(act(client, tid, OPERATOR2, "note", message="Pelapor pernah datang ke kantor, nomor antrean 12."))
    view = ok(act(client, tid, OPERATOR2, "assign", assignee="sari"))
    assert view["assigned_to"] == "sari"
    [note] = [e for e in view["timeline"] if e["kind"] == "note"]
    assert note["public"] is False and note["actor"] == "sari" and note["actor_unit"] == f"kel:{KEL2}"
    public = json.dumps(client.http.get(f"/v1/complaints/{tid}").json_body)
    assert "antrean 12" not in public and "assigned" not in public and "sari" not in public
    mine = ok(inbox(client, OPERATOR2, assigned_to="me"))["complaints"]
    assert tid in [r["tracking_id"] for r in mine] and all(r["assigned_to"] == "sari" for r in mine)
    pump.drain("forward_to_lapor")
    assert sim_followups(lapor_sim, lapor_id) == []


def test_duplicate_of_points_to_the_original_and_leaves_the_work(client: Any, pump: Any, lapor_sim: Any) -> None:
    original, _ = submit(client)
    copy, _ = submit(client)
    verified(client, pump, lapor_sim, original)
    lapor_id = verified(client, pump, lapor_sim, copy)
    assert (
        act(client, copy, OPERATOR, "duplicate-of", duplicate_of=copy).json_body["errors"][0]["reason"]
        == "same_complaint"
    )
    assert act(client, copy, OPERATOR, "duplicate-of", duplicate_of="SRG-2222-2222").status_code == 400
    view = ok(act(client, copy, OPERATOR, "duplicate-of", duplicate_of=original.lower().replace("-", "")))
    assert view["status"] == "duplicate" and view["duplicate_of"] == original and view["allowed_actions"] == ["note"]
    stored = item(copy)
    assert stored["inbox_pk"] == f"kel:{KEL}#done"
    assert not {"due_pk", "sync_pk", "inbox_urgent_sk", "geo_pk"} & set(stored)
    pump.drain("forward_to_lapor")
    [posted] = sim_followups(lapor_sim, lapor_id)
    assert original in posted["content"]
    public = client.http.get(f"/v1/complaints/{copy}").json_body
    assert public["status"] == "duplicate" and original in public["timeline"][-1]["message"]
    resp = act(client, copy, OPERATOR, "duplicate-of", duplicate_of=original)
    assert resp.status_code == 409 and resp.json_body["allowed_actions"] == ["note"]


def test_reject_needs_a_reason_the_reporter_reads(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, _ = submit(client)
    lapor_id = verified(client, pump, lapor_sim, tid)
    view = ok(act(client, tid, OPERATOR, "reject", reason="Laporan tidak memuat lokasi yang dapat diperiksa."))
    assert view["status"] == "rejected"
    public = client.http.get(f"/v1/complaints/{tid}").json_body
    assert "tidak memuat lokasi" in public["timeline"][-1]["message"]
    pump.drain("forward_to_lapor")
    assert "tidak memuat lokasi" in sim_followups(lapor_sim, lapor_id)[0]["content"]


@pytest.mark.usefixtures("channel_secrets")
def test_a_call_centre_confirms_and_dismisses_its_own_calls(client: Any, hub: Any) -> None:
    from tests.integration.channel_support import call112_record
    from tests.integration.operator_support import Who

    cc = Who("callcenter", "call112", "ayu")
    other = Who("callcenter", "psc119", "andi")
    kept = post_channel(client, "call112", call112_record(confirmed=False, kelurahan_code=KEL)).json_body["tracking_id"]
    dropped = post_channel(client, "call112", call112_record(confirmed=False, kelurahan_code=KEL)).json_body[
        "tracking_id"
    ]
    waiting = ok(inbox(client, cc))
    assert waiting["inbox"] == "call112" and {kept, dropped} <= {r["tracking_id"] for r in waiting["complaints"]}
    unit = Who("operator", item(kept)["unit"]["code"], "wawan")  # the unit that will handle it
    assert act(client, kept, other, "confirm", if_match=1).status_code == 404  # another centre's call
    assert act(client, kept, unit, "confirm", if_match=1).status_code == 404  # a call is not the unit's until confirmed
    assert ok(act(client, kept, cc, "confirm"))["status"] == "received"
    view = ok(act(client, dropped, cc, "dismiss", reason="Panggilan iseng."))
    assert view["status"] == "closed" and view["timeline"][-1]["actor"] == "ayu"
    assert tid_in(inbox(client, unit), kept)  # confirmed: now the unit's to handle
    resp = act(client, kept, cc, "confirm")
    assert resp.status_code == 409 and resp.json_body["allowed_actions"] == ["note"]


def tid_in(resp: Any, tid: str) -> bool:
    return tid in [r["tracking_id"] for r in ok(resp)["complaints"]]


def test_the_operator_sees_the_reporter_unless_anonymous(client: Any, hub: Any) -> None:
    named, _ = submit(client)
    hidden, _ = submit(client, anonymous=True)
    assert ok(show(client, named, OPERATOR))["reporter"] == REPORTER
    view = ok(show(client, hidden, OPERATOR))
    assert view["reporter"] is None and view["anonymous"] is True
    assert REPORTER["phone"] not in json.dumps(view) and REPORTER["name"] not in json.dumps(view)
    rows = json.dumps(ok(inbox(client, OPERATOR)))
    assert REPORTER["phone"] not in rows and REPORTER["name"] not in rows  # the list never carries reporters


def test_a_confidential_answer_is_hidden_from_every_public_view(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, _ = submit(client, confidential=True)
    lapor_id = verified(client, pump, lapor_sim, tid)
    ok(act(client, tid, OPERATOR, "respond", message="Petugas akan menemui Ibu di rumah nomor 7."))
    public = client.http.get(f"/v1/complaints/{tid}").json_body
    [answer] = [e for e in public["timeline"] if e["kind"] == "answer"]
    assert "rumah nomor 7" not in json.dumps(public)
    assert answer["message"] == "Tanggapan dari instansi (isi dirahasiakan)"
    assert "rumah nomor 7" in json.dumps(ok(show(client, tid, OPERATOR)))  # the operators read it
    pump.drain("forward_to_lapor")
    [posted] = sim_followups(lapor_sim, lapor_id)
    assert posted["is_secret"] is True


def test_templates_per_category(client: Any, hub: Any) -> None:
    resp = client.http.get("/v1/operator/templates?category=jalan-rusak", headers=dict(OPERATOR))
    ids = [t["id"] for t in ok(resp)["templates"]]
    assert ids[0].startswith("jalan-") and "diterima" in ids
    assert client.http.get("/v1/operator/templates?category=roket", headers=dict(OPERATOR)).status_code == 400
    assert client.http.get("/v1/operator/templates").status_code == 401


def test_a_proof_photo_goes_with_the_resolution(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, _ = submit(client)
    headers = {"Content-Type": "application/json"}

    def upload(ctype: str, who: Any = OPERATOR) -> Any:
        return client.http.post(
            f"/v1/operator/complaints/{tid}/attachments",
            headers={**who, **headers},
            body=json.dumps({"filename": "bukti KTP 3673.jpg", "content_type": ctype}),
        )

    assert upload("image/jpeg").status_code == 409  # not at LAPOR! yet: nothing to resolve
    verified(client, pump, lapor_sim, tid)
    assert upload("image/jpeg", OUTSIDER).status_code == 404
    assert upload("application/pdf").status_code == 400
    form = upload("image/jpeg")
    assert form.status_code == 201, form.body
    key = form.json_body["key"]
    assert key.startswith(f"proof/{tid}/") and key.endswith(".jpg") and "KTP" not in key
    bad = act(client, tid, OPERATOR, "resolve", message="Selesai.", attachment=f"proof/SRG-2222-2222/{key[-10:]}")
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "attachment"
    done = ok(act(client, tid, OPERATOR, "resolve", message="Selesai, foto terlampir.", attachment=key))
    assert done["proof_attachments"] == [key]
