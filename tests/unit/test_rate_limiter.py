"""The per-container rate limiter against a shared counter (a dict here), on a fake clock."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib.domain.limits import RateGroup, RateLimits
from chalicelib.services.rate_limits import RateLimiter

RULES = RateLimits(
    window_s=60,
    sync_every_requests=10,
    sync_every_s=1.0,
    ip_ceiling_factor=10,
    groups={"submit": RateGroup(limit=20, routes=["POST /v1/complaints"])},
)


class Table:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.calls = 0
        self.down = False

    def add(self, key: str, amount: int, expires_at: int) -> int:
        self.calls += 1
        if self.down:
            raise ConnectionError("unreachable")
        self.counts[key] += amount
        return self.counts[key]


class Clock:
    def __init__(self, t: float = 6_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def limiter(table: Table, clock: Clock, rules: RateLimits = RULES) -> RateLimiter:
    return RateLimiter(table.add, rules, lambda: b"k" * 32, clock=clock, monotonic=clock)


def test_one_container_admits_exactly_the_limit_and_says_when_to_retry() -> None:
    table, clock = Table(), Clock(6_000.0 + 15)
    lim = limiter(table, clock)
    decisions = [lim.check("submit", "10.0.0.1") for _ in range(25)]
    assert [d.allowed for d in decisions] == [True] * 20 + [False] * 5
    assert decisions[-1].retry_after_s == 45  # the window ends at 6060
    clock.t = 6_060.0
    assert lim.check("submit", "10.0.0.1").allowed  # a new window


def test_a_one_off_request_costs_no_counter_call() -> None:
    table, clock = Table(), Clock()
    lim = limiter(table, clock)
    for i in range(100):
        assert lim.check("submit", f"10.0.1.{i}").allowed
    assert table.calls == 0


def test_a_busy_client_syncs_every_n_requests() -> None:
    table, clock = Table(), Clock()
    big = RULES.model_copy(update={"groups": {"submit": RateGroup(limit=1000, routes=[])}})
    lim = limiter(table, clock, big)
    for _ in range(200):
        assert lim.check("submit", "10.0.0.2").allowed
    assert table.calls <= 200 // 10 + 1


@pytest.mark.parametrize("containers", [2, 4, 8])
def test_containers_together_stay_within_the_documented_slack(containers: int) -> None:
    table, clock = Table(), Clock()
    pool = [limiter(table, clock) for _ in range(containers)]
    admitted = 0
    for i in range(2_000):
        clock.t += 0.01  # 100 requests a second, spread over the containers
        admitted += pool[i % containers].check("submit", "10.0.0.3").allowed
    assert 20 <= admitted <= 20 + containers * RULES.sync_every_requests


def test_client_ids_have_an_ip_ceiling() -> None:
    table, clock = Table(), Clock()
    lim = limiter(table, clock)
    admitted = sum(lim.check("submit", "10.0.0.4", f"install-{i:04d}").allowed for i in range(1_000) for _ in range(3))
    assert admitted <= 20 * RULES.ip_ceiling_factor + RULES.sync_every_requests


def test_an_unreachable_counter_lets_requests_through() -> None:
    table, clock = Table(), Clock()
    table.down = True
    lim = limiter(table, clock)
    assert all(lim.check("submit", "10.0.0.5").allowed for _ in range(15))
    table.down = False
    clock.t += 2
    assert not all(lim.check("submit", "10.0.0.5").allowed for _ in range(10))  # counted all along
