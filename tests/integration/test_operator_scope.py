"""Scope that holds when the operators' API is attacked.

- a call centre's calls stay the call centre's until it confirms them (every role, every
  holder state, every channel: read, list, act);
- handing a complaint on ("bukan wewenang") ends the unit's right to act, read-only sight stays;
  the coordinator sends it back to the same unit with a reason, or rejects it;
- an assignment names a person of the unit (the people register);
- a resolve names only a proof upload the hub issued for that complaint;
- a duplicate never reveals a confidential original in a public timeline.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.integration.operator_support import (
    ADMIN,
    KEC,
    KEL,
    OPERATOR,
    OPERATOR2,
    OUTSIDER,
    SUPERVISOR,
    Who,
    act,
    inbox,
    item,
    ok,
    show,
    submit,
    verified,
)

CALL_CENTRES = ("call112", "psc119")
CHANNELS = ("app", "rabeg", "open311", "call112", "psc119")
HOLDER_STATES = ("awaiting_confirmation", "emergency", "dismissed", "confirmed")
ROLES = {
    "operator": OPERATOR,
    "supervisor": SUPERVISOR,
    "other_kelurahan": OPERATOR2,
    "outsider": OUTSIDER,
    "call112": Who("callcenter", "call112", "ayu"),
    "psc119": Who("callcenter", "psc119", "andi"),
    "admin": ADMIN,
}


def accepted(channel: str, state: str) -> str:
    """A complaint of `channel` for kelurahan KEL, brought to `state` the way the hub does."""
    from chalicelib import bootstrap
    from chalicelib.domain.commands import NewComplaint
    from chalicelib.domain.models import Status
    from chalicelib.schemas.public import ComplaintSubmission

    submission = ComplaintSubmission(
        category="pelayanan-kelurahan",
        title="Layanan surat lambat",
        description="Penelepon menyebut nomor +6281299990000 dan pelayanan surat yang lambat sekali.",
        location={"kelurahan_code": KEL, "address": "Kantor Kelurahan"},
    )
    initial = Status.EMERGENCY if state == "emergency" else Status.AWAITING_CONFIRMATION
    new = NewComplaint(
        submission=submission, channel=channel, channel_ref=f"{channel}-{uuid.uuid4().hex[:10]}", initial_status=initial
    )
    tid = bootstrap.intake().accept(new).tracking_id
    if state == "dismissed":
        bootstrap.channels().dismiss(tid, "Panggilan iseng, penelepon tertawa.")
    elif state == "confirmed":
        bootstrap.channels().confirm(tid)
    return tid


def sees(role: str, channel: str, state: str) -> bool:
    """What must hold: the routed unit's people see a call only once its centre confirmed it."""
    if role == "admin":
        return True
    if role in CALL_CENTRES:
        return channel == role
    if role in ("operator", "supervisor"):
        return channel not in CALL_CENTRES or state == "confirmed"
    return False


def listed(client: Any, who: Any, tid: str) -> bool:
    """Anywhere the caller can list: the open inbox and every done shelf."""
    from chalicelib.domain.models import FINAL_STATUSES

    pages = [inbox(client, who)] + [inbox(client, who, status=s.value) for s in FINAL_STATUSES]
    return any(tid in [r["tracking_id"] for r in ok(p)["complaints"]] for p in pages)


