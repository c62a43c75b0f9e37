"""Counters: the operators' inbox badges (per holder, moved once per stream record) and rate counters.

- inbox counter  INBOXCOUNT#<holder> / COUNT: one number per status (`n_<status>`)
- its marker     INBOXCOUNT#C#<tracking_id> / COUNTED: where the complaint is counted and the
                 stream position applied; a move is ONE transaction with its marker,
                 conditional on the marker, so a redelivered or older record changes nothing
- rate counter   RATE#<counter> / COUNTER, gone by TTL once its window is over
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import stream_position, values
from chalicelib.adapters.storage.gateway import TableGateway, put_over_position
from chalicelib.adapters.storage.unit_of_work import TransactItem
from chalicelib.domain.changes import ConditionFailed


def counter_moves(table: str, old_at: str | None, new_at: str | None) -> list[dict[str, Any]]:
    """Transaction items moving one complaint's count from `old_at` to `new_at`."""
    changes: dict[str, dict[str, int]] = {}
    for at, n in ((old_at, -1), (new_at, 1)):
        if at is not None:
            holder, _, status = at.partition("|")
            moves = changes.setdefault(holder, {})
            moves[status] = moves.get(status, 0) + n
    items = []
    for holder, moves in changes.items():
        moves = {s: n for s, n in moves.items() if n}
        if not moves:
            continue
        names = {f"#c{i}": f"n_{s}" for i, s in enumerate(moves)}
        vals = values(**{f"c{i}": n for i, n in enumerate(moves.values())})
        items.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": keys.key(keys.inbox_count_pk(holder), keys.INBOX_COUNT_SK),
                    "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(moves))),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": vals,
                }
            }
        )
    return items


class CounterStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    # -- rate counters ----------------------------------------------------------------------

    def add_to_rate(self, counter: str, amount: int, expires_at: int) -> int:
        """Add to a rate counter (created at 0) and return its new total; gone after `expires_at`."""
        return self.gateway.add_to_counter(keys.rate_pk(counter), amount, expires_at)

    # -- the LAPOR! call budget ---------------------------------------------------------------

    def lapor_calls(self, account: str, minute: str) -> int:
        """The calls `account` made in one UTC minute (YYYY-MM-DDTHH:MM), as counted so far."""
        item = self.gateway.get_raw(keys.lapor_calls_pk(account, minute), keys.COUNTER_SK)
        return int(item.get("n", 0)) if item else 0

    def take_lapor_calls(self, account: str, minute: str, calls: int, budget: int, expires_at: int) -> bool:
        """Count `calls` more for that minute only while the total stays within `budget` (one
        conditional UpdateItem, so concurrent sweeps never pass it together); False when it would not."""
        request = self.gateway.update_request(
            keys.key(keys.lapor_calls_pk(account, minute), keys.COUNTER_SK),
            "ADD n :d SET expires_at = :e",
            "attribute_not_exists(n) OR n <= :room",
            None,
            values(d=calls, e=expires_at, room=budget - calls),
        )
        try:
            self.gateway.send_update(request)
        except ConditionFailed:
            return False
        return True

    def lapor_backoff(self, account: str) -> str | None:
        """Until when LAPOR! asked `account` to wait (UTC text), if it ever did."""
        item = self.gateway.get_raw(keys.lapor_backoff_pk(account), keys.LAPOR_BACKOFF_SK)
        return str(item["until"]) if item and item.get("until") else None

    def back_off_lapor(self, account: str, until: str, expires_at: int) -> None:
        """Record LAPOR!'s Retry-After for `account` (a later instant only: never shortened)."""
        request = self.gateway.update_request(
            keys.key(keys.lapor_backoff_pk(account), keys.LAPOR_BACKOFF_SK),
            "SET #u = :u, expires_at = :e",
            "attribute_not_exists(#u) OR #u < :u",
            {"#u": "until"},
            values(u=until, e=expires_at),
        )
        try:
            self.gateway.send_update(request)
        except ConditionFailed:
            return  # a later back-off is already recorded

    # -- inbox badges -----------------------------------------------------------------------

    def inbox_counts(self, holders: list[str]) -> list[Mapping[str, int]]:
        """Each holder's numbers per status (those that have a counter), one BatchGetItem."""
        found = self.gateway.get_many([(keys.inbox_count_pk(h), keys.INBOX_COUNT_SK) for h in holders])
        return [{name[2:]: int(n) for name, n in item.items() if name.startswith("n_")} for item in found]

    def inbox_mark(self, tracking_id: str) -> Mapping[str, Any] | None:
        """Where a complaint is counted and the stream position applied (None: never counted)."""
        return self.gateway.get_raw(keys.inbox_mark_pk(tracking_id), keys.INBOX_MARK_SK)

    def move_inbox_count(
        self,
        tracking_id: str,
        mark: Mapping[str, Any] | None,
        seq: str | int,
        old_at: str | None,
        new_at: str | None,
        with_items: Sequence[object] = (),
    ) -> None:
        """Move one complaint's count from `old_at` to `new_at` (`<holder>|<status>`) with its marker,
        only over the marker as it was read (ConditionFailed when another reader came first); the
        items `with_items` (a notice for the unit it arrived at) in the same transaction."""
        data = {
            "pk": keys.inbox_mark_pk(tracking_id),
            "sk": keys.INBOX_MARK_SK,
            "type": "inbox_count_mark",
            "seq": stream_position(seq),
            "at": new_at,
        }
        read = dict(mark) if mark is not None else None
        self.gateway.transact_raw(
            [
                {"Put": put_over_position(self.gateway.table, data, read)},
                *counter_moves(self.gateway.table, old_at, new_at),
                *(_op(item) for item in with_items),
            ]
        )


def _op(write: object) -> dict[str, Any]:
    """One item of the transaction, as a store made it."""
    assert isinstance(write, TransactItem)
    return write.op
