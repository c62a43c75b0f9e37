"""LAPOR!'s status (already mapped) onto our lifecycle."""

from __future__ import annotations

import pytest

from chalicelib.adapters.lapor_wire import STATUS_MAP
from chalicelib.domain.lifecycle import decide, lapor_view, new_followups
from chalicelib.domain.models import Status

F, V, P, R = Status.FORWARDED, Status.VERIFIED, Status.IN_PROGRESS, Status.RESOLVED


@pytest.mark.parametrize(
    ("current", "lapor_name", "followups", "expected"),
    [
        (F, "Belum Terverifikasi", False, None),
        (F, "Dalam Proses", False, V),
        (F, "Dalam Proses", True, P),  # verified and answered between two checks
        (V, "Dalam Proses", True, P),
        (V, "Dalam Proses", False, None),
        (P, "Dalam Proses", True, None),
        (P, "Selesai", True, R),
        (F, "Selesai", False, R),
        (V, "Ditolak", False, Status.REJECTED),
        (P, "Diarsipkan", True, Status.ARCHIVED),
        (R, "Dalam Proses", True, P),  # LAPOR! re-opened it
    ],
)
def test_allowed_changes(current: Status, lapor_name: str, followups: bool, expected: Status | None) -> None:
    assert decide(current, STATUS_MAP[lapor_name], followups).new_status == expected


@pytest.mark.parametrize(
    ("current", "lapor_name"),
    [
        (V, "Belum Terverifikasi"),  # never back to "not verified"
        (P, "Belum Terverifikasi"),
        (Status.CLOSED, "Dalam Proses"),  # our final statuses stay final
        (Status.REJECTED, "Selesai"),
        (Status.RECEIVED, "Dalam Proses"),  # not at LAPOR! as far as we know
    ],
)
def test_refused_changes_are_explained(current: Status, lapor_name: str) -> None:
    change = decide(current, STATUS_MAP[lapor_name], True)
    assert change.new_status is None and change.ignored and "not allowed" in change.ignored


def test_unknown_lapor_status_changes_nothing() -> None:
    change = decide(F, None, False)
    assert change.new_status is None and change.ignored == "unknown LAPOR! status"


def test_dalam_proses_means_in_progress_only_after_a_followup() -> None:
    assert lapor_view(V, has_followups=False) == V
    assert lapor_view(V, has_followups=True) == P
    assert lapor_view(R, has_followups=True) == R


def test_new_followups_keeps_lapor_order_and_skips_seen_and_repeats() -> None:
    assert new_followups(["1", "3"], ["1", "2", "3", "4", "2"]) == ["2", "4"]
    assert new_followups([], []) == []


def test_a_selesai_already_applied_does_not_undo_a_reopen() -> None:
    from chalicelib.domain.lifecycle import decide
    from chalicelib.domain.models import Status

    assert decide(Status.IN_PROGRESS, Status.RESOLVED, True, unchanged_at_lapor=True).new_status is None
    assert decide(Status.IN_PROGRESS, Status.RESOLVED, True, unchanged_at_lapor=False).new_status == Status.RESOLVED


def test_a_status_the_hub_set_stands_until_lapor_says_something_new() -> None:
    # an operator answered (in_progress) or resolved in the hub; LAPOR! still shows what it showed
    assert decide(P, V, False, unchanged_at_lapor=True).new_status is None
    assert decide(R, P, True, unchanged_at_lapor=True).new_status is None
    # a new follow-up alone never undoes a resolution ...
    assert decide(R, V, True, unchanged_at_lapor=True, fresh=True).new_status is None
    # ... but moves forward, and a new LAPOR! status is always followed
    assert decide(V, V, True, unchanged_at_lapor=True, fresh=True).new_status == P
    assert decide(P, R, True, unchanged_at_lapor=True, fresh=True).new_status == R
    assert decide(R, V, True, unchanged_at_lapor=False).new_status == P


def test_a_returned_complaint_follows_only_lapors_own_ends() -> None:
    assert decide(Status.RETURNED, STATUS_MAP["Ditolak"], False).new_status == Status.REJECTED
    assert decide(Status.RETURNED, STATUS_MAP["Selesai"], True).new_status is None
