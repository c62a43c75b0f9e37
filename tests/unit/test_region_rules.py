"""A region's rules: its overrides of the package's categories, SLA policy and holidays."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from chalicelib.domain import routing
from chalicelib.domain.calendar import HolidayOverrides, merged_overrides, regional_calendar
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.jurisdiction import Jurisdiction
from chalicelib.domain.models import Complaint
from chalicelib.domain.reference import load_json
from chalicelib.domain.region import packaged_rules, rules_of
from chalicelib.services.deadlines import Deadlines

WIB = dt.timezone(dt.timedelta(hours=7))


def _region(**overrides: Any) -> Jurisdiction:
    return Jurisdiction(
        code="36.72",
        name="Contoh",
        kind="kota",
        province_code="36",
        timezone="Asia/Jakarta",
        prefix="CTH",
        kecamatan=(),
        desa_kelurahan=(),
        opd=(),
        **overrides,
    )


def test_a_region_without_overrides_has_the_packages_rules() -> None:
    assert rules_of(_region()) == packaged_rules()


def test_regional_holidays_are_laid_over_the_national_corrections() -> None:
    national = HolidayOverrides.model_validate(
        {
            "years": {
                "2027": {"add": [{"date": "2027-03-01", "name": "Cuti bersama"}], "remove": [{"date": "2027-05-01"}]}
            }
        }
    )
    regional = HolidayOverrides.model_validate(
        {
            "years": {
                "2027": {"add": [{"date": "2027-05-01", "name": "Hari Jadi"}], "remove": [{"date": "2027-03-01"}]},
                "2028": {"add": [{"date": "2028-04-10", "name": "Hari Jadi"}]},
            }
        }
    )
    merged = merged_overrides(national, regional)
    assert [d.date.isoformat() for d in merged.years[2027].add] == ["2027-05-01"]
    assert [d.date.isoformat() for d in merged.years[2027].remove] == ["2027-03-01"]
    assert [d.name for d in merged.years[2028].add] == ["Hari Jadi"]


def test_a_regional_holiday_moves_the_regions_deadlines_only() -> None:
    monday = dt.date(2027, 6, 7)  # no national holiday that week
    holidays = {"years": {"2027": {"add": [{"date": "2027-06-08", "name": "Hari Jadi Kota"}]}}}
    j = _region(holidays=holidays)
    assert not regional_calendar(holidays).is_working_day(dt.date(2027, 6, 8))
    since = dt.datetime.combine(monday, dt.time(9), tzinfo=WIB)
    sample = load_json("sla_policy.json")
    c = Complaint.model_validate(
        {
            "tracking_id": "CTH-0000-0000",
            "channel": "app",
            "category": "sampah",
            "description": "Sampah menumpuk di pinggir jalan sejak minggu lalu.",
            "location": {"address": "Jl. Contoh"},
            "severity": "sedang",
            "status": "forwarded",
            "created_at": since,
            "updated_at": since,
            "jurisdiction": j.code,
        }
    )
    assert sample["stages"]["forwarded"]["default"] == {"working_days": 3}
    theirs = Deadlines(lambda code: rules_of(j) if code == j.code else None).deadline_for(c, c.status, since)
    package = Deadlines().deadline_for(c, c.status, since)
    assert package is not None and theirs is not None
    assert package.astimezone(WIB).date() == dt.date(2027, 6, 10)
    assert theirs.astimezone(WIB).date() == dt.date(2027, 6, 11)  # Tuesday was the region's holiday


def test_a_region_offers_its_own_names_and_only_its_categories() -> None:
    catalogue = {c["code"]: c for c in load_json("categories.json")["categories"]}
    mine = [{**catalogue["sampah"], "name": "Kebersihan", "severity": "berat"}]
    sla = copy.deepcopy(load_json("sla_policy.json"))
    sla["stages"]["forwarded"]["default"] = {"working_days": 1}
    rules = rules_of(_region(categories={"categories": mine}, sla_policy=sla))
    assert list(rules.categories) == ["sampah"] and rules.categories["sampah"].name == "Kebersihan"
    assert rules.sla.rule("forwarded", None) is not None and rules.sla.rule("forwarded", None).working_days == 1  # type: ignore[union-attr]
    from chalicelib.domain.region import Region, default_region

    home = default_region()
    region = Region(code="36.72", prefix="CTH", words=_region().words, areas=home.areas, units=home.units, rules=rules)
    assert routing.offered("sampah", region).name == "Kebersihan"
    with pytest.raises(InvalidInput) as refused:
        routing.offered("jalan-rusak", region)
    assert (refused.value.problems[0].field, refused.value.problems[0].reason) == ("category", "unknown_category")


def test_on_time_in_the_figures_means_the_regions_own_deadlines() -> None:
    """A resolution in the 5th working day: on time by the package's policy (3 + ... working days
    chained), late for a region that allows one working day per stage."""
    from chalicelib.domain import statistics as st

    created = dt.datetime(2027, 6, 7, 9, tzinfo=WIB)  # Monday, no holiday that week
    item = {
        "tracking_id": "CTH-0000-0000",
        "status": "resolved",
        "channel": "app",
        "severity": "sedang",
        "created_at": created.astimezone(dt.UTC).isoformat(),
        "resolved_at": dt.datetime(2027, 6, 11, 15, tzinfo=WIB).astimezone(dt.UTC).isoformat(),
        "unit": {"code": "opd:dlh", "kind": "opd", "name": "DLH"},
        "kelurahan_code": "36.72.01.1001",
    }
    sla = copy.deepcopy(load_json("sla_policy.json"))
    for stage in sla["stages"].values():
        stage["default"] = {"working_days": 1}
        stage.pop("by_severity", None)
    tight = rules_of(_region(sla_policy=sla))
    package = st.contribution(item)
    theirs = st.contribution(item, calendar=tight.calendar, policy=tight.sla)
    on_time = [k for k in package if k.endswith("|ot")]
    assert on_time and all(package[k] == 1 for k in on_time)
    assert not any(k.endswith("|ot") for k in theirs)
    assert {k: v for k, v in theirs.items() if not k.endswith("|ot")} == {
        k: v for k, v in package.items() if not k.endswith("|ot")
    }
