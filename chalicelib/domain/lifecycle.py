"""Our lifecycle as LAPOR! moves a complaint: which changes are allowed, and what changed.

Pure: the LAPOR! status name arrives already mapped onto our vocabulary
(adapters/lapor_wire.STATUS_MAP); this module decides whether that is a change
we record. LAPOR! is the authority for a complaint it holds, so a report it
re-opens (Selesai -> Dalam Proses) is followed; what it never does is pull a
ticket back to "not yet at LAPOR!", and our own final statuses stay final.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.models import FINAL_STATUSES, Status

_AT_LAPOR_TARGETS = frozenset({
    Status.VERIFIED, Status.IN_PROGRESS, Status.RESOLVED, Status.ARCHIVED, Status.REJECTED,
})

#: from -> statuses LAPOR! may move a complaint to (anything else is ignored and logged)
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.FORWARDED: _AT_LAPOR_TARGETS,
    Status.VERIFIED: _AT_LAPOR_TARGETS - {Status.VERIFIED},
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.ARCHIVED, Status.REJECTED}),
    Status.RESOLVED: frozenset({Status.VERIFIED, Status.IN_PROGRESS, Status.ARCHIVED, Status.REJECTED}),
}

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


def decide(current: Status, mapped: Status | None, has_followups: bool, unchanged_at_lapor: bool = False) -> Change:
    """What to record, given our status and LAPOR!'s (mapped) status.

    `unchanged_at_lapor`: LAPOR! shows the same status name as at the last check
    and no follow-up new since. A "Selesai" we already applied is then not
    applied again: the reporter may have reopened the complaint since. A new
    follow-up from the unit with "Selesai" is a fresh answer and resolves it again.
    """
    target = lapor_view(mapped, has_followups)
    if target is None:
        return Change(None, "unknown LAPOR! status")
    if target == current:
        return Change(None)
    if unchanged_at_lapor and target == Status.RESOLVED:
        return Change(None, "reopened by the reporter after LAPOR! finished it")
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
