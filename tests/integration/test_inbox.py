"""The inbox: one Query per page, filters, both orders, cursors, counts; never a Scan.

Complaints here live in kecamatan Walantaka (tests/integration/operator_support.py),
in kelurahan no other test uses, so every page below holds only this file's complaints.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.operator_support import (
    KEC,
    Who,
    act,
    counts,
    inbox,
    item,
    ok,
    settle,
    submit,
    true_counts,
)

# moto's table: the badge counts come from the table's stream; the seeded complaints are shared by the module's tests
pytestmark = pytest.mark.moto_table

KEL_A = "36.73.03.1007"
KEL_B = "36.73.03.1006"
OP_A = Who("operator", f"kel:{KEL_A}", "tono")
OP_B = Who("operator", f"kel:{KEL_B}", "tini")
CAMAT = Who("supervisor", f"kec:{KEC}", "camat-walantaka")


@contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, str | None]]]:
    """(operation, index) of every DynamoDB call made in the block."""
    from chalicelib import bootstrap

    calls: list[tuple[str, str | None]] = []
    events = bootstrap.repository().db.meta.events

    def hook(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, params.get("IndexName")))

    events.register("provide-client-params.dynamodb.*", hook)
    try:
        yield calls
    finally:
        events.unregister("provide-client-params.dynamodb.*", hook)


def put_deadline(tid: str, days: float) -> None:
    """Verify a complaint with a deadline `days` from now (negative: overdue), through the one door."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import due_attributes
    from chalicelib.domain.models import Status, TimelineEntry, utcnow
    from chalicelib.services.status_events import Transition

    c = bootstrap.repository().get(tid, consistent=True)
    assert c is not None
    deadline = utcnow() + timedelta(days=days)
    after = c.model_copy(update={"status": Status.VERIFIED, "deadline": deadline})
    entry = TimelineEntry(at=utcnow(), kind="status", status=Status.VERIFIED, ref="test:verified")
    bootstrap.status_events().commit(
        Transition(c, after, entry, {"status": "verified", **due_attributes(tid, deadline)})
    )


_SEEDED: dict[str, Any] = {}


@pytest.fixture()
def seeded(client: Any) -> dict[str, Any]:
    """Seven complaints in kelurahan A (deadlines past and future, one without), two in B; made once."""
    if not _SEEDED:
        a = [submit(client, kel=KEL_A)[0] for _ in range(7)]
        b = [submit(client, kel=KEL_B)[0] for _ in range(2)]
        for tid, days in zip(a, (-3, 2, -1, 5, 1, None, 0.5), strict=True):
            if days is not None:
                put_deadline(tid, days)
        _SEEDED.update(a=a, b=b)
    return _SEEDED


def ids(page: dict[str, Any]) -> list[str]:
    return [r["tracking_id"] for r in page["complaints"]]


def test_newest_first_with_a_cursor_one_query_per_page(client: Any, seeded: dict[str, Any]) -> None:
    a = seeded["a"]
    with dynamodb_calls() as calls:
        first = ok(inbox(client, OP_A, limit=4))
    assert ids(first) == list(reversed(a))[:4] and first["next"] and first["sort"] == "newest"
    assert [c for c in calls if c[0] == "Query"] == [("Query", "inbox")]
    assert ("BatchGetItem", None) in calls and not [c for c in calls if c[0] == "Scan"]
    second = ok(inbox(client, OP_A, limit=4, cursor=first["next"]))
    assert ids(second) == list(reversed(a))[4:] and second["next"] is None


def test_urgent_puts_the_most_overdue_first_and_no_deadline_last(client: Any, seeded: dict[str, Any]) -> None:
    a = seeded["a"]
    page = ok(inbox(client, OP_A, sort="urgent"))
    # deadlines -3, 2, -1, 5, 1, none, 0.5 days -> most overdue first, none last
    assert ids(page) == [a[0], a[2], a[6], a[4], a[1], a[3], a[5]]
    rows = page["complaints"]
    assert rows[0]["overdue_working_days"] is not None and rows[0]["working_days_left"] is None
    assert rows[-1]["deadline"] is None
    paged: list[str] = []
    cursor = None
    while True:
        p = ok(inbox(client, OP_A, sort="urgent", limit=3, **({"cursor": cursor} if cursor else {})))
        paged += ids(p)
        cursor = p["next"]
        if not cursor:
            break
    assert paged == ids(page)


def test_overdue_in_both_orders(client: Any, seeded: dict[str, Any]) -> None:
    a = seeded["a"]
    urgent = ok(inbox(client, OP_A, sort="urgent", overdue="true"))
    assert ids(urgent) == [a[0], a[2]]
    urgent_paged = ok(inbox(client, OP_A, sort="urgent", overdue="true", limit=1))
    assert ids(urgent_paged) == [a[0]]
    assert ids(ok(inbox(client, OP_A, sort="urgent", overdue="true", limit=1, cursor=urgent_paged["next"]))) == [a[2]]
    newest = ok(inbox(client, OP_A, overdue="true"))
    assert ids(newest) == [a[2], a[0]]


