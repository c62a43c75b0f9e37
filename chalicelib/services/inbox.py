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

from chalicelib.adapters.dynamodb import (
    ConditionFailed,
    Repository,
    iso,
    put_over_position,
    stream_position,
    values,
)
from chalicelib.domain import inbox, reference
from chalicelib.domain.access import Principal, Role, can_see
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.observability import count, logger

COUNT_PREFIX = "INBOXCOUNT#"
COUNT_SK = "COUNT"
MARK_PREFIX = "INBOXCOUNT#C#"
MARK_SK = "COUNTED"
MAX_PAGE = 100
DEFAULT_PAGE = 50
READ_BUDGET = 5  # Query pages per request when filters thin the results out
_CURSOR = re.compile(r"^[nu]\|~?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#SRG-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


# -- what every writer stores --------------------------------------------------


def holder_of(c: Complaint) -> str:
    return inbox.holder(c.status, c.unit.code if c.unit else None, c.channel)


def inbox_attributes(c: Complaint) -> dict[str, str | None]:
    """The inbox index keys of a complaint in its current state (None: not in that index)."""
    h = holder_of(c)
    area = inbox.area_of(h)
    created = iso(c.created_at)
    final = c.status in FINAL_STATUSES
    return {
        "inbox_pk": inbox.shelf(h, c.status),
        "inbox_sk": inbox.newest_key(created, c.tracking_id),
        "inbox_urgent_sk": None if final else inbox.urgent_key(c.deadline and iso(c.deadline), created, c.tracking_id),
        "inbox_area_pk": inbox.shelf(area, c.status) if area else None,
    }


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
                    "Key": {"pk": {"S": f"{COUNT_PREFIX}{holder}"}, "sk": {"S": COUNT_SK}},
                    "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(moves))),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": vals,
                }
            }
        )
    return items


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


def item_in_scope(repo: Repository, p: Principal, tracking_id: str) -> tuple[dict[str, Any], Complaint]:
    """The complaint (item and model) if `p` may see it; NotFound otherwise, so nothing leaks."""
    item = repo.get_item(tracking_id, consistent=True)
    if item is None:
        raise NotFound(tracking_id)
    c = Complaint.model_validate(item)
    if not can_see(p, c.unit.code if c.unit else None, c.channel):
        raise NotFound(tracking_id)
    return item, c


