"""What operators may do to a complaint, from which status, and where it leads.

Pure domain: the lifecycle state machine of the operators' actions
(`POST /v1/operator/complaints/{tracking_id}/actions`). The service carries an
action out (services/actions.py); this module only answers "is it allowed, for
whom, from here, with which fields, and what is the status after it".

The table (also in docs/operators.md):

| action | from | to | who | needs |
|---|---|---|---|---|
| acknowledge | received, forwarded, verified, in_progress (once) | same | unit, admin | - |
| assign | received, forwarded, verified, in_progress | same | unit, admin | assignee |
| respond | received, forwarded, verified, in_progress | in_progress (received stays) | unit, admin | message* |
| note | any | same | everyone in scope | message |
| resolve | forwarded, verified, in_progress | resolved | unit, admin | message* |
| reject | received, forwarded, verified, in_progress; returned (admin) | rejected | unit, admin | reason |
| not-ours | received, forwarded, verified, in_progress | returned | unit, admin | reason |
| reassign | returned, received, forwarded, verified, in_progress | `reassigned_status` | admin | unit (+reason) |
| duplicate-of | received, forwarded, verified, in_progress; returned (admin) | duplicate | unit, admin | duplicate_of |
| confirm | awaiting_confirmation | received | callcenter, admin | - |
| dismiss | awaiting_confirmation | closed | callcenter, admin | - |

"unit" is the `operator` and `supervisor` roles. *: or a template (`template_id`), whose text
is the message when none is given (services/templates.py fills its placeholders).

A returned complaint ("bukan wewenang") is the coordinator's alone: the unit that handed
it on keeps read-only sight and takes no action on it (not even a note) until the
coordinator sends it back (reassign to the same unit) or decides.

A complaint still `received` is not at LAPOR! yet: it keeps that status under `respond` (the forwarder only
sends `received` complaints), and the service refuses a status change while
the forwarder is working on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.access import Role
from chalicelib.domain.models import Status


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    RESPOND = "respond"
    NOTE = "note"
    RESOLVE = "resolve"
    REJECT = "reject"
    NOT_OURS = "not-ours"
    REASSIGN = "reassign"
    DUPLICATE_OF = "duplicate-of"
    CONFIRM = "confirm"
    DISMISS = "dismiss"


S = Status
_UNIT_WORK = frozenset({S.RECEIVED, S.FORWARDED, S.VERIFIED, S.IN_PROGRESS})
_UNIT = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
_EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Rule:
    """One action: the statuses it starts from, who may take it, its fields, its result."""

    sources: frozenset[Status]
    roles: frozenset[Role]
    needs: frozenset[str] = frozenset()  # body fields that must be given
    may: frozenset[str] = frozenset()  # body fields that may be given
    to: Status | None = None  # None: the status does not change (see `target`)
    public: bool = True  # shown in the public timeline (and to the channel)
    to_lapor: bool = False  # LAPOR! gets a follow-up


RULES: dict[Action, Rule] = {
    Action.ACKNOWLEDGE: Rule(_UNIT_WORK, _UNIT),
    Action.ASSIGN: Rule(_UNIT_WORK, _UNIT, needs=frozenset({"assignee"}), public=False),
    Action.RESPOND: Rule(
        _UNIT_WORK,
        _UNIT,
        needs=frozenset({"message"}),
        may=frozenset({"template_id"}),
        to=S.IN_PROGRESS,
        to_lapor=True,
    ),
    Action.NOTE: Rule(frozenset(Status), _EVERYONE, needs=frozenset({"message"}), public=False),
    Action.RESOLVE: Rule(
        frozenset({S.FORWARDED, S.VERIFIED, S.IN_PROGRESS}),
        _UNIT,
        needs=frozenset({"message"}),
        may=frozenset({"attachment", "template_id"}),
        to=S.RESOLVED,
        to_lapor=True,
    ),
    Action.REJECT: Rule(_UNIT_WORK | {S.RETURNED}, _UNIT, needs=frozenset({"reason"}), to=S.REJECTED, to_lapor=True),
    Action.NOT_OURS: Rule(_UNIT_WORK, _UNIT, needs=frozenset({"reason"}), to=S.RETURNED),
    Action.REASSIGN: Rule(
        _UNIT_WORK | {S.RETURNED},
        frozenset({Role.ADMIN}),
        needs=frozenset({"unit"}),
        may=frozenset({"reason"}),
        to_lapor=True,
    ),
    Action.DUPLICATE_OF: Rule(
        _UNIT_WORK | {S.RETURNED},
        _UNIT,
        needs=frozenset({"duplicate_of"}),
        may=frozenset({"reason"}),
        to=S.DUPLICATE,
        to_lapor=True,
    ),
    Action.CONFIRM: Rule(frozenset({S.AWAITING_CONFIRMATION}), frozenset({Role.CALLCENTER, Role.ADMIN}), to=S.RECEIVED),
    Action.DISMISS: Rule(
        frozenset({S.AWAITING_CONFIRMATION}),
        frozenset({Role.CALLCENTER, Role.ADMIN}),
        may=frozenset({"reason"}),
        to=S.CLOSED,
    ),
}

#: every field an action body may carry
FIELDS = ("message", "reason", "unit", "assignee", "duplicate_of", "attachment", "template_id")


@dataclass(frozen=True)
class Situation:
    """What the state machine looks at: the status and the few flags that matter."""

    status: Status
    acknowledged: bool = False
    returned_from: Status | None = None  # the status before `not-ours`


class NotPermitted(Exception):
    """The caller's role never takes this action (HTTP 403)."""


