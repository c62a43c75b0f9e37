"""What the services need from storage, as small interfaces (the stores in adapters/storage
implement them by their methods; bootstrap wires one store per port).

Services say what happens in domain terms (a complaint's new attributes, its deadline,
its next LAPOR! check, what it must still hold for a write to apply: domain/changes.py);
the stores turn that into items, keys, index attributes and expressions. Only domain
types and the standard library here."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.domain.changes import (
    ABSENT,
    KEEP,
    PRESENT,
    After,
    Append,
    Before,
    Change,
    ComplaintImages,
    ConditionFailed,
    Expect,
    IfAbsent,
    Placement,
    UploadClaimed,
    Version,
)
from chalicelib.domain.geo import StripeRange
from chalicelib.domain.jurisdiction_record import JurisdictionRecord
from chalicelib.domain.models import Complaint, TimelineEntry

__all__ = [
    "ABSENT",
    "KEEP",
    "PRESENT",
    "After",
    "ApiKeyRegister",
    "Append",
    "Before",
    "Change",
    "ChannelSettings",
    "ComplaintImages",
    "Complaints",
    "ConditionFailed",
    "Counters",
    "LaporCalls",
    "Expect",
    "Figures",
    "IfAbsent",
    "JurisdictionBoundaries",
    "JurisdictionRecord",
    "Jurisdictions",
    "Outboxes",
    "Placement",
    "Timelines",
    "UnitOfWork",
    "UploadClaimed",
    "Version",
    "Work",
    "Write",
]

# -- the stores ------------------------------------------------------------------------------


class Write(Protocol):
    """One item of an atomic write, made by a store (opaque to services)."""


class UnitOfWork(Protocol):
    """The items of one atomic write, committed together (all or nothing; ConditionFailed)."""

    def add(self, write: Write) -> None: ...

    def commit(self) -> None: ...


class Complaints(Protocol):
    @staticmethod
    def counted_at(item: Mapping[str, Any] | None) -> str | None: ...

    @staticmethod
    def in_created_index(item: Mapping[str, Any] | None) -> bool: ...

    def item(self, tracking_id: str, consistent: bool = True) -> dict[str, Any] | None: ...

    def items(self, tracking_ids: list[str]) -> dict[str, dict[str, Any]]: ...

    def get(self, tracking_id: str, consistent: bool = True) -> Complaint | None: ...

    def upload_owner(self, upload: str) -> str | None: ...

    def with_timeline(
        self, tracking_id: str, consistent: bool = False
    ) -> tuple[Complaint | None, list[TimelineEntry]]: ...

    def create(
        self,
        complaint: Complaint,
        entry: TimelineEntry,
        attributes: Mapping[str, Any],
        placement: Placement,
        claims: Sequence[str] = (),
    ) -> None: ...

    def change(
        self, tracking_id: str, change: Change, return_old: bool = False, return_new: bool = False
    ) -> dict[str, Any] | None: ...

    def change_write(self, complaint: Complaint, change: Change) -> Write: ...

    def due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]: ...

    def count_due(self, shard: int, until: datetime) -> int: ...

    def sync_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]: ...

    def mark_acted(self, tracking_id: str, at: datetime) -> bool: ...

    def waiting_for_lapor(self, shard: int, until: str, limit: int) -> Iterator[dict[str, Any]]: ...

    def parked_page(
        self, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]: ...

    def nearby_stripe(self, category: str, stripe: StripeRange, region: str | None = None) -> list[dict[str, Any]]: ...

    def created_page(
        self,
        month: str,
        shard: int,
        lo: str,
        hi: str,
        filters: Mapping[str, Any],
        limit: int,
        start: dict[str, Any] | None,
        region: str | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]: ...

    def created_in(self, month: str, shard: int, region: str | None = None) -> Iterator[dict[str, Any]]: ...

    def latest_entries(self, tracking_id: str, limit: int) -> list[dict[str, Any]]: ...

    def many(self, tracking_ids: Sequence[str]) -> list[dict[str, Any]]: ...

    @staticmethod
    def status_note(item: Mapping[str, Any]) -> tuple[bool, dict[str, Any] | None]: ...

    def inbox_page(
        self,
        family: str,
        urgent: bool,
        partition: str,
        after: str | None,
        overdue_before: datetime | None,
        filters: Mapping[str, Any],
        limit: int,
        start: dict[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]: ...

    def due_at(self, item: Mapping[str, Any]) -> str | None: ...

    def waiting_since(self, item: Mapping[str, Any]) -> str | None: ...

    def arrival_key(self, item: Mapping[str, Any]) -> str: ...

    def inbox_position(self, item: Mapping[str, Any], urgent: bool) -> str | None: ...

    def drop_stale_due(self, tracking_id: str, due_at: str) -> None: ...

    def parked(self, limit: int, token: str | None) -> tuple[list[dict[str, Any]], str | None]: ...

    def record_lapor_docs(self, tracking_id: str, docs: Mapping[str, int]) -> None: ...

    def claim_forward_lease(self, tracking_id: str, owner: str, now: datetime, until: datetime) -> dict[str, Any]: ...

    def mark_forward_sent(self, tracking_id: str, owner: str, now: datetime) -> None: ...

    def release_forward_lease(self, tracking_id: str, owner: str, clear_sent: bool) -> None: ...

    def requeue_for_lapor(
        self, tracking_id: str, now: datetime, requeued_before: datetime, stale_before: datetime
    ) -> None: ...

    def add_attachment(
        self, tracking_id: str, key: str, open_statuses: Sequence[str], max_files: int
    ) -> dict[str, Any] | None: ...

    def claim_attachment_lease(
        self, tracking_id: str, owner: str, now: datetime, until: datetime
    ) -> dict[str, Any]: ...

    def save_attachment_state(
        self, tracking_id: str, owner: str, state: Mapping[str, Any], seen: str | None
    ) -> None: ...

    def release_attachment_lease(self, tracking_id: str, owner: str) -> None: ...


class Outboxes(Protocol):
    """What waits to be told: channel events, LAPOR! follow-ups, staff notices. Each record is
    handed back to the store as read (the store knows its keys)."""

    # channel events
    def event_write(
        self, tracking_id: str, occurred_at: datetime, event_id: str, event: Mapping[str, Any], now: datetime
    ) -> Write: ...

    def event_sent(self, tracking_id: str, occurred_at: datetime, event_id: str, now: datetime) -> None: ...

    def events_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]: ...

    def postpone(self, record: Mapping[str, Any], later: datetime) -> None: ...

    # LAPOR! follow-ups
    def followup_write(
        self, tracking_id: str, seq: int, side: str, content: str, secret: bool, now: datetime, look_again: datetime
    ) -> Write: ...

    def followups(self, tracking_id: str, consistent: bool = False) -> list[dict[str, Any]]: ...

    def followups_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]: ...

    def claim_followup(self, record: Mapping[str, Any], now: datetime, until: datetime) -> dict[str, Any]: ...

    def followup_sent(self, record: Mapping[str, Any], lapor_followup_id: str | None, now: datetime) -> None: ...

    def release_followup(self, record: Mapping[str, Any], look_again: datetime) -> None: ...

    def followup_later(self, record: Mapping[str, Any], when: datetime) -> None: ...

    def drop_followup(self, record: Mapping[str, Any], why: str, now: datetime) -> None: ...

    def park_followup(self, record: Mapping[str, Any], reason: str, now: datetime) -> None: ...

    def is_parked(self, record: Mapping[str, Any]) -> bool: ...

    # staff notices
    def notice_write(self, tracking_id: str, slot: str, notice: Mapping[str, Any], now: datetime) -> Write: ...

    def notice_once(self, tracking_id: str, slot: str, notice: Mapping[str, Any], now: datetime) -> bool: ...

    def notice_sent(self, tracking_id: str, slot: str, now: datetime) -> None: ...

    def count_single(self, unit: str, day: str, expires_at: int) -> int: ...

    def hold_notice(self, tracking_id: str, slot: str, unit: str, zone: str, now: datetime) -> None: ...

    def held_notices(self, unit: str, until: datetime, limit: int) -> Iterator[dict[str, Any]]: ...

    def copy_for_digest(
        self, tracking_id: str, slot: str, subject: str, unit: str, zone: str, now: datetime
    ) -> None: ...

    def copied_notices(self, unit: str, until: datetime, limit: int) -> Iterator[dict[str, Any]]: ...

    def marked_units(self, zone: str, shard: int, until: datetime, limit: int | None) -> Iterator[dict[str, Any]]: ...

    def unmark_unit(self, marker: Mapping[str, Any]) -> bool: ...

    def notices_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]: ...

    def notice_key(self, record: Mapping[str, Any]) -> tuple[str, str]: ...

    def claim_notice(self, key: tuple[str, str], now: datetime, until: datetime) -> bool: ...

    def notice_slot(self, record: Mapping[str, Any]) -> str: ...


class ChannelSettings(Protocol):
    """Each channel's callback registration, in each region (None: the default region)."""

    def save_callback(self, channel: str, url: str, at: datetime, region: str | None = None) -> None: ...

    def remove_callback(self, channel: str, at: datetime, region: str | None = None) -> None: ...

    def callback(self, channel: str, region: str | None = None) -> dict[str, Any] | None: ...


