"""SLA policy: the data file, rule selection, deadlines and Indonesian text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.sla import SlaPolicy, SlaRule, default_policy, describe

UTC = dt.UTC
WIB = dt.timezone(dt.timedelta(hours=7))
DATA = Path(__file__).resolve().parents[2] / "chalicelib" / "data"


def end_of_day_utc(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 16, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return default_policy()


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    # No overrides: the package's 2026 holidays are enough for these dates.
    return WorkingCalendar()


@pytest.mark.parametrize(
    ("stage", "severity", "expected"),
    [
        ("forwarded", "ringan", SlaRule(working_days=3)),
        ("forwarded", "berat", SlaRule(working_days=3)),
        ("verified", "ringan", SlaRule(hours=24)),
        ("verified", "sedang", SlaRule(hours=72)),
        ("verified", "berat", SlaRule(working_days=5)),
        ("verified", None, SlaRule(working_days=5)),
        ("in_progress", "ringan", SlaRule(working_days=2)),
        ("in_progress", "sedang", SlaRule(working_days=5)),
        ("in_progress", "berat", SlaRule(working_days=14)),
        ("resolved", "sedang", SlaRule(working_days=10)),
    ],
)
def test_rules_from_data_file(policy: SlaPolicy, stage: str, severity: str | None, expected: SlaRule) -> None:
    assert policy.rule(stage, severity) == expected


def test_unknown_severity_falls_back_to_default(policy: SlaPolicy) -> None:
    assert policy.rule("verified", "darurat") == SlaRule(working_days=5)


@pytest.mark.parametrize("stage", ["received", "closed", "rejected", "no-such-stage"])
def test_stages_without_deadline(policy: SlaPolicy, cal: WorkingCalendar, stage: str) -> None:
    since = dt.datetime(2026, 4, 13, 3, tzinfo=UTC)
    assert policy.rule(stage, "sedang") is None
    assert policy.deadline(stage, "sedang", since, cal) is None
    assert policy.on_expiry(stage) is None


def test_on_expiry(policy: SlaPolicy) -> None:
    assert policy.on_expiry("forwarded") == "notify"
    assert policy.on_expiry("verified") == "escalate"
    assert policy.on_expiry("in_progress") == "escalate"
    assert policy.on_expiry("resolved") == "auto_close"


def test_deadline_working_days(policy: SlaPolicy, cal: WorkingCalendar) -> None:
    # Forwarded Mon 13 Apr 2026 10:00 WIB: 3 WD -> Tue 14, Wed 15, Thu 16.
    since = dt.datetime(2026, 4, 13, 10, tzinfo=WIB)
    assert policy.deadline("forwarded", "ringan", since, cal) == end_of_day_utc(2026, 4, 16)
    # Resolved on the same Monday: 10 WD -> 14..17 (4), 20..24 (9), Mon 27 (10).
    assert policy.deadline("resolved", "ringan", since, cal) == end_of_day_utc(2026, 4, 27)
    # in_progress berat: 14 WD -> 14..17 (4), 20..24 (9), 27..30 (13), 1 May is
    # Hari Buruh, 2-3 May weekend, Mon 4 May (14).
    assert policy.deadline("in_progress", "berat", since, cal) == end_of_day_utc(2026, 5, 4)


def test_deadline_hours_ignore_weekend(policy: SlaPolicy, cal: WorkingCalendar) -> None:
    # Verified Fri 10 Apr 2026 16:00 WIB (09:00 UTC).
    since = dt.datetime(2026, 4, 10, 16, tzinfo=WIB)
    # ringan 1x24 jam -> Sat 11 Apr 16:00 WIB = 09:00 UTC.
    assert policy.deadline("verified", "ringan", since, cal) == dt.datetime(2026, 4, 11, 9, tzinfo=UTC)
    # sedang 3x24 jam -> Mon 13 Apr 16:00 WIB = 09:00 UTC.
    assert policy.deadline("verified", "sedang", since, cal) == dt.datetime(2026, 4, 13, 9, tzinfo=UTC)
    # berat 5 WD -> 13, 14, 15, 16, Fri 17 Apr.
    assert policy.deadline("verified", "berat", since, cal) == end_of_day_utc(2026, 4, 17)


def test_deadline_uses_default_calendar_when_omitted(policy: SlaPolicy) -> None:
    # Tue 17 Mar 2026 + 3 WD over Nyepi and Lebaran -> Fri 27 Mar.
    since = dt.datetime(2026, 3, 17, 10, tzinfo=WIB)
    assert policy.deadline("forwarded", "sedang", since) == end_of_day_utc(2026, 3, 27)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (SlaRule(working_days=3), "3 hari kerja"),
        (SlaRule(working_days=14), "14 hari kerja"),
        (SlaRule(hours=24), "24 jam"),
        (SlaRule(hours=72), "72 jam"),
        (SlaRule(hours=1.5), "1,5 jam"),
        (None, "tanpa tenggat"),
    ],
)
def test_describe(rule: SlaRule | None, text: str) -> None:
    assert describe(rule) == text


@pytest.mark.parametrize(
    "entry",
    [
        {},
        {"working_days": 3, "hours": 24},
        {"days": 3},
        {"hours": 0},
        {"working_days": -1},
    ],
)
def test_rule_validation(entry: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SlaRule.model_validate(entry)


def test_stage_needs_a_default() -> None:
    with pytest.raises(ValidationError):
        SlaPolicy.model_validate({"stages": {"verified": {"by_severity": {}}}})


def test_unknown_severity_key_rejected() -> None:
    with pytest.raises(ValidationError):
        SlaPolicy.model_validate(
            {
                "stages": {
                    "verified": {
                        "default": {"working_days": 5},
                        "by_severity": {"darurat": {"hours": 1}},
                    }
                }
            }
        )


def test_data_file_documents_itself_and_is_cached() -> None:
    raw = json.loads((DATA / "sla_policy.json").read_text(encoding="utf-8"))
    assert raw["_about"]
    assert "ASSUMPTION" in raw["stages"]["in_progress"]["source"]
    assert default_policy() is default_policy()


# --- escalation rungs ----------------------------------------------


def test_rung_rule_from_data_file(policy: SlaPolicy) -> None:
    assert policy.rung_rule("sedang") == SlaRule(working_days=3)
    assert policy.rung_rule("ringan") == SlaRule(working_days=2)
    assert policy.rung_rule(None) == SlaRule(working_days=3)


def test_rung_deadline_counts_working_days(policy: SlaPolicy) -> None:
    # Thu 2 Apr 2026 + 3 WD: Fri 3 Apr is Good Friday, 4-5 weekend: Mon 6, Tue 7, Wed 8.
    since = dt.datetime(2026, 4, 2, 9, tzinfo=WIB)
    assert policy.rung_deadline("sedang", since, WorkingCalendar()) == end_of_day_utc(2026, 4, 8)


def test_policy_without_escalation_section_defaults_to_three_working_days() -> None:
    p = SlaPolicy.model_validate({"stages": {"verified": {"default": {"working_days": 5}}}})
    assert p.rung_rule("berat") == SlaRule(working_days=3)


def test_describe_deadline_uses_rung_rule_after_escalation(policy: SlaPolicy) -> None:
    from chalicelib.domain.sla import describe_deadline

    assert describe_deadline(policy, "verified", "sedang", escalated=False) == "72 jam"
    assert describe_deadline(policy, "verified", "sedang", escalated=True) == "3 hari kerja"
    assert describe_deadline(policy, "received", "sedang", escalated=False) is None