@pytest.mark.parametrize("state", HOLDER_STATES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_call_is_the_call_centres_until_it_confirms_it(client: Any, hub: Any, channel: str, state: str) -> None:
    tid = accepted(channel, state)
    missing = client.http.get("/v1/operator/complaints/SRG-2222-2222", headers=dict(ADMIN))
    assert missing.status_code == 404
    for role, who in ROLES.items():
        view = show(client, tid, who)
        what = (role, channel, state, view.status_code)
        if sees(role, channel, state):
            assert view.status_code == 200, what
            continue
        # exactly the answer of a missing id: nothing about the call leaks
        assert view.status_code == 404 and view.body.replace(tid.encode(), b"SRG-2222-2222") == missing.body, what
        assert act(client, tid, who, "note", if_match=1, message="lihat").status_code == 404, what
        if role != "admin":
            assert not listed(client, who, tid), what
    if state == "confirmed" and channel in CALL_CENTRES:
        assert tid in [r["tracking_id"] for r in ok(inbox(client, OPERATOR))["complaints"]]
    if state == "dismissed" and channel in CALL_CENTRES:
        assert listed(client, ROLES[channel], tid)  # on the centre's own closed shelf


def test_handing_on_ends_the_right_to_act_and_the_coordinator_sends_it_back(client: Any, hub: Any) -> None:
    tid, _ = submit(client)
    original, _ = submit(client)
    ok(act(client, tid, OPERATOR, "not-ours", reason="Ini urusan dinas lain, bukan kelurahan."))
    for who in (OPERATOR, SUPERVISOR):
        view = ok(show(client, tid, who))  # read-only sight stays
        assert view["status"] == "returned" and view["allowed_actions"] == []
        v = view["version"]
        for action, fields in (
            ("duplicate-of", {"duplicate_of": original}),
            ("note", {"message": "masih di sini"}),
            ("respond", {"message": "Kami tangani."}),
            ("reject", {"reason": "Tidak jelas."}),
            ("not-ours", {"reason": "Bukan kami."}),
            ("acknowledge", {}),
        ):
            resp = act(client, tid, who, action, if_match=v, **fields)
            assert resp.status_code == 409 and resp.json_body["allowed_actions"] == [], (action, resp.body)
    assert item(tid)["status"] == "returned"
    admin = ok(show(client, tid, ADMIN))
    assert {"reassign", "reject", "duplicate-of"} <= set(admin["allowed_actions"])
    # back to the same unit: only with a reason
    bare = act(client, tid, ADMIN, "reassign", unit=f"kel:{KEL}")
    assert bare.status_code == 400 and bare.json_body["errors"][0]["field"] == "reason"
    back = ok(act(client, tid, ADMIN, "reassign", unit=f"kel:{KEL}", reason="Ini memang wewenang kelurahan."))
    assert back["status"] == "received" and back["unit"]["code"] == f"kel:{KEL}" and back["moved_from"] == []
    mine = ok(show(client, tid, OPERATOR))
    assert "acknowledge" in mine["allowed_actions"] and "not-ours" in mine["allowed_actions"]
    ok(act(client, tid, OPERATOR, "acknowledge"))
    # handed on again; the coordinator rejects it: the unit still reads, never acts
    ok(act(client, tid, OPERATOR, "not-ours", reason="Tetap bukan wewenang kami."))
    rejected = ok(act(client, tid, ADMIN, "reject", reason="Laporan tidak dapat ditindaklanjuti."))
    assert rejected["status"] == "rejected"
    assert ok(show(client, tid, OPERATOR))["allowed_actions"] == []
    assert act(client, tid, OPERATOR, "note", message="catatan").status_code == 409


def test_a_unit_that_handed_on_keeps_read_only_sight_after_the_disposisi(client: Any, hub: Any) -> None:
    tid, _ = submit(client)
    ok(act(client, tid, OPERATOR, "not-ours", reason="Ini urusan dinas pekerjaan umum."))
    moved = ok(act(client, tid, ADMIN, "reassign", unit="opd:dpupr", reason="Jalan: DPUPR."))
    assert moved["unit"]["code"] == "opd:dpupr"
    view = ok(show(client, tid, OPERATOR))
    assert view["allowed_actions"] == [] and view["unit"]["code"] == "opd:dpupr"
    assert act(client, tid, OPERATOR, "note", message="masih kami pantau").status_code == 409
    dpupr = Who("operator", "opd:dpupr", "joko")
    assert "acknowledge" in ok(show(client, tid, dpupr))["allowed_actions"]
    assert show(client, tid, OPERATOR2).status_code == 404  # never handed on by this one


def test_an_assignment_names_a_person_of_the_unit(client: Any, hub: Any) -> None:
    tid, _ = submit(client)
    assert show(client, tid, OPERATOR2).status_code == 404  # sari signs in (for another kelurahan)
    people = ok(client.http.get("/v1/operator/people", headers=dict(OPERATOR)))["people"]
    assert {"user": "budi", "unit": f"kel:{KEL}", "name": None} in people
    assert all(p["unit"] == f"kel:{KEL}" for p in people)
    for bad in ("sari", "bu\u200bdi", "nobody", "kurniawan"):
        resp = act(client, tid, OPERATOR, "assign", assignee=bad)
        assert resp.status_code == 400, (bad, resp.body)
        assert [e["field"] for e in resp.json_body["errors"]] == ["assignee"], bad
    assert item(tid).get("assigned_to") is None
    # the coordinator adds someone who has not signed in yet
    added = client.http.post(
        "/v1/operator/people",
        body=json.dumps({"user": "wati", "unit": f"kel:{KEL}", "name": "Wati Susanti"}),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert added.status_code == 201, added.body
    refused = client.http.post(
        "/v1/operator/people",
        body=json.dumps({"user": "x", "unit": f"kel:{KEL}"}),
        headers={**OPERATOR, "Content-Type": "application/json"},
    )
    assert refused.status_code == 403
    unit_people = ok(client.http.get(f"/v1/operator/people?unit=kel:{KEL}", headers=dict(ADMIN)))["people"]
    assert {"user": "wati", "unit": f"kel:{KEL}", "name": "Wati Susanti"} in unit_people
    other = client.http.get("/v1/operator/people?unit=kel:36.73.01.1002", headers=dict(OPERATOR))
    assert other.status_code == 400 and other.json_body["errors"][0]["field"] == "unit"
    assert ok(act(client, tid, OPERATOR, "assign", assignee="wati"))["assigned_to"] == "wati"
    # a control character never reaches the register's check: intake drops it from every text,
    # so "budi\x07" names budi, a person of the unit, never a name that points at nobody
    assert ok(act(client, tid, OPERATOR, "assign", assignee="budi\x07"))["assigned_to"] == "budi"
    assert item(tid)["assigned_to"] == "budi"
    assert ok(client.http.get(f"/v1/operator/people?unit=kec:{KEC}", headers=dict(SUPERVISOR)))["people"] is not None


def test_a_resolve_names_only_a_proof_upload_the_hub_issued(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap

    tid, _ = submit(client)
    other, _ = submit(client)
    verified(client, pump, lapor_sim, tid)
    verified(client, pump, lapor_sim, other)
    headers = {**OPERATOR, "Content-Type": "application/json"}

    def upload(for_tid: str) -> str:
        resp = client.http.post(
            f"/v1/operator/complaints/{for_tid}/attachments",
            headers=headers,
            body=json.dumps({"filename": "bukti.jpg", "content_type": "image/jpeg"}),
        )
        assert resp.status_code == 201, resp.body
        return str(resp.json_body["key"])

    theirs = upload(other)
    mine = upload(tid)
    forged = f"proof/{tid}/{uuid.uuid4().hex}.jpg"  # the right prefix, never issued
    renamed = f"proof/{tid}/{theirs.rsplit('/', 1)[1]}"  # another complaint's upload, moved under ours
    for key in (forged, renamed, theirs):
        resp = act(client, tid, OPERATOR, "resolve", message="Selesai.", attachment=key)
        assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "attachment", (key, resp.body)
    assert bootstrap.proofs().issued_for(mine) == tid
    done = ok(act(client, tid, OPERATOR, "resolve", message="Selesai, foto terlampir.", attachment=mine))
    assert done["proof_attachments"] == [mine]


def test_a_duplicate_never_reveals_a_confidential_original(client: Any, pump: Any, lapor_sim: Any) -> None:
    from tests.integration.operator_support import sim_followups

    original, _ = submit(client, confidential=True)
    lapor_id = verified(client, pump, lapor_sim, original)
    plain, _ = submit(client)
    dup, _ = submit(client)
    dup2, _ = submit(client)
    dup_lapor_id = verified(client, pump, lapor_sim, dup)  # at LAPOR! too: it hears of the duplicate
    ok(act(client, dup, OPERATOR, "duplicate-of", duplicate_of=original))
    pump.drain("forward_to_lapor")
    told = " ".join(f["content"] for f in sim_followups(lapor_sim, dup_lapor_id))
    assert "dirahasiakan" in told and original not in told and f"#{lapor_id}" not in told
    ok(act(client, dup2, OPERATOR, "duplicate-of", duplicate_of=plain))
    public = client.http.get(f"/v1/complaints/{dup}").body.decode()
    assert original not in public and f"#{lapor_id}" not in public and "SP4N-LAPOR! #" not in public
    [entry] = [e for e in json.loads(public)["timeline"] if e["kind"] == "duplicate"]
    assert "dirahasiakan" in entry["message"]
    assert plain in client.http.get(f"/v1/complaints/{dup2}").body.decode()  # an ordinary original is named
    assert ok(show(client, dup, OPERATOR))["duplicate_of"] == original  # the operators still know which
