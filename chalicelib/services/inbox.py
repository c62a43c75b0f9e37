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
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import inbox, reference
from chalicelib.domain.access import Principal, Role, can_see
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.observability import count, logger
from chalicelib.services.ports import Complaints, ConditionFailed, Counters

MAX_PAGE = 100
DEFAULT_PAGE = 50
READ_BUDGET = 5  # Query pages per request when filters thin the results out
_CURSOR = re.compile(r"^[nu]\|~?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[A-Z]{3}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


# -- what every writer stores --------------------------------------------------


def holder_of(c: Complaint) -> str:
    return inbox.holder(c.status, c.unit.code if c.unit else None, c.channel)


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
    if item is None:
        raise NotFound(tracking_id)
    c = Complaint.model_validate(item)
    if not can_see(p, c.unit.code if c.unit else None, c.channel):
        raise NotFound(tracking_id)
    return item, c


def encode_cursor(sort: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{sort[0]}|{key}".encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str) -> str:
    """The sort key to continue after; only the exact shape we hand out is accepted."""
    try:
        if len(token) > 200:
            raise ValueError("too long")
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        if not _CURSOR.match(text) or text[0] != sort[0]:
            raise ValueError("not ours")
        return text[2:]
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


def _known_holder(code: str) -> bool:
    from chalicelib.domain.access import CALLCENTER_CHANNELS

    return code == inbox.CITY or code in CALLCENTER_CHANNELS or code in reference.units()


class InboxService:
    def __init__(self, complaints: Complaints, counters: Counters) -> None:
        self.complaints = complaints
        self.counters = counters

    # -- the list ----------------------------------------------------------------

    def page(self, p: Principal, q: InboxQuery, now: datetime | None = None) -> InboxPage:
        """One page of the caller's inbox: one Query (more only when filters thin it out)."""
        now = now or utcnow()
        family, key = self._partition(p, q)
        done = q.status in FINAL_STATUSES if q.status else False
        sort = "newest" if done else q.sort  # the done shelf has no deadlines
        urgent = sort == "urgent"
        after = decode_cursor(q.cursor, sort) if q.cursor else None
        overdue_by_key = q.overdue and urgent
        filters = self._filters(p, q, now, overdue_by_key)
        rows: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        for _ in range(READ_BUDGET):
            want = q.limit - len(rows)
            items, start = self.complaints.inbox_page(
                family,
                urgent,
                key + (inbox.DONE if done else ""),
                after,
                now if overdue_by_key else None,
                filters,
                want + 1 if not filters else max(200, want + 1),
                start,
            )
            items = [i for i in items if self.complaints.inbox_position(i, urgent) != after]
            rows.extend(items)
            if len(rows) > q.limit:  # a row beyond the page: there is a next page
                rows = rows[: q.limit]
                last_row = self.complaints.inbox_position(rows[-1], urgent) or ""
                return self._page(family, key, rows, encode_cursor(sort, last_row), sort)
            if start is None:
                return self._page(family, key, rows, None, sort)
        # read budget spent (a thin filter): what we have, and where to go on from
        last = self.complaints.inbox_position(start, urgent) if start else None
        return self._page(family, key, rows, encode_cursor(sort, last) if last else None, sort)

    def _partition(self, p: Principal, q: InboxQuery) -> tuple[str, str]:
        if q.unit is None:
            return inbox.default_view(p)
        allowed = inbox.holders_in_scope(p)
        if allowed is None:
            if not _known_holder(q.unit):
                raise _out_of_scope(q.unit)
        elif q.unit not in allowed:
            raise _out_of_scope(q.unit)
        return "inbox", q.unit

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

    def _page(self, family: str, key: str, items: list[dict[str, Any]], nxt: str | None, sort: str) -> InboxPage:
        return InboxPage(items=items, counts=self.counts(family, key), next=nxt, holder=key, sort=sort)

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
                self.counters.move_inbox_count(tracking_id, mark, seq, old_at, new_at)
            except ConditionFailed:
                continue  # another reader of the same record got there first: look again
            return "moved"
        raise RuntimeError("inbox counts: the complaint's count marker kept changing")

    # -- one complaint -----------------------------------------------------------

    def detail(self, p: Principal, tracking_id: str) -> tuple[Complaint, dict[str, Any], list[TimelineEntry]]:
        """The whole record the caller may see (404 outside the scope: nothing leaks)."""
        complaint, timeline = self.complaints.with_timeline(tracking_id, consistent=True)
        if complaint is None or not can_see(p, complaint.unit.code if complaint.unit else None, complaint.channel):
            raise NotFound(tracking_id)
        item = self.complaints.item(tracking_id, consistent=True) or {}
        return complaint, item, timeline

    def visible(self, p: Principal, tracking_id: str) -> dict[str, Any]:
        """The complaint item if `p` may see it; NotFound otherwise."""
        return item_in_scope(self.complaints, p, tracking_id)[0]


def is_supervisor_area(p: Principal) -> bool:
    return p.role == Role.SUPERVISOR and p.unit.startswith("kec:")