def test_a_kecamatan_supervisor_sees_the_area_in_one_query(client: Any, seeded: dict[str, Any]) -> None:
    settle()
    with dynamodb_calls() as calls:
        page = ok(inbox(client, CAMAT, limit=100))
    assert set(seeded["a"]) | set(seeded["b"]) <= set(ids(page)) and page["inbox"] == f"kec:{KEC}"
    assert [c for c in calls if c[0] == "Query"] == [("Query", "inbox_area")]
    assert not [c for c in calls if c[0] == "Scan"]
    narrowed = ok(inbox(client, CAMAT, unit=f"kel:{KEL_B}"))
    assert set(ids(narrowed)) == set(seeded["b"])
    by_place = ok(inbox(client, CAMAT, kelurahan_code=KEL_B, limit=100))
    assert set(ids(by_place)) == set(seeded["b"])
    # the badges add up the kecamatan's units
    area_counts = page["counts"]
    assert area_counts.get("received", 0) >= 3 and area_counts.get("verified", 0) >= 6


def test_filters(client: Any, seeded: dict[str, Any]) -> None:
    a = seeded["a"]
    assert set(ids(ok(inbox(client, OP_A, status="verified")))) == set(a) - {a[5]}
    assert ids(ok(inbox(client, OP_A, status="received"))) == [a[5]]
    assert ids(ok(inbox(client, OP_A, channel="rabeg"))) == []
    assert len(ids(ok(inbox(client, OP_A, category="pelayanan-kelurahan")))) == 7
    assert ids(ok(inbox(client, OP_A, status="closed"))) == []  # the done shelf


def test_done_shelf_and_counts_follow_the_actions(client: Any, seeded: dict[str, Any]) -> None:
    b = seeded["b"]
    before = counts(f"kel:{KEL_B}")
    tid = b[0]
    ok(act(client, tid, OP_B, "reject", reason="Bukan pengaduan pelayanan publik."))
    settle()
    page = ok(inbox(client, OP_B))
    assert tid not in ids(page)
    assert tid in ids(ok(inbox(client, OP_B, status="rejected")))
    after = page["counts"]
    assert after.get("rejected", 0) == before.get("rejected", 0) + 1
    assert after.get("received", 0) == before.get("received", 0) - 1
    assert after == true_counts(f"kel:{KEL_B}")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=oldest", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("status=open", "status"),
        ("overdue=maybe", "overdue"),
        ("assigned_to=budi", "assigned_to"),
        ("color=red", "color"),
        ("cursor=" + base64.urlsafe_b64encode(b"n|nonsense").decode(), "cursor"),
        ("cursor=%%%", "cursor"),
        ("unit=kel:36.73.01.1002", "unit"),
    ],
)
def test_bad_queries_are_a_400_naming_the_field(client: Any, hub: Any, query: str, field: str) -> None:
    resp = client.http.get(f"/v1/operator/complaints?{query}", headers=dict(OP_A))
    assert resp.status_code == 400, resp.body
    assert resp.json_body["errors"][0]["field"] == field


def test_a_cursor_of_the_other_order_is_refused(client: Any, seeded: dict[str, Any]) -> None:
    first = ok(inbox(client, OP_A, limit=2))
    resp = inbox(client, OP_A, limit=2, sort="urgent", cursor=first["next"])
    assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "cursor"


def test_the_coordinator_opens_any_inbox(client: Any, seeded: dict[str, Any]) -> None:
    admin = Who("admin", "city", "kurniawan")
    assert set(ids(ok(inbox(client, admin, unit=f"kel:{KEL_B}")))) <= set(seeded["b"])
    assert inbox(client, admin, unit="kel:99.99").status_code == 400


def test_a_redelivered_or_older_stream_record_moves_no_badge(client: Any, seeded: dict[str, Any]) -> None:
    """The badges follow the stream exactly once: a record read again, or out of order, changes nothing."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import INBOX_MARK_PREFIX as MARK_PREFIX
    from chalicelib.adapters.storage.keys import INBOX_MARK_SK as MARK_SK

    tid, _ = submit(client, kel=KEL_B)
    before = counts(f"kel:{KEL_B}")  # settled: the new complaint is counted as received
    assert before == true_counts(f"kel:{KEL_B}")
    mark = bootstrap.repository().get_raw(f"{MARK_PREFIX}{tid}", MARK_SK)
    assert mark is not None and mark["at"] == f"kel:{KEL_B}|received"
    applied = int(mark["seq"])
    service = bootstrap.inbox()
    verified = {**item(tid), "status": "verified"}
    assert service.count_change(tid, item(tid), applied) == "replayed"  # the same record again
    assert service.count_change(tid, verified, applied - 1) == "replayed"  # an older one, arriving late
    assert service.count_change(tid, item(tid), applied + 1) == "unchanged"  # a change the badges do not show
    assert counts(f"kel:{KEL_B}") == before
    # a newer record that moves it, delivered twice: counted once
    assert service.count_change(tid, verified, applied + 2) == "moved"
    assert service.count_change(tid, verified, applied + 2) == "replayed"
    moved = bootstrap.inbox().counts("inbox", f"kel:{KEL_B}")
    assert moved.get("verified", 0) == before.get("verified", 0) + 1
    assert moved.get("received", 0) == before.get("received", 0) - 1
    # and back, as the stored item says, so the other tests see the truth
    assert service.count_change(tid, item(tid), applied + 3) == "moved"
    assert counts(f"kel:{KEL_B}") == true_counts(f"kel:{KEL_B}")
