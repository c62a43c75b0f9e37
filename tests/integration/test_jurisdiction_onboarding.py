"""Onboarding a region as data (`make jurisdiction`): Kabupaten Serang and Kota Cilegon with their
boundary files, every refusal with its message and nothing written, running it again, the prefix
held by one region only, the region's secret, and the public list.

The table is a fresh in-memory one per test; the boundaries and secrets go to moto's server. The
national area list and the boundary files are in the shared data folder; without it these skip.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.adapters.boundaries import BoundaryFiles
from chalicelib.adapters.storage.jurisdictions import JurisdictionStore
from chalicelib.domain.changes import ConditionFailed
from infra.jurisdictions.onboard import Refused, Request, SecretWriter, Target, onboard, run, secret_name
from infra.jurisdictions.wilayah import Wilayah, load, shared_dir, wilayah_csv

pytestmark = pytest.mark.skipif(
    not wilayah_csv().is_file(), reason=f"the shared data folder is absent ({shared_dir()}; set ADUAN_SHARED_DIR)"
)

WILAYAH_DIR = shared_dir() / "data" / "wilayah"
KAB_SERANG, CILEGON, TANGERANG = "36.04", "36.72", "36.71"


@pytest.fixture(scope="module")
def wilayah() -> Wilayah:
    return load()


@pytest.fixture()
def where(stack_env: dict[str, str], memory_table: Any) -> Iterator[dict[str, Any]]:
    """A fresh table, the stack's bucket and secrets under a name prefix of this test's own."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    files = BoundaryFiles(stack_env["ATTACHMENTS_BUCKET"])
    yield {
        "store": JurisdictionStore(memory_table),
        "files": files,
        "secrets": SecretWriter(boto3.client("secretsmanager")),
        "name_prefix": prefix,
        "db": memory_table.db,
        "bucket": stack_env["ATTACHMENTS_BUCKET"],
    }


def _onboard(where: dict[str, Any], wilayah: Wilayah, request: Request) -> Any:
    return onboard(
        request,
        store=where["store"],
        files=where["files"],
        secrets=where["secrets"],
        name_prefix=where["name_prefix"],
        wilayah=wilayah,
    )


def _everything(where: dict[str, Any], codes: tuple[str, ...] = (KAB_SERANG, CILEGON, TANGERANG)) -> Any:
    """All that onboarding may write: the table's items, the regions' objects, their secrets."""
    db = where["db"]
    items = sorted(json.dumps(i, sort_keys=True, default=str) for part in db._items.values() for i in part.values())
    s3 = boto3.client("s3")
    objects = sorted(
        (o["Key"], o["ETag"])
        for code in codes
        for o in s3.list_objects_v2(Bucket=where["bucket"], Prefix=f"jurisdictions/{code}/").get("Contents", [])
    )
    secrets = [where["secrets"].read(secret_name(where["name_prefix"], c)) for c in codes]
    return items, objects, secrets


