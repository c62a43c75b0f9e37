"""Lists read what they show: DynamoDB calls and items read per page, counted on the memory table.

Every list costs a small, fixed number of calls per page whatever its size (no read per row: the
status note rides on the complaint item); a cursor continues only the query that made it; the
heavy reads have a per-client allowance of their own (429 + Retry-After) that leaves intake's alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from tests.integration.operator_support import Who, inbox, ok, submit

KEL_A = "36.73.04.1001"
OP_A = Who("operator", f"kel:{KEL_A}", "listreader")


@dataclass
class Reads:
    """DynamoDB calls of a block: (operation, index) each, and the items each read."""

    calls: list[tuple[str, str | None]] = field(default_factory=list)
    items: int = 0

    def of(self, op: str) -> list[tuple[str, str | None]]:
        return [c for c in self.calls if c[0] == op]


@contextmanager
def reads() -> Iterator[Reads]:
    """Count every DynamoDB call the hub makes in the block, and the items it read
    (a Query's ScannedCount: what DynamoDB charges, filtered out or not; a BatchGetItem's items)."""
    from chalicelib import bootstrap

    out = Reads()
    events = bootstrap.repository().db.meta.events

    def before(model: Any, params: dict[str, Any], **_: Any) -> None:
        if str(params.get("Key", {}).get("pk", {}).get("S", "")).startswith("RATE#"):
            return  # the rate limiter's counter, not the list
        out.calls.append((model.name, params.get("IndexName")))

    def after(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "Query":
            out.items += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif model.name == "BatchGetItem":
            out.items += sum(len(v) for v in (parsed.get("Responses") or {}).values())
        elif model.name == "GetItem":
            out.items += 1 if parsed.get("Item") else 0

    events.register("provide-client-params.dynamodb.*", before)
    events.register("after-call.dynamodb.*", after)
    try:
        yield out
    finally:
        events.unregister("provide-client-params.dynamodb.*", before)
        events.unregister("after-call.dynamodb.*", after)


def seed(client: Any, n: int, kel: str = KEL_A) -> list[str]:
    return [submit(client, kel=kel)[0] for _ in range(n)]


def note(tid: str, message: str) -> None:
    """A later timeline entry with a message (as a LAPOR! follow-up is recorded)."""
    from chalicelib import bootstrap
    from chalicelib.domain.models import TimelineEntry, utcnow

    assert bootstrap.timelines().add(tid, TimelineEntry(at=utcnow(), kind="lapor_followup", message=message, ref=tid))


def open311(client: Any, query: str) -> list[dict[str, Any]]:
    resp = client.http.get(f"/open311/v2/requests.json?{query}")
    assert resp.status_code == 200, resp.body
    answer: list[dict[str, Any]] = resp.json_body
    return answer


# -- Open311 ---------------------------------------------------------------------------------


def test_an_open311_page_reads_no_row_per_request_and_about_what_it_shows(client: Any) -> None:
    from chalicelib import bootstrap

    tids = seed(client, 40)
    note(tids[3], "Petugas sudah meninjau lokasi")
    shards = bootstrap.settings().shards
    with reads() as big:
        page = open311(client, "page_size=40")
    assert {r["service_request_id"] for r in page} == set(tids)
    by_id = {r["service_request_id"]: r for r in page}
    assert by_id[tids[3]]["status_notes"] == "Petugas sudah meninjau lokasi"  # from the row itself
    # only the `created` index: not one Query of a complaint's own partition, no GetItem
    assert set(big.calls) == {("Query", "created")}, big.calls
    assert len(big.calls) <= 2 * shards, big.calls
    assert big.items <= 40 + 2 * shards, big.items
    with reads() as small:
        open311(client, "page_size=5")
    assert set(small.calls) == {("Query", "created")} and len(small.calls) <= 2 * shards


def test_an_open311_id_list_is_one_batch_read_per_hundred_ids(client: Any) -> None:
    from chalicelib.domain.tracking import new_tracking_id

    tids = seed(client, 30)
    note(tids[0], "Sudah diteruskan ke dinas")
    unknown = [new_tracking_id() for _ in range(90)]
    with reads() as r:
        page = open311(client, "page_size=1000&service_request_id=" + ",".join(tids + unknown))
    assert [x["service_request_id"] for x in page] == tids  # in the order asked, unknown ones left out
    assert page[0]["status_notes"] == "Sudah diteruskan ke dinas"
    assert r.calls == [("BatchGetItem", None), ("BatchGetItem", None)], r.calls


def test_an_item_from_before_items_carried_their_note_still_shows_it(client: Any) -> None:
    from chalicelib import bootstrap

    [old, new] = seed(client, 2)
    note(old, "Catatan lama")
    bootstrap.repository().update_raw(f"C#{old}", "C", "REMOVE status_note")
    with reads() as r:
        page = {x["service_request_id"]: x for x in open311(client, "page_size=10")}
    assert page[old]["status_notes"] == "Catatan lama" and new in page
    assert r.of("Query").count(("Query", None)) == 1  # its timeline, for that row only


def test_id_lists_and_page_sizes_are_bounded_with_a_400_naming_the_field(client: Any) -> None:
    from chalicelib.domain import open311 as rules
    from chalicelib.domain.tracking import new_tracking_id

    most = rules.config().limits
    too_many = ",".join(new_tracking_id() for _ in range(most.max_ids + 1))
    for query, name in ((f"service_request_id={too_many}", "service_request_id"), ("page_size=1001", "page_size")):
        resp = client.http.get(f"/open311/v2/requests.json?{query}")
        assert resp.status_code == 400, resp.body
        [err] = resp.json_body
        assert name in err["description"] and " / " in err["description"]  # Indonesian / English


# -- the inbox, nearby ---------------------------------------------------------------------------


def test_an_inbox_page_is_one_query_whatever_its_size(client: Any) -> None:
    seed(client, 30)
    for limit in (5, 30):
        with reads() as r:
            page = ok(inbox(client, OP_A, limit=limit))
        assert len(page["complaints"]) == limit
        assert r.of("Query") == [("Query", "inbox")], r.calls
        assert r.items <= limit + 1


def test_nearby_is_one_query_per_stripe_and_reads_only_the_circle(client: Any) -> None:
    """Five complaints at the point, one 250 m north in its own stripe, one 240 m east at its
    latitude: the Queries read the five and neither of the others."""
    here = (-6.1201, 106.1502)
    north = (here[0] + 250 / 111_195, here[1])
    east = (here[0], here[1] + 240 / (111_195 * math.cos(math.radians(here[0]))))
    for lat, lon in [here] * 5 + [north, east]:
        payload = {
            "category": "jalan-rusak",
            "title": "Jalan berlubang",
            "description": "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
            "location": {"lat": lat, "lon": lon},
        }
        resp = client.http.post(
            "/v1/complaints", body=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        assert resp.status_code == 201, resp.body
    with reads() as r:
        resp = client.http.get(f"/v1/complaints/nearby?lat={here[0]}&lon={here[1]}&category=jalan-rusak")
    assert resp.status_code == 200 and len(resp.json_body["complaints"]) == 5
    assert set(r.calls) == {("Query", "geo")} and len(r.calls) <= 18, r.calls
    assert r.items == 5


# -- the public list behind the figures -----------------------------------------------------------------


def public_rows(n_in: int, n_out: int) -> tuple[list[str], list[str]]:
    """Complaints in the last 30 days and older ones, counted and listed as the stream would (repair)."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import created_attributes
    from chalicelib.domain import reference
    from chalicelib.domain.changes import Placement
    from chalicelib.domain.models import Complaint, Location, TimelineEntry, utcnow
    from chalicelib.domain.tracking import new_tracking_id

    now = utcnow()
    kels = ["36.73.01.1002", "36.73.02.1001", "36.73.03.1001", "36.73.05.1002", "36.73.04.1001"]
    made: tuple[list[str], list[str]] = ([], [])
    for i in range(n_in + n_out):
        inside = i < n_in
        created = now - dt.timedelta(days=(i % 20) + 1, minutes=i) if inside else now - dt.timedelta(days=200 + i)
        kel = kels[i % len(kels)]
        c = Complaint(
            tracking_id=new_tracking_id(),
            category="jalan-rusak",
            title="Jalan rusak",
            description="Jalan berlubang besar di depan pasar.",
            location=Location(kelurahan_code=kel),
            kecamatan_code=kel.rsplit(".", 1)[0],
            unit=reference.units()["opd:dpupr"],
            status="verified",
            created_at=created,
            updated_at=created,
        )
        entry = TimelineEntry(at=created, kind="received", status=c.status, ref="received")
        bootstrap.complaints().create(c, entry, created_attributes(c.tracking_id, created), Placement())
        made[0 if inside else 1].append(c.tracking_id)
    oldest = now - dt.timedelta(days=200 + n_in + n_out + 1)
    bootstrap.statistics().recompute(oldest.strftime("%Y-%m"), bootstrap.settings().shards, repair=True)
    return made


