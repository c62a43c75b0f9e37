"""The LAPOR! simulator over real HTTP on 127.0.0.1, exercised with `requests`.

The hub's integration tests trust this simulator to behave like LAPOR! (wire shapes,
auth, 422 as a permanent failure) and to fail the way the network does (5xx, 429,
reset, slow, "accepted then lost"), so each of those is pinned here. Time only moves
through the injected clock; the only real waits are the simulator's own slow fault.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.lapor_simulator import (
    FIRST_COMPLAINT_ID,
    STATUSES,
    FaultConfig,
    LaporSimulator,
)

REPO = Path(__file__).resolve().parents[2]
AUTH, TOKEN = "test-auth", "test-token"
HEADERS = {"Authorization": f"Bearer {AUTH}", "token": TOKEN}
# 10-03-2025 08:02:03 WIB
T0 = datetime(2025, 3, 10, 1, 2, 3, tzinfo=UTC).timestamp()
DLH_ID = 50010  # Dinas Lingkungan Hidup in infra/local/lapor_institutions.json
DLH_NAME = "Dinas Lingkungan Hidup Kota Serang"
WIB_FORMAT = re.compile(r"^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$")


class FakeClock:
    """A clock the test moves by hand, so status changes need no sleeping."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A thin authenticated client bound to one simulator."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.base = base_url
        self.session = requests.Session()
        self.session.headers.update(HEADERS if headers is None else headers)

    def get(self, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 5)
        return self.session.get(self.base + path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 5)
        return self.session.post(self.base + path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 5)
        return self.session.put(self.base + path, **kw)

    def create(self, timeout: float = 5, **fields: Any) -> requests.Response:
        body = {
            "title": "Sampah menumpuk",
            "content": "Sampah menumpuk di depan pasar Rau sejak seminggu.",
            "channel": 8,
            "disposition_id": DLH_ID,
            "is_anonymous": False,
            "is_secret": False,
            "is_priority": False,
            "tags_raw": "aduan-hub,AH-0001",
        }
        body.update(fields)
        return self.post("/complaints/complaint", json=body, timeout=timeout)

    def set_faults(self, **faults: Any) -> None:
        r = self.put("/_sim/faults", json=faults)
        assert r.status_code == 200, r.text

    def sim_complaints(self) -> list[dict[str, Any]]:
        r = self.get("/_sim/complaints")
        assert r.status_code == 200
        return r.json()["results"]["data"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def make_sim(clock: FakeClock) -> Iterator[Callable[..., LaporSimulator]]:
    """Start simulators on free ports (port 0) and stop them all afterwards."""
    started: list[LaporSimulator] = []

    def factory(**kw: Any) -> LaporSimulator:
        kw.setdefault("auth", AUTH)
        kw.setdefault("token", TOKEN)
        kw.setdefault("seed", 1)
        kw.setdefault("quiet", True)
        kw.setdefault("clock", clock)
        sim = LaporSimulator(**kw)
        sim.start(host="127.0.0.1", port=0)
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(make_sim: Callable[..., LaporSimulator]) -> LaporSimulator:
    return make_sim()


@pytest.fixture
def api(sim: LaporSimulator) -> Api:
    return Api(sim.base_url)


# -- auth ----------------------------------------------------------------------


def test_base_url_is_local_http_on_a_real_port(sim: LaporSimulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.base_url)
    assert not sim.base_url.endswith(":0")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"token": TOKEN},
        {"Authorization": f"Bearer {AUTH}"},
        {"Authorization": "Bearer wrong", "token": TOKEN},
        {"Authorization": f"Bearer {AUTH}", "token": "wrong"},
        {"Authorization": AUTH, "token": TOKEN},
    ],
    ids=["none", "token-only", "bearer-only", "bad-bearer", "bad-token", "no-scheme"],
)
def test_calls_without_valid_auth_get_401(sim: LaporSimulator, headers: dict) -> None:
    client = Api(sim.base_url, headers=headers)
    for response in (
        client.create(),
        client.get("/masters/institutions/external", params={"page_size": 1000}),
        client.get(f"/complaints/{FIRST_COMPLAINT_ID}/complaint"),
    ):
        assert response.status_code == 401
        assert response.json()["message"]
    assert Api(sim.base_url).sim_complaints() == []


