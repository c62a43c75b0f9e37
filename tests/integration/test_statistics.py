"""Public figures kept from the table's stream, against moto's server (DynamoDB + Streams) over HTTP.

Each test has a table of its own (the template's keys, indexes and stream), so
its figures are exact; the event pump feeds the stream to the very handler
Lambda runs.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from tests.conftest import VALID

# moto's table: the figures follow the table's stream (the pump reads it from moto)
pytestmark = pytest.mark.moto_table

KEL = "36.73.01.1002"
KEC = "36.73.01"


@pytest.fixture()
def table(stack_env: dict[str, str], aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from chalicelib import bootstrap
    from infra.local.provision import create_table_like

    name = create_table_like(f"stats-{uuid.uuid4().hex[:10]}", aws_endpoint)
    monkeypatch.setenv("TABLE_NAME", name)
    bootstrap.reset()
    yield name
    import boto3

    boto3.client("dynamodb", endpoint_url=aws_endpoint).delete_table(TableName=name)


@pytest.fixture()
def sclient(table: str, client: Any) -> Any:
    return client


def put(
    created_at: dt.datetime | None = None,
    unit: str = "opd:dpupr",
    status: str = "verified",
    kel: str = KEL,
    **attrs: Any,
) -> str:
    """A complaint as intake stores it (with its `created` index keys)."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import created_attributes as created_keys
    from chalicelib.domain import reference
    from chalicelib.domain.models import Complaint, Location, Reporter, TimelineEntry, utcnow
    from chalicelib.domain.tracking import new_tracking_id

    created = created_at or utcnow()
    c = Complaint(
        tracking_id=new_tracking_id(),
        category="jalan-rusak",
        title=attrs.pop("title", "Jalan rusak"),
        description="Jalan berlubang besar di depan pasar.",
        location=Location(kelurahan_code=kel),
        kecamatan_code=kel.rsplit(".", 1)[0],
        unit=reference.units()[unit],
        status=status,
        reporter=Reporter(name="Siti Aminah", phone="+6281234567890"),
        created_at=created,
        updated_at=created,
        confidential=attrs.pop("confidential", False),
    )
    entry = TimelineEntry(at=created, kind="received", status=status, ref="received")
    bootstrap.repository().create(c, entry, {**created_keys(c.tracking_id, created), **attrs})
    return c.tracking_id