def test_a_public_list_page_reads_about_what_it_shows(client: Any) -> None:
    inside, _ = public_rows(60, 0)
    seen: list[str] = []
    cursor = None
    pages = 0
    with reads() as r:
        while True:
            q = "/v1/public/complaints?unit=city&limit=20" + (f"&cursor={cursor}" if cursor else "")
            body = client.http.get(q).json_body
            seen += [c["tracking_id"] for c in body["complaints"]]
            pages += 1
            cursor = body["cursor"]
            if not cursor or pages > 10:
                break
    assert sorted(seen) == sorted(inside) and len(seen) == len(set(seen))
    assert set(r.calls) <= {("Query", "statsunit"), ("Query", "statsplace"), ("Query", "statscity")}, r.calls
    partitions = len({c for c in r.calls})
    assert len(r.calls) <= pages * 16, (len(r.calls), pages, partitions)
    assert r.items <= 1.5 * len(seen) + 8 * pages, (r.items, len(seen))


def forge(query_digest: str, sk: str) -> str:
    return base64.urlsafe_b64encode(f"{query_digest}|{sk}".encode()).decode().rstrip("=")


def digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sk=hs.one_of(
        hs.text(min_size=1, max_size=60),
        hs.builds(lambda y, rest: f"{y}-12-31T23:59:59.999999Z#{rest}", hs.integers(1900, 2999), hs.text(max_size=12)),
        hs.just("~"),
        hs.just("~~~~#~"),
    ),
    same_query=hs.booleans(),
)
def test_a_forged_public_cursor_never_reaches_outside_its_window(
    client: Any, listed: tuple[list[str], list[str]], sk: str, same_query: bool
) -> None:
    """A client that knows how cursors are made forges one for this very query (or another):
    it is refused with a 400 naming `cursor`, or it continues within the window, never beyond."""
    inside, outside = listed
    query = digest("city", "unit", "", "0", "30d") if same_query else uuid.uuid4().hex[:16]
    resp = client.http.get(f"/v1/public/complaints?unit=city&window=30d&limit=50&cursor={forge(query, sk)}")
    if resp.status_code == 400:
        assert [e["field"] for e in resp.json_body["errors"]] == ["cursor"]
        return
    assert resp.status_code == 200, resp.body
    assert same_query
    shown = {c["tracking_id"] for c in resp.json_body["complaints"]}
    assert shown <= set(inside) and not shown & set(outside)