def test_admin_endpoints_need_no_auth(sim: LaporSimulator) -> None:
    client = Api(sim.base_url, headers={})
    assert client.get("/_sim/stats").status_code == 200
    assert client.get("/_sim/complaints").json()["results"]["total"] == 0


# -- the calls -----------------------------------------------------------------


def test_create_get_followups_round_trip(api: Api, clock: FakeClock) -> None:
    r = api.create(is_secret=True, tags_raw="aduan-hub,AH-RT01")
    assert r.status_code == 200
    complaint_id = r.json()["results"]["complaint_id"]
    assert isinstance(complaint_id, int) and complaint_id >= FIRST_COMPLAINT_ID

    r = api.get(f"/complaints/{complaint_id}/complaint")
    assert r.status_code == 200
    # strict: exactly the documented fields, no id, no title
    assert r.json() == {
        "results": {
            "data": {
                "status_code": 1,
                "status_name": "Belum Terverifikasi",
                "disposition_id": DLH_ID,
                "disposition_name": DLH_NAME,
            },
            "data_logs": [],
        }
    }
    [row] = api.sim_complaints()  # the admin view shows everything the simulator stored
    assert row["complaint_id"] == complaint_id and row["title"] == "Sampah menumpuk"
    assert row["tags_raw"] == "aduan-hub,AH-RT01"
    assert row["is_secret"] is True and row["is_anonymous"] is False
    assert row["created_at"] == "10-03-2025 08:02:03"

    r = api.get(f"/complaints/{complaint_id}/followups")
    assert r.status_code == 200
    assert r.json()["results"]["data"] == []

    clock.advance(5)
    r = api.post(
        "/complaints/followup/add",
        data={
            "complaint_id": str(complaint_id),
            "content": "Mohon segera ditangani",
            "is_secret": "0",
            "rating": "4",
        },
        files={"attachment[0]": ("foto.jpg", b"\xff\xd8jpeg", "image/jpeg")},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"results": {}}  # what it answers is not documented

    followups = api.get(f"/complaints/{complaint_id}/followups").json()["results"]["data"]
    assert followups == [{"content": "Mohon segera ditangani", "created_at": "10-03-2025 08:02:08"}]
    assert WIB_FORMAT.match(followups[0]["created_at"])
    [stored] = api.sim_complaints()[0]["followups"]
    assert stored["rating"] == 4
    assert [(d["name"], d["size"]) for d in stored["attachments"]] == [("foto.jpg", 6)]