class Timelines(Protocol):
    """Timeline entries of complaints, each written once."""

    def add(self, tracking_id: str, entry: TimelineEntry) -> bool: ...

    def write(self, tracking_id: str, entry: TimelineEntry) -> Write: ...


class Work(Protocol):
    """Makes a unit of work for one atomic write."""

    def begin(self) -> UnitOfWork: ...


class ApiKeyRegister(Protocol):
    """Open311 API keys, known by the SHA-256 of the key only."""

    def register(self, key_hash: str, client_app: str, at: datetime) -> None: ...

    def client_app(self, key_hash: str) -> str | None: ...


class People(Protocol):
    """The people of each unit: who an assignment may name."""

    def save(self, unit: str, user: str, name: str | None, role: str | None, at: datetime, by: str) -> None: ...

    def person(self, unit: str, user: str) -> dict[str, Any] | None: ...

    def set_notify(self, unit: str, user: str, prefs: dict[str, Any], at: datetime) -> None: ...

    def of_unit(self, unit: str) -> list[dict[str, Any]]: ...

    def unit_addresses(self, unit: str) -> dict[str, Any] | None: ...

    def set_unit_addresses(
        self, unit: str, subscriptions: dict[str, str], digest: bool, at: datetime, by: str
    ) -> None: ...


