"""The registry of onboarded regions as a container uses it: nothing at import, each region loaded
on first use, a bounded number kept (least recently used forgotten), the list kept a while.
And how the helper commands find the running `make run`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.jurisdiction import Jurisdiction, Kecamatan, Opd
from chalicelib.domain.jurisdiction_record import JurisdictionRecord
from chalicelib.services.jurisdictions import JurisdictionService

ROOT = Path(__file__).resolve().parents[2]


def _region(code: str, prefix: str) -> JurisdictionRecord:
    j = Jurisdiction(
        code=code,
        name=f"Contoh {code}",
        kind="kota",
        province_code=code[:2],
        timezone="Asia/Jakarta",
        prefix=prefix,
        kecamatan=(Kecamatan(code=f"{code}.01", name="Satu"),),
        desa_kelurahan=(),
        opd=(Opd(code="opd:inspektorat", name="Inspektorat"),),
    )
    return JurisdictionRecord(j, boundaries_key=f"jurisdictions/{code}/b.geojson", version=1)


class FakeStore:
    def __init__(self, records: dict[str, JurisdictionRecord]) -> None:
        self.records = records
        self.loads: list[str] = []
        self.lists = 0

    def summaries(self) -> list[dict[str, Any]]:
        self.lists += 1
        return [
            {"code": c, "name": r.jurisdiction.name, "kind": r.jurisdiction.kind, "prefix": r.jurisdiction.prefix}
            for c, r in sorted(self.records.items())
        ]

    def load(self, code: str) -> JurisdictionRecord | None:
        self.loads.append(code)
        return self.records.get(code)

    def code_for_prefix(self, prefix: str) -> str | None:
        return next((c for c, r in self.records.items() if r.jurisdiction.prefix == prefix), None)


class FakeFiles:
    def __init__(self) -> None:
        self.reads: list[str] = []

    def read(self, key: str) -> dict[str, Any] | None:
        self.reads.append(key)
        return {"type": "FeatureCollection", "features": [], "key": key}


def _service(n: int = 5, capacity: int = 2) -> tuple[JurisdictionService, FakeStore, FakeFiles, list[float]]:
    store = FakeStore({f"9{i}.01": _region(f"9{i}.01", f"A{chr(65 + i)}A") for i in range(n)})
    files = FakeFiles()
    now = [0.0]
    return JurisdictionService(store, files, capacity=capacity, list_ttl_s=60, clock=lambda: now[0]), store, files, now


def test_a_region_is_read_once_on_first_use_and_the_least_recently_used_is_forgotten() -> None:
    svc, store, _files, _now = _service(capacity=2)
    assert svc.loaded() == [] and store.loads == []
    assert svc.get("90.01") is not None
    assert svc.get("90.01") is not None
    assert store.loads == ["90.01"]
    svc.get("91.01")
    svc.get("90.01")  # used again: now the most recent
    svc.get("92.01")  # a third: the least recently used (91.01) goes
    assert svc.loaded() == ["90.01", "92.01"]
    svc.get("91.01")
    assert store.loads == ["90.01", "91.01", "92.01", "91.01"]
    assert len(svc.loaded()) == 2


def test_an_unknown_region_is_none_and_not_kept() -> None:
    svc, store, _files, _now = _service()
    assert svc.get("99.99") is None and svc.record("99.99") is None and svc.boundaries("99.99") is None
    assert svc.loaded() == []


def test_boundaries_are_read_on_first_use_only_and_go_with_their_region() -> None:
    svc, _store, files, _now = _service(capacity=1)
    assert svc.get("90.01") is not None and files.reads == []
    svc.boundaries("90.01")
    svc.boundaries("90.01")
    assert files.reads == ["jurisdictions/90.01/b.geojson"]
    svc.get("91.01")  # 90.01 forgotten with its boundaries
    svc.boundaries("90.01")
    assert files.reads == ["jurisdictions/90.01/b.geojson"] * 2


def test_the_list_is_kept_for_its_time_then_read_again() -> None:
    svc, store, _files, now = _service()
    assert [s["code"] for s in svc.summaries()] == [f"9{i}.01" for i in range(5)]
    svc.summaries()
    assert store.lists == 1
    now[0] = 61
    svc.summaries()
    assert store.lists == 2
    assert svc.code_for_prefix("ACA") == "92.01" and svc.code_for_prefix("ZZZ") is None


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        JurisdictionService(FakeStore({}), FakeFiles(), capacity=0)


def test_import_app_loads_no_jurisdiction_data() -> None:
    code = (
        "import sys, app\n"
        "from chalicelib import bootstrap\n"
        "loaded = [m for m in ('chalicelib.services.jurisdictions', 'chalicelib.adapters.storage.jurisdictions',"
        " 'chalicelib.adapters.boundaries', 'infra.jurisdictions.wilayah') if m in sys.modules]\n"
        "print(bootstrap.jurisdictions.cache_info().currsize, bootstrap.jurisdiction_store.cache_info().currsize,"
        " loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 0 []"


# -- the running `make run`, for the helper commands ---------------------------------------------


@pytest.fixture()
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOCAL_STATE_DIR", str(tmp_path))
    return tmp_path


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_without_a_running_stack_connect_says_so_in_one_line(state_dir: Path) -> None:
    from infra.local.running import NoRunningStack, connect

    with pytest.raises(NoRunningStack) as absent:
        connect()
    assert "start `make run` first" in absent.value.message and "stack.json" in absent.value.message
    (state_dir / "stack.json").write_text(
        json.dumps({"moto": f"http://127.0.0.1:{_closed_port()}", "api": "http://x", "env": {}})
    )
    with pytest.raises(NoRunningStack) as silent:
        connect(deadline_s=1)
    assert "does not answer" in silent.value.message


def test_make_run_writes_down_where_it_runs_and_removes_it_when_it_stops(state_dir: Path) -> None:
    from infra.local import running

    running.remember("http://127.0.0.1:1", "http://127.0.0.1:2", {"TABLE_NAME": "t"}, "aduan-hub")
    found = running.find()
    assert found is not None and found["env"] == {"TABLE_NAME": "t"} and found["api"] == "http://127.0.0.1:2"
    running.forget()
    assert running.find() is None


@pytest.mark.parametrize(
    "module",
    [
        "infra.local.recompute_stats",
        "infra.local.reindex_nearby",
        "infra.local.check_inboxes",
        "infra.local.seed",
        "infra.local.apikey",
        "infra.local.escalation_demo",
        "infra.jurisdictions.onboard",
    ],
)
def test_helper_commands_without_a_running_stack_end_with_a_message_not_a_traceback(
    state_dir: Path, module: str
) -> None:
    args = {
        "infra.local.apikey": ["--name", "x"],
        "infra.local.escalation_demo": ["ABC-0000-0000"],
        "infra.jurisdictions.onboard": ["--code", "36.04"],
    }.get(module, [])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TABLE_NAME", "MOTO_"))}
    out = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert "start `make run` first" in out.stderr