def test_complaint_ids_increase(api: Api) -> None:
    ids = [api.create().json()["results"]["complaint_id"] for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert ids[0] == FIRST_COMPLAINT_ID


def test_create_accepts_form_encoded_body(api: Api) -> None:
    up = api.post(
        "/complaints/complaint/file",
        files=[("attachments[]", ("a.png", b"png", "image/png"))],
    )
    doc_id = up.json()["results"]["docs"][0]["id"]
    r = api.post(
        "/complaints/complaint",
        data={
            "title": "Lampu jalan mati",
            "content": "Lampu jalan di Ciceri mati sejak Senin malam.",
            "disposition_id": str(DLH_ID),
            "is_anonymous": "1",
            "attachments[]": [str(doc_id)],
            "tags_raw": "AH-FORM1",
        },
    )
    assert r.status_code == 200, r.text
    cid = r.json()["results"]["complaint_id"]
    [data] = [row for row in api.sim_complaints() if row["complaint_id"] == cid]
    assert data["is_anonymous"] is True
    assert [(a["id"], a["name"]) for a in data["attachments"]] == [(doc_id, "a.png")]


def test_unknown_complaint_is_404(api: Api) -> None:
    assert api.get("/complaints/999/complaint").status_code == 404
    assert api.get("/complaints/999/followups").status_code == 404


def test_tag_lookup_finds_the_complaint_by_tracking_id(api: Api) -> None:
    mine = api.create(tags_raw="aduan-hub,AH-2025-000042").json()["results"]
    api.create(tags_raw="aduan-hub,AH-2025-000043")
    r = api.get("/complaints", params={"tag": "AH-2025-000042"})
    assert r.status_code == 200
    rows = r.json()["results"]["data"]
    # the assumed call's documented shape (lapor-api.md), nothing more
    assert rows == [
        {"complaint_id": mine["complaint_id"], "tags_raw": "aduan-hub,AH-2025-000042", "title": "Sampah menumpuk"}
    ]
    nothing = api.get("/complaints", params={"tag": "AH-NOPE"}).json()
    assert nothing["results"]["data"] == []
    assert api.get("/complaints").status_code == 422


OTHER = {"Authorization": "Bearer other-auth", "token": "other-token"}


def test_each_agency_sees_only_its_own_tickets(sim: LaporSimulator) -> None:
    """One agency per credential pair (each pemda has its own account): another agency's ticket
    is answered as a missing one, and the tag look-up lists only the caller's own tickets."""
    assert sim.add_agency("other-auth", "other-token", "other") == "other"
    mine, other = Api(sim.base_url), Api(sim.base_url, headers=OTHER)
    cid = mine.create(tags_raw="aduan-hub,AH-SHARED-1").json()["results"]["complaint_id"]
    theirs = other.create(tags_raw="aduan-hub,AH-SHARED-2").json()["results"]["complaint_id"]
    for path in (f"/complaints/{cid}/complaint", f"/complaints/{cid}/followups"):
        assert other.get(path).status_code == 404
        assert other.get(path).json() == mine.get("/complaints/999/complaint").json()
        assert mine.get(path).status_code == 200
    assert [
        r["complaint_id"] for r in other.get("/complaints", params={"tag": "AH-SHARED"}).json()["results"]["data"]
    ] == [theirs]
    assert [
        r["complaint_id"] for r in mine.get("/complaints", params={"tag": "AH-SHARED"}).json()["results"]["data"]
    ] == [cid]
    added = other.post("/complaints/followup/add", files=[("complaint_id", (None, str(cid))), ("content", (None, "x"))])
    assert added.status_code == 422 and "complaint_id" in added.json()["errors"]
    doc = other.post("/complaints/complaint/file", files=[("attachments[]", ("a.png", b"png", "image/png"))])
    doc_id = doc.json()["results"]["docs"][0]["id"]
    assert mine.create(attachments=[doc_id]).status_code == 422  # another agency's file is unknown here
    rows = {r["complaint_id"]: r["agency"] for r in mine.sim_complaints()}
    assert rows == {cid: "default", theirs: "other"}
    # a pair that mixes two agencies' halves is no agency at all
    mixed = Api(sim.base_url, headers={"Authorization": f"Bearer {AUTH}", "token": "other-token"})
    assert mixed.get(f"/complaints/{cid}/complaint").status_code == 401


def test_agencies_come_from_the_env_and_the_admin_call() -> None:
    from infra.local.lapor_simulator import simulator_from_env

    sim = simulator_from_env({"LAPOR_SIM_AGENCIES": "a2:t2, a3:t3"}, quiet=True)
    assert set(sim.agencies.values()) == {"default", "a2", "a3"}
    with pytest.raises(ValueError):
        simulator_from_env({"LAPOR_SIM_AGENCIES": "no-token"})
    sim.start("127.0.0.1", 0)
    try:
        added = requests.post(f"{sim.base_url}/_sim/agencies", json={"auth": "a4", "token": "t4"}, timeout=5)
        assert added.json()["results"] == {"agency": "a4"}
        assert requests.post(f"{sim.base_url}/_sim/agencies", json={"auth": "a5"}, timeout=5).status_code == 400
    finally:
        sim.stop()


def test_file_upload_ids_can_be_referenced_by_a_create(api: Api) -> None:
    payload = b"\x89PNG\r\n--boundary-lookalike\r\n\x00\xff"
    r = api.post(
        "/complaints/complaint/file",
        files=[
            ("attachments[]", ("jalan.png", payload, "image/png")),
            ("attachments[]", ("surat.pdf", b"%PDF-1.4", "application/pdf")),
        ],
    )
    assert r.status_code == 200, r.text
    docs = r.json()["results"]["docs"]
    assert all(set(d) == {"id"} for d in docs)  # strict: the documented `docs[].id` only
    ids = [d["id"] for d in docs]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 2

    created = api.create(attachments=ids)
    assert created.status_code == 200, created.text
    cid = created.json()["results"]["complaint_id"]
    [data] = [row for row in api.sim_complaints() if row["complaint_id"] == cid]
    assert [a["id"] for a in data["attachments"]] == ids
    assert [a["name"] for a in data["attachments"]] == ["jalan.png", "surat.pdf"]
    assert data["attachments"][1]["sha256"] == hashlib.sha256(b"%PDF-1.4").hexdigest()


def test_file_upload_without_files_is_422(api: Api) -> None:
    r = api.post("/complaints/complaint/file", files={"other": ("x.txt", b"x")})
    assert r.status_code == 422
    assert "attachments" in r.json()["errors"]


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"content": "pendek"}, "content"),
        ({"content": ""}, "content"),
        ({"disposition_id": 12345}, "disposition_id"),
        ({"attachments": [424242]}, "attachments"),
        ({"is_secret": "maybe"}, "is_secret"),
    ],
)
def test_invalid_create_is_422_and_stores_nothing(api: Api, fields: dict, bad_field: str) -> None:
    r = api.create(**fields)
    assert r.status_code == 422
    body = r.json()
    assert body["message"]
    assert bad_field in body["errors"] and body["errors"][bad_field]
    assert api.sim_complaints() == []