@pytest.fixture()
def listed(client: Any) -> tuple[list[str], list[str]]:
    return public_rows(8, 8)


def test_a_cursor_of_another_window_or_list_is_refused(client: Any, listed: tuple[list[str], list[str]]) -> None:
    first = client.http.get("/v1/public/complaints?unit=city&window=30d&limit=2").json_body
    assert first["cursor"]
    for other in ("unit=city&window=365d", "unit=city", "unit=city&window=30d&status=open", "unit=kec:36.73.01"):
        resp = client.http.get(f"/v1/public/complaints?{other}&limit=2&cursor={first['cursor']}")
        assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "cursor", (other, resp.body)
    again = client.http.get(f"/v1/public/complaints?unit=city&window=30d&limit=2&cursor={first['cursor']}")
    assert again.status_code == 200


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=hs.one_of(hs.text(min_size=1, max_size=200), hs.binary(min_size=1, max_size=120)))
def test_a_forged_inbox_cursor_is_refused_naming_cursor(client: Any, token: str | bytes) -> None:
    raw = base64.urlsafe_b64encode(token).decode().rstrip("=") if isinstance(token, bytes) else token
    resp = inbox(client, OP_A, cursor=quote(raw, safe=""))  # the whole text is the cursor, "&" included
    assert resp.status_code == 400, resp.body
    assert "cursor" in {e["field"] for e in resp.json_body["errors"]}


