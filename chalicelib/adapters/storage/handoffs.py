"""Complaints a unit handed on ("bukan wewenang"): pk HANDEDON#<unit> / sk <instant>#<tracking_id>.

Written in the same transaction as the hand-off; read, newest first, for the unit's
"Diteruskan" shelf (the complaints it still sees, read-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso, to_item, values
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.adapters.storage.unit_of_work import TransactItem


class HandoffStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def write(self, unit: str, tracking_id: str, at: datetime) -> TransactItem:
        """The hand-off as one item of the action's transaction."""
        return TransactItem(
            {
                "Put": {
                    "TableName": self.gateway.table,
                    "Item": to_item(
                        {
                            "pk": keys.handoff_pk(unit),
                            "sk": f"{iso(at)}#{tracking_id}",
                            "type": "handoff",
                            "tracking_id": tracking_id,
                            "unit": unit,
                            "at": iso(at),
                        }
                    ),
                }
            }
        )

    def page(self, unit: str, before: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """The unit's hand-offs, newest first, after the position `before` (an sk); and the next position."""
        cond = "pk = :p AND sk < :b" if before else "pk = :p"
        vals = values(p=keys.handoff_pk(unit), b=before) if before else values(p=keys.handoff_pk(unit))
        items, last = self.gateway.query_page(cond, vals, limit=limit, forward=False)
        return items, (str(last["sk"]) if last else None)
