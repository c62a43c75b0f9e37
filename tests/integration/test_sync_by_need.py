"""The status sync by need: due checks read by index, a LAPOR! call budget per account that
concurrent sweeps share, LAPOR!'s Retry-After, the `acted` tier and the "sync behind" metric."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from chalicelib.adapters.lapor import LaporClient
from infra.local.lapor_simulator import FaultConfig
from tests.integration.operator_support import OPERATOR, act, ok, verified
from tests.integration.operator_support import submit as submit_for_operator
from tests.integration.test_metrics import emitted, named, values
from tests.integration.test_status_sync import forwarded, item


class CountingLapor(LaporClient):
    """The LAPOR! client, counting the calls the sync makes (and when they overlap)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self._lock = threading.Lock()

    def _call(self, op: str, *args: Any, **kw: Any) -> Any:
        with self._lock:
            self.calls += 1
        return super()._call(op, *args, **kw)


def a_sync(calls_per_minute: int, lapor: LaporClient | None = None, backoff_s: float = 60) -> Any:
    """A status sync as bootstrap builds it, on its own LAPOR! account (its own budget counter)."""
    from chalicelib import bootstrap
    from chalicelib.domain.sync_priority import default_policy
    from chalicelib.services.lapor_budget import LaporBudget
    from chalicelib.services.status_sync import StatusSync

    data = default_policy().model_dump(mode="json")
    data["budget"] = {"calls_per_minute": calls_per_minute, "by_account": {}}
    data["backoff_seconds"] = backoff_s
    policy = type(default_policy()).model_validate(data)
    client = lapor or LaporClient()
    return StatusSync(
        bootstrap.complaints(),
        bootstrap.timelines(),
        bootstrap.outboxes(),
        lambda _complaint: client,
        bootstrap.status_events(),
        shards=bootstrap.settings().shards,
        schedule=bootstrap.sync_schedule(),
        budget=LaporBudget(bootstrap.counters(), policy, account=f"test-{uuid.uuid4().hex[:8]}"),
    )


