"""The operators' state machine: which action, from where, for whom, leading where."""

from __future__ import annotations

import pytest

from chalicelib.domain.access import Role
from chalicelib.domain.actions import (
    RULES,
    Action,
    NotAllowedNow,
    NotPermitted,
    Situation,
    allowed,
    check,
    missing_fields,
    target,
    unexpected_fields,
)
from chalicelib.domain.models import FINAL_STATUSES, Status

S = Status
OP, SUP, CC, ADM = Role.OPERATOR, Role.SUPERVISOR, Role.CALLCENTER, Role.ADMIN


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [
        (Action.ACKNOWLEDGE, S.VERIFIED, S.VERIFIED),
        (Action.RESPOND, S.VERIFIED, S.IN_PROGRESS),  # the unit's first answer stops the verified clock
        (Action.RESPOND, S.FORWARDED, S.IN_PROGRESS),
        (Action.RESPOND, S.IN_PROGRESS, S.IN_PROGRESS),
        (Action.RESPOND, S.RECEIVED, S.RECEIVED),  # not at LAPOR! yet: the forwarder still sends it
        (Action.RESOLVE, S.IN_PROGRESS, S.RESOLVED),
        (Action.REJECT, S.VERIFIED, S.REJECTED),
        (Action.NOT_OURS, S.IN_PROGRESS, S.RETURNED),
        (Action.DUPLICATE_OF, S.RETURNED, S.DUPLICATE),
        (Action.CONFIRM, S.AWAITING_CONFIRMATION, S.RECEIVED),
        (Action.DISMISS, S.AWAITING_CONFIRMATION, S.CLOSED),
    ],
)
def test_where_an_action_leads(action: Action, status: Status, expected: Status) -> None:
    check(action, ADM, Situation(status))
    assert target(action, Situation(status)) == expected


@pytest.mark.parametrize(
    ("returned_from", "expected"),
    [
        (S.RECEIVED, S.RECEIVED),  # not at LAPOR! yet: forwarded later, to the new unit
        (S.FORWARDED, S.FORWARDED),  # LAPOR! has not verified it yet
        (S.VERIFIED, S.VERIFIED),
        (S.IN_PROGRESS, S.VERIFIED),  # the new unit owes its own first answer
        (None, S.VERIFIED),
    ],
)
def test_a_reassigned_complaint_starts_over_at_its_new_unit(returned_from: Status | None, expected: Status) -> None:
    assert target(Action.REASSIGN, Situation(S.RETURNED, returned_from=returned_from)) == expected


def test_final_statuses_allow_only_notes() -> None:
    for status in FINAL_STATUSES:
        for role in Role:
            assert allowed(role, Situation(status)) == [Action.NOTE]


def test_acknowledge_once() -> None:
    assert Action.ACKNOWLEDGE in allowed(OP, Situation(S.VERIFIED))
    with pytest.raises(NotAllowedNow) as err:
        check(Action.ACKNOWLEDGE, OP, Situation(S.VERIFIED, acknowledged=True))
    assert Action.ACKNOWLEDGE not in err.value.allowed and Action.RESPOND in err.value.allowed


def test_a_wrong_status_is_explained_with_what_is_allowed() -> None:
    with pytest.raises(NotAllowedNow) as err:
        check(Action.RESOLVE, OP, Situation(S.RECEIVED))
    assert err.value.allowed == [
        Action.ACKNOWLEDGE,
        Action.ASSIGN,
        Action.RESPOND,
        Action.NOTE,
        Action.REJECT,
        Action.NOT_OURS,
        Action.DUPLICATE_OF,
    ]


@pytest.mark.parametrize(
    ("role", "action"),
    [
        (OP, Action.REASSIGN),
        (SUP, Action.REASSIGN),
        (CC, Action.REASSIGN),  # disposisi is the coordinator's
        (CC, Action.RESPOND),
        (CC, Action.RESOLVE),  # a call centre decides about calls, not answers
        (OP, Action.CONFIRM),
        (SUP, Action.DISMISS),
    ],
)
def test_roles_that_never_take_an_action(role: Role, action: Action) -> None:
    with pytest.raises(NotPermitted):
        check(action, role, Situation(next(iter(RULES[action].sources))))


def test_the_coordinator_may_do_everything_a_unit_may() -> None:
    for action, rule in RULES.items():
        if OP in rule.roles:
            assert ADM in rule.roles, action


def test_fields_each_action_needs_and_takes() -> None:
    assert missing_fields(Action.RESPOND, {"message": "  "}) == ["message"]
    assert missing_fields(Action.REASSIGN, {"unit": "opd:dlh"}) == []
    assert missing_fields(Action.NOT_OURS, {}) == ["reason"]
    assert unexpected_fields(Action.RESPOND, {"message": "ok", "reason": "x"}) == ["reason"]
    assert unexpected_fields(Action.RESOLVE, {"message": "ok", "attachment": "proof/x"}) == []
    assert unexpected_fields(Action.ACKNOWLEDGE, {"assignee": None}) == []


def test_every_action_has_a_rule_and_every_needed_field_is_known() -> None:
    from chalicelib.domain.actions import FIELDS

    assert set(RULES) == set(Action)
    for rule in RULES.values():
        assert rule.needs | rule.may <= set(FIELDS)