class NotAllowedNow(Exception):
    """Not from the complaint's current status (HTTP 409, with what is allowed)."""

    def __init__(self, action: Action, situation: Situation, allowed: list[Action]) -> None:
        super().__init__(f"{action.value} not allowed from {situation.status.value}")
        self.action = action
        self.situation = situation
        self.allowed = allowed


#: statuses only the coordinator acts in
COORDINATOR_ONLY = frozenset({S.RETURNED})


def _open_now(action: Action, rule: Rule, s: Situation, role: Role) -> bool:
    if s.status not in rule.sources:
        return False
    if s.status in COORDINATOR_ONLY and role != Role.ADMIN:
        return False
    return not (action == Action.ACKNOWLEDGE and s.acknowledged)


def allowed(role: Role, s: Situation) -> list[Action]:
    """The actions `role` may take now, in the table's order."""
    return [a for a, rule in RULES.items() if role in rule.roles and _open_now(a, rule, s, role)]


def check(action: Action, role: Role, s: Situation) -> Rule:
    """The rule for `action`, or why not: NotPermitted (role) or NotAllowedNow (status)."""
    rule = RULES[action]
    if role not in rule.roles:
        raise NotPermitted(action.value)
    if not _open_now(action, rule, s, role):
        raise NotAllowedNow(action, s, allowed(role, s))
    return rule


def reassigned_status(s: Situation) -> Status:
    """Where a reassigned complaint starts at its new unit.

    Not at LAPOR! yet: `received` (the forwarder sends it, to the new unit).
    LAPOR! has not verified it yet: `forwarded`. Otherwise `verified`: the new
    unit has its own first answer to give, on a fresh deadline."""
    before = s.returned_from if s.status == S.RETURNED and s.returned_from else s.status
    if before in (S.RECEIVED, S.FORWARDED):
        return before
    return S.VERIFIED


def target(action: Action, s: Situation) -> Status:
    """The status after `action` (assumed allowed)."""
    if action == Action.REASSIGN:
        return reassigned_status(s)
    rule = RULES[action]
    if rule.to is None:
        return s.status
    if action == Action.RESPOND and s.status == S.RECEIVED:
        return S.RECEIVED  # not at LAPOR! yet: the forwarder still has to send it
    return rule.to


def missing_fields(action: Action, given: dict[str, object]) -> list[str]:
    """Fields the action needs that are absent or blank."""
    present = {k for k, v in given.items() if v is not None and (not isinstance(v, str) or v.strip())}
    return sorted(RULES[action].needs - present)


def unexpected_fields(action: Action, given: dict[str, object]) -> list[str]:
    """Fields given that the action does not take (a client mixing up message and reason)."""
    rule = RULES[action]
    present = {k for k, v in given.items() if v is not None}
    return sorted(present - rule.needs - rule.may)
