"""Complaint items: one per complaint (pk C#<tracking id>, sk C), with their index attributes.

A service says what a complaint becomes (`ports.Change`: attributes, where it is found,
what it must still hold); this store computes the index attributes (due, sync, outbox,
geo, inbox) from those domain values, writes the expressions and counts the version."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso, text, values
from chalicelib.adapters.storage.expressions import condition, set_remove, with_version
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.adapters.storage.unit_of_work import TransactItem
from chalicelib.domain.models import Complaint, TimelineEntry
from chalicelib.services.ports import KEEP, Change, Complaints, Placement


def placed(tracking_id: str, complaint: Complaint | None, p: Placement) -> dict[str, Any]:
    """The index attributes a placement asks for (None removes one)."""
    out: dict[str, Any] = {}
    if p.deadline is not KEEP:
        out.update(keys.due_attributes(tracking_id, p.deadline))  # type: ignore[arg-type]
    if p.overdue_noticed:
        out.update(keys.off_due_index())
    if p.next_check is not KEEP:
        out.update(keys.sync_attributes(tracking_id, p.next_check))  # type: ignore[arg-type]
    if p.waiting_since is not KEEP:
        out.update(keys.outbox_attributes(tracking_id, p.waiting_since))  # type: ignore[arg-type]
    if isinstance(p.parked_at, datetime):
        out.update(keys.parked_attributes(p.parked_at))
    if p.listed is not KEEP:
        if complaint is None:
            raise ValueError("a complaint's listing needs the complaint")
        out.update(keys.geo_attributes(complaint, bool(p.listed)))
    if isinstance(p.holder, str):
        if complaint is None:
            raise ValueError("a complaint's inbox keys need the complaint")
        out.update(keys.inbox_attributes(complaint, p.holder))
    return out


class ComplaintStore(Complaints):
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    # -- reads --------------------------------------------------------------------------------

    def item(self, tracking_id: str, consistent: bool = True) -> dict[str, Any] | None:
        """The complaint item as stored (model fields and the item's own attributes)."""
        return self.gateway.get_item(tracking_id, consistent=consistent)

    def get(self, tracking_id: str, consistent: bool = True) -> Complaint | None:
        return self.gateway.get(tracking_id, consistent=consistent)

    def with_timeline(self, tracking_id: str, consistent: bool = False) -> tuple[Complaint | None, list[TimelineEntry]]:
        """The complaint and its whole timeline in one Query (same partition)."""
        return self.gateway.get_with_timeline(tracking_id, consistent=consistent)

    # -- writes -------------------------------------------------------------------------------

    def create(
        self,
        complaint: Complaint,
        entry: TimelineEntry,
        attributes: Mapping[str, Any],
        placement: Placement,
        claims: Sequence[str] = (),
    ) -> None:
        """Store a new complaint with its first entry: one conditional PutItem (with uploads to
        claim, one transaction). ConditionFailed carries the item holding the id; UploadClaimed
        names the uploads another complaint has."""
        extra = {k: text(v) for k, v in attributes.items()}
        extra.update(keys.created_attributes(complaint.tracking_id, complaint.created_at))
        extra.update({k: v for k, v in placed(complaint.tracking_id, complaint, placement).items() if v is not None})
        self.gateway.create(complaint, entry, extra, claims=list(claims))

    def change(
        self, tracking_id: str, change: Change, return_old: bool = False, return_new: bool = False
    ) -> dict[str, Any] | None:
        """One conditional update (ConditionFailed when its expectation is false); the item
        before (`return_old`) or after (`return_new`) it, if asked."""
        update, names, vals = self._expressions(tracking_id, None, change)
        cond, cnames, cvals = condition(change.expect)
        return self.gateway.update(
            tracking_id,
            update,
            condition=cond,
            names={**names, **cnames},
            vals={**vals, **cvals},
            return_old=return_old,
            return_new=return_new,
        )

    def change_write(self, complaint: Complaint, change: Change) -> TransactItem:
        """The change of `complaint` (its state after) as one item of an atomic write."""
        update, names, vals = self._expressions(complaint.tracking_id, complaint, change)
        cond, cnames, cvals = condition(change.expect)
        update, names, vals = with_version(update, {**names, **cnames}, {**vals, **cvals})
        return TransactItem(
            {
                "Update": self.gateway.update_request(
                    keys.complaint_key(complaint.tracking_id), update, cond, names, vals
                )
            }
        )

    @staticmethod
    def _expressions(
        tracking_id: str, complaint: Complaint | None, change: Change
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        attrs = dict(change.attrs)
        attrs.update(placed(tracking_id, complaint, change.placement))
        return set_remove(attrs)

    # -- the sparse indexes -------------------------------------------------------------------

    def due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        """Complaints of one shard whose deadline is `until` or earlier (the `due` index)."""
        return self.gateway.query_index_until("due", keys.due_shard_pk(shard), iso(until), limit=limit)

    def count_due(self, shard: int, until: datetime) -> int:
        return self.gateway.count_index_until("due", keys.due_shard_pk(shard), iso(until))

    def sync_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        """Complaints of one shard whose next LAPOR! check is due (the `sync` index)."""
        return self.gateway.query_index_until("sync", keys.sync_shard_pk(shard), iso(until), limit=limit)

    def waiting_for_lapor(self, shard: int, until: str, limit: int) -> Iterator[dict[str, Any]]:
        """Complaints of one shard waiting for LAPOR! since `until` or earlier (the `outbox` index)."""
        return self.gateway.query_index_until("outbox", keys.outbox_shard_pk(shard), until, limit=limit)

    def parked_page(
        self, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of the complaints LAPOR! refused (the `outbox` index's parked shelf)."""
        return self.gateway.query_page(
            "outbox_pk = :p", values(p=keys.OUTBOX_PARKED), index="outbox", limit=limit, start_key=start
        )

    def nearby_cell(self, category: str, cell: str, created_before: datetime | None) -> list[dict[str, Any]]:
        """Listed complaints of a category in one geohash cell (the `geo` index)."""
        pk = keys.geo_pk(category, cell)
        if created_before is None:
            return list(self.gateway.query("geo_pk = :p", values(p=pk), index="geo"))
        return list(self.gateway.query("geo_pk = :p AND geo_sk < :b", values(p=pk, b=iso(created_before)), index="geo"))
