"""What the operators' console needs from the hub: the reporter's words on the operator's
page and in the inbox row, templates the coordinator keeps, the "Diteruskan" shelf."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.operator_support import (
    ADMIN,
    OPERATOR,
    act,
    inbox,
    ok,
    show,
    submit,
    verified,
)


def reporter(client: Any, tid: str, token: str, what: str, body: dict[str, Any]) -> Any:
    return client.http.post(
        f"/v1/complaints/{tid}/{what}",
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "X-Reporter-Token": token},
    )


def row_of(client: Any, who: Any, tid: str, **params: Any) -> dict[str, Any]:
    [row] = [r for r in ok(inbox(client, who, **params))["complaints"] if r["tracking_id"] == tid]
    return row


def test_the_unit_sees_why_the_reporter_reopened_and_what_they_wrote(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, token = submit(client)
    verified(client, pump, lapor_sim, tid)
    first = reporter(client, tid, token, "comments", {"message": "Saya sudah datang dua kali, belum ada hasil."})
    assert first.status_code == 201, first.body
    ok(act(client, tid, OPERATOR, "resolve", message="Surat sudah selesai."))
    reopened = reporter(client, tid, token, "reopen", {"reason": "Suratnya belum bisa diambil, kantor tutup."})
    assert reopened.status_code == 200, reopened.body
    second = reporter(client, tid, token, "comments", {"message": "Mohon kabari kapan bisa diambil."})
    assert second.status_code == 201, second.body

    view = ok(show(client, tid, OPERATOR))
    assert view["reopen_reason"] == "Suratnya belum bisa diambil, kantor tutup." and view["reopened_at"]
    assert [c["message"] for c in view["reporter_comments"]] == [
        "Saya sudah datang dua kali, belum ada hasil.",
        "Mohon kabari kapan bisa diambil.",
    ]
    row = row_of(client, OPERATOR, tid)
    assert row["reopen_reason"] == "Suratnya belum bisa diambil, kantor tutup."
    assert row["comment_count"] == 2
    assert [c["message"] for c in row["reporter_comments"]] == ["Mohon kabari kapan bisa diambil."]
    public = client.http.get(f"/v1/complaints/{tid}").body.decode()
    assert "kantor tutup" not in public and "kapan bisa diambil" not in public  # operators only


def test_a_row_without_reporter_words_has_none(client: Any, hub: Any) -> None:
    tid, _ = submit(client)
    row = row_of(client, OPERATOR, tid)
    assert row["reopen_reason"] is None and row["reporter_comments"] == [] and row["comment_count"] == 0
    assert ok(show(client, tid, ADMIN))["reporter_comments"] == []


def put_template(client: Any, who: Any, template_id: str, **body: Any) -> Any:
    return client.http.put(
        f"/v1/operator/templates/{template_id}",
        body=json.dumps(body),
        headers={**who, "Content-Type": "application/json"},
    )


def test_templates_the_coordinator_keeps_with_placeholders_and_history(client: Any, hub: Any) -> None:
    from tests.integration.operator_support import KEL, OPERATOR2

    tid, _ = submit(client)
    text = "Laporan {tracking_id} ditangani {unit}; jawaban paling lambat {deadline}."
    refused = put_template(client, OPERATOR, "kel-surat", title="Surat", text=text, category="pelayanan-kelurahan")
    assert refused.status_code == 403
    bad = put_template(client, ADMIN, "kel-surat", title="Surat", text="Halo {nama}", category="pelayanan-kelurahan")
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "text"
    bad = put_template(client, ADMIN, "Kel Surat!", title="Surat", text=text)
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "template_id"
    bad = put_template(client, ADMIN, "kel-surat", title="Surat", text=text, category="roket")
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "category"
    made = put_template(
        client, ADMIN, "kel-surat", title="Surat", text=text, category="pelayanan-kelurahan", unit=f"kel:{KEL}"
    )
    assert made.status_code == 200, made.body
    edited = put_template(
        client,
        ADMIN,
        "kel-surat",
        title="Surat pengantar",
        text=text + " Terima kasih.",
        category="pelayanan-kelurahan",
        unit=f"kel:{KEL}",
    )
    assert edited.status_code == 200 and edited.json_body["updated_by"] == "kurniawan"
    # the data file's template, edited: the stored one replaces it
    assert (
        put_template(client, ADMIN, "diterima", title="Diterima", text="Laporan {tracking_id} kami terima.").status_code
        == 200
    )

    mine = ok(client.http.get("/v1/operator/templates?category=pelayanan-kelurahan", headers=dict(OPERATOR)))
    ids = [t["id"] for t in mine["templates"]]
    assert ids[0] == "kel-surat" and "diterima" in ids
    [diterima] = [t for t in mine["templates"] if t["id"] == "diterima"]
    assert diterima["text"] == "Laporan {tracking_id} kami terima."
    theirs = ok(client.http.get("/v1/operator/templates?category=pelayanan-kelurahan", headers=dict(OPERATOR2)))
    assert "kel-surat" not in [t["id"] for t in theirs["templates"]]  # another unit's template

    history = ok(client.http.get("/v1/operator/templates/kel-surat/history", headers=dict(ADMIN)))["changes"]
    assert [(h["action"], h["by"]) for h in history] == [("created", "kurniawan"), ("edited", "kurniawan")]
    assert history[1]["before"]["title"] == "Surat" and history[1]["after"]["title"] == "Surat pengantar"
    first = ok(client.http.get("/v1/operator/templates/diterima/history", headers=dict(ADMIN)))["changes"]
    assert first[0]["action"] == "edited" and first[0]["before"]["text"].startswith("Terima kasih")
    assert client.http.get("/v1/operator/templates/tidak-ada/history", headers=dict(ADMIN)).status_code == 404

    # an action names the template: its text, placeholders filled by the hub
    answered = ok(act(client, tid, OPERATOR, "respond", template_id="kel-surat"))
    message = answered["timeline"][-1]["message"]
    assert tid in message and "{" not in message and "Terima kasih." in message
    assert answered["deadline"] is None or "WIB" in message
    own = ok(act(client, tid, OPERATOR, "respond", template_id="diterima", message="Untuk {tracking_id}: segera."))
    assert own["timeline"][-1]["message"] == f"Untuk {tid}: segera."
    wrong = act(client, tid, OPERATOR, "respond", template_id="jalan-survei")  # another category's
    assert wrong.status_code == 400 and wrong.json_body["errors"][0]["field"] == "template_id"
    unknown = act(client, tid, OPERATOR, "respond", template_id="tidak-ada")
    assert unknown.status_code == 400 and unknown.json_body["errors"][0]["field"] == "template_id"
    other_unit, _ = submit(client, kel=KEL.rsplit(".", 1)[0] + ".1002")
    resp = act(client, other_unit, OPERATOR2, "respond", template_id="kel-surat")  # not this unit's template
    assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "template_id"
    note = act(client, tid, OPERATOR, "note", template_id="diterima", message="x")
    assert note.status_code == 400 and note.json_body["errors"][0]["field"] == "template_id"


def test_diteruskan_the_unit_reads_what_it_handed_on(client: Any, hub: Any) -> None:
    from tests.integration.operator_support import OPERATOR2, SUPERVISOR

    first, _ = submit(client)
    second, _ = submit(client)
    kept, _ = submit(client)
    for tid in (first, second):
        ok(act(client, tid, OPERATOR, "not-ours", reason="Ini urusan dinas lain, bukan kelurahan."))
    ok(act(client, first, ADMIN, "reassign", unit="opd:dpupr", reason="Jalan: DPUPR."))
    shelf = ok(inbox(client, OPERATOR, shelf="forwarded"))
    assert [r["tracking_id"] for r in shelf["complaints"]] == [second, first]  # newest hand-off first
    assert kept not in [r["tracking_id"] for r in ok(inbox(client, OPERATOR, shelf="forwarded"))["complaints"]]
    assert {r["status"] for r in shelf["complaints"]} == {"returned", "received"}  # held by others now
    paged = ok(inbox(client, OPERATOR, shelf="forwarded", limit=1))
    assert [r["tracking_id"] for r in paged["complaints"]] == [second] and paged["next"]
    rest = ok(inbox(client, OPERATOR, shelf="forwarded", limit=1, cursor=paged["next"]))
    assert [r["tracking_id"] for r in rest["complaints"]] == [first]
    assert ok(inbox(client, OPERATOR2, shelf="forwarded"))["complaints"] == []  # another unit's shelf
    assert ok(inbox(client, SUPERVISOR, shelf="forwarded", unit=OPERATOR.unit))["complaints"]
    # sent back: it leaves the shelf and is the unit's to act on again
    ok(act(client, second, ADMIN, "reassign", unit=OPERATOR.unit, reason="Ini memang wewenang kelurahan."))
    after = ok(inbox(client, OPERATOR, shelf="forwarded"))
    assert [r["tracking_id"] for r in after["complaints"]] == [first]
    bad = inbox(client, OPERATOR, shelf="semua")
    assert bad.status_code == 400