def test_institutions_list_covers_opd_kecamatan_and_kelurahan(api: Api) -> None:
    r = api.get("/masters/institutions/external", params={"page_size": 1000})
    assert r.status_code == 200
    data = r.json()["results"]["data"]
    units = json.loads((REPO / "chalicelib/data/units.json").read_text())
    areas = json.loads((REPO / "chalicelib/data/kota-serang.json").read_text())
    kelurahan = sum(len(k["kelurahan"]) for k in areas["kecamatan"])
    assert len(data) >= len(units["opd"]) + len(areas["kecamatan"]) + kelurahan
    assert all(set(i) == {"id", "name"} and isinstance(i["id"], int) for i in data)
    assert len({i["id"] for i in data}) == len(data)
    assert {"id": DLH_ID, "name": DLH_NAME} in data
    names = [i["name"] for i in data]
    assert any(n.startswith("Kecamatan Cipocok Jaya") for n in names)
    assert sum(n.startswith("Kelurahan Sukawana") for n in names) == 2
    # Without page_size the list is paged, like a real list call.
    first_page = api.get("/masters/institutions/external").json()["results"]["data"]
    assert 0 < len(first_page) < len(data)


def test_institutions_file_maps_every_unit_code() -> None:
    doc = json.loads((REPO / "infra/local/lapor_institutions.json").read_text())
    codes = {i["unit_code"] for i in doc["institutions"]}
    units = json.loads((REPO / "chalicelib/data/units.json").read_text())
    areas = json.loads((REPO / "chalicelib/data/kota-serang.json").read_text())
    expected = {u["code"] for u in units["opd"]}
    expected |= {f"kec:{k['code']}" for k in areas["kecamatan"]}
    expected |= {f"kel:{x['code']}" for k in areas["kecamatan"] for x in k["kelurahan"]}
    assert expected <= codes
    assert len(codes) == len(doc["institutions"])


# -- status over time (injected clock) ----------------------------------------


def test_status_progresses_with_the_clock(make_sim: Callable, clock: FakeClock) -> None:
    sim = make_sim(verify_after_s=20, followup_after_s=40, finish_after_s=90)
    api = Api(sim.base_url)
    cid = api.create().json()["results"]["complaint_id"]

    def state() -> tuple[dict, list, list]:
        res = api.get(f"/complaints/{cid}/complaint").json()["results"]
        fus = api.get(f"/complaints/{cid}/followups").json()["results"]["data"]
        return res["data"], res["data_logs"], fus

    clock.advance(19.9)
    data, logs, fus = state()
    assert (data["status_code"], logs, fus) == (1, [], [])

    clock.advance(0.1)
    data, logs, fus = state()
    assert data["status_code"] == 2 and data["status_name"] == "Dalam Proses"
    assert len(logs) == 1
    assert logs[0]["institution_to"] == DLH_NAME
    assert logs[0]["institution_from"]
    assert logs[0]["content"]
    assert logs[0]["data"]["status_old"]["name"] == "Belum Terverifikasi"
    assert logs[0]["data"]["status_new"]["name"] == "Dalam Proses"
    assert "created_at" not in logs[0]  # not documented for data_logs
    assert api.sim_complaints()[0]["data_logs"][0]["created_at"] == "10-03-2025 08:02:23"
    assert fus == []

    clock.advance(20)
    data, logs, fus = state()
    assert data["status_code"] == 2 and len(logs) == 1
    assert len(fus) == 1 and fus[0]["content"]
    assert fus[0]["created_at"] == "10-03-2025 08:02:43"

    clock.advance(50)
    data, logs, fus = state()
    assert data["status_name"] == "Selesai" and data["status_code"] == 3
    assert [log["data"]["status_new"]["name"] for log in logs] == [
        "Dalam Proses",
        "Selesai",
    ]
    assert logs[1]["data"]["status_old"]["name"] == "Dalam Proses"
    assert len(fus) == 1

    clock.advance(1000)
    data, logs, fus = state()
    assert data["status_code"] == 3 and len(logs) == 2 and len(fus) == 1
    tagged = api.get("/complaints", params={"tag": "AH-0001"}).json()["results"]["data"]
    assert [t["complaint_id"] for t in tagged] == [cid]