def index_for(family: str, urgent: bool) -> str:
    """The GSI a page reads (named in full: the least-privilege analysis reads these names)."""
    if family == "inbox_area":
        return "inbox_area_urgent" if urgent else "inbox_area"
    return "inbox_urgent" if urgent else "inbox"


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
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    # -- the list ----------------------------------------------------------------

    def page(self, p: Principal, q: InboxQuery, now: datetime | None = None) -> InboxPage:
        """One page of the caller's inbox: one Query (more only when filters thin it out)."""
        now = now or utcnow()
        family, key = self._partition(p, q)
        done = q.status in FINAL_STATUSES if q.status else False
        sort = "newest" if done else q.sort  # the done shelf has no deadlines
        urgent = sort == "urgent"
        sk_attr = "inbox_urgent_sk" if urgent else "inbox_sk"
        names = {"#p": f"{family}_pk", "#s": sk_attr}
        vals = values(p=key + (inbox.DONE if done else ""))
        after = decode_cursor(q.cursor, sort) if q.cursor else None
        overdue_by_key = q.overdue and urgent
        cond = "#p = :p"
        if urgent and after is not None and overdue_by_key:
            cond += " AND #s BETWEEN :after AND :now"  # inclusive: the cursor's own row is skipped below
        elif urgent and after is not None:
            cond += " AND #s > :after"
        elif after is not None:
            cond += " AND #s < :after"
        elif overdue_by_key:
            cond += " AND #s < :now"  # rows without a deadline ('~...') sort after every digit
        if after is not None:
            vals.update(values(after=after))
        if overdue_by_key:
            vals.update(values(now=iso(now)))
        if "#s" not in cond:
            names.pop("#s")
        filters, fnames, fvals = self._filters(p, q, now, overdue_by_key)
        names.update(fnames)
        vals.update(fvals)
        rows: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        for _ in range(READ_BUDGET):
            want = q.limit - len(rows)
            items, start = self.repo.query_page(
                cond,
                vals,
                index=index_for(family, urgent),
                limit=want + 1 if not filters else max(200, want + 1),
                start_key=start,
                forward=urgent,
                names=names,
                filter_expression=" AND ".join(filters) or None,
            )
            items = [i for i in items if i.get(sk_attr) != after]
            rows.extend(items)
            if len(rows) > q.limit:  # a row beyond the page: there is a next page
                rows = rows[: q.limit]
                return self._page(family, key, rows, encode_cursor(sort, rows[-1][sk_attr]), sort)
            if start is None:
                return self._page(family, key, rows, None, sort)
        # read budget spent (a thin filter): what we have, and where to go on from
        last = start.get(sk_attr) if start else None
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
    def _filters(
        p: Principal, q: InboxQuery, now: datetime, overdue_by_key: bool
    ) -> tuple[list[str], dict[str, str], dict[str, Any]]:
        parts: list[str] = []
        names: dict[str, str] = {}
        vals: dict[str, Any] = {}
        if q.status is not None:
            parts.append("#f_st = :f_st")
            names["#f_st"] = "status"
            vals.update(values(f_st=q.status.value))
        if q.channel:
            parts.append("#f_ch = :f_ch")
            names["#f_ch"] = "channel"
            vals.update(values(f_ch=q.channel))
        if q.category:
            parts.append("#f_cat = :f_cat")
            names["#f_cat"] = "category"
            vals.update(values(f_cat=q.category))
        if q.kelurahan_code:
            parts.append("#f_loc.#f_kel = :f_kel")
            names.update({"#f_loc": "location", "#f_kel": "kelurahan_code"})
            vals.update(values(f_kel=q.kelurahan_code))
        if q.assigned_to_me:
            parts.append("#f_as = :f_as")
            names["#f_as"] = "assigned_to"
            vals.update(values(f_as=p.user))
        if q.overdue and not overdue_by_key:
            parts.append("#f_dl < :f_now")
            names["#f_dl"] = "deadline"
            vals.update(values(f_now=iso(now)))
        return parts, names, vals

    def _page(self, family: str, key: str, items: list[dict[str, Any]], nxt: str | None, sort: str) -> InboxPage:
        return InboxPage(items=items, counts=self.counts(family, key), next=nxt, holder=key, sort=sort)

    def counts(self, family: str, key: str) -> dict[str, int]:
        """Counts per status of one holder, or of every holder of a kecamatan area."""
        if family == "inbox_area":
            kec = key.removeprefix("kec:")
            holders = [key, *(f"kel:{k.code}" for k in reference.areas().kelurahan.values() if k.kecamatan_code == kec)]
        else:
            holders = [key]
        found = self.repo.get_many([(f"{COUNT_PREFIX}{h}", COUNT_SK) for h in holders])
        totals: dict[str, int] = {}
        for item in found:
            for name, n in item.items():
                if name.startswith("n_"):
                    totals[name[2:]] = totals.get(name[2:], 0) + int(n)
        if any(n < 0 for n in totals.values()):
            logger.warning("inbox counter below zero", extra={"holder": key})
            count("InboxCounterBelowZero")
        return {s.value: max(0, totals[s.value]) for s in Status if totals.get(s.value)}

    def count_change(self, tracking_id: str, new_item: Mapping[str, Any] | None, seq: str | int) -> str:
        """Move the complaint's badge count to where its new image puts it, once per
        stream record (the table's stream consumer calls this); returns what was done."""
        position = stream_position(seq)
        new_at = counted_at(new_item)
        for _ in range(5):
            mark = self.repo.get_raw(f"{MARK_PREFIX}{tracking_id}", MARK_SK)
            if mark is not None and str(mark.get("seq", "")) >= position:
                return "replayed"
            old_at = mark.get("at") if mark is not None else None
            if old_at == new_at:
                return "unchanged"
            put = put_over_position(
                self.repo.table,
                {
                    "pk": f"{MARK_PREFIX}{tracking_id}",
                    "sk": MARK_SK,
                    "type": "inbox_count_mark",
                    "seq": position,
                    "at": new_at,
                },
                mark,
            )
            try:
                self.repo.transact_raw([{"Put": put}, *counter_moves(self.repo.table, old_at, new_at)])
            except ConditionFailed:
                continue  # another reader of the same record got there first: look again
            return "moved"
        raise RuntimeError("inbox counts: the complaint's count marker kept changing")

    # -- one complaint -----------------------------------------------------------

    def detail(self, p: Principal, tracking_id: str) -> tuple[Complaint, dict[str, Any], list[TimelineEntry]]:
        """The whole record the caller may see (404 outside the scope: nothing leaks)."""
        complaint, timeline = self.repo.get_with_timeline(tracking_id, consistent=True)
        if complaint is None or not can_see(p, complaint.unit.code if complaint.unit else None, complaint.channel):
            raise NotFound(tracking_id)
        item = self.repo.get_item(tracking_id, consistent=True) or {}
        return complaint, item, timeline

    def visible(self, p: Principal, tracking_id: str) -> dict[str, Any]:
        """The complaint item if `p` may see it; NotFound otherwise."""
        return item_in_scope(self.repo, p, tracking_id)[0]


def is_supervisor_area(p: Principal) -> bool:
    return p.role == Role.SUPERVISOR and p.unit.startswith("kec:")
