"""A region's own rules: the categories it offers, its SLA policy and its regional holidays.

Kota Cilegon is onboarded with an OVERRIDES file (as `make jurisdiction ... OVERRIDES=` does): three
categories under its own names and severities, one working day for LAPOR!'s verification instead of
three, and a regional holiday on the next working day. Its reporting app lists its categories,
intake refuses one it does not offer, and a forwarded complaint's deadline follows its policy and
calendar; the default region keeps the package's.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.calendar import default_calendar, local_tz, regional_calendar
from chalicelib.domain.reference import load_json
from infra.jurisdictions.onboard import Refused, Request, onboard
from infra.jurisdictions.wilayah import Wilayah, shared_dir, wilayah_csv
from tests.integration.test_lapor_accounts import AGENCY, CILEGON, agencies, forward
from tests.integration.test_lapor_accounts import wilayah as wilayah  # noqa: F401 - the module-scoped fixture
from tests.integration.test_regions_side_by_side import HOME_KEL, complaint, post

pytestmark = pytest.mark.skipif(
    not wilayah_csv().is_file(), reason=f"the shared data folder is absent ({shared_dir()}; set ADUAN_SHARED_DIR)"
)

OFFERED = {"sampah": "Sampah dan kebersihan kota", "lampu-jalan": "Lampu jalan", "pelayanan-kelurahan": "Layanan"}


def _holiday() -> dt.date:
    """The next working day (WIB) by the national calendar: the region's own holiday."""
    today = dt.datetime.now(dt.UTC).astimezone(local_tz()).date()
    return default_calendar().next_working_day(today)


def _overrides() -> dict[str, Any]:
    catalogue = {c["code"]: c for c in load_json("categories.json")["categories"]}
    categories = [{**catalogue[code], "name": name, "severity": "berat"} for code, name in OFFERED.items()]
    sla = copy.deepcopy(load_json("sla_policy.json"))
    sla["stages"]["forwarded"]["default"] = {"working_days": 1}
    day = _holiday()
    holidays = {"years": {str(day.year): {"add": [{"date": day.isoformat(), "name": "Hari Jadi Kota"}]}}}
    return {"categories": {"categories": categories}, "sla_policy": sla, "holidays": holidays}


def _onboard(wilayah: Wilayah, name_prefix: str, secrets: Any, **more: Any) -> Any:
    from chalicelib import bootstrap

    auth, token = AGENCY[CILEGON]
    return onboard(
        Request(CILEGON, prefix="CLG", lapor_auth=auth, lapor_token=token, **more),
        store=bootstrap.jurisdiction_store(),
        files=bootstrap.boundary_files(),
        secrets=secrets,
        name_prefix=name_prefix,
        wilayah=wilayah,
    )


@pytest.fixture()
def cilegon(
    hub: Any, lapor_sim: Any, wilayah: Wilayah, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    name_prefix, secrets = agencies(lapor_sim, monkeypatch)
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps(_overrides()))
    _onboard(wilayah, name_prefix, secrets, overrides=path)
    kel = next(v.code for v in wilayah.desa_kelurahan_of(CILEGON))
    yield {"kel": kel, "name_prefix": name_prefix, "secrets": secrets}


def test_each_region_lists_the_categories_it_offers(client: Any, cilegon: dict[str, Any]) -> None:
    theirs = client.http.get(f"/v1/categories?jurisdiction={CILEGON}")
    assert theirs.status_code == 200
    assert {c["code"]: c["name"] for c in theirs.json_body["categories"]} == OFFERED
    ours = client.http.get("/v1/categories").json_body["categories"]
    assert len(ours) == len(load_json("categories.json")["categories"])
    assert {c["code"]: c["name"] for c in ours}["sampah"] != OFFERED["sampah"]
    for bad in ("99.99", "36-72", "x" * 300):
        refused = client.http.get(f"/v1/categories?jurisdiction={bad}")
        assert refused.status_code == 400, bad
        assert refused.json_body["errors"][0]["field"] == "jurisdiction"
    extra = client.http.get("/v1/categories?region=36.72")
    assert extra.status_code == 400 and extra.json_body["errors"][0]["field"] == "region"
    # an Open311 client sees the same: the region's services, under its own names
    services = client.http.get(f"/open311/v2/services.json?jurisdiction_id={CILEGON}").json_body
    assert {s["service_code"]: s["service_name"] for s in services} == OFFERED
    assert len(client.http.get("/open311/v2/services.json").json_body) == len(ours)