def test_a_step_set_to_zero_is_skipped(make_sim: Callable, clock: FakeClock) -> None:
    sim = make_sim(verify_after_s=0, followup_after_s=-1, finish_after_s=90)
    api = Api(sim.base_url)
    cid = api.create().json()["results"]["complaint_id"]
    clock.advance(89)
    res = api.get(f"/complaints/{cid}/complaint").json()["results"]
    assert res["data"]["status_code"] == 1 and res["data_logs"] == []
    clock.advance(1)
    res = api.get(f"/complaints/{cid}/complaint").json()["results"]
    assert res["data"]["status_name"] == "Selesai"
    assert [log["data"]["status_old"]["name"] for log in res["data_logs"]] == ["Belum Terverifikasi"]
    assert api.get(f"/complaints/{cid}/followups").json()["results"]["data"] == []


def test_admin_can_force_status_and_add_followups(make_sim: Callable, clock: FakeClock) -> None:
    sim = make_sim(verify_after_s=20, followup_after_s=30, finish_after_s=90)
    api = Api(sim.base_url)
    cid = api.create().json()["results"]["complaint_id"]

    r = api.post(f"/_sim/complaints/{cid}/status", json={"status_name": "Ditolak"})
    assert r.status_code == 200, r.text
    r = api.post(f"/_sim/complaints/{cid}/followups", json={"content": "Bukan wewenang"})
    assert r.status_code == 200
    # Automatic status steps stop once an admin has set the status, and a rejected
    # complaint gets no agency follow-up.
    clock.advance(1000)

    res = api.get(f"/complaints/{cid}/complaint").json()["results"]
    assert res["data"]["status_code"] == 5 and res["data"]["status_name"] == "Ditolak"
    assert len(res["data_logs"]) == 1
    assert res["data_logs"][0]["data"]["status_new"]["name"] == "Ditolak"
    fus = api.get(f"/complaints/{cid}/followups").json()["results"]["data"]
    assert [f["content"] for f in fus] == ["Bukan wewenang"]

    assert api.post(f"/_sim/complaints/{cid}/status", json={"status_name": "x"}).status_code == 422
    assert api.post("/_sim/complaints/1/status", json={"status_name": "Selesai"}).status_code == 404


def test_status_table_has_the_five_lapor_statuses() -> None:
    assert STATUSES == {
        1: "Belum Terverifikasi",
        2: "Dalam Proses",
        3: "Selesai",
        4: "Diarsipkan",
        5: "Ditolak",
    }


# -- faults ---------------------------------------------------------------------


def test_5xx_fault_answers_an_error_and_does_nothing(api: Api) -> None:
    api.set_faults(**{"5xx": 1})
    r = api.create()
    assert r.status_code in (500, 502, 503)
    assert api.sim_complaints() == []
    assert api.get("/_sim/stats").json()["results"]["faults"] == {"5xx": 1}


def test_429_fault_has_retry_after_and_does_nothing(api: Api) -> None:
    api.set_faults(**{"429": 1})
    r = api.create()
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "1"
    assert api.sim_complaints() == []


def test_reset_fault_drops_the_connection_and_does_nothing(api: Api) -> None:
    api.set_faults(reset=1)
    with pytest.raises(requests.ConnectionError):
        api.create()
    assert api.sim_complaints() == []
    # The next call on a fresh connection works once the fault is off.
    api.set_faults(reset=0)
    assert api.create().status_code == 200


