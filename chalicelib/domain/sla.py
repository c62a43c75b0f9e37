"""SLA policy: how long each lifecycle stage may last, kept as data.

The numbers live in ``data/sla_policy.json`` so that a change of SOP is a data
change with a reviewable diff, not a code change.  Sources: LAPOR! (3 working
days to verify, 5 for the agency, 10 for the reporter), a kota's Rabeg SOP
(1x24 / 3x24 hours) and, for ``in_progress``, a documented assumption.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain.calendar import WorkingCalendar, default_calendar

__all__ = [
    "SEVERITIES",
    "OnExpiry",
    "Severity",
    "SlaPolicy",
    "SlaRule",
    "StagePolicy",
    "default_policy",
    "describe",
    "describe_deadline",
]

_DATA_FILE = Path(__file__).parent.parent / "data" / "sla_policy.json"

Severity = Literal["ringan", "sedang", "berat"]
SEVERITIES: tuple[Severity, ...] = ("ringan", "sedang", "berat")
OnExpiry = Literal["escalate", "notify", "auto_close"]


class SlaRule(BaseModel):
    """One time limit: exactly one of ``working_days`` or ``hours``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    working_days: int | None = Field(default=None, ge=0)
    hours: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> SlaRule:
        if (self.working_days is None) == (self.hours is None):
            raise ValueError("an SLA rule needs exactly one of 'working_days' or 'hours'")
        return self


class StagePolicy(BaseModel):
    """The rule for one stage, optionally graded by severity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    source: str = ""
    default: SlaRule
    by_severity: dict[Severity, SlaRule] = Field(default_factory=dict)
    on_expiry: OnExpiry = "escalate"

    def rule_for(self, severity: str | None) -> SlaRule:
        """The severity-specific rule, else the stage default."""
        if severity is not None and severity in self.by_severity:
            return self.by_severity[severity]
        return self.default


class SlaPolicy(BaseModel):
    """The whole ``sla_policy.json`` file; keys starting with ``_`` are comments."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    stages: dict[str, StagePolicy]
    #: time each rung of the escalation ladder gets once it is told, before the
    #: next rung is told (``on_expiry`` is ignored: a missed rung always climbs)
    escalation: StagePolicy = StagePolicy(default=SlaRule(working_days=3))

    def rule(self, stage: str, severity: str | None) -> SlaRule | None:
        """The rule that applies, or None when the stage has no deadline.

        An unknown or missing severity falls back to the stage default.
        """
        stage_policy = self.stages.get(stage)
        if stage_policy is None:
            return None
        return stage_policy.rule_for(severity)

    def on_expiry(self, stage: str) -> OnExpiry | None:
        """What to do when the stage's deadline passes (None: no deadline)."""
        stage_policy = self.stages.get(stage)
        return None if stage_policy is None else stage_policy.on_expiry

    def deadline(
        self,
        stage: str,
        severity: str | None,
        since: dt.datetime,
        calendar: WorkingCalendar | None = None,
    ) -> dt.datetime | None:
        """Deadline (aware UTC) for a complaint that entered ``stage`` at ``since``.

        None for stages without a deadline ("received", "closed", ...).
        ``calendar`` defaults to :func:`default_calendar`.
        """
        rule = self.rule(stage, severity)
        if rule is None:
            return None
        cal = calendar if calendar is not None else default_calendar()
        if rule.working_days is not None:
            return cal.add_working_days(since, rule.working_days)
        assert rule.hours is not None  # guaranteed by SlaRule validation
        return cal.add_hours(since, rule.hours)

    def rung_rule(self, severity: str | None) -> SlaRule:
        """The time a rung gets after an escalation."""
        return self.escalation.rule_for(severity)

    def rung_deadline(
        self,
        severity: str | None,
        since: dt.datetime,
        calendar: WorkingCalendar | None = None,
    ) -> dt.datetime:
        """Deadline (aware UTC) of a rung told at ``since``."""
        rule = self.rung_rule(severity)
        cal = calendar if calendar is not None else default_calendar()
        if rule.working_days is not None:
            return cal.add_working_days(since, rule.working_days)
        assert rule.hours is not None
        return cal.add_hours(since, rule.hours)


def _number_id(value: float) -> str:
    """Indonesian number formatting: decimal comma, no trailing zeros."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}".replace(".", ",")


def describe(rule: SlaRule | None) -> str:
    """Human text in Indonesian, e.g. "3 hari kerja", "24 jam"."""
    if rule is None:
        return "tanpa tenggat"
    if rule.working_days is not None:
        return f"{rule.working_days} hari kerja"
    assert rule.hours is not None
    return f"{_number_id(rule.hours)} jam"


def describe_deadline(policy: SlaPolicy, stage: str, severity: str | None, escalated: bool) -> str | None:
    """Text of the rule behind a complaint's current deadline (None: no deadline).

    After an escalation the deadline is the rung's, not the stage's.
    """
    if escalated:
        return describe(policy.rung_rule(severity))
    rule = policy.rule(stage, severity)
    return None if rule is None else describe(rule)


@lru_cache(maxsize=1)
def default_policy() -> SlaPolicy:
    """The policy from ``data/sla_policy.json`` (loaded once, on first use)."""
    with _DATA_FILE.open(encoding="utf-8") as fh:
        return SlaPolicy.model_validate(json.load(fh))