class Templates(Protocol):
    """The coordinator's answer templates and their history."""

    def all(self) -> list[dict[str, Any]]: ...

    def get(self, template_id: str) -> dict[str, Any] | None: ...

    def save(self, template: dict[str, Any], at: str, change: dict[str, Any]) -> None: ...

    def history(self, template_id: str) -> list[dict[str, Any]]: ...


class Handoffs(Protocol):
    """The complaints each unit handed on, newest first (its "Diteruskan" shelf)."""

    def write(self, unit: str, tracking_id: str, at: datetime) -> Write: ...

    def page(self, unit: str, before: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]: ...


class Proofs(Protocol):
    """Proof uploads the hub issued, each for one complaint."""

    def issued(self, key: str, tracking_id: str, user: str, at: datetime, expires_at: int) -> None: ...

    def issued_for(self, key: str) -> str | None: ...


class Counters(Protocol):
    """Rate counters and the operators' inbox badges."""

    def add_to_rate(self, counter: str, amount: int, expires_at: int) -> int: ...

    def inbox_counts(self, holders: list[str]) -> list[Mapping[str, int]]: ...

    def inbox_mark(self, tracking_id: str) -> Mapping[str, Any] | None: ...

    def move_inbox_count(
        self,
        tracking_id: str,
        mark: Mapping[str, Any] | None,
        seq: str | int,
        old_at: str | None,
        new_at: str | None,
        with_items: Sequence[Write] = (),
    ) -> None: ...


class LaporCalls(Protocol):
    """The LAPOR! call budget's counter per account and minute, and LAPOR!'s back-off."""

    def lapor_calls(self, account: str, minute: str) -> int: ...

    def take_lapor_calls(self, account: str, minute: str, calls: int, budget: int, expires_at: int) -> bool: ...

    def lapor_backoff(self, account: str) -> str | None: ...

    def back_off_lapor(self, account: str, until: str, expires_at: int) -> None: ...


class Figures(Protocol):
    """The statistics: each complaint's contribution, the day counters, the snapshots, the lists."""

    region: str

    def for_region(self, code: str | None) -> Figures: ...

    def regions_with_figures(self) -> list[str]: ...

    @staticmethod
    def listed_position(item: Mapping[str, Any]) -> str: ...

    def contribution(self, day: date, tracking_id: str) -> dict[str, Any] | None: ...

    def contributions(self, day: date) -> Iterator[dict[str, Any]]: ...

    def write_contribution(
        self,
        day: date,
        tracking_id: str,
        read: Mapping[str, Any] | None,
        counters: Mapping[str, int],
        row: Mapping[str, Any] | None,
        seq: str | None,
        delta: Mapping[str, int],
        no_place: str,
        city: str,
    ) -> None: ...

    def days(self, since: date | None) -> dict[date, dict[str, Any]]: ...

    def day(self, day: date) -> dict[str, Any] | None: ...

    def replace_day(self, day: date, counters: Mapping[str, int], read: Mapping[str, Any] | None) -> None: ...

    def snapshot_meta(self) -> dict[str, Any] | None: ...

    def put_snapshot(self, name: str, body: str, at: datetime) -> None: ...

    def put_snapshot_meta(self, at: datetime, oldest_open_day: date, digests: Mapping[str, str]) -> None: ...

    def snapshots(self, names: list[str]) -> dict[str, dict[str, Any]]: ...

    def listed_page(
        self, by: str, partition: str, lo: str, hi: str, filters: Mapping[str, Any], limit: int
    ) -> tuple[list[dict[str, Any]], str | None]: ...


class Jurisdictions(Protocol):
    """The onboarded regions: the list, each region's document, the region of a prefix."""

    def summaries(self) -> list[dict[str, Any]]: ...

    def load(self, code: str) -> JurisdictionRecord | None: ...

    def code_for_prefix(self, prefix: str) -> str | None: ...


class JurisdictionBoundaries(Protocol):
    """A region's desa/kelurahan boundaries (GeoJSON), kept apart from the table: they are large."""

    def read(self, key: str) -> dict[str, Any] | None: ...
