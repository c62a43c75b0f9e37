"""A change of a complaint as the services say it and the stores carry it out: the attributes it
sets, where the complaint is found afterwards (its deadline, its next LAPOR! check, who holds
it...), what it must still hold for the write to apply, and the two ways a write can lose.

Plain values: the services build them, the storage adapter turns them into keys, index
attributes and expressions (adapters/storage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# -- outcomes --------------------------------------------------------------------------------


class ConditionFailed(Exception):
    """A conditional write lost its race: someone else already did it."""

    def __init__(self, message: str = "", item: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        #: the item as it was, when the write asked for it (ReturnValuesOnConditionCheckFailure)
        self.item = item


class UploadClaimed(Exception):
    """Uploads another complaint named first (each upload belongs to one complaint)."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__("upload already claimed")
        self.keys = keys


# -- values of a change ----------------------------------------------------------------------


class IfAbsent:
    """A value written only when the attribute has none yet (set once)."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Append:
    """Values appended to a list attribute (created when absent)."""

    def __init__(self, *items: Any) -> None:
        self.items = list(items)


# -- what an item must hold for a write to apply (Expect: attribute -> one of these) ----------


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Marker("ABSENT")  # the attribute has no value
PRESENT = _Marker("PRESENT")  # the attribute has a value (the item exists)
KEEP = _Marker("KEEP")  # an index placement the change leaves as it is


@dataclass(frozen=True)
class Before:
    """No value, or one earlier than this (an expired lease)."""

    value: Any


@dataclass(frozen=True)
class After:
    """No value, or one later than this (a window still open)."""

    value: Any


@dataclass(frozen=True)
class Version:
    """The complaint's version (If-Match); an item written before versions existed reads as 1."""

    number: int


#: attribute -> value (equal), ABSENT, PRESENT, Before, After, Version; a list: all of them
Expect = Mapping[str, Any]


@dataclass(frozen=True)
class Placement:
    """Where a changed complaint is found: each field an index it enters (a value), leaves
    (None) or stays in as it is (KEEP)."""

    deadline: datetime | None | _Marker = KEEP  # the SLA deadline and the `due` index
    next_check: datetime | None | _Marker = KEEP  # the next LAPOR! status check (`sync`)
    waiting_since: datetime | None | _Marker = KEEP  # waiting for LAPOR! (`outbox`)
    parked_at: datetime | _Marker = KEEP  # LAPOR! refused it: the admins' shelf
    overdue_noticed: bool = False  # out of `due`, its deadline kept (a notice was sent)
    listed: bool | _Marker = KEEP  # listed as "already reported nearby" (`geo`)
    holder: str | _Marker = KEEP  # who must act next: the operators' inbox keys
    #: the newest timeline entry with a message (a TimelineEntry), kept on the complaint item so a
    #: list shows its status note from the row it reads
    note: Any = KEEP


@dataclass
class Change:
    """One write of a complaint: attributes (None removes one), placement, expectation."""

    attrs: dict[str, Any]
    expect: Expect | None = None
    placement: Placement = field(default_factory=Placement)


@dataclass(frozen=True)
class ComplaintImages:
    """One change of a complaint item, from the table's stream: the item before and after it."""

    tracking_id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    seq: str
