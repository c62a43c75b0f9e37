"""Timeline entries: one item per entry in the complaint's partition, each written once."""

from __future__ import annotations

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import timeline_item, values
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.adapters.storage.unit_of_work import TransactItem
from chalicelib.domain.changes import ConditionFailed
from chalicelib.domain.models import TimelineEntry


class TimelineStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def add(self, tracking_id: str, entry: TimelineEntry) -> bool:
        """Append an entry once: False when an entry with the same key exists.

        A public entry with a message becomes the complaint's status note (keys.note_attributes) unless
        the note is newer: a second, conditional UpdateItem that leaves the complaint's version
        alone (the note is what the lists show, not a change an If-Match guards)."""
        if not self.gateway.put_new(timeline_item(tracking_id, entry)):
            return False
        if keys.is_note(entry):
            self._note(tracking_id, entry)
        return True

    def _note(self, tracking_id: str, entry: TimelineEntry) -> None:
        at = entry.model_dump(mode="json")["at"]
        request = self.gateway.update_request(
            keys.complaint_key(tracking_id),
            "SET #n = :n",
            "attribute_exists(pk) AND (attribute_not_exists(#n.#at) OR #n.#at <= :at)",
            names={"#n": keys.STATUS_NOTE, "#at": "at"},
            vals=values(n=keys.note_attributes(entry)[keys.STATUS_NOTE], at=at),
        )
        try:
            self.gateway.send_update(request)
        except ConditionFailed:
            pass  # a newer note is there already (or the complaint is gone)

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
