"""Helpers for the operators' tests: signed-in calls, actions with If-Match, LAPOR!'s side."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from tests.support.auth import bearer


class Who(Mapping[str, str]):
    """A signed-in caller's headers, minted on first use (the test issuer starts with the session)."""

    def __init__(self, role: str, unit: str, user: str) -> None:
        self.role, self.unit, self.user = role, unit, user
        self._headers: dict[str, str] | None = None

    def _h(self) -> dict[str, str]:
        if self._headers is None:
            self._headers = bearer(self.role, self.unit, user=self.user)
        return self._headers

    def __getitem__(self, key: str) -> str:
        return self._h()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._h())

    def __len__(self) -> int:
        return len(self._h())


#: Walantaka: no other test files complaints here, so inbox pages and counts are this file's own
KEC = "36.73.03"
KEL = "36.73.03.1001"
KEL2 = "36.73.03.1002"
OPD = "opd:dispusip"  # no category routes here: only reassignments bring complaints to it

OPERATOR = Who("operator", f"kel:{KEL}", "budi")
OPERATOR2 = Who("operator", f"kel:{KEL2}", "sari")
SUPERVISOR = Who("supervisor", f"kec:{KEC}", "camat")
OPD_OPERATOR = Who("operator", OPD, "dewi")
ADMIN = Who("admin", "city", "kurniawan")
OUTSIDER = Who("operator", "kel:36.73.01.1002", "orang-lain")

REPORTER = {"name": "Rina Marlina", "phone": "+6281399887766", "email": "rina@example.org", "nik": "3673030101010003"}


def body(kel: str = KEL, category: str = "pelayanan-kelurahan", **over: Any) -> dict[str, Any]:
    out = {
        "category": category,
        "title": "Surat pengantar lambat",
        "description": "Pengurusan surat pengantar di kantor kelurahan sudah dua minggu belum selesai.",
        "location": {"kelurahan_code": kel, "address": "Kantor Kelurahan"},
        "reporter": dict(REPORTER),
    }
    out.update(over)
    return out


def submit(client: Any, **over: Any) -> tuple[str, str]:
    """A new complaint through the public API: (tracking id, reporter token)."""
    resp = client.http.post(
        "/v1/complaints", body=json.dumps(body(**over)), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 201, resp.body
    return resp.json_body["tracking_id"], resp.json_body["reporter_token"]


def show(client: Any, tid: str, who: Mapping[str, str]) -> Any:
    return client.http.get(f"/v1/operator/complaints/{tid}", headers=dict(who))


def version(client: Any, tid: str, who: Mapping[str, str] = ADMIN) -> int:
    resp = show(client, tid, who)
    assert resp.status_code == 200, resp.body
    assert resp.headers["ETag"] == f'"{resp.json_body["version"]}"'
    return int(resp.json_body["version"])


def act(
    client: Any, tid: str, who: Mapping[str, str], action: str, if_match: int | str | None = "auto", **fields: Any
) -> Any:
    headers = {**who, "Content-Type": "application/json"}
    if if_match == "auto":
        if_match = version(client, tid, who if who is not OUTSIDER else ADMIN)
    if if_match is not None:
        headers["If-Match"] = f'"{if_match}"'
    return client.http.post(
        f"/v1/operator/complaints/{tid}/actions", body=json.dumps({"action": action, **fields}), headers=headers
    )


def ok(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.body
    return resp.json_body


def inbox(client: Any, who: Mapping[str, str], **params: Any) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.http.get(f"/v1/operator/complaints{'?' + query if query else ''}", headers=dict(who))


def lapor_status(sim: Any, lapor_id: int, name: str) -> None:
    r = requests.post(f"{sim.base_url}/_sim/complaints/{lapor_id}/status", json={"status_name": name}, timeout=5)
    assert r.status_code == 200, r.text


def lapor_followup(sim: Any, lapor_id: int, text: str) -> None:
    r = requests.post(f"{sim.base_url}/_sim/complaints/{lapor_id}/followups", json={"content": text}, timeout=5)
    assert r.status_code == 200, r.text


def sim_followups(sim: Any, lapor_id: int) -> list[dict[str, Any]]:
    rows = requests.get(f"{sim.base_url}/_sim/complaints", timeout=5).json()["results"]["data"]
    [row] = [r for r in rows if r["complaint_id"] == lapor_id]
    return list(row["followups"])


def item(tid: str) -> dict[str, Any]:
    from chalicelib import bootstrap

    found = bootstrap.repository().get_item(tid, consistent=True)
    assert found is not None
    return found


def verified(client: Any, pump: Any, sim: Any, tid: str, at: datetime | None = None) -> int:
    """Forward the complaint and let LAPOR! verify it (one status check): its LAPOR! id."""
    from chalicelib import bootstrap
    from chalicelib.domain.models import utcnow

    pump.drain("forward_to_lapor")
    lapor_id = int(item(tid)["lapor_id"])
    lapor_status(sim, lapor_id, "Dalam Proses")
    assert bootstrap.status_sync().refresh(tid, at or utcnow())
    assert item(tid)["status"] == "verified"
    return lapor_id


def settle() -> None:
    """Deliver the table's stream to its consumer, as Lambda does: the badges follow it."""
    import app
    from infra.local.pump import EventPump

    EventPump(app, endpoint_url=os.environ["AWS_ENDPOINT_URL"], wait_s=0, log=lambda _m: None).drain_streams()


def counts(holder: str) -> dict[str, int]:
    """The badges of one holder, once the stream has been delivered."""
    from chalicelib import bootstrap

    settle()
    return bootstrap.inbox().counts("inbox", holder)


def true_counts(holder: str) -> dict[str, int]:
    """What the counters must say, counted the slow way: every item of the holder's two partitions."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values

    repo = bootstrap.repository()
    out: dict[str, int] = {}
    for pk in (holder, f"{holder}#done"):
        for row in repo.query("inbox_pk = :p", values(p=pk), index="inbox"):
            out[row["status"]] = out.get(row["status"], 0) + 1
    return out