def change(tracking_id: str, **attrs: Any) -> None:
    """A status change as any writer makes it (the statistics never hear from the writers)."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.expressions import set_remove

    expr, names, vals = set_remove(attrs)
    bootstrap.repository().update(tracking_id, expr, names=names, vals=vals)


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat()


def refresh() -> dict[str, Any]:
    from chalicelib import bootstrap

    return bootstrap.statistics().refresh()


def row(client: Any, code: str, level: str = "opd", window: str = "30d", view: str = "unit") -> dict[str, Any]:
    resp = client.http.get(f"/v1/stats?level={level}&window={window}&view={view}")
    assert resp.status_code == 200, resp.body
    return next(r for r in resp.json_body["units"] if r["unit_code"] == code)


class WriteCounter:
    """Writes the stream consumer makes for the figures, per handler call (botocore event hooks);
    the inbox badges' own transactions (`INBOXCOUNT#...`, docs/operators.md) are counted apart."""

    def __init__(self) -> None:
        from chalicelib.adapters.aws import client

        self.items: list[int] = []
        self.badges: list[int] = []
        self.other = Counter[str]()
        client("dynamodb").meta.events.register("provide-client-params.dynamodb.*", self._seen)

    def _seen(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            first = next(iter(params["TransactItems"][0].values()))
            pk = (first.get("Item") or first.get("Key") or {}).get("pk", {}).get("S", "")
            if pk.startswith("INBOXCOUNT#"):
                self.badges.append(len(params["TransactItems"]))
            else:
                self.items.append(len(params["TransactItems"]))
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"):
            self.other[model.name] += 1


def test_figures_follow_every_change_once_with_at_most_two_writes(sclient: Any, pump: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    ids = [put(now - dt.timedelta(hours=5)) for _ in range(6)]
    put(now - dt.timedelta(days=3), deadline=iso(now - dt.timedelta(hours=2)))
    pump.drain_streams()
    answered = now - dt.timedelta(hours=4)
    change(ids[0], status="in_progress", first_response_at=iso(answered))
    change(ids[1], status="resolved", first_response_at=iso(answered), resolved_at=iso(now - dt.timedelta(hours=1)))
    change(ids[1], rating_stars=4, rated_at=iso(now))
    change(ids[2], status="rejected", first_response_at=iso(answered))
    change(ids[3], unit={"code": "opd:dlh", "kind": "opd", "name": "Dinas Lingkungan Hidup"}, moved_from=["opd:dpupr"])
    change(ids[4], status="duplicate", duplicate_of=ids[5])
    change(ids[5], sync_checked_at=iso(now))  # a write that changes nothing the figures show
    changes = 7
    counter = WriteCounter()  # from here on: the stream consumer's writes only
    pump.drain_streams()
    assert not counter.other, counter.other  # only transactions
    assert len(counter.items) <= changes and max(counter.items) <= 2  # at most 2 writes per change
    assert counter.badges == []  # items written here are in no inbox: no badge moves (test_inbox.py has those)
    refresh()
    pupr = row(sclient, "opd:dpupr")
    assert pupr["received"] == 5  # 7 - the moved one (now DLH's) - the duplicate
    assert (pupr["open"], pupr["overdue"], pupr["resolved"], pupr["rejected"], pupr["moved_out"]) == (3, 1, 1, 1, 1)
    assert pupr["rating_avg"] == 4 and pupr["rating_count"] == 1 and pupr["resolved_on_time_share"] == 1
    assert pupr["first_response_days_p50"] is not None and pupr["ranked"] is True
    assert pupr["received_by_channel"]["app"] == 5
    dlh = row(sclient, "opd:dlh")
    assert (dlh["received"], dlh["open"], dlh["moved_out"], dlh["ranked"]) == (1, 1, 0, False)
    place = row(sclient, f"kel:{KEL}", level="kelurahan", view="place")
    assert (place["received"], place["moved_out"]) == (6, 1)
    assert row(sclient, "city", level="city")["received"] == 6
    unit = sclient.http.get("/v1/stats/units/opd:dpupr").json_body
    assert unit["windows"]["30d"]["received"] == 5 and len(unit["monthly"]) == 12
    assert sum(m["received"] for m in unit["monthly"][-2:]) == 5  # this month (or the last, just after midnight)


def test_redelivered_and_stale_records_change_nothing(sclient: Any, pump: Any, aws_endpoint: str) -> None:
    import boto3

    from chalicelib import bootstrap
    from infra.local.pump import LambdaContext, stream_event

    tid = put()
    change(tid, status="in_progress", first_response_at=iso(dt.datetime.now(dt.UTC)))
    change(tid, status="resolved", resolved_at=iso(dt.datetime.now(dt.UTC)))
    streams = boto3.client("dynamodbstreams", endpoint_url=aws_endpoint)
    arn = pump.stream_arn()
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=it)["Records"]
    assert len(records) == 3
    event = stream_event(records, arn)
    handler = pump.handler(pump.stream_sources()[0])
    for _ in range(3):  # delivered, then redelivered twice (a Lambda retry)
        assert handler(event, LambdaContext("count")) == {"batchItemFailures": []}
    handler(stream_event(records[:1], arn), LambdaContext("count"))  # an old record after the newer ones
    kept = bootstrap.statistics().day_counters(None)
    totals = Counter[str]()
    for counters in kept.values():
        totals.update(counters)
    assert totals["u|opd:dpupr|n"] == 1 and totals["u|opd:dpupr|r"] == 1 and totals["u|opd:dpupr|o"] == 0
    refresh()
    assert row(sclient, "opd:dpupr")["resolved"] == 1


def test_a_failed_record_is_read_again_and_counted_once(
    sclient: Any, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap
    from chalicelib.services.statistics import StatisticsService

    ids = [put() for _ in range(4)]
    real = StatisticsService.apply_change
    failed: list[str] = []

    def flaky(self: StatisticsService, c: Any) -> str:
        if c.tracking_id == ids[2] and not failed:
            failed.append(c.tracking_id)
            raise RuntimeError("DynamoDB throttled (injected)")
        return real(self, c)

    monkeypatch.setattr(StatisticsService, "apply_change", flaky)
    pump.drain_streams()
    assert failed == [ids[2]]
    totals = Counter[str]()
    for counters in bootstrap.statistics().day_counters(None).values():
        totals.update(counters)
    assert totals["u|opd:dpupr|n"] == 4 and totals["p|kel:" + KEL + "|n"] == 4


def _all_rows(client: Any) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    out = {}
    for window in ("30d", "90d", "365d"):
        for level in ("city", "opd", "kecamatan", "kelurahan"):
            for view in ("unit", "place"):
                if view == "place" and level == "opd":
                    continue
                body = client.http.get(f"/v1/stats?window={window}&level={level}&view={view}").json_body
                out[(window, level, view)] = body["units"]
    return out


def test_recompute_from_the_complaints_gives_the_same_numbers(sclient: Any, pump: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain import statistics as st
    from chalicelib.services.statistics import known_units
    from chalicelib.settings import settings
    from infra.local.seed import generate

    now = dt.datetime.now(dt.UTC)
    repo = bootstrap.repository()
    made = generate(80, now, seed=3)
    for c, entry, extra in made:
        repo.create(c, entry, extra)
    pump.drain_streams()
    for c, _, _ in made[:25]:  # then life goes on: answers, resolutions, reopenings, moves
        if c.status.value in ("forwarded", "verified"):
            change(c.tracking_id, status="in_progress", first_response_at=iso(now))
        elif c.status.value == "resolved":
            change(c.tracking_id, status="in_progress", reopen_count=1)
        elif c.status.value == "in_progress":
            change(c.tracking_id, status="resolved", resolved_at=iso(now), moved_from=["opd:dlh"])
    pump.drain_streams()
    refresh()
    stats = bootstrap.statistics()
    first_month = min(c.created_at for c, _, _ in made).strftime("%Y-%m")
    report = stats.recompute(first_month, settings().shards)
    assert report["complaints"] == 80 and report["differences"] == []
    # the figures the API shows == the figures computed again from the complaints alone
    again = st.rollup(report["expected"], bootstrap.statistics().clock(), known_units())
    shown = _all_rows(sclient)
    for (window, level, view), rows in shown.items():
        for r in rows:
            want = again.row(window, level, view, r["unit_code"])
            assert want is not None
            for field, value in want.items():
                if field != "overdue":  # overdue: as of each computation's own "now"
                    assert r[field] == value, (window, level, view, r["unit_code"], field)
    assert sum(r["received"] for r in shown[("365d", "city", "unit")]) > 40


def test_recompute_finds_and_repairs_a_drifted_figure(sclient: Any, pump: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import STATS_DAY_PK as DAY_PK
    from chalicelib.settings import settings

    tid = put()
    put()
    pump.drain_streams()
    stats = bootstrap.statistics()
    day = next(iter(stats.day_counters(None)))
    bootstrap.repository().update_raw(
        DAY_PK, day.isoformat(), "ADD #k :v", names={"#k": "u|opd:dpupr|n"}, vals={":v": {"N": "5"}}
    )
    change(tid, status="rejected")  # a change after the drift is still counted once
    pump.drain_streams()
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    found = stats.recompute(month, settings().shards)
    assert found["differences"][0]["counters"]["u|opd:dpupr|n"] == {"expected": 2, "kept": 7}
    fixed = stats.recompute(month, settings().shards, repair=True)
    assert fixed["days_rebuilt"] == 1
    assert stats.recompute(month, settings().shards)["differences"] == []
    refresh()
    assert (row(sclient, "opd:dpupr")["received"], row(sclient, "opd:dpupr")["rejected"]) == (2, 1)


def test_reading_the_figures_costs_two_items_by_key(sclient: Any, pump: Any) -> None:
    from chalicelib.adapters.aws import client

    for _ in range(3):
        put()
    pump.drain_streams()
    refresh()
    calls: list[tuple[str, int]] = []

    def seen(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        items = sum(len(v) for v in parsed.get("Responses", {}).values()) + len(parsed.get("Items", []))
        calls.append((model.name, items))

    client("dynamodb").meta.events.register("after-call.dynamodb.*", seen)
    assert sclient.http.get("/v1/stats?level=city").status_code == 200
    assert calls == [("BatchGetItem", 2)]
    calls.clear()
    assert sclient.http.get("/v1/stats/units/opd:dpupr").status_code == 200
    assert calls == [("BatchGetItem", 2)]


def test_public_list_behind_a_figure_pages_without_reporter_data(sclient: Any, pump: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    late = [
        put(now - dt.timedelta(days=9, minutes=i), unit=f"kel:{KEL}", deadline=iso(now - dt.timedelta(days=1)))
        for i in range(7)
    ]
    put(now - dt.timedelta(days=1), unit=f"kel:{KEL}", deadline=iso(now + dt.timedelta(days=2)))
    secret = put(
        now - dt.timedelta(days=2),
        unit=f"kel:{KEL}",
        title="Rahasia sekali",
        deadline=iso(now - dt.timedelta(hours=1)),
        confidential=True,
    )
    put(now, unit="kel:36.73.01.1003", kel="36.73.01.1003", deadline=iso(now - dt.timedelta(hours=1)))
    for i in range(3):  # in other kecamatan: the city's list merges several index partitions
        put(now - dt.timedelta(days=4, hours=i), kel="36.73.05.1002")
        put(now - dt.timedelta(days=3, hours=i), unit="kel:36.73.02.1001", kel="36.73.02.1001")
    pump.drain_streams()
    refresh()
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        q = f"/v1/public/complaints?unit=kel:{KEL}&view=place&status=open&overdue=true&limit=3"
        resp = sclient.http.get(q + (f"&cursor={cursor}" if cursor else ""))
        assert resp.status_code == 200, resp.body
        body = resp.json_body
        assert "Siti" not in resp.body.decode() and "62812" not in resp.body.decode()
        seen += [c["tracking_id"] for c in body["complaints"]]
        cursor = body["cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([*late, secret]) and len(seen) == len(set(seen))
    assert row(sclient, f"kel:{KEL}", level="kelurahan", view="place")["overdue"] == len(seen)
    shown = {
        c["tracking_id"]: c
        for c in sclient.http.get(f"/v1/public/complaints?unit=kel:{KEL}&view=unit&limit=50").json_body["complaints"]
    }
    assert shown[secret]["title"] is None and len(shown) == 9
    kec = sclient.http.get(f"/v1/public/complaints?unit=kec:{KEC}&view=unit&overdue=true&limit=50").json_body
    assert len(kec["complaints"]) == 9  # the kecamatan (by unit) takes its kelurahan's desks
    city = sclient.http.get("/v1/public/complaints?unit=city&status=open&limit=50").json_body
    assert len(city["complaints"]) == 16
    # the city merges its kecamatan's partitions: page by page, newest first, nothing skipped or twice
    paged: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        body = sclient.http.get(
            "/v1/public/complaints?unit=city&status=open&limit=2" + (f"&cursor={cursor}" if cursor else "")
        ).json_body
        paged += body["complaints"]
        cursor = body["cursor"]
        if not cursor:
            break
    assert [c["tracking_id"] for c in paged] == [c["tracking_id"] for c in city["complaints"]]
    assert [c["created_at"] for c in paged] == sorted((c["created_at"] for c in paged), reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("window=7d", "window"),
        ("window=2026-13", "window"),
        ("level=desa", "level"),
        ("view=x", "view"),
        ("level=opd&view=place", "view"),
        ("nope=1", "nope"),
    ],
)
def test_bad_stats_queries_get_a_400_naming_the_field(sclient: Any, query: str, field: str) -> None:
    resp = sclient.http.get(f"/v1/stats?{query}")
    assert resp.status_code == 400, resp.body
    assert field in {e["field"] for e in resp.json_body["errors"]}


def test_unknown_units_and_bad_cursors(sclient: Any) -> None:
    assert sclient.http.get("/v1/stats/units/opd:nope").status_code == 404
    assert sclient.http.get("/v1/public/complaints?unit=kel:99").status_code == 404
    resp = sclient.http.get("/v1/public/complaints?unit=city&cursor=%%%")
    assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "cursor"
    assert sclient.http.get("/v1/public/complaints?limit=500").status_code == 400
    csv = sclient.http.get("/v1/stats.csv?level=kecamatan&window=90d")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert len(csv.body.decode().splitlines()) == 1 + 6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=hs.dictionaries(
        hs.sampled_from(["window", "level", "view", "unit", "status", "overdue", "cursor", "limit", "x"]),
        hs.text(min_size=0, max_size=30),
        max_size=5,
    )
)
def test_hostile_queries_never_get_a_5xx(sclient: Any, params: dict[str, str]) -> None:
    from urllib.parse import urlencode

    for path in ("/v1/stats", "/v1/stats.csv", "/v1/public/complaints", "/v1/stats/units/city"):
        resp = sclient.http.get(f"{path}?{urlencode(params)}")
        assert resp.status_code < 500, (path, params, resp.body)
        assert len(resp.body) < 200_000


def test_page_and_assets_are_served(sclient: Any) -> None:
    for path in ("/", "/transparansi"):
        page = sclient.http.get(path)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert b'<html lang="id"' in page.body and b"/static/app.js" in page.body
    assert sclient.http.get("/static/app.js").status_code == 200
    shapes = json.loads(sclient.http.get("/static/kelurahan.json").body)
    assert len(shapes["kelurahan"]) == 67
    assert sclient.http.get("/static/..%2Fapi.py").status_code == 404


def test_a_complaint_through_intake_is_counted(sclient: Any, pump: Any) -> None:
    from chalicelib import bootstrap

    resp = sclient.http.post("/v1/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(VALID))
    assert resp.status_code == 201
    item = bootstrap.repository().get_item(resp.json_body["tracking_id"])
    assert item is not None and item["created_pk"].startswith("CREATED#")
    pump.drain_streams()
    refresh()
    assert row(sclient, "opd:dpupr")["received"] == 1


def test_each_region_has_its_own_figures_and_lists(sclient: Any, pump: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A complaint of an onboarded region is counted and listed in that region's figures
    (`jurisdiction=`), never in the default region's; a region not served here is a 400."""
    from chalicelib import bootstrap
    from infra.jurisdictions.onboard import Request, SecretWriter, onboard
    from infra.jurisdictions.wilayah import load, wilayah_csv

    if not wilayah_csv().is_file():
        pytest.skip("the shared area list is absent")
    import boto3

    monkeypatch.setenv("JURISDICTION_SECRETS_PREFIX", f"test-{uuid.uuid4().hex[:8]}/jurisdictions/")
    bootstrap.reset()
    wilayah = load()
    onboard(
        Request("36.72", prefix="CLG"),
        store=bootstrap.jurisdiction_store(),
        files=None,
        secrets=SecretWriter(boto3.client("secretsmanager")),
        name_prefix="test",
        wilayah=wilayah,
    )
    kel = wilayah.desa_kelurahan_of("36.72")[0].code
    body = {**VALID, "category": "pelayanan-kelurahan", "location": {"kelurahan_code": kel}}
    theirs = sclient.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
    ours = put(unit="opd:dinkes")
    assert theirs.status_code == 201, theirs.body
    tid = theirs.json_body["tracking_id"]
    pump.drain_streams()
    report = bootstrap.statistics().refresh_all()
    assert report["regions_refreshed"] == 1

    def figures(query: str) -> Any:
        resp = sclient.http.get(f"/v1/stats?level=city&window=30d{query}")
        assert resp.status_code == 200, resp.body
        return resp.json_body["units"][0]

    city, region = figures(""), figures("&jurisdiction=36.72")
    assert region["received"] == 1 and region["unit_name"] == "Kota Cilegon"
    assert city["received"] == 1 and city["unit_name"] != "Kota Cilegon"  # ours alone
    kelurahan = sclient.http.get("/v1/stats?level=kelurahan&jurisdiction=36.72").json_body["units"]
    assert [r["received"] for r in kelurahan if r["unit_code"] == f"kel:{kel}"] == [1]
    listed = sclient.http.get("/v1/public/complaints?jurisdiction=36.72").json_body["complaints"]
    assert [c["tracking_id"] for c in listed] == [tid]
    home = sclient.http.get("/v1/public/complaints").json_body["complaints"]
    assert [c["tracking_id"] for c in home] == [ours]
    unit = sclient.http.get(f"/v1/stats/units/kel:{kel}?jurisdiction=36.72")
    assert unit.status_code == 200 and unit.json_body["windows"]["30d"]["received"] == 1
    assert sclient.http.get(f"/v1/stats/units/kel:{kel}").status_code == 404  # not a unit of ours
    csv_text = sclient.http.get("/v1/stats.csv?window=30d&level=city&jurisdiction=36.72").body.decode()
    assert "Kota Cilegon" in csv_text
    unknown = sclient.http.get("/v1/stats?jurisdiction=99.99")
    assert unknown.status_code == 400 and unknown.json_body["errors"][0]["field"] == "jurisdiction"


def test_each_region_has_its_own_map(sclient: Any, pump: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`places.geojson?jurisdiction=` draws the region's own desa/kelurahan (Cilegon's islands as
    MultiPolygons) with its own figures, about the size of the default region's; a region onboarded
    without boundaries has an empty map; a region not served here is the figures' 400."""
    from chalicelib import bootstrap
    from infra.jurisdictions.onboard import Request, SecretWriter, onboard
    from infra.jurisdictions.wilayah import load, shared_dir, wilayah_csv

    if not wilayah_csv().is_file():
        pytest.skip("the shared area list is absent")
    import boto3

    monkeypatch.setenv("JURISDICTION_SECRETS_PREFIX", f"test-{uuid.uuid4().hex[:8]}/jurisdictions/")
    bootstrap.reset()
    wilayah = load()
    batas = shared_dir() / "data" / "wilayah" / "batas-36.72.geojson"
    for code, prefix, boundaries in (("36.72", "CLG", batas), ("36.04", "SRN", None)):
        onboard(
            Request(code, prefix=prefix, boundaries=boundaries),
            store=bootstrap.jurisdiction_store(),
            files=bootstrap.boundary_files(),
            secrets=SecretWriter(boto3.client("secretsmanager")),
            name_prefix="test",
            wilayah=wilayah,
        )
    supplied = json.loads(batas.read_text(encoding="utf-8"))["features"]
    kel = sorted(f["properties"]["kode"] for f in supplied)[0]
    body = {**VALID, "category": "pelayanan-kelurahan", "location": {"kelurahan_code": kel}}
    theirs = sclient.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert theirs.status_code == 201, theirs.body
    put(unit="opd:dinkes")  # ours, at KEL
    pump.drain_streams()
    bootstrap.statistics().refresh_all()

    def places(query: str) -> tuple[Any, dict[str, Any]]:
        resp = sclient.http.get(f"/v1/stats/places.geojson?window=30d{query}")
        assert resp.status_code == 200, resp.body
        assert resp.headers["Content-Type"].startswith("application/geo+json")
        return resp, json.loads(resp.body)

    home_resp, home = places("")
    clg_resp, clg = places("&jurisdiction=36.72")
    assert clg_resp.headers["Cache-Control"] == home_resp.headers["Cache-Control"] == "public, max-age=60"
    assert "36.72" in clg_resp.headers["Content-Disposition"]
    assert places("&jurisdiction=36.73")[1] == home  # the default region named: the same map
    # each map draws its own places, and counts only its own complaints
    assert {f["id"] for f in clg["features"]} == {f["properties"]["kode"] for f in supplied}
    assert len(clg["features"]) == 43 and len(home["features"]) == 67
    received = {f["id"]: f["properties"]["received"] for f in clg["features"] if f["properties"]["received"]}
    assert received == {kel: 1}
    home_received = {f["id"]: f["properties"]["received"] for f in home["features"] if f["properties"]["received"]}
    assert home_received == {KEL: 1}
    mine = next(f["properties"] for f in clg["features"] if f["id"] == kel)
    assert mine["kelurahan_name"] == next(v.name for v in wilayah.desa_kelurahan_of("36.72") if v.code == kel)
    assert mine["kecamatan_name"]
    # islands stay islands, and the answer stays about the default region's size
    islands = {f["properties"]["kode"] for f in supplied if f["geometry"]["type"] == "MultiPolygon"}
    assert islands and {f["id"] for f in clg["features"] if f["geometry"]["type"] == "MultiPolygon"} == islands
    assert len(clg_resp.body) < 1.1 * len(home_resp.body)
    # onboarded without boundaries: a map with nothing on it; not served here: refused
    assert places("&jurisdiction=36.04")[1] == {"type": "FeatureCollection", "features": []}
    unknown = sclient.http.get("/v1/stats/places.geojson?jurisdiction=99.99")
    assert unknown.status_code == 400
    assert [(e["field"], e["reason"]) for e in unknown.json_body["errors"]] == [
        ("jurisdiction", "unknown_jurisdiction")
    ]
    # each region's page knows whether it has a map to draw
    pages = {code: sclient.http.get(f"/j/{code}").body.decode() for code in ("36.72", "36.04")}
    assert 'data-map="1"' in pages["36.72"] and 'data-map=""' in pages["36.04"]
    assert 'data-map="1"' in sclient.http.get("/").body.decode()