def test_slow_fault_times_out_the_client_but_the_work_is_done(api: Api) -> None:
    api.set_faults(slow=1, slow_s=1.0)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        api.create(tags_raw="AH-SLOW-1", timeout=0.3)
    assert time.monotonic() - started < 1.0
    rows = api.sim_complaints()
    assert [row["tags_raw"] for row in rows] == ["AH-SLOW-1"]


@pytest.mark.parametrize("mode", ["drop", "504"])
def test_lose_fault_stores_the_complaint_then_loses_the_answer(api: Api, mode: str) -> None:
    api.set_faults(lose=1, lose_mode=mode)
    if mode == "drop":
        with pytest.raises(requests.ConnectionError):
            api.create(tags_raw="aduan-hub,AH-LOST-7")
    else:
        assert api.create(tags_raw="aduan-hub,AH-LOST-7").status_code == 504
    rows = api.sim_complaints()
    assert [row["tags_raw"] for row in rows] == ["aduan-hub,AH-LOST-7"]
    # Reads are never "lost", so the hub's look-up works while the fault is on.
    found = api.get("/complaints", params={"tag": "AH-LOST-7"})
    assert found.status_code == 200
    assert [r["complaint_id"] for r in found.json()["results"]["data"]] == [rows[0]["complaint_id"]]
    assert api.get("/_sim/stats").json()["results"]["faults"] == {"lose": 1}


def test_reject_fault_is_a_422_and_stores_nothing(api: Api) -> None:
    api.set_faults(reject=1)
    r = api.create()
    assert r.status_code == 422 and r.json()["errors"]
    assert api.sim_complaints() == []
    # reject only applies to creates
    assert api.get("/masters/institutions/external").status_code == 200


@pytest.mark.parametrize("mode", ["html", "shape"])
def test_garble_fault_does_the_work_then_answers_what_no_client_can_read(api: Api, mode: str) -> None:
    api.set_faults(garble=1, garble_mode=mode)
    r = api.create()
    assert r.status_code == 200
    if mode == "html":
        assert r.headers["Content-Type"].startswith("text/html")
        with pytest.raises(ValueError):
            r.json()
    else:
        assert r.json() == {"results": {}}
    assert len(api.sim_complaints()) == 1  # the ticket exists all the same
    assert api.get("/_sim/stats").json()["results"]["faults"] == {"garble": 1}


def test_rich_mode_answers_more_than_the_evidence(make_sim: Callable) -> None:
    """Not what the hub is tested against (strict is): it shows the hub ignores the rest."""
    api = Api(make_sim(strict=False).base_url)
    cid = api.create(tags_raw="aduan-hub,AH-RICH1").json()["results"]["complaint_id"]
    data = api.get(f"/complaints/{cid}/complaint").json()["results"]["data"]
    assert data["complaint_id"] == cid and data["title"] == "Sampah menumpuk"
    assert data["status_name"] == "Belum Terverifikasi"
    row = api.get("/complaints", params={"tag": "AH-RICH1"}).json()["results"]["data"][0]
    assert row["status_name"] == "Belum Terverifikasi"
    added = api.post("/complaints/followup/add", data={"complaint_id": str(cid), "content": "Mohon dicek"})
    fid = added.json()["results"]["id"]
    [fu] = api.get(f"/complaints/{cid}/followups").json()["results"]["data"]
    assert fu["id"] == fid
    assert "total" in api.get("/masters/institutions/external").json()["results"]


def test_strict_is_the_default_and_the_env_can_turn_it_off() -> None:
    from infra.local.lapor_simulator import simulator_from_env

    assert LaporSimulator().strict is True
    assert simulator_from_env({}).strict is True
    assert simulator_from_env({"LAPOR_SIM_STRICT": "0"}).strict is False


def test_faults_never_touch_admin_calls(api: Api) -> None:
    api.set_faults(reset=0.5, **{"5xx": 0.5})
    for _ in range(20):
        assert api.get("/_sim/complaints").status_code == 200
    assert api.get("/_sim/stats").json()["results"]["total_calls"] == 0