def _file(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _boundaries(code: str) -> Any:
    return json.loads((WILAYAH_DIR / f"batas-{code}.geojson").read_text(encoding="utf-8"))


def test_kabupaten_serang_and_kota_cilegon_with_their_boundaries(where: dict[str, Any], wilayah: Wilayah) -> None:
    kab = _onboard(where, wilayah, Request(KAB_SERANG, boundaries=WILAYAH_DIR / "batas-36.04.geojson"))
    kota = _onboard(
        where,
        wilayah,
        Request(CILEGON, boundaries=WILAYAH_DIR / "batas-36.72.geojson", prefix="CLG", lapor_auth="a", lapor_token="t"),
    )
    assert kab.created and kota.created
    assert kab.items_written == 3 and kota.items_written == 3  # profile, units, prefix
    store: JurisdictionStore = where["store"]
    assert store.summaries() == [
        {
            "code": KAB_SERANG,
            "name": "Serang",
            "kind": "kabupaten",
            "prefix": kab.record.jurisdiction.prefix,
            "has_boundaries": True,
        },
        {"code": CILEGON, "name": "Cilegon", "kind": "kota", "prefix": "CLG", "has_boundaries": True},
    ]
    loaded = store.load(KAB_SERANG)
    assert loaded is not None and loaded.jurisdiction == kab.record.jurisdiction
    assert len(loaded.jurisdiction.desa_kelurahan) == 326 and loaded.jurisdiction.has_boundaries
    assert loaded.jurisdiction.words.head == "Bupati"
    stored = where["files"].read(loaded.boundaries_key)
    assert len(stored["features"]) == 326
    assert store.code_for_prefix("CLG") == CILEGON
    cilegon = store.load(CILEGON)
    assert cilegon is not None and len(cilegon.jurisdiction.desa_kelurahan) == 43
    assert any(f["geometry"]["type"] == "MultiPolygon" for f in where["files"].read(cilegon.boundaries_key)["features"])
    assert cilegon.secret_name == secret_name(where["name_prefix"], CILEGON)
    assert where["secrets"].read(cilegon.secret_name) == {"lapor": {"auth": "a", "token": "t"}, "channels": {}}
    assert loaded.secret_name is None  # no credentials given: none invented


def test_running_it_again_updates_and_keeps_what_is_not_given(
    where: dict[str, Any], wilayah: Wilayah, tmp_path: Path
) -> None:
    first = _onboard(where, wilayah, Request(CILEGON, boundaries=WILAYAH_DIR / "batas-36.72.geojson", prefix="CLG"))
    same = _onboard(where, wilayah, Request(CILEGON, boundaries=WILAYAH_DIR / "batas-36.72.geojson", prefix="CLG"))
    assert not same.created and same.record.version == first.record.version + 1
    assert same.record.jurisdiction == first.record.jurisdiction
    assert same.record.boundaries_key == first.record.boundaries_key
    units = [{"code": o.code, "name": o.name.upper()} for o in first.record.jurisdiction.opd]
    again = _onboard(
        where,
        wilayah,
        Request(CILEGON, units=_file(tmp_path, "units.json", units), channel_secrets={"rabeg": "s1"}),
    )
    j = again.record.jurisdiction
    assert j.prefix == "CLG" and j.has_boundaries and again.record.boundaries_key == first.record.boundaries_key
    assert [o.name for o in j.opd] == [u["name"] for u in units]
    assert where["secrets"].read(again.record.secret_name) == {"lapor": {}, "channels": {"rabeg": "s1"}}
    _onboard(where, wilayah, Request(CILEGON, lapor_auth="a", lapor_token="t"))
    assert where["secrets"].read(again.record.secret_name) == {
        "lapor": {"auth": "a", "token": "t"},
        "channels": {"rabeg": "s1"},
    }
    one_object = boto3.client("s3").list_objects_v2(Bucket=where["bucket"], Prefix=f"jurisdictions/{CILEGON}/")
    assert [o["Key"] for o in one_object["Contents"]] == [first.record.boundaries_key]


def test_a_prefix_is_held_by_one_region_and_freed_when_it_changes(where: dict[str, Any], wilayah: Wilayah) -> None:
    _onboard(where, wilayah, Request(CILEGON, prefix="CLG"))
    with pytest.raises(Refused) as taken:
        _onboard(where, wilayah, Request(TANGERANG, prefix="CLG"))
    assert [p.reason for p in taken.value.problems] == ["prefix_taken"]
    assert "CLG" in taken.value.problems[0].message
    moved = _onboard(where, wilayah, Request(CILEGON, prefix="CLX"))
    assert moved.items_written == 4  # and the old prefix's item removed
    assert where["store"].code_for_prefix("CLG") is None
    assert _onboard(where, wilayah, Request(TANGERANG, prefix="CLG")).record.jurisdiction.prefix == "CLG"
    derived = _onboard(where, wilayah, Request(KAB_SERANG)).record.jurisdiction.prefix
    assert derived not in ("CLG", "CLX") and len(derived) == 3


def test_a_save_over_a_region_changed_meanwhile_writes_nothing(where: dict[str, Any], wilayah: Wilayah) -> None:
    done = _onboard(where, wilayah, Request(CILEGON, prefix="CLG"))
    store: JurisdictionStore = where["store"]
    before = _everything(where)
    with pytest.raises(ConditionFailed):
        store.save(done.record, None)  # as if it had not been there when read
    stale = store.load(CILEGON)
    assert stale is not None
    _onboard(where, wilayah, Request(CILEGON, prefix="CLG"))
    with pytest.raises(ConditionFailed):
        store.save(stale, stale)  # read before the other onboarding
    assert len(_everything(where)[0]) == len(before[0])


def _refused(where: dict[str, Any], wilayah: Wilayah, request: Request) -> list[str]:
    before = _everything(where)
    with pytest.raises(Refused) as refused:
        _onboard(where, wilayah, request)
    assert _everything(where) == before, "a refused onboarding wrote something"
    return [p.reason for p in refused.value.problems if p.severity == "error"]


def test_every_refusal_writes_nothing(where: dict[str, Any], wilayah: Wilayah, tmp_path: Path) -> None:
    _onboard(where, wilayah, Request(CILEGON, boundaries=WILAYAH_DIR / "batas-36.72.geojson", prefix="CLG"))
    assert _refused(where, wilayah, Request("99.99")) == ["unknown_code"]
    assert _refused(where, wilayah, Request("36")) == ["not_a_region"]
    assert _refused(where, wilayah, Request("36.04.05")) == ["not_a_region"]
    assert _refused(where, wilayah, Request("Serang")) == ["bad_code"]
    # Kabupaten Serang's file for Kota Tangerang: 326 features of another region, 104 of its own missing
    reasons = _refused(where, wilayah, Request(TANGERANG, boundaries=WILAYAH_DIR / "batas-36.04.geojson"))
    assert set(reasons) == {"foreign_kode", "missing_feature"} and reasons.count("foreign_kode") == 326
    kab = _boundaries(KAB_SERANG)
    dup = copy.deepcopy(kab)
    dup["features"].append(copy.deepcopy(dup["features"][0]))
    assert _refused(where, wilayah, Request(KAB_SERANG, boundaries=_file(tmp_path, "dup.json", dup))) == [
        "duplicate_kode"
    ]
    missing = copy.deepcopy(kab)
    missing["features"].pop(5)
    assert _refused(where, wilayah, Request(KAB_SERANG, boundaries=_file(tmp_path, "m.json", missing))) == [
        "missing_feature"
    ]
    broken = copy.deepcopy(kab)
    ring = broken["features"][3]["geometry"]["coordinates"]
    if broken["features"][3]["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    ring[0] = ring[0][:3]  # a ring of three positions
    assert "short_ring" in _refused(where, wilayah, Request(KAB_SERANG, boundaries=_file(tmp_path, "b.json", broken)))
    swapped = copy.deepcopy(kab)
    geometry = swapped["features"][7]["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        for r in polygon:
            r[:] = [[lat, lng] for lng, lat, *_ in r]
    assert "bad_coordinate" in _refused(  # [lat, lng]: a latitude of 106
        where, wilayah, Request(KAB_SERANG, boundaries=_file(tmp_path, "swapped.json", swapped))
    )
    not_json = tmp_path / "x.geojson"
    not_json.write_text("{not json")
    assert _refused(where, wilayah, Request(KAB_SERANG, boundaries=not_json)) == ["not_json"]
    assert _refused(where, wilayah, Request(KAB_SERANG, prefix="CLG")) == ["prefix_taken"]
    assert _refused(where, wilayah, Request(KAB_SERANG, prefix="clg")) == ["bad_prefix"]
    assert _refused(where, wilayah, Request(KAB_SERANG, lapor_auth="only-auth")) == ["half_credentials"]
    bad_units = [{"code": "opd:dinkes", "name": "Dinas Kesehatan"}, {"code": "opd:dinkes", "name": "Lagi"}]
    reasons = _refused(where, wilayah, Request(KAB_SERANG, units=_file(tmp_path, "u.json", bad_units)))
    assert "duplicate_unit" in reasons


def test_the_command_says_what_is_wrong_and_exits_non_zero(hub: Any, stack_env: dict[str, str]) -> None:
    from chalicelib import bootstrap

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    target = Target(bootstrap.settings().table_name, stack_env["ATTACHMENTS_BUCKET"], prefix, "a test")
    out: list[str] = []
    err: list[str] = []
    assert run(Request("36"), target, out.append, err.append) == 2
    assert "not onboarded, nothing written" in err[0] and "is a province" in err[1]
    assert run(Request(CILEGON, prefix="CLG"), target, out.append, err.append) == 0
    assert out[-1].startswith("36.72 Kota Cilegon: onboarded in a test (prefix CLG; 8 kecamatan, 43 desa/kelurahan")


def test_the_public_list_of_regions(client: Any, stack_env: dict[str, str], wilayah: Wilayah) -> None:
    from chalicelib import bootstrap

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    secrets = SecretWriter(boto3.client("secretsmanager"))
    for code, p in ((CILEGON, "CLG"), (KAB_SERANG, "SRN")):
        onboard(
            Request(code, prefix=p),
            store=bootstrap.jurisdiction_store(),
            files=bootstrap.boundary_files(),
            secrets=secrets,
            name_prefix=prefix,
            wilayah=wilayah,
        )
    answer = client.http.get("/v1/jurisdictions")
    assert answer.status_code == 200
    assert json.loads(answer.body) == {
        "jurisdictions": [
            {"code": KAB_SERANG, "name": "Serang", "kind": "kabupaten", "prefix": "SRN"},
            {"code": CILEGON, "name": "Cilegon", "kind": "kota", "prefix": "CLG"},
        ]
    }
    assert answer.headers["Cache-Control"].startswith("public")
    svc = bootstrap.jurisdictions()
    assert svc.loaded() == []  # the list reads no region's document
    assert svc.get(CILEGON) is not None and svc.loaded() == [CILEGON]
