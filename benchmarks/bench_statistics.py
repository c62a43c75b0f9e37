"""Public figures: reading the city page costs the same with 1,000 and 100,000 complaints;
each complaint state change costs at most 2 writes for the figures.

`python -m benchmarks.bench_statistics` (BENCH_SIZES=1000,100000 by default; ~10 min on 2 cores).

For each size, a private moto server and stack: the complaints are written as
intake writes them (BatchWriteItem, `created` index keys), the day counters are
computed from them with the recompute's own code (`domain.statistics.by_day`,
what 100,000 stream transactions would add up to; written as the day items) and
the scheduled refresh builds the snapshots. Then the page's reads go through
the API (Chalice's test client) with every DynamoDB call counted. On the 1,000
stack, 200 state changes (answers, resolutions, rejections, moves, ratings,
duplicates, writes that change nothing shown) go through the real stream
consumer, fed by the event pump, with its writes counted per change.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.common import CallCounter, local_stack
from benchmarks.schema import emit, figure, result

SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "1000,100000").split(",")]


def _seed(n: int, now: datetime) -> list[dict[str, Any]]:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import complaint_item, from_item
    from infra.local.seed import generate

    repo = bootstrap.repository()
    items = []
    for c, entry, extra in generate(n, now, seed=n):
        items.append(complaint_item(c, {**extra, "first_entry": entry.model_dump(mode="json")}))
    for i in range(0, len(items), 25):
        pending = {repo.table: [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]}
        while pending:
            pending = repo.db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return [from_item(it) for it in items]


def _day_items(items: list[dict[str, Any]]) -> int:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import STATS_DAY_PK as DAY_PK
    from chalicelib.domain import statistics as st

    repo = bootstrap.repository()
    days = st.by_day(items)
    for day, counters in days.items():
        repo.put_raw(
            {
                "pk": DAY_PK,
                "sk": day.isoformat(),
                "type": "stats_day",
                **{k: v for k, v in counters.items() if v},
                "rev": 1,
            }
        )
    return len(days)


def _page_reads(client: Any) -> dict[str, Any]:
    from chalicelib.adapters.aws import client as aws

    out: dict[str, Any] = {}
    for name, path in (
        ("city figures (GET /v1/stats?level=city)", "/v1/stats?level=city&window=30d"),
        ("OPD ranking", "/v1/stats?level=opd&window=30d"),
        ("kelurahan map (place view)", "/v1/stats?level=kelurahan&window=30d&view=place"),
        ("a unit page", "/v1/stats/units/opd:dpupr"),
        ("CSV, every level and rolling window", "/v1/stats.csv"),
    ):
        counter = CallCounter(aws("dynamodb"))
        t0 = time.perf_counter()
        resp = client.http.get(path)
        took = time.perf_counter() - t0
        assert resp.status_code == 200, resp.body
        out[name] = {"items_read": counter.items_read, "calls": dict(counter.calls), "ms": round(took * 1000, 1)}
    return out


def _writes_per_change(app_module: Any, endpoint: str, items: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """200 state changes through the stream consumer; its writes counted per change."""
    from chalicelib import bootstrap
    from chalicelib.adapters.aws import client as aws
    from chalicelib.adapters.storage.codec import iso
    from chalicelib.adapters.storage.expressions import set_remove
    from infra.local.pump import EventPump

    repo = bootstrap.repository()
    pump = EventPump(app_module, endpoint_url=endpoint, wait_s=0, log=lambda _m: None)
    pump.drain_streams(deadline_s=3600)  # the seeded complaints themselves (first stats items)
    rng = random.Random(7)
    open_ones = [i for i in items if i["status"] in ("forwarded", "verified", "in_progress")]
    per_change: list[int] = []
    calls: Counter[str] = Counter()

    badges: list[int] = []  # the inbox badges' own transactions (docs/operators.md), not the figures'

    def seen(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls[model.name] += 1
        if model.name == "TransactWriteItems":
            first = next(iter(params["TransactItems"][0].values()))
            pk = (first.get("Item") or first.get("Key") or {}).get("pk", {}).get("S", "")
            (badges if pk.startswith("INBOXCOUNT#") else per_change).append(len(params["TransactItems"]))
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"):
            per_change.append(1)

    changes = 0
    for item in rng.sample(open_ones, min(200, len(open_ones))):
        kind = rng.choice(["answer", "resolve", "reject", "move", "rate", "duplicate", "nothing"])
        attrs: dict[str, Any] = {
            "answer": {"status": "in_progress", "first_response_at": iso(now)},
            "resolve": {"status": "resolved", "resolved_at": iso(now), "first_response_at": iso(now)},
            "reject": {"status": "rejected"},
            "move": {
                "moved_from": [item["unit"]["code"]],
                "unit": {"code": "opd:dlh", "kind": "opd", "name": "Dinas Lingkungan Hidup"},
            },
            "rate": {"rating_stars": rng.randint(1, 5), "rated_at": iso(now)},
            "duplicate": {"duplicate_of": "SRG-AAAA-BBBB"},
            "nothing": {"sync_checked_at": iso(now)},
        }[kind]
        expr, names, vals = set_remove(attrs)
        repo.update(item["tracking_id"], expr, names=names, vals=vals)
        changes += 1
    hook = aws("dynamodb").meta.events
    hook.register("provide-client-params.dynamodb.*", seen)
    t0 = time.perf_counter()
    pump.drain_streams(deadline_s=600)
    took = time.perf_counter() - t0
    hook.unregister("provide-client-params.dynamodb.*", seen)
    return {
        "state_changes": changes,
        "write_calls": len(per_change),
        "max_items_per_write_call": max(per_change),
        "items_written": sum(per_change),
        "items_written_per_change": round(sum(per_change) / changes, 2),
        "calls": dict(calls),
        "consumer_s": round(took, 1),
        "inbox_badge_items_written_per_change": round(sum(badges) / changes, 2),
    }


def _patience() -> None:
    """moto answers a Query of ~400 day items of thousands of counters each in tens of seconds on a loaded
    machine (DynamoDB: milliseconds a page); the refresh is a scheduled job, so the benchmark waits."""
    from botocore.config import Config

    import chalicelib.adapters.aws as aws

    aws._CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=300)


def _stream_off(table: str) -> None:
    """moto's UpdateTable(StreamEnabled=False) keeps emitting records (its shard stays): drop the shard in
    the in-process server so 100,000 BatchWriteItem puts do not each build a stream record nobody reads."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-3"].tables[table].stream_shard = None


