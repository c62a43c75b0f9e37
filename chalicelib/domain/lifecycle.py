"""Our lifecycle as LAPOR! moves a complaint: which changes are allowed, and what changed.

Pure: the LAPOR! status name arrives already mapped onto our vocabulary
(adapters/lapor_wire.STATUS_MAP); this module decides whether that is a change
we record. LAPOR! is the authority for a complaint it holds, so a report it
re-opens (Selesai -> Dalam Proses) is followed; what it never does is pull a
ticket back to "not yet at LAPOR!", and our own final statuses stay final.

The hub moves complaints too (operators' actions, the reporter's reopen), and
LAPOR! does not learn our status: a LAPOR! status is applied when it *changed*
since the last check, never merely because it differs from ours. With no new
status at LAPOR!, only a new follow-up from the unit moves a complaint forward
(verified -> in_progress, and a "Selesai" after a reopen resolves it again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.models import FINAL_STATUSES, Status

_AT_LAPOR_TARGETS = frozenset(
    {
        Status.VERIFIED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.ARCHIVED,
        Status.REJECTED,
    }
)

#: from -> statuses LAPOR! may move a complaint to (anything else is ignored and logged)
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.FORWARDED: _AT_LAPOR_TARGETS,
    Status.VERIFIED: _AT_LAPOR_TARGETS - {Status.VERIFIED},
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.ARCHIVED, Status.REJECTED}),
    Status.RESOLVED: frozenset({Status.VERIFIED, Status.IN_PROGRESS, Status.ARCHIVED, Status.REJECTED}),
    # with the coordinator for reassignment: only LAPOR!'s own ends apply
    Status.RETURNED: frozenset({Status.ARCHIVED, Status.REJECTED}),
}

#: moves that need a new LAPOR! status, not just a new follow-up (back out of "done")
_BACKWARD = frozenset({(Status.RESOLVED, Status.VERIFIED), (Status.RESOLVED, Status.IN_PROGRESS)})

#: statuses after which LAPOR! is not asked again
STOP_SYNC = FINAL_STATUSES


@dataclass(frozen=True)
class Change:
    """The outcome of comparing LAPOR!'s view with ours."""

    new_status: Status | None  # None: no status change to record
    ignored: str | None = None  # why LAPOR!'s status was not applied (for a log line)


def lapor_view(mapped: Status | None, has_followups: bool) -> Status | None:
    """LAPOR!'s status in our words: "Dalam Proses" is in_progress once the unit answered."""
    if mapped == Status.VERIFIED and has_followups:
        return Status.IN_PROGRESS
    return mapped


def decide(
    current: Status, mapped: Status | None, has_followups: bool, unchanged_at_lapor: bool = False, fresh: bool = False
) -> Change:
    """What to record, given our status and LAPOR!'s (mapped) status.

    `unchanged_at_lapor`: LAPOR! shows the same status name as at the last check.
    `fresh`: a follow-up from the unit is new since the last check. With neither,
    LAPOR! has said nothing new and our status stands (the hub may have moved it:
    an operator's answer, a reopen). A new follow-up with an unchanged status moves
    a complaint forward only: a "Selesai" after a reopen is the unit's fresh answer
    and resolves it again, but "Dalam Proses" never undoes a resolution on its own.
    """
    target = lapor_view(mapped, has_followups)
    if target is None:
        return Change(None, "unknown LAPOR! status")
    if target == current:
        return Change(None)
    if unchanged_at_lapor and not fresh:
        return Change(None, "LAPOR! unchanged since the last check; the hub's status stands")
    if unchanged_at_lapor and (current, target) in _BACKWARD:
        return Change(None, "only a new LAPOR! status moves a resolved complaint back")
    if target in ALLOWED.get(current, frozenset()):
        return Change(target)
    return Change(None, f"transition {current.value} -> {target.value} not allowed")


def new_followups(seen: Iterable[str], current_ids: Iterable[str]) -> list[str]:
    """Follow-up ids LAPOR! shows that we have not recorded yet, in LAPOR!'s order."""
    known = set(seen)
    out: list[str] = []
    for fid in current_ids:
        if fid not in known:
            known.add(fid)
            out.append(fid)
    return out
