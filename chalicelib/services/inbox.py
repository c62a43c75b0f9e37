"""The operators' inbox: one list over every channel, scoped to the caller.

Served from four sparse GSIs, never a Scan:

- `inbox` (`inbox_pk` = holder, `inbox_sk` = created at + id): the holder's
  complaints, newest first; `inbox_urgent` (same partition, `inbox_urgent_sk`
  = deadline + id): its open complaints, deadline soonest (most overdue) first;
- `inbox_area` / `inbox_area_urgent` (`inbox_area_pk` = `kec:<code>`): the same
  for every complaint held by a kecamatan or one of its kelurahan, so a
  kecamatan supervisor's page is ONE Query, like an operator's.

The holder (domain/inbox.py) is whoever must act next: the handling unit, the
call centre for calls it has to decide, the coordinator (`city`) for returned
or LAPOR!-refused complaints. Final complaints move to the `<holder>#done`
partition, so the everyday inbox holds only open work; `status=<final status>`
lists the done shelf. Filters other than status and `overdue` (with the urgent
sort a key condition) are FilterExpressions on that one Query, read in pages
until the page is full or a read budget is spent (then a cursor continues).

Counts per status for the badges are not counted by reading complaints: each
holder has one counter item (`pk = INBOXCOUNT#<holder>`, `sk = COUNT`, a number
per status), moved by the table's stream consumer (`count_complaint_changes`),
so the intake stays one PutItem and a writer that changes a status need not
know about badges. Each complaint keeps a marker (`pk = INBOXCOUNT#C#<id>`,
`sk = COUNTED`: where it is counted and the stream position applied); a change
moves the count in ONE transaction with its marker, conditional on the marker,
so a redelivered or older record changes nothing. The badges follow a change
within the stream's delay (about a second in AWS). A page reads one counter
(GetItem) or, for a kecamatan supervisor, the counters of the kecamatan's
units (one BatchGetItem).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.notifications import Notification, console_link
from chalicelib.domain import inbox, reference
from chalicelib.domain.access import Holding, Principal, Role, Sight, sight
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.domain.region import region_code_of
from chalicelib.observability import count, logger
from chalicelib.services.ports import Complaints, ConditionFailed, Counters, Handoffs, Outboxes, Write

MAX_PAGE = 100
DEFAULT_PAGE = 50
READ_BUDGET = 5  # Query pages per request when filters thin the results out
#: what an inbox row shows of the reporter's words and what scope reads (projected by the inbox
#: indexes beside the row's own attributes: infra/template.json)
ROW_EXTRAS = (
    "reopen_reason",
    "comment_count",
    "last_comment",
    "last_comment_at",
    "closed_how",
    "returned_by",
    "handed_on_by",
    "jurisdiction",
)
_CURSOR = re.compile(
    r"^[nuf]\|[0-9a-f]{16}\|~?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[A-Z]{3}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"
)


# -- what every writer stores --------------------------------------------------


def holder_of(c: Complaint) -> str:
    return inbox.holder(
        c.status, c.unit.code if c.unit else None, c.channel, c.closed_how == "dismissed", c.jurisdiction
    )


def holding_of(item: Mapping[str, Any]) -> Holding:
    """What scope looks at, from a stored complaint (or an inbox row: the index projects it)."""
    unit = item.get("unit")
    handed = item.get("handed_on_by")
    return Holding(
        unit_code=unit.get("code") if isinstance(unit, dict) else None,
        channel=str(item.get("channel") or "app"),
        status=Status(item["status"]),
        dismissed=item.get("closed_how") == "dismissed",
        returned_by=item.get("returned_by") or None,
        handed_on_by=tuple(h for h in handed if isinstance(h, str)) if isinstance(handed, list) else (),
        jurisdiction=item.get("jurisdiction") or None,
    )


def sight_of(p: Principal, item: Mapping[str, Any]) -> Sight:
    return sight(p, holding_of(item))


# -- reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class InboxQuery:
    """The inbox filters, already parsed (schemas.InboxParams)."""

    status: Status | None = None
    channel: str | None = None
    category: str | None = None
    kelurahan_code: str | None = None
    overdue: bool = False
    assigned_to_me: bool = False
    sort: str = "newest"  # newest | urgent
    unit: str | None = None  # one holder within the caller's scope
    limit: int = DEFAULT_PAGE
    cursor: str | None = None
    shelf: str | None = None  # "forwarded": what the unit handed on ("Diteruskan")


@dataclass(frozen=True)
class InboxPage:
    items: list[dict[str, Any]]
    counts: dict[str, int]
    next: str | None
    holder: str
    sort: str


def item_in_scope(complaints: Complaints, p: Principal, tracking_id: str) -> tuple[dict[str, Any], Complaint]:
    """The complaint (item and model) if `p` may see it; NotFound otherwise, so nothing leaks."""
    item = complaints.item(tracking_id, consistent=True)
    if item is None or sight_of(p, item) == Sight.NONE:
        raise NotFound(tracking_id)
    return item, Complaint.model_validate(item)


def query_digest(holder: str, sort: str, filters: Mapping[str, Any]) -> str:
    """What a cursor must continue: the list (holder or area, its shelf), the sort and every
    filter; a cursor of another list or other filters is refused, never read on."""
    text = "\n".join([holder, sort, *(f"{k}={filters[k]}" for k in sorted(filters))])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(sort: str, key: str, query: str) -> str:
    return base64.urlsafe_b64encode(f"{sort[0]}|{query}|{key}".encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str, query: str) -> str:
    """The sort key to continue after; only the exact shape we hand out, for this same query."""
    try:
        if len(token) > 200:
            raise ValueError("too long")
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        if not _CURSOR.match(text) or text[0] != sort[0] or text[2:18] != query:
            raise ValueError("not ours")
        return text[19:]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            [
                FieldProblem(
                    "cursor",
                    "invalid_cursor",
                    "cursor tidak valid untuk daftar ini",
                    "cursor is not valid for this list",
                )
            ]
        ) from None


def _out_of_scope(unit: str) -> InvalidInput:
    return InvalidInput(
        [
            FieldProblem(
                "unit", "not_in_scope", f"unit {unit} di luar wewenang Anda", f"unit {unit} is outside your scope"
            )
        ]
    )


def _known_holder(code: str, p: Principal) -> bool:
    """A holder the coordinator may open: of their own region (an area by its code's first digits;
    in an onboarded region any OPD or leadership code, whose partition is the region's own)."""
    from chalicelib.domain.access import CALLCENTER_CHANNELS

    if code == inbox.CITY or code in CALLCENTER_CHANNELS:
        return True
    home = region_code_of(code)
    if home is not None:
        return home == p.region and (p.region != reference.default_code() or code in reference.units())
    if p.region != reference.default_code():
        return code.startswith(("opd:", "pimpinan:"))
    return code in reference.units()


class InboxService:
    def __init__(
        self,
        complaints: Complaints,
        counters: Counters,
        handoffs: Handoffs | None = None,
        notices: Outboxes | None = None,
    ) -> None:
        self.complaints = complaints
        self.counters = counters
        self.handoffs = handoffs
        self.notices = notices  # "a complaint arrived for the unit", published by the sweep

    # -- the list ----------------------------------------------------------------

    def page(self, p: Principal, q: InboxQuery, now: datetime | None = None) -> InboxPage:
        """One page of the caller's inbox: one Query (more only when filters thin it out)."""
        now = now or utcnow()
        family, key = self._partition(p, q)
        if q.shelf == "forwarded":
            return self._forwarded(p, q, key)
        done = q.status in FINAL_STATUSES if q.status else False
        sort = "newest" if done else q.sort  # the done shelf has no deadlines
        urgent = sort == "urgent"
        overdue_by_key = q.overdue and urgent
        filters = self._filters(p, q, now, overdue_by_key)
        bound = {k: v for k, v in filters.items() if k != "deadline_before"}  # `now` moves between pages
        query = query_digest(f"{family}:{key}{inbox.DONE if done else ''}", sort, {**bound, "overdue": q.overdue})
        after = decode_cursor(q.cursor, sort, query) if q.cursor else None
        rows: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        for attempt in range(READ_BUDGET):
            want = q.limit - len(rows)
            items, start = self.complaints.inbox_page(
                family,
                urgent,
                key + (inbox.DONE if done else ""),
                after,
                now if overdue_by_key else None,
                filters,
                # the page and one more; a filter that thinned the first read out reads wider
                want + 1 if not filters or attempt == 0 else max(200, want + 1),
                start,
            )
            items = [i for i in items if self.complaints.inbox_position(i, urgent) != after]
            rows.extend(items)
            if len(rows) > q.limit:  # a row beyond the page: there is a next page
                rows = rows[: q.limit]
                last_row = self.complaints.inbox_position(rows[-1], urgent) or ""
                return self._page(p, family, key, rows, encode_cursor(sort, last_row, query), sort)
            if start is None:
                return self._page(p, family, key, rows, None, sort)
        # read budget spent (a thin filter): what we have, and where to go on from
        last = self.complaints.inbox_position(start, urgent) if start else None
        return self._page(p, family, key, rows, encode_cursor(sort, last, query) if last else None, sort)

    def _partition(self, p: Principal, q: InboxQuery) -> tuple[str, str]:
        if q.unit is None:
            return inbox.default_view(p)
        key = inbox.scoped(q.unit, p.region)
        allowed = inbox.holders_in_scope(p)
        if allowed is None:
            if not _known_holder(q.unit, p):
                raise _out_of_scope(q.unit)
        elif key not in allowed:
            raise _out_of_scope(q.unit)
        return "inbox", key

    @staticmethod
    def _filters(p: Principal, q: InboxQuery, now: datetime, overdue_by_key: bool) -> dict[str, Any]:
        """What thins the page out beside the key (status, channel, place, assignee, overdue)."""
        out: dict[str, Any] = {}
        if q.status is not None:
            out["status"] = q.status.value
        if q.channel:
            out["channel"] = q.channel
        if q.category:
            out["category"] = q.category
        if q.kelurahan_code:
            out["kelurahan_code"] = q.kelurahan_code
        if q.assigned_to_me:
            out["assigned_to"] = p.user
        if q.overdue and not overdue_by_key:
            out["deadline_before"] = now
        return out

    def _page(
        self, p: Principal, family: str, key: str, items: list[dict[str, Any]], nxt: str | None, sort: str
    ) -> InboxPage:
        rows = self._with_reporter_words(p, items)
        return InboxPage(items=rows, counts=self.counts(family, key), next=nxt, holder=key, sort=sort)

    def _forwarded(self, p: Principal, q: InboxQuery, unit: str) -> InboxPage:
        """ "Diteruskan": the complaints the unit handed on and now only reads, newest hand-off first."""
        filters = {"status": q.status, "channel": q.channel, "category": q.category, "kelurahan": q.kelurahan_code}
        query = query_digest(f"handedon:{unit}", "forwarded", {k: v or "" for k, v in filters.items()})
        after = decode_cursor(q.cursor, "forwarded", query) if q.cursor else None
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        position = after
        for _ in range(READ_BUDGET):
            if self.handoffs is None:
                break
            marks, nxt = self.handoffs.page(unit, position, q.limit + 1)
            full = self.complaints.items(list(dict.fromkeys(str(m["tracking_id"]) for m in marks)))
            for mark in marks:
                position = str(mark["sk"])
                item = full.get(str(mark["tracking_id"]))
                if item is None or item["tracking_id"] in seen or sight_of(p, item) != Sight.READ:
                    continue
                if not _matches(item, q):
                    continue
                seen.add(item["tracking_id"])
                rows.append(item)
                if len(rows) == q.limit:
                    more = nxt is not None or mark is not marks[-1]
                    return self._shelf_page(unit, rows, encode_cursor("forwarded", position, query) if more else None)
            if nxt is None:
                return self._shelf_page(unit, rows, None)
        return self._shelf_page(unit, rows, encode_cursor("forwarded", position, query) if position else None)

    def _shelf_page(self, unit: str, rows: list[dict[str, Any]], nxt: str | None) -> InboxPage:
        return InboxPage(items=rows, counts=self.counts("inbox", unit), next=nxt, holder=unit, sort="newest")

    def _with_reporter_words(self, p: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows the caller may see. The inbox indexes project the reporter's reopen reason and
        latest comment and what scope reads (`ROW_EXTRAS`), so a page costs its Query alone."""
        return [row for row in rows if sight_of(p, row) != Sight.NONE]

    def counts(self, family: str, key: str) -> dict[str, int]:
        """Counts per status of one holder, or of every holder of a kecamatan area."""
        if family == "inbox_area":
            kec = key.removeprefix("kec:")
            holders = [key, *(f"kel:{k.code}" for k in reference.areas().kelurahan.values() if k.kecamatan_code == kec)]
        else:
            holders = [key]
        totals: dict[str, int] = {}
        for counts in self.counters.inbox_counts(holders):
            for status, n in counts.items():
                totals[status] = totals.get(status, 0) + n
        if any(n < 0 for n in totals.values()):
            logger.warning("inbox counter below zero", extra={"holder": key})
            count("InboxCounterBelowZero")
        return {s.value: max(0, totals[s.value]) for s in Status if totals.get(s.value)}

    def count_change(self, tracking_id: str, new_item: Mapping[str, Any] | None, seq: str | int) -> str:
        """Move the complaint's badge count to where its new image puts it, once per
        stream record (the table's stream consumer calls this); returns what was done."""
        position = str(seq).zfill(40)  # stream sequence numbers run to 40 digits: sortable as text
        new_at = self.complaints.counted_at(new_item)
        for _ in range(5):
            mark = self.counters.inbox_mark(tracking_id)
            if mark is not None and str(mark.get("seq", "")) >= position:
                return "replayed"
            old_at = mark.get("at") if mark is not None else None
            if old_at == new_at:
                return "unchanged"
            try:
                arrived = self._arrival_notice(new_item, old_at, new_at, position)
                self.counters.move_inbox_count(tracking_id, mark, seq, old_at, new_at, arrived)
            except ConditionFailed:
                continue  # another reader of the same record got there first: look again
            return "moved"
        raise RuntimeError("inbox counts: the complaint's count marker kept changing")

    def _arrival_notice(
        self, item: Mapping[str, Any] | None, old_at: str | None, new_at: str | None, position: str
    ) -> list[Write]:
        """A notice when an open complaint arrives in a unit's inbox (new, or moved there), written with
        the count's move so a record read twice gives one; none for a change older than a day (a seed, a replay)."""
        if self.notices is None or item is None or new_at is None:
            return []
        holder = new_at.split("|", 1)[0]
        if (old_at or "").split("|", 1)[0] == holder or holder.split(":", 1)[0] not in ("opd", "kec", "kel"):
            return []
        try:
            c = Complaint.model_validate(item)
        except ValueError:
            return []
        now = utcnow()
        if not c.is_open or c.updated_at < now - timedelta(days=1):
            return []
        unit = reference.units().get(holder)
        slot = f"new:{holder}:{position}"
        n = Notification(
            notification_id=f"{c.tracking_id}/{slot}",
            tracking_id=c.tracking_id,
            kind="new_complaint",
            subject=f"Pengaduan baru untuk {unit.name if unit else holder}: {c.tracking_id}"[:100],
            message="\n".join(
                [
                    f"Pengaduan {c.tracking_id} ({c.category}) masuk ke kotak masuk {unit.name if unit else holder}.",
                    f"Judul: {c.title or '-'}",
                    f"Buka: {console_link(c.tracking_id)}",
                    f"ID notifikasi: {c.tracking_id}/{slot}",
                ]
            ),
            unit_code=holder,
        )
        return [self.notices.notice_write(c.tracking_id, slot, n.model_dump(), now)]

    # -- one complaint -----------------------------------------------------------

    def detail(self, p: Principal, tracking_id: str) -> tuple[Complaint, dict[str, Any], list[TimelineEntry]]:
        """The whole record the caller may see (404 outside the scope: nothing leaks)."""
        complaint, timeline = self.complaints.with_timeline(tracking_id, consistent=True)
        item = self.complaints.item(tracking_id, consistent=True) if complaint is not None else None
        if complaint is None or item is None or sight_of(p, item) == Sight.NONE:
            raise NotFound(tracking_id)
        return complaint, item, timeline

    def visible(self, p: Principal, tracking_id: str) -> dict[str, Any]:
        """The complaint item if `p` may see it; NotFound otherwise."""
        return item_in_scope(self.complaints, p, tracking_id)[0]


def _matches(item: Mapping[str, Any], q: InboxQuery) -> bool:
    """The filters of a shelf read item by item (status, channel, category, kelurahan)."""
    location = item.get("location") if isinstance(item.get("location"), dict) else {}
    return (
        (q.status is None or item.get("status") == q.status.value)
        and (q.channel is None or item.get("channel") == q.channel)
        and (q.category is None or item.get("category") == q.category)
        and (q.kelurahan_code is None or (location or {}).get("kelurahan_code") == q.kelurahan_code)
    )


# -- audit: every open complaint in exactly one inbox ------------------------------


def audit_inboxes(
    items: Iterable[Mapping[str, Any]], counts: Callable[[list[str]], list[Mapping[str, int]]]
) -> dict[str, Any]:
    """What differs between the complaints and the inboxes (`make check-inboxes`).

    `items`: every complaint (the `created` index); `counts`: the badges of some holders.
    Reports each open complaint no inbox holds (`unheld`), each complaint an inbox holds
    that the domain puts elsewhere (`misplaced`), and each badge number that differs from
    the complaints its inbox holds (`count_differences`)."""
    unheld: list[str] = []
    misplaced: list[dict[str, str]] = []
    held: dict[str, dict[str, int]] = {}
    open_total = 0
    for item in items:
        try:
            c = Complaint.model_validate(item)
        except ValueError:
            continue
        at = item.get("inbox_pk")
        if c.is_open:
            open_total += 1
        if not at:
            if c.is_open:
                unheld.append(c.tracking_id)
            continue
        expected = inbox.shelf(holder_of(c), c.status)
        if at != expected:
            misplaced.append({"tracking_id": c.tracking_id, "inbox": str(at), "expected": expected})
        holder = str(at).removesuffix(inbox.DONE)
        per = held.setdefault(holder, {})
        per[c.status.value] = per.get(c.status.value, 0) + 1
    holders = sorted(held)
    badges: dict[str, Mapping[str, int]] = {}
    for start in range(0, len(holders), 100):
        chunk = holders[start : start + 100]
        for h, found in zip(chunk, _counts_by_holder(chunk, counts), strict=True):
            badges[h] = found
    differences = [
        {"inbox": h, "status": st, "badge": int(badges.get(h, {}).get(st, 0)), "held": n}
        for h in holders
        for st in sorted(set(held[h]) | set(badges.get(h, {})))
        if int(badges.get(h, {}).get(st, 0)) != (n := held[h].get(st, 0))
    ]
    return {
        "open": open_total,
        "unheld": unheld,
        "misplaced": misplaced,
        "count_differences": differences,
        "ok": not (unheld or misplaced or differences),
    }


def _counts_by_holder(
    holders: list[str], counts: Callable[[list[str]], list[Mapping[str, int]]]
) -> list[Mapping[str, int]]:
    """One holder's badges each (a holder without a counter: none), in the order asked."""
    return [next(iter(counts([h])), {}) for h in holders]


def is_supervisor_area(p: Principal) -> bool:
    return p.role == Role.SUPERVISOR and p.unit.startswith("kec:")
