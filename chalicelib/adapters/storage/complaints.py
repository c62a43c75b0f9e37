"""Complaint items: one per complaint (pk C#<tracking id>, sk C), with their index attributes.

A service says what a complaint becomes (`ports.Change`: attributes, where it is found,
what it must still hold); this store computes the index attributes (due, sync, outbox,
geo, inbox) from those domain values, writes the expressions and counts the version."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso, text, values
from chalicelib.adapters.storage.expressions import condition, set_remove, with_version
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.adapters.storage.unit_of_work import TransactItem
from chalicelib.domain import geo, inbox
from chalicelib.domain.changes import KEEP, Change, ConditionFailed, Placement
from chalicelib.domain.models import Complaint, Status, TimelineEntry


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
    if p.note is not KEEP and keys.is_note(p.note):
        out.update(keys.note_attributes(p.note))
    if isinstance(p.holder, str):
        if complaint is None:
            raise ValueError("a complaint's inbox keys need the complaint")
        out.update(keys.inbox_attributes(complaint, p.holder))
    return out


class ComplaintStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    # -- reads --------------------------------------------------------------------------------

    def item(self, tracking_id: str, consistent: bool = True) -> dict[str, Any] | None:
        """The complaint item as stored (model fields and the item's own attributes)."""
        return self.gateway.get_item(tracking_id, consistent=consistent)

    def items(self, tracking_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Complaint items by tracking id (one BatchGetItem per 100), the ones found."""
        found = self.gateway.get_many([(keys.complaint_pk(t), keys.COMPLAINT_SK) for t in tracking_ids])
        return {str(i["tracking_id"]): i for i in found if i.get("tracking_id")}

    def get(self, tracking_id: str, consistent: bool = True) -> Complaint | None:
        return self.gateway.get(tracking_id, consistent=consistent)

    def upload_owner(self, upload: str) -> str | None:
        """The complaint that named an upload key (its claim), or None while none has."""
        claim = self.gateway.get_raw(keys.upload_claim_pk(upload), keys.UPLOAD_SK)
        return str(claim["tracking_id"]) if claim else None

    def with_timeline(self, tracking_id: str, consistent: bool = False) -> tuple[Complaint | None, list[TimelineEntry]]:
        """The complaint and its whole timeline in one Query (same partition)."""
        return self.gateway.get_with_timeline(tracking_id, consistent=consistent)

    def many(self, tracking_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The complaint items of these ids that exist (BatchGetItem: one call per 100 ids)."""
        return self.gateway.get_many([(keys.complaint_pk(t), keys.COMPLAINT_SK) for t in tracking_ids])

    # -- what an item read from an index says about it -----------------------------------------

    @staticmethod
    def due_at(item: Mapping[str, Any]) -> str | None:
        """Where a complaint sits in the `due` index (its deadline as key text; None: not due)."""
        value = item.get("due_sk")
        return None if value is None else str(value)

    @staticmethod
    def waiting_since(item: Mapping[str, Any]) -> str | None:
        """Since when a complaint waits for LAPOR! (key text; None: not waiting)."""
        value = item.get("outbox_sk")
        return None if value is None else str(value)

    @staticmethod
    def arrival_key(item: Mapping[str, Any]) -> str:
        """A complaint's place in the `created` index (its arrival instant as key text)."""
        return str(item["created_sk"])

    @staticmethod
    def counted_at(item: Mapping[str, Any] | None) -> str | None:
        """`<holder>|<status>`: where a complaint item is counted for the badges (None: nowhere).

        The badges count what the inbox lists: the item's own inbox key names the holder."""
        if not item or not item.get("status") or not item.get("inbox_pk"):
            return None
        try:
            status = Status(str(item["status"]))
        except ValueError:
            return None
        return f"{str(item['inbox_pk']).removesuffix(inbox.DONE)}|{status.value}"

    @staticmethod
    def status_note(item: Mapping[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        """The status note a complaint item carries (its newest timeline entry with a message):
        (False, None) for an item written before items carried one (its timeline tells)."""
        if keys.STATUS_NOTE not in item:
            return False, None
        note = item[keys.STATUS_NOTE]
        return True, dict(note) if note else None

    @staticmethod
    def in_created_index(item: Mapping[str, Any] | None) -> bool:
        """A complaint item in the `created` index (every complaint from intake): the figures follow it."""
        return bool(item) and item.get("type") == "complaint" and bool(item.get("created_pk"))  # type: ignore[union-attr]

    @staticmethod
    def inbox_position(item: Mapping[str, Any], urgent: bool) -> str | None:
        """A row's place in its inbox list (the sort key a cursor continues after)."""
        value = item.get("inbox_urgent_sk" if urgent else "inbox_sk")
        return None if value is None else str(value)

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
        extra.update(
            keys.created_attributes(
                complaint.tracking_id, complaint.created_at, keys.region_part(complaint.jurisdiction)
            )
        )
        extra.update(keys.note_attributes(entry))
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
        """Complaints of one shard whose next LAPOR! check is due: one Query of the `sync` index
        (`sync_sk <= until`, oldest first). At most `limit` items."""
        yield from self.gateway.query_index_until("sync", keys.sync_shard_pk(shard), iso(until), limit=limit)

    def mark_acted(self, tracking_id: str, at: datetime) -> bool:
        """The reporter or an operator acted on it and LAPOR! was told: due for a check at `at`,
        in the status sync's `acted` tier. Only while it is polled (False otherwise); its
        version is left alone (the operators' If-Match is theirs)."""
        attrs: dict[str, Any] = {"sync_acted_at": at, **keys.sync_attributes(tracking_id, at)}
        update, names, vals = set_remove(attrs)
        request = self.gateway.update_request(
            keys.complaint_key(tracking_id), update, "attribute_exists(sync_pk)", names, vals
        )
        try:
            self.gateway.send_update(request)
        except ConditionFailed:
            return False
        return True

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

    def nearby_stripe(self, category: str, stripe: geo.StripeRange, region: str | None = None) -> list[dict[str, Any]]:
        """Listed complaints of a category in one stripe of a region, between the stripe's
        latitudes (the `geo` index)."""
        lo, hi = keys.geo_lat_range(stripe.lat_lo, stripe.lat_hi)
        return list(
            self.gateway.query(
                "geo_pk = :p AND geo_sk BETWEEN :lo AND :hi",
                values(p=keys.geo_pk(category, stripe.stripe, keys.region_part(region)), lo=lo, hi=hi),
                index="geo",
            )
        )

    def rekey_nearby(self, item: Mapping[str, Any]) -> bool:
        """Bring a listed complaint's `geo` keys to the layout this code writes (when the index's
        key layout changes); False when they already are, or it is no longer listed."""
        old = item.get("geo_pk")
        if not old:
            return False
        new = keys.geo_attributes(Complaint.model_validate(item))
        if new["geo_pk"] is None or (new["geo_pk"] == old and new["geo_sk"] == item.get("geo_sk")):
            return False
        try:
            # index upkeep, not a change of the complaint: its version (an operator's If-Match) stays
            self.gateway.update_raw(
                keys.complaint_pk(str(item["tracking_id"])),
                keys.COMPLAINT_SK,
                "SET geo_pk = :p, geo_sk = :s",
                condition="geo_pk = :old",
                vals=values(p=new["geo_pk"], s=new["geo_sk"], old=old),
            )
        except ConditionFailed:
            return False  # unlisted or moved meanwhile: its writer set the keys
        return True

    def drop_stale_due(self, tracking_id: str, due_at: str) -> None:
        """Out of the `due` index while its due key is still `due_at` (ConditionFailed otherwise)."""
        self.gateway.update(
            tracking_id,
            "REMOVE #a0, #a1",
            condition="due_sk = :old",
            names={"#a0": "due_pk", "#a1": "due_sk"},
            vals=values(old=due_at),
        )

    def parked(self, limit: int, token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the complaints LAPOR! refused and the token of the next (ValueError: not
        a token this store handed out)."""
        items, last = self.parked_page(limit, _decode_parked(token) if token else None)
        return items, _encode_parked(last)

    # -- forwarding to LAPOR! -------------------------------------------------------------------

    def claim_forward_lease(self, tracking_id: str, owner: str, now: datetime, until: datetime) -> dict[str, Any]:
        """Let one forwarder at a time work on a complaint still waiting for LAPOR! (its lease
        expired or never taken); the item as it was. ConditionFailed when it is not free."""
        old = self.gateway.update(
            tracking_id,
            "SET fwd_owner = :me, fwd_lease_until = :until, fwd_last_at = :now, "
            "fwd_attempts = if_not_exists(fwd_attempts, :zero) + :one",
            condition="attribute_not_exists(lapor_id) AND #s = :received AND "
            "(attribute_not_exists(fwd_lease_until) OR fwd_lease_until < :now)",
            names={"#s": "status"},
            vals=values(me=owner, until=iso(until), zero=0, one=1, received=Status.RECEIVED.value, now=iso(now)),
            return_old=True,
        )
        assert old is not None
        return old

    def mark_forward_sent(self, tracking_id: str, owner: str, now: datetime) -> None:
        """Record the attempt BEFORE the create is sent (while holding the lease)."""
        self.gateway.update(
            tracking_id, "SET fwd_sent_at = :now", condition="fwd_owner = :me", vals=values(now=iso(now), me=owner)
        )

    def release_forward_lease(self, tracking_id: str, owner: str, clear_sent: bool) -> None:
        """Free the lease (and forget the attempt when it surely did not reach LAPOR!)."""
        expr = "REMOVE fwd_owner, fwd_lease_until" + (", fwd_sent_at" if clear_sent else "")
        try:
            self.gateway.update(tracking_id, expr, condition="fwd_owner = :me", vals=values(me=owner))
        except ConditionFailed:
            pass

    def requeue_for_lapor(
        self, tracking_id: str, now: datetime, requeued_before: datetime, stale_before: datetime
    ) -> None:
        """Mark a complaint re-queued for the forwarder when nothing is on its way: not at LAPOR!,
        no lease held, and never queued or last queued before `requeued_before`, or its last
        attempt older than `stale_before`. ConditionFailed when another sweep or the forwarder
        got there first."""
        self.gateway.update(
            tracking_id,
            "SET requeued_at = :now",
            condition="attribute_not_exists(lapor_id) AND #s = :received AND "
            "(attribute_not_exists(fwd_lease_until) OR fwd_lease_until < :now) AND ("
            "(attribute_not_exists(requeued_at) AND attribute_not_exists(fwd_attempts)) "
            "OR requeued_at < :old "
            "OR (attribute_not_exists(requeued_at) AND "
            "(fwd_last_at < :stale OR (attribute_not_exists(fwd_last_at) AND outbox_sk < :stale))))",
            names={"#s": "status"},
            vals=values(
                now=iso(now),
                received=Status.RECEIVED.value,
                old=iso(requeued_before),
                stale=iso(stale_before),
            ),
        )

    # -- attachments -----------------------------------------------------------------------------

    def add_attachment(
        self, tracking_id: str, key: str, open_statuses: Sequence[str], max_files: int
    ) -> dict[str, Any] | None:
        """Append an upload key while the complaint takes files and has room; the item after.
        ConditionFailed otherwise."""
        statuses = {f":s{i}": s for i, s in enumerate(open_statuses)}
        return self.gateway.update(
            tracking_id,
            "SET attachments = list_append(if_not_exists(attachments, :empty), :key)",
            condition=f"attribute_exists(pk) AND #s IN ({', '.join(statuses)}) AND "
            "(attribute_not_exists(attachments) OR size(attachments) < :max)",
            names={"#s": "status"},
            vals=values(empty=[], key=[key], max=max_files, **{k[1:]: v for k, v in statuses.items()}),
            return_new=True,
        )

    def record_lapor_docs(self, tracking_id: str, docs: Mapping[str, int]) -> None:
        """The LAPOR! document ids of the files the create carries (before the create)."""
        self.gateway.update(
            tracking_id,
            "SET lapor_docs = :docs",
            condition="attribute_not_exists(lapor_id)",
            vals=values(docs=dict(docs)),
        )

    def claim_attachment_lease(self, tracking_id: str, owner: str, now: datetime, until: datetime) -> dict[str, Any]:
        """One sender of a complaint's late files at a time (at LAPOR! only); the item as it was.
        ConditionFailed when another holds the lease."""
        old = self.gateway.update(
            tracking_id,
            "SET att_owner = :me, att_lease_until = :until",
            condition="attribute_exists(lapor_id) AND "
            "(attribute_not_exists(att_lease_until) OR att_lease_until < :now)",
            vals=values(me=owner, until=iso(until), now=iso(now)),
            return_old=True,
        )
        assert old is not None
        return old

    def save_attachment_state(self, tracking_id: str, owner: str, state: Mapping[str, Any], seen: str | None) -> None:
        """Where each late file stands (while holding the lease); `seen`: the LAPOR! follow-up id it became."""
        expr = "SET attachment_followups = :state"
        vals = values(state=text(dict(state)), me=owner)
        if seen is not None:
            expr += ", lapor_followup_ids = list_append(if_not_exists(lapor_followup_ids, :none), :seen)"
            vals.update(values(none=[], seen=[seen]))
        self.gateway.update(tracking_id, expr, condition="att_owner = :me", vals=vals)

    def release_attachment_lease(self, tracking_id: str, owner: str) -> None:
        try:
            self.gateway.update(
                tracking_id, "REMOVE att_owner, att_lease_until", condition="att_owner = :me", vals=values(me=owner)
            )
        except ConditionFailed:
            pass

    # -- the `created` index (Open311 lists, the statistics' audit) --------------------------------

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
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page, newest first, of one region's month's shard between two instants (key text);
        `filters`: attribute -> the values it may have; `region`: its code (None: the default)."""
        names: dict[str, str] = {}
        vals = values(p=keys.created_pk(month, shard, keys.region_part(region)), lo=lo, hi=hi)
        parts: list[str] = []
        for i, (attr, allowed) in enumerate(filters.items()):
            names[f"#f{i}"] = attr
            options = {f"f{i}_{j}": v for j, v in enumerate(allowed)}
            vals.update(values(**options))
            parts.append(f"#f{i} IN (" + ", ".join(f":{o}" for o in options) + ")")
        return self.gateway.query_page(
            "created_pk = :p AND created_sk BETWEEN :lo AND :hi",
            vals,
            index="created",
            limit=limit,
            start_key=start,
            forward=False,
            filter_expression=" AND ".join(parts) or None,
            names=names or None,
        )

    def created_in(self, month: str, shard: int, region: str | None = None) -> Iterator[dict[str, Any]]:
        """Every complaint of a region (None: the default) that arrived in a UTC month (YYYY-MM),
        one shard of the `created` index."""
        pk = keys.created_pk(month, shard, keys.region_part(region))
        return self.gateway.query("created_pk = :p", values(p=pk), index="created")

    def latest_entries(self, tracking_id: str, limit: int) -> list[dict[str, Any]]:
        """The newest timeline entries of a complaint (one small Query of its partition)."""
        entries, _ = self.gateway.query_page(
            "pk = :pk AND begins_with(sk, :t)",
            values(pk=keys.complaint_pk(tracking_id), t=keys.TIMELINE_PREFIX),
            limit=limit,
            forward=False,
        )
        return entries

    # -- the operators' inboxes ---------------------------------------------------------------

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
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of an inbox partition: newest first, or (urgent) deadline soonest first.

        `after`: the sort key to continue after; `overdue_before`: only deadlines before it
        (a key condition on the urgent sort); `filters` (status, channel, category,
        kelurahan_code, assigned_to, deadline_before) thin the page out."""
        sk_attr = "inbox_urgent_sk" if urgent else "inbox_sk"
        names = {"#p": f"{family}_pk", "#s": sk_attr}
        vals = values(p=partition)
        cond = "#p = :p"
        if urgent and after is not None and overdue_before is not None:
            cond += " AND #s BETWEEN :after AND :now"  # inclusive: the cursor's own row is skipped by the caller
        elif urgent and after is not None:
            cond += " AND #s > :after"
        elif after is not None:
            cond += " AND #s < :after"
        elif overdue_before is not None:
            cond += " AND #s < :now"  # rows without a deadline ('~...') sort after every digit
        if after is not None:
            vals.update(values(after=after))
        if overdue_before is not None:
            vals.update(values(now=iso(overdue_before)))
        if "#s" not in cond:
            names.pop("#s")
        parts, fnames, fvals = _inbox_filters(filters)
        names.update(fnames)
        vals.update(fvals)
        return self.gateway.query_page(
            cond,
            vals,
            index=inbox_index(family, urgent),
            limit=limit,
            start_key=start,
            forward=urgent,
            names=names,
            filter_expression=" AND ".join(parts) or None,
        )


def inbox_index(family: str, urgent: bool) -> str:
    """The GSI a page reads (named in full: the least-privilege analysis reads these names)."""
    if family == "inbox_area":
        return "inbox_area_urgent" if urgent else "inbox_area"
    return "inbox_urgent" if urgent else "inbox"


def _inbox_filters(f: Mapping[str, Any]) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    parts: list[str] = []
    names: dict[str, str] = {}
    vals: dict[str, Any] = {}
    if f.get("status") is not None:
        parts.append("#f_st = :f_st")
        names["#f_st"] = "status"
        vals.update(values(f_st=text(f["status"])))
    if f.get("channel"):
        parts.append("#f_ch = :f_ch")
        names["#f_ch"] = "channel"
        vals.update(values(f_ch=f["channel"]))
    if f.get("category"):
        parts.append("#f_cat = :f_cat")
        names["#f_cat"] = "category"
        vals.update(values(f_cat=f["category"]))
    if f.get("kelurahan_code"):
        parts.append("#f_loc.#f_kel = :f_kel")
        names.update({"#f_loc": "location", "#f_kel": "kelurahan_code"})
        vals.update(values(f_kel=f["kelurahan_code"]))
    if f.get("assigned_to"):
        parts.append("#f_as = :f_as")
        names["#f_as"] = "assigned_to"
        vals.update(values(f_as=f["assigned_to"]))
    if f.get("deadline_before") is not None:
        parts.append("#f_dl < :f_now")
        names["#f_dl"] = "deadline"
        vals.update(values(f_now=iso(f["deadline_before"])))
    return parts, names, vals


#: The attributes of a LastEvaluatedKey from the `outbox` index: the table key and the index key.
_TOKEN_KEYS = frozenset({"pk", "sk", "outbox_pk", "outbox_sk"})
_MAX_TOKEN = 2048


def _encode_parked(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_parked(token: str) -> dict[str, Any]:
    """The page key back from its token, accepted only in the exact shape we hand out:
    anything else would reach DynamoDB as a malformed ExclusiveStartKey (a 500)."""
    try:
        if len(token) > _MAX_TOKEN:
            raise ValueError("token too long")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = json.loads(raw)
        if not isinstance(key, dict) or set(key) != _TOKEN_KEYS or key["outbox_pk"] != {"S": keys.OUTBOX_PARKED}:
            raise ValueError("not a page key")
        for value in key.values():
            if (
                not isinstance(value, dict)
                or set(value) != {"S"}
                or not isinstance(value["S"], str)
                or not 0 < len(value["S"]) <= 1024
            ):
                raise ValueError("not a string key attribute")
        return key
    except (ValueError, binascii.Error, RecursionError) as err:
        raise ValueError("not a page token") from err