def test_due_checks_are_read_by_shard_from_the_index_never_by_scan(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage import keys
    from chalicelib.bootstrap import repository, status_sync
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    state = item(tid)
    assert state["sync_pk"] == keys.sync_shard_pk(keys.shard_of(tid))
    calls: list[tuple[str, dict[str, Any]]] = []
    events = repository().db.meta.events
    hook = lambda model, params, **_: calls.append((model.name, dict(params)))  # noqa: E731
    events.register("before-call.dynamodb.*", hook)
    try:
        now = utcnow() + timedelta(minutes=6)
        for _ in range(20):
            status_sync().sweep(now)
            if item(tid).get("sync_checked_at"):
                break
    finally:
        events.unregister("before-call.dynamodb.*", hook)
    assert item(tid).get("sync_checked_at")
    names = [n for n, _ in calls]
    assert "Scan" not in names
    indexes = {p.get("IndexName") for n, p in calls if n == "Query"}
    assert indexes == {"sync"}
    # one Query per shard and sweep, each of one shard's partition: never one for every complaint
    parts = [p["ExpressionAttributeValues"][":p"]["S"] for n, p in calls if n == "Query"]
    shards = bootstrap.settings().shards
    assert parts and set(parts) <= {keys.sync_shard_pk(s) for s in range(shards)}


def test_two_concurrent_sweeps_never_pass_the_budget(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    for _ in range(8):
        forwarded(client, pump, lapor_sim)  # each check of a forwarded complaint: 1 call
    lapor = CountingLapor()
    budget = 5
    sync = a_sync(budget, lapor)
    now = utcnow() + timedelta(minutes=6)
    barrier = threading.Barrier(2)

    def sweep() -> None:
        barrier.wait()
        sync.sweep(now)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert 0 < lapor.calls <= budget
    assert sync.budget.spent(now) <= budget
    sync.sweep(now)  # the same minute: nothing left
    assert lapor.calls <= budget
    sync.sweep(now + timedelta(minutes=1))  # the next minute has its own budget
    assert budget < lapor.calls <= 2 * budget


def test_a_429_stops_every_call_until_retry_after_has_passed(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    tid, lid = forwarded(client, pump, lapor_sim)
    lapor = CountingLapor()
    sync = a_sync(1000, lapor)
    now = utcnow() + timedelta(minutes=6)
    lapor_sim.faults = FaultConfig(rate_429=1.0, retry_after_s=120)
    try:
        report = sync.sweep(now)
    finally:
        lapor_sim.faults = FaultConfig()
    assert report.throttled and lapor.calls == 1  # the first 429 ends the sweep, not waited out
    until = sync.budget.blocked_until(now)
    assert until is not None and abs((until - now).total_seconds() - 120) < 1
    for later in (now + timedelta(seconds=30), now + timedelta(seconds=119)):
        assert sync.sweep(later).checked == 0 and lapor.calls == 1  # nothing asked meanwhile
    assert not sync.refresh(tid, now + timedelta(seconds=60))  # the escalation's refresh waits too
    assert lapor.calls == 1
    after = now + timedelta(seconds=121)
    for _ in range(20):
        sync.sweep(after)
        if item(tid).get("sync_checked_at"):
            break
    assert lapor.calls > 1 and item(tid).get("sync_checked_at")


def test_a_429_without_retry_after_waits_the_policys_backoff(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.domain.models import utcnow

    forwarded(client, pump, lapor_sim)
    sync = a_sync(1000, backoff_s=45)
    now = utcnow() + timedelta(minutes=6)
    sync.budget.back_off(now, None)
    until = sync.budget.blocked_until(now)
    assert until == now + timedelta(seconds=45)
    sync.budget.back_off(now, 5)  # a shorter one never shortens the wait
    assert sync.budget.blocked_until(now) == until


def test_an_operators_answer_puts_the_complaint_in_the_acted_tier(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib.bootstrap import status_sync
    from chalicelib.domain.models import utcnow
    from chalicelib.domain.sync_priority import Tier, tier_of
    from chalicelib.services.status_sync import candidate

    tid, _ = submit_for_operator(client)
    verified(client, pump, lapor_sim, tid)
    before = item(tid)
    assert before["sync_sk"] > utcnow().isoformat()  # not due before the action
    ok(act(client, tid, OPERATOR, "respond", message="Petugas kami akan meninjau lokasi besok pagi."))
    pump.drain("forward_to_lapor")  # the answer reaches LAPOR!: LAPOR! often answers that soon
    state = item(tid)
    now = utcnow()
    assert state["sync_acted_at"] and state["sync_sk"] <= now.isoformat()
    assert state["version"] == before["version"] + 1  # the answer's own version only
    assert tier_of(candidate(state), now) == Tier.ACTED
    for _ in range(20):
        status_sync().sweep(now + timedelta(seconds=30))
        if item(tid).get("sync_checked_at", "") > state.get("sync_checked_at", ""):
            break
    after = item(tid)
    assert after["sync_checked_at"] > before["sync_checked_at"]
    assert after["sync_sk"] <= (now + timedelta(minutes=4)).isoformat()  # acted: again within minutes


def test_the_sweep_says_how_far_behind_it_is(
    client: Any, pump: Any, lapor_sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.domain.models import utcnow

    tid, _ = submit_for_operator(client)
    verified(client, pump, lapor_sim, tid)
    ok(act(client, tid, OPERATOR, "respond", message="Sedang kami koordinasikan dengan dinas terkait."))
    pump.drain("forward_to_lapor")
    acted_at = item(tid)["sync_sk"]
    sync = a_sync(1000)
    later = utcnow() + timedelta(minutes=20)
    sync.budget.back_off(later, 60)  # LAPOR! asks us to wait: the acted-on check waits too
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp, time_machine.travel(later, tick=True):
        mp.setattr("chalicelib.bootstrap.status_sync", lambda: sync)
        pump.fire("sync_lapor_status")  # the scheduled handler, its middleware flushing the metrics
    metrics = emitted(capsys.readouterr().out)
    [behind] = named(metrics, "SyncBehindMinutes")
    assert values(behind)[0] >= 19  # the acted-on check has waited since the answer reached LAPOR!
    assert behind["dims"]["service"] == "aduan-hub"
    assert acted_at <= later.isoformat()
