"""Nobody has to remember to look: each person's choice of notices, and a colleague's @mention
in a note becomes one SNS notice for that person, with the unit it is for as an attribute."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.operator_support import KEL, OPERATOR, OPERATOR2, Who, act, ok, show, submit


def prefs(client: Any, who: Any, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return client.http.get("/v1/operator/notifications", headers=dict(who))
    return client.http.put(
        "/v1/operator/notifications", body=json.dumps(body), headers={**who, "Content-Type": "application/json"}
    )


def notices(tid: str) -> list[dict[str, Any]]:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values

    return list(bootstrap.repository().query("pk = :p", values(p=f"NOTIFY#{tid}"), consistent=True))


def test_each_person_chooses_their_notices(client: Any, hub: Any) -> None:
    first = ok(prefs(client, OPERATOR))
    assert first["user"] == "budi" and first["unit"] == f"kel:{KEL}" and all(first["events"].values())
    saved = ok(
        prefs(client, OPERATOR, {"email": "budi@example.org", "events": {"due_tomorrow": False}, "digest": True})
    )
    assert saved["events"]["due_tomorrow"] is False and saved["events"]["mentioned"] is True and saved["digest"]
    assert ok(prefs(client, OPERATOR)) == saved
    bad = prefs(client, OPERATOR, {"email": "bukan alamat"})
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "email"
    assert prefs(client, OPERATOR, {"events": {"gosip": True}}).status_code == 400
    assert ok(prefs(client, OPERATOR2))["email"] is None  # each person their own


def test_a_mention_in_a_note_is_one_notice_for_that_colleague(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.models import utcnow

    colleague = Who("operator", f"kel:{KEL}", "wati")
    tid, _ = submit(client)
    ok(show(client, tid, colleague))  # wati signs in: a person of the unit
    ok(show(client, tid, OPERATOR))
    assert show(client, tid, OPERATOR2).status_code == 404  # sari: another kelurahan
    ok(act(client, tid, colleague, "note", message="@budi tolong cek lokasi; @sari @wati @nobody"))
    [n] = notices(tid)
    assert n["kind"] == "mentioned" and n["user"] == "budi" and n["unit_code"] == f"kel:{KEL}"
    assert "wati" in n["message"] and tid in n["subject"]
    # budi turns mentions off: the next one is not sent to him
    ok(prefs(client, OPERATOR, {"events": {"mentioned": False}}))
    ok(act(client, tid, colleague, "note", message="@budi sekali lagi"))
    assert len(notices(tid)) == 1
    # the sweep publishes the pending notice with the unit as an attribute (a filter policy's key)
    published: list[dict[str, Any]] = []
    notifier = bootstrap.notifier()
    notifier.sns = _Recorder(published)
    notifier.topic_arn = notifier.topic_arn or "arn:aws:sns:ap-southeast-3:000000000000:notices"
    out = bootstrap.escalation().republish_pending(utcnow() + timedelta(minutes=5))
    assert out["republished"] >= 1
    [sent] = [m for m in published if m["MessageAttributes"]["kind"]["StringValue"] == "mentioned"]
    attrs = {k: v["StringValue"] for k, v in sent["MessageAttributes"].items()}
    assert attrs["unit"] == f"kel:{KEL}" and attrs["user"] == "budi" and attrs["tracking_id"] == tid


class _Recorder:
    def __init__(self, into: list[dict[str, Any]]) -> None:
        self.into = into

    def publish(self, **kwargs: Any) -> dict[str, str]:
        self.into.append(kwargs)
        return {"MessageId": str(len(self.into))}


@pytest.mark.moto_table  # the table's stream brings the complaint to the unit's inbox
def test_a_unit_hears_of_a_complaint_that_arrives_in_its_inbox(client: Any, pump: Any) -> None:
    from tests.integration.operator_support import ADMIN, settle

    tid, _ = submit(client)
    settle()
    settle()  # read again: still one notice
    [n] = [n for n in notices(tid) if n["kind"] == "new_complaint"]
    assert n["unit_code"] == f"kel:{KEL}" and tid in n["subject"]
    ok(act(client, tid, OPERATOR, "not-ours", reason="Ini urusan dinas pekerjaan umum."))
    settle()
    assert len([n for n in notices(tid) if n["kind"] == "new_complaint"]) == 1  # the coordinator is no unit
    ok(act(client, tid, ADMIN, "reassign", unit="opd:dpupr", reason="Jalan: DPUPR."))
    settle()
    arrived = sorted(n["unit_code"] for n in notices(tid) if n["kind"] == "new_complaint")
    assert arrived == ["kel:36.73.03.1001", "opd:dpupr"]
