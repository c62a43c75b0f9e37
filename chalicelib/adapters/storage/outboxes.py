"""Outbox items: what the hub still has to tell someone, written in the same transaction as
the change it tells of and found again by the sparse `outbox` / `due` indexes until sent.

- channel event    CHEVENT#<tracking_id> / <utc instant>#<event id>; outbox CHEVENT#<shard>
- LAPOR! follow-up LAPORFU#<tracking_id> / <complaint version, 9 digits>; outbox LAPORFU#<shard>
                   (LAPORFU#PARKED when LAPOR! refused it)
- staff notice     NOTIFY#<tracking_id> / <slot>; `due` index NOTIFY#<shard> until published
                   (DIGEST#<unit> while held back for the unit's morning digest)
- digest marker    DIGESTMARK#<unit> / MARK; `due` index DIGESTUNITS#<time zone>#<shard> while
                   the unit has something for its next morning digest
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso, to_item, values
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.adapters.storage.unit_of_work import TransactItem
from chalicelib.domain.changes import ConditionFailed


class OutboxStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    # -- channel events -----------------------------------------------------------------------

    def event_write(
        self, tracking_id: str, occurred_at: datetime, event_id: str, event: Mapping[str, Any], now: datetime
    ) -> TransactItem:
        """A channel event as one item of the change's atomic write (only if absent)."""
        data = {
            "pk": keys.event_pk(tracking_id),
            "sk": keys.event_sk(occurred_at, event_id),
            "type": "channel_event",
            "event": dict(event),
            "created_at": iso(now),
            "outbox_pk": keys.event_outbox_pk(tracking_id),
            "outbox_sk": iso(now),
        }
        return TransactItem(
            {
                "Put": {
                    "TableName": self.gateway.table,
                    "Item": to_item(data),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

    def event_sent(self, tracking_id: str, occurred_at: datetime, event_id: str, now: datetime) -> None:
        """Queued: out of the outbox index."""
        self.gateway.update_raw(
            keys.event_pk(tracking_id),
            keys.event_sk(occurred_at, event_id),
            "SET sent_at = :now REMOVE outbox_pk, outbox_sk",
            condition="attribute_exists(pk)",
            vals=values(now=iso(now)),
        )

    def events_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        """Channel events of one shard written at `until` or earlier and still not queued."""
        return self.gateway.query_index_until("outbox", keys.event_shard_pk(shard), iso(until), limit=limit)

    def postpone(self, record: Mapping[str, Any], later: datetime) -> None:
        """Claim an outbox record for a re-send or re-ask: look again at `later` (ConditionFailed:
        an overlapping sweep has it, or it was sent meanwhile)."""
        self.gateway.update_raw(
            str(record["pk"]),
            str(record["sk"]),
            "SET outbox_sk = :later",
            condition="outbox_sk = :old AND attribute_not_exists(sent_at)",
            vals=values(later=iso(later), old=record["outbox_sk"]),
        )

    # -- LAPOR! follow-ups ----------------------------------------------------------------------

    def followup_write(
        self, tracking_id: str, seq: int, side: str, content: str, secret: bool, now: datetime, look_again: datetime
    ) -> TransactItem:
        """A follow-up as one item of the change's atomic write; the sweep looks at it only
        after `look_again` (when the immediate request did not deliver it)."""
        data = {
            "pk": keys.followup_pk(tracking_id),
            "sk": keys.followup_sk(seq),
            "type": "lapor_followup",
            "tracking_id": tracking_id,
            "seq": seq,
            "side": side,
            "content": content[:4000],
            "is_secret": secret,
            "created_at": iso(now),
            "outbox_pk": keys.followup_outbox_pk(tracking_id),
            "outbox_sk": iso(look_again),
        }
        return TransactItem(
            {
                "Put": {
                    "TableName": self.gateway.table,
                    "Item": to_item(data),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

    def followups(self, tracking_id: str, consistent: bool = False) -> list[dict[str, Any]]:
        """Every follow-up of a complaint (one Query of its outbox partition), in written order."""
        items = self.gateway.query("pk = :pk", values(pk=keys.followup_pk(tracking_id)), consistent=consistent)
        return sorted(items, key=lambda i: str(i["sk"]))

    def followups_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        return self.gateway.query_index_until("outbox", keys.followup_shard_pk(shard), iso(until), limit=limit)

    def is_parked(self, record: Mapping[str, Any]) -> bool:
        return record.get("outbox_pk") == keys.FOLLOWUP_PARKED

    def claim_followup(self, record: Mapping[str, Any], now: datetime, until: datetime) -> dict[str, Any]:
        """Take a follow-up to post it (a lease), the attempt recorded BEFORE the post; the item as
        it was. ConditionFailed: another worker is posting it, or it was posted meanwhile."""
        old = self.gateway.update_raw(
            str(record["pk"]),
            str(record["sk"]),
            "SET sending_until = :until, attempted_at = :now, attempts = if_not_exists(attempts, :zero) + :one",
            condition="attribute_exists(pk) AND attribute_not_exists(sent_at) AND "
            "(attribute_not_exists(sending_until) OR sending_until < :now)",
            vals=values(until=iso(until), now=iso(now), zero=0, one=1),
            return_old=True,
        )
        if old is None:
            raise ConditionFailed("follow-up vanished")
        return old

    def followup_sent(self, record: Mapping[str, Any], lapor_followup_id: str | None, now: datetime) -> None:
        """Sent, with LAPOR!'s id for it. The complaint item is not written: its version is the
        operators' If-Match, and our own bookkeeping must not make it stale."""
        expr = "SET sent_at = :now REMOVE outbox_pk, outbox_sk, sending_until"
        vals = values(now=iso(now))
        if lapor_followup_id is not None:
            expr = "SET sent_at = :now, lapor_followup_id = :fid REMOVE outbox_pk, outbox_sk, sending_until"
            vals = values(now=iso(now), fid=lapor_followup_id)
        self.gateway.update_raw(str(record["pk"]), str(record["sk"]), expr, condition="attribute_exists(pk)", vals=vals)

    def release_followup(self, record: Mapping[str, Any], look_again: datetime) -> None:
        try:
            self.gateway.update_raw(
                str(record["pk"]),
                str(record["sk"]),
                "SET outbox_sk = :later REMOVE sending_until",
                condition="attribute_not_exists(sent_at)",
                vals=values(later=iso(look_again)),
            )
        except ConditionFailed:
            pass

    def followup_later(self, record: Mapping[str, Any], when: datetime) -> None:
        try:
            self.gateway.update_raw(
                str(record["pk"]),
                str(record["sk"]),
                "SET outbox_sk = :w",
                condition="attribute_not_exists(sent_at) AND attribute_exists(outbox_pk)",
                vals=values(w=iso(when)),
            )
        except ConditionFailed:
            pass

    def drop_followup(self, record: Mapping[str, Any], why: str, now: datetime) -> None:
        """Never to be posted (ConditionFailed: it was sent meanwhile)."""
        self.gateway.update_raw(
            str(record["pk"]),
            str(record["sk"]),
            "SET dropped_at = :now, drop_reason = :why REMOVE outbox_pk, outbox_sk",
            condition="attribute_not_exists(sent_at)",
            vals=values(now=iso(now), why=why),
        )

    def park_followup(self, record: Mapping[str, Any], reason: str, now: datetime) -> None:
        self.gateway.update_raw(
            str(record["pk"]),
            str(record["sk"]),
            "SET outbox_pk = :parked, outbox_sk = :now, park_reason = :why REMOVE sending_until",
            vals=values(parked=keys.FOLLOWUP_PARKED, now=iso(now), why=reason[:500]),
        )

    # -- staff notices --------------------------------------------------------------------------

    def notice_write(self, tracking_id: str, slot: str, notice: Mapping[str, Any], now: datetime) -> TransactItem:
        """A notice as one item of the change's atomic write, findable by the sweep until published."""
        data = {
            "pk": keys.notice_pk(tracking_id),
            "sk": slot,
            "type": "notification",
            "created_at": iso(now),
            **notice,
            **keys.notify_due_attributes(tracking_id, now),
        }
        return TransactItem(
            {
                "Put": {
                    "TableName": self.gateway.table,
                    "Item": to_item(data),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

    def notice_once(self, tracking_id: str, slot: str, notice: Mapping[str, Any], now: datetime) -> bool:
        """A notice on its own, only if that slot never had one (its own idempotency marker); False
        when it had. A plain read first, so a sweep that sees it again writes nothing."""
        if self.gateway.get_raw(keys.notice_pk(tracking_id), slot) is not None:
            return False
        data = {
            "pk": keys.notice_pk(tracking_id),
            "sk": slot,
            "type": "notification",
            "created_at": iso(now),
            **notice,
            **keys.notify_due_attributes(tracking_id, now),
        }
        return self.gateway.put_new(to_item(data))

    def notice_sent(self, tracking_id: str, slot: str, now: datetime) -> None:
        """Published: out of the index (ConditionFailed when the item vanished)."""
        self.gateway.update_raw(
            keys.notice_pk(tracking_id),
            slot,
            "SET sent_at = :now REMOVE due_pk, due_sk",
            condition="attribute_exists(pk)",
            vals=values(now=iso(now)),
        )

    def count_single(self, unit: str, day: str, expires_at: int) -> int:
        """One more single notice for `unit` on `day` (WIB date); the day's total."""
        return self.gateway.add_to_counter(keys.notice_count_pk(unit, day), 1, expires_at)

    def hold_notice(self, tracking_id: str, slot: str, unit: str, zone: str, now: datetime) -> None:
        """Held back for `unit`'s morning digest: out of the sweep's partition, into the unit's, and
        the unit marked for its zone's morning run, in one write (ConditionFailed when the notice was
        published meanwhile)."""
        hold = self.gateway.update_request(
            keys.key(keys.notice_pk(tracking_id), slot),
            "SET due_pk = :d, due_sk = :now, held_at = :now",
            "attribute_exists(pk) AND attribute_not_exists(sent_at)",
            vals=values(d=keys.digest_pk(unit), now=iso(now)),
        )
        self.gateway.transact_raw([{"Update": hold}, {"Update": self._mark(unit, zone, "held", now)}])

    def held_notices(self, unit: str, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        """`unit`'s notices held back for its digest, oldest first (one Query of the `due` index)."""
        return self.gateway.query_index_until("due", keys.digest_pk(unit), iso(until), limit=limit)

    def copy_for_digest(self, tracking_id: str, slot: str, subject: str, unit: str, zone: str, now: datetime) -> None:
        """A single notice also listed in the digest of `unit`'s people who chose it (written once,
        with the unit's marker; its own `kind`, so it is never taken for a notice to publish)."""
        copy = {
            "pk": keys.notice_pk(tracking_id),
            "sk": f"{slot}#digest",
            "type": "notification_digest_copy",
            "kind": "digest_copy",
            "tracking_id": tracking_id,
            "subject": subject,
            "unit_code": unit,
            "created_at": iso(now),
            "due_pk": keys.chosen_digest_pk(unit),
            "due_sk": iso(now),
        }
        put = {
            "Put": {
                "TableName": self.gateway.table,
                "Item": to_item(copy),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        try:
            self.gateway.transact_raw([put, {"Update": self._mark(unit, zone, "chosen", now)}])
        except ConditionFailed:
            pass  # copied before, and marked with it

    def copied_notices(self, unit: str, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        """Copies of `unit`'s single notices for its people's digest, oldest first."""
        return self.gateway.query_index_until("due", keys.chosen_digest_pk(unit), iso(until), limit=limit)

    def _mark(self, unit: str, zone: str, what: str, now: datetime) -> dict[str, Any]:
        """The marker "`unit` has `what` (held | chosen) for its next digest", as a transaction's Update."""
        index = keys.digest_mark_attributes(unit, zone, iso(now))
        return self.gateway.update_request(
            keys.key(keys.digest_mark_pk(unit), keys.DIGEST_MARK_SK),
            f"SET unit_code = :u, #zone = :z, {what} = :t, due_pk = :dp, due_sk = :ds",
            names={"#zone": "zone"},
            vals=values(u=unit, z=zone, t=True, dp=index["due_pk"], ds=index["due_sk"]),
        )

    def marked_units(self, zone: str, shard: int, until: datetime, limit: int | None) -> Iterator[dict[str, Any]]:
        """The markers of one zone and shard set at `until` or earlier (one Query of the `due` index)."""
        return self.gateway.query_index_until("due", keys.digest_units_pk(zone, shard), iso(until), limit=limit)

    def unmark_unit(self, marker: Mapping[str, Any]) -> bool:
        """The unit's digest sent: its marker leaves the index, unless it was marked again since it
        was read (then the next morning reads it); False then."""
        try:
            self.gateway.update_raw(
                str(marker["pk"]),
                str(marker["sk"]),
                "REMOVE due_pk, due_sk, held, chosen",
                condition="due_sk = :seen",
                vals=values(seen=marker["due_sk"]),
            )
        except ConditionFailed:
            return False
        return True

    def notices_due(self, shard: int, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        """Notices of one shard written at `until` or earlier and not yet marked published."""
        return self.gateway.query_index_until("due", keys.notify_shard_pk(shard), iso(until), limit=limit)

    def notice_slot(self, record: Mapping[str, Any]) -> str:
        return str(record["sk"])

    def notice_key(self, record: Mapping[str, Any]) -> tuple[str, str]:
        """A notice's key (for `claim_notice`)."""
        return str(record["pk"]), str(record["sk"])

    def claim_notice(self, key: tuple[str, str], now: datetime, until: datetime) -> bool:
        """Take a pending notice until `until`; False: sent meanwhile, or another sweep has it."""
        try:
            self.gateway.update_raw(
                key[0],
                key[1],
                "SET publishing_until = :until",
                condition="attribute_exists(pk) AND attribute_not_exists(sent_at) AND "
                "(attribute_not_exists(publishing_until) OR publishing_until < :now)",
                vals=values(until=iso(until), now=iso(now)),
            )
        except ConditionFailed:
            return False
        return True