def main() -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    _patience()
    results: dict[str, Any] = {}
    now = datetime.now(UTC)
    for n in SIZES:
        with local_stack(f"bench-stats-{n}-{os.getpid()}") as stack:
            from chalice.test import Client

            from chalicelib import bootstrap

            bootstrap.reset()
            import app as app_module

            if n != min(SIZES):  # only the smallest run uses the stream (state changes): spare moto the records
                _stream_off(bootstrap.repository().table)
            t0 = time.perf_counter()
            items = _seed(n, now - timedelta(minutes=1))
            seed_s = time.perf_counter() - t0
            days = _day_items(items)
            t0 = time.perf_counter()
            refresh = bootstrap.statistics().refresh()
            refresh_s = time.perf_counter() - t0
            with Client(app_module.app) as client:
                reads = _page_reads(client)
            entry: dict[str, Any] = {
                "complaints": n,
                "seed_s": round(seed_s, 1),
                "day_items": days,
                "refresh": {**refresh, "seconds": round(refresh_s, 1)},
                "reads": reads,
            }
            if n == min(SIZES):
                entry["writes"] = _writes_per_change(app_module, stack["endpoint"], items, now)
            results[str(n)] = entry
            print(json.dumps(entry, indent=1), file=sys.stderr, flush=True)  # progress: a size takes minutes
    return {"sizes": results}


PAGES = {
    "city": "city figures (GET /v1/stats?level=city)",
    "opd": "OPD ranking",
    "kelurahan": "kelurahan map (place view)",
    "unit": "a unit page",
    "csv": "CSV, every level and rolling window",
}


def report(raw: dict[str, Any]) -> dict[str, Any]:
    sizes = raw["sizes"]
    figures = []
    for n, entry in sizes.items():
        at = f"{int(n):,} complaints"
        for key, page in PAGES.items():
            figures.append(
                figure(
                    f"{n}.{key}_items_read", f"{at}: {page}, items read", entry["reads"][page]["items_read"], "items"
                )
            )
        figures += [
            figure(
                f"{n}.refresh_days_read",
                f"{at}: scheduled refresh, day items read",
                entry["refresh"]["days_read"],
                "items",
            ),
            figure(
                f"{n}.refresh_snapshots_written",
                f"{at}: scheduled refresh, snapshots written",
                entry["refresh"]["snapshots_written"],
                "items",
            ),
            figure(f"{n}.refresh_s", f"{at}: scheduled refresh on moto", entry["refresh"]["seconds"], "s"),
            figure(f"{n}.seed_s", f"{at}: seeding (BatchWriteItem)", entry["seed_s"], "s"),
        ]
    city = [entry["reads"][PAGES["city"]]["items_read"] for entry in sizes.values()]
    if len(city) > 1:
        figures.append(
            figure(
                "city_items_read_largest_over_smallest",
                "city figures' items read, largest table / smallest",
                round(city[-1] / city[0], 2),
                "x",
                ("==", 1),
            )
        )
    samples = {"smallest_table_complaints": min(map(int, sizes)), "largest_table_complaints": max(map(int, sizes))}
    for n, entry in sizes.items():
        writes = entry.get("writes")
        if writes:
            at = f"{int(n):,} complaints"
            figures += [
                figure(
                    "max_items_per_write_call",
                    f"{at}: stream consumer, most items in one write call per state change",
                    writes["max_items_per_write_call"],
                    "items",
                    ("<=", 2),
                ),
                figure(
                    "items_written_per_change",
                    f"{at}: items written per state change, mean",
                    writes["items_written_per_change"],
                    "items",
                ),
                figure(
                    "inbox_badge_items_written_per_change",
                    f"{at}: the inbox badges' own items written per state change, mean",
                    writes["inbox_badge_items_written_per_change"],
                    "items",
                ),
            ]
            samples["state_changes"] = writes["state_changes"]
    return result(
        "statistics",
        "Public figures: read cost by table size, writes per state change",
        "python -m benchmarks.bench_statistics",
        figures,
        samples,
        ["Every DynamoDB call counted on the wire (botocore hook); state changes go through the real stream consumer."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
