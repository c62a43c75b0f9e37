"""Reporters answer back: comments while open (operators and LAPOR! read them), one rating when done."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.operator_support import OPERATOR, act, item, ok, show, sim_followups, submit, verified

COMMENT = {"message": "Saya masih menunggu, mohon kabari lewat pesan kapan selesai."}


def post(client: Any, tid: str, what: str, body: Any, token: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Reporter-Token"] = token
    return client.http.post(f"/v1/complaints/{tid}/{what}", body=json.dumps(body), headers=headers)


def test_a_comment_reaches_the_operators_and_lapor_but_not_the_public(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, token = submit(client)
    lapor_id = verified(client, pump, lapor_sim, tid)
    assert post(client, tid, "comments", COMMENT, None).status_code == 401
    assert post(client, tid, "comments", COMMENT, "not-the-token").status_code == 403
    resp = post(client, tid, "comments", COMMENT, token)
    assert resp.status_code == 201, resp.body
    assert "kabari lewat pesan" not in resp.body.decode()  # the answer is the public view
    assert resp.json_body["timeline"][-1]["message"] == "Pelapor menambahkan tanggapan"
    view = ok(show(client, tid, OPERATOR))
    assert view["timeline"][-1]["kind"] == "comment" and "kabari lewat pesan" in view["timeline"][-1]["message"]
    assert view["comment_count"] == 1 and view["status"] == "verified"  # a comment is not the unit's answer
    pump.drain("forward_to_lapor")
    [posted] = sim_followups(lapor_sim, lapor_id)
    assert posted["content"].startswith("Tanggapan pelapor: Saya masih menunggu")
    assert posted["content"].endswith("pelapor]")


def test_comments_are_bounded_and_end_with_the_complaint(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values

    tid, token = submit(client)
    bootstrap.repository().update(tid, "SET comment_count = :n", vals=values(n=20))
    resp = post(client, tid, "comments", COMMENT, token)
    assert resp.status_code == 409 and resp.json_body["error"] == "too_many_comments"
    other, token2 = submit(client)
    verified(client, pump, lapor_sim, other)
    ok(act(client, other, OPERATOR, "reject", reason="Bukan wewenang pemerintah kota sama sekali."))
    resp = post(client, other, "comments", COMMENT, token2)
    assert resp.status_code == 409 and resp.json_body["error"] == "complaint_closed"


@pytest.mark.parametrize(
    "bad", [{"message": "x"}, {"message": "x" * 2001}, {}, {"message": 5}, {"message": "cukup panjang", "extra": 1}, []]
)
def test_bad_comments_are_a_400(client: Any, hub: Any, bad: Any) -> None:
    tid, token = submit(client)
    resp = post(client, tid, "comments", bad, token)
    assert resp.status_code == 400, resp.body


def test_one_rating_once_resolved(client: Any, pump: Any, lapor_sim: Any) -> None:
    tid, token = submit(client)
    verified(client, pump, lapor_sim, tid)
    resp = post(client, tid, "rating", {"stars": 5}, token)
    assert resp.status_code == 409 and resp.json_body["error"] == "not_rateable"
    ok(act(client, tid, OPERATOR, "resolve", message="Surat sudah selesai dan dapat diambil."))
    for bad in ({"stars": 0}, {"stars": 6}, {"stars": "5"}, {"stars": 4.5}, {"comment": "tanpa bintang"}):
        assert post(client, tid, "rating", bad, token).status_code == 400, bad
    resp = post(client, tid, "rating", {"stars": 2, "comment": "Lambat, petugas Pak Joko kurang ramah."}, token)
    assert resp.status_code == 201, resp.body
    assert "Pak Joko" not in resp.body.decode() and resp.json_body["timeline"][-1]["kind"] == "rated"
    again = post(client, tid, "rating", {"stars": 5}, token)
    assert again.status_code == 409 and again.json_body["error"] == "already_rated"
    stored = item(tid)
    assert stored["rating_stars"] == 2 and stored["rated_at"] and stored["status"] == "resolved"
    view = ok(show(client, tid, OPERATOR))
    assert view["rating_stars"] == 2 and "Pak Joko" in view["rating_comment"]
    # a closed complaint may still be rated once
    closed, token2 = submit(client)
    verified(client, pump, lapor_sim, closed)
    ok(act(client, closed, OPERATOR, "resolve", message="Sudah selesai."))
    assert (
        client.http.post(
            f"/v1/complaints/{closed}/confirm-resolved", body="", headers={"X-Reporter-Token": token2}
        ).status_code
        == 200
    )
    assert post(client, closed, "rating", {"stars": 4}, token2).status_code == 201
