"""Timeline entries: one item per entry in the complaint's partition, each written once."""

from __future__ import annotations

from chalicelib.adapters.storage.codec import timeline_item
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.adapters.storage.unit_of_work import TransactItem
from chalicelib.domain.models import TimelineEntry


class TimelineStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def add(self, tracking_id: str, entry: TimelineEntry) -> bool:
        """Append an entry once: False when an entry with the same key exists."""
        return self.gateway.put_new(timeline_item(tracking_id, entry))

    def write(self, tracking_id: str, entry: TimelineEntry) -> TransactItem:
        """The entry as one item of an atomic write (only if absent)."""
        return TransactItem(
            {
                "Put": {
                    "TableName": self.gateway.table,
                    "Item": timeline_item(tracking_id, entry),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