def test_an_inbox_cursor_continues_only_its_own_list(client: Any) -> None:
    seed(client, 4)
    first = ok(inbox(client, OP_A, limit=2))
    assert first["next"]
    for other in ({"sort": "urgent"}, {"channel": "app"}, {"overdue": "true"}):
        resp = inbox(client, OP_A, limit=2, cursor=first["next"], **other)
        assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "cursor", (other, resp.body)
    assert len(ok(inbox(client, OP_A, limit=2, cursor=first["next"]))["complaints"]) == 2


# -- the read group ------------------------------------------------------------------------------


@pytest.fixture()
def real_limits(hub: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """data/limits.json as it is, at the start of a fresh window (the suite's other tests run with room)."""
    import time

    import time_machine

    from chalicelib import bootstrap
    from chalicelib.domain.limits import limits

    window = limits().rate_limits.window_s
    start = (time.time() // window + 1) * window + 0.001
    monkeypatch.setenv("RATE_LIMIT_SCALE", "1")
    bootstrap.reset()
    with time_machine.travel(start, tick=True):
        yield
    bootstrap.reset()


@pytest.mark.usefixtures("real_limits")
def test_a_client_looping_on_a_list_gets_429_and_intake_keeps_its_share(client: Any) -> None:
    from chalicelib.domain.limits import limits

    rules = limits().rate_limits
    limit = rules.groups["reads"].limit
    me = {"X-Client-Id": f"test-{uuid.uuid4().hex}"}
    statuses = [client.http.get("/open311/v2/requests.json", headers=me).status_code for _ in range(limit + 3)]
    assert statuses[:limit] == [200] * limit and statuses[limit:] == [429] * 3
    refused = client.http.get("/v1/public/complaints", headers=me)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= rules.window_s
    assert refused.json_body["error"] == "rate_limited"
    payload = {
        "category": "jalan-rusak",
        "description": "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
        "location": {"kelurahan_code": KEL_A},
    }
    filed = client.http.post(
        "/v1/complaints", body=json.dumps(payload), headers={**me, "Content-Type": "application/json"}
    )
    assert filed.status_code == 201, filed.body  # intake's allowance is its own


def test_an_operators_own_note_never_becomes_the_status_note(client: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.models import TimelineEntry, utcnow

    [tid] = seed(client, 1)
    note(tid, "Petugas sudah meninjau lokasi")
    private = TimelineEntry(at=utcnow(), kind="note", public=False, message="Catatan internal petugas", ref="n1")
    assert bootstrap.timelines().add(tid, private)
    [row] = open311(client, f"service_request_id={tid}")
    assert row["status_notes"] == "Petugas sudah meninjau lokasi"