def test_seeded_faults_are_reproducible(make_sim: Callable) -> None:
    def run() -> list[int]:
        sim = make_sim(seed=7, faults=FaultConfig(rate_5xx=0.3, rate_429=0.3))
        client = Api(sim.base_url)
        return [client.get("/masters/institutions/external").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {200, 429} <= set(first)
    assert set(first) & {500, 502, 503}


def test_put_faults_rejects_bad_config_and_keeps_the_old_one(api: Api) -> None:
    api.set_faults(**{"429": 0.25})
    assert api.put("/_sim/faults", json={"teapot": 1}).status_code == 400
    assert api.put("/_sim/faults", json={"5xx": 0.8, "429": 0.8}).status_code == 400
    assert api.get("/_sim/faults").json()["results"]["429"] == 0.25


def test_fault_config_parses_the_env_form() -> None:
    cfg = FaultConfig.parse("5xx=0.1,429=0.1,slow=0.05,reset=0.05,lose=0.05,reject=0")
    assert (cfg.rate_5xx, cfg.rate_429, cfg.rate_slow) == (0.1, 0.1, 0.05)
    assert (cfg.rate_reset, cfg.rate_lose, cfg.rate_reject) == (0.05, 0.05, 0.0)
    assert cfg.slow_s == 5.0
    assert FaultConfig.parse("") == FaultConfig()
    with pytest.raises(ValueError):
        FaultConfig.parse("bogus=1")
    with pytest.raises(ValueError):
        FaultConfig.parse("5xx=2")


def test_latency_is_added_to_lapor_calls(make_sim: Callable) -> None:
    api = Api(make_sim(latency_ms=80).base_url)
    started = time.monotonic()
    assert api.get("/masters/institutions/external").status_code == 200
    assert time.monotonic() - started >= 0.08


def test_reset_clears_state_stats_and_faults(api: Api) -> None:
    api.create()
    api.set_faults(**{"429": 1})
    assert api.post("/_sim/reset").status_code == 200
    assert api.sim_complaints() == []
    assert api.get("/_sim/stats").json()["results"]["total_calls"] == 0
    r = api.create()
    assert r.status_code == 200
    assert r.json()["results"]["complaint_id"] == FIRST_COMPLAINT_ID


# -- transport -----------------------------------------------------------------


def test_keep_alive_reuses_one_connection(api: Api) -> None:
    for _ in range(10):
        r = api.get("/masters/institutions/external", params={"page_size": 1000})
        assert r.headers["Content-Length"] == str(len(r.content))
    stats = api.get("/_sim/stats").json()["results"]
    assert stats["connections"] == 1
    assert stats["calls"]["GET /masters/institutions/external"] == 10


def test_hundreds_of_concurrent_creates_get_unique_ids(sim: LaporSimulator) -> None:
    n = 300
    barrier = threading.Barrier(n)

    def one(i: int) -> int:
        client = Api(sim.base_url)
        barrier.wait(timeout=30)
        r = client.create(tags_raw=f"AH-C{i:04d}", timeout=30)
        assert r.status_code == 200
        return r.json()["results"]["complaint_id"]

    with ThreadPoolExecutor(max_workers=n) as pool:
        ids = list(pool.map(one, range(n)))
    assert len(set(ids)) == n
    rows = Api(sim.base_url).sim_complaints()
    assert sorted(r["tags_raw"] for r in rows) == [f"AH-C{i:04d}" for i in range(n)]


def test_cli_reads_env_logs_json_and_stops_on_sigterm() -> None:
    env = dict(
        os.environ,
        LAPOR_SIM_AUTH="cli-auth",
        LAPOR_SIM_TOKEN="cli-token",
        LAPOR_SIM_FAULTS="reject=1",
        LAPOR_SIM_SEED="3",
        LAPOR_SIM_LATENCY_MS="0",
        LAPOR_SIM_VERIFY_AFTER_S="20",
        LAPOR_SIM_FOLLOWUP_AFTER_S="40",
        LAPOR_SIM_FINISH_AFTER_S="90",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.local.lapor_simulator", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"lapor-simulator ready at (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        url = match.group(1)
        client = Api(url, {"Authorization": "Bearer cli-auth", "token": "cli-token"})
        assert client.get("/masters/institutions/external").status_code == 200
        assert client.create().status_code == 422  # reject=1 from LAPOR_SIM_FAULTS
        assert Api(url).get("/masters/institutions/external").status_code == 401
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    logs = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    assert [(x["method"], x["path"], x["status"], x["fault"]) for x in logs] == [
        ("GET", "/masters/institutions/external", 200, None),
        ("POST", "/complaints/complaint", 422, "reject"),
        ("GET", "/masters/institutions/external", 401, None),
    ]