def test_intake_takes_only_what_the_region_offers_with_its_severity(client: Any, cilegon: dict[str, Any]) -> None:
    from chalicelib import bootstrap

    refused = post(client, complaint("jalan-rusak", {"kelurahan_code": cilegon["kel"]}))
    assert refused.status_code == 400, refused.body
    problem = refused.json_body["errors"][0]
    assert (problem["field"], problem["reason"]) == ("category", "unknown_category")
    assert "Kota Cilegon" in problem["message"]
    at_home = post(client, complaint("jalan-rusak", {"kelurahan_code": HOME_KEL}))  # the package's catalogue
    assert at_home.status_code == 201
    taken = post(client, complaint("sampah", {"kelurahan_code": cilegon["kel"]}))
    assert taken.status_code == 201, taken.body
    item = bootstrap.complaints().item(taken.json_body["tracking_id"]) or {}
    assert item["severity"] == "berat" and item["unit"]["code"] == "opd:dlh"


def test_a_forwarded_complaint_is_due_by_its_regions_policy_and_holidays(
    client: Any, hub: Any, cilegon: dict[str, Any]
) -> None:
    from chalicelib import bootstrap

    theirs = post(client, complaint("sampah", {"kelurahan_code": cilegon["kel"]})).json_body["tracking_id"]
    forward(hub, theirs)
    item = bootstrap.complaints().item(theirs) or {}
    assert item["status"] == "forwarded"
    due = dt.datetime.fromisoformat(item["deadline"]).astimezone(local_tz()).date()
    since = dt.datetime.fromisoformat(item["updated_at"])  # when it was forwarded
    assert due == regional_calendar(_overrides()["holidays"]).add_working_days(since, 1).astimezone(local_tz()).date()
    assert due == default_calendar().next_working_day(_holiday())  # one working day, the region's holiday skipped
    # the package's policy (three working days, no regional holiday) would have given another day
    assert due != default_calendar().add_working_days(since, 3).astimezone(local_tz()).date()
    public = client.http.get(f"/v1/complaints/{theirs}").json_body
    assert public["deadline_rule"] == "1 hari kerja", public


def test_bad_overrides_are_refused_and_nothing_is_written(
    hub: Any, lapor_sim: Any, wilayah: Wilayah, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from chalicelib import bootstrap

    name_prefix, secrets = agencies(lapor_sim, monkeypatch)
    bad = _overrides()
    bad["categories"]["categories"].append({**bad["categories"]["categories"][0], "code": "buatan-sendiri"})
    bad["sla_policy"]["stages"]["forwarded"]["default"] = {"working_days": 1, "hours": 4}
    bad["weather"] = {}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(Refused) as refused:
        _onboard(wilayah, name_prefix, secrets, overrides=path)
    found = {(p.where, p.reason) for p in refused.value.problems}
    assert ("overrides.weather", "bad_override") in found
    assert ("categories[3]", "unknown_category") in found
    assert any(where == "sla_policy" and reason == "bad_override" for where, reason in found)
    assert bootstrap.jurisdiction_store().load(CILEGON) is None
    path.write_text("[]")
    with pytest.raises(Refused) as refused:
        _onboard(wilayah, name_prefix, secrets, overrides=path)
    assert [(p.where, p.reason) for p in refused.value.problems] == [("overrides", "bad_override")]
