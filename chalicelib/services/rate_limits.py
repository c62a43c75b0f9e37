"""Requests per client per window on the public POST routes, without a DynamoDB call per request.

Each container counts locally and syncs a client's count with a shared DynamoDB counter
(one UpdateItem: ADD, read the new total back) only every `sync_every_requests`
requests or `sync_every_s` seconds of that client, and never on the first request a
container sees from a client in a window (most citizens send one complaint: they never
pay the extra call). A container refuses when the last total it read plus what it
admitted since reaches the limit; a sync that finds the total past the limit refuses
the request that made it.

The slack: between syncs a container does not see the other containers' requests, so a
client spread over C containers can get up to about C * sync_every_requests requests
past the limit in a window (C is small for one client: Lambda reuses warm containers),
and a window's first request per container is counted only with the next sync. Fixed
windows: a client may spend one window's allowance at its end and the next at once.
If the table cannot be reached the request is let through (logged, counted): the
API Gateway stage throttling still caps everything.

Client identity: the source IP API Gateway saw, plus the app's `X-Client-Id` when
sent; with a client id the IP also has a ceiling (`ip_ceiling_factor` times the limit)
so that inventing client ids buys nothing. The table keeps an HMAC of the identity
(server secret), never the IP.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.limits import RateLimits
from chalicelib.observability import count, logger

#: (counter key, amount to add, expires at epoch s) -> the counter's new total
Counter = Callable[[str, int, int], int]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    group: str
    limit: int
    retry_after_s: int = 0


@dataclass
class _Count:
    window: int
    synced_total: int = 0  # the table's total when this container last synced
    unsynced: int = 0  # admitted here since then
    seen: int = 0  # requests this container saw in the window
    last_sync: float = -math.inf  # monotonic


class RateLimiter:
    def __init__(
        self,
        counter: Counter,
        rules: RateLimits,
        secret: Callable[[], bytes],
        scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._counter = counter
        self.rules = rules
        self._secret = secret
        self.scale = scale
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._counts: dict[str, _Count] = {}

    def check(self, group: str, source_ip: str, client_id: str | None = None) -> Decision:
        """Count one request of this client in `group` and say whether it may go on."""
        rule = self.rules.groups[group]
        limit = max(1, int(rule.limit * self.scale))
        now = self._clock()
        window = int(now // self.rules.window_s)
        retry_after = max(1, math.ceil((window + 1) * self.rules.window_s - now))
        keys = [(self._key(group, source_ip, client_id), limit)]
        if client_id:
            keys.append((self._key(group, source_ip, None, "ip"), limit * self.rules.ip_ceiling_factor))
        with self._lock:
            counts = [self._count(k, window) for k, _ in keys]
            if any(c.synced_total + c.unsynced >= lim for c, (_, lim) in zip(counts, keys, strict=True)):
                return Decision(False, group, limit, retry_after)
            due = []
            for (key, lim), c in zip(keys, counts, strict=True):
                c.unsynced += 1
                c.seen += 1
                if c.seen > 1 and (
                    c.unsynced >= self.rules.sync_every_requests
                    or self._monotonic() - c.last_sync >= self.rules.sync_every_s
                ):
                    due.append((key, lim, c, c.unsynced))
                    c.unsynced = 0  # in flight
        totals = [(self._sync(key, window, c, delta), lim) for key, lim, c, delta in due]
        if any(total is not None and total > lim for total, lim in totals):
            return Decision(False, group, limit, retry_after)
        return Decision(True, group, limit)

    def _sync(self, key: str, window: int, c: _Count, delta: int) -> int | None:
        expires = (window + 2) * self.rules.window_s
        try:
            total = self._counter(f"{key}#{window}", delta, expires)
        except Exception:  # noqa: BLE001 - never refuse a citizen because the counter is unreachable
            logger.warning("rate-limit counter not reachable; request let through", exc_info=True)
            count("RateLimitCounterErrors")
            with self._lock:
                c.unsynced += delta
            return None
        with self._lock:
            c.synced_total = max(c.synced_total, total)
            c.last_sync = self._monotonic()
        return total

    def _count(self, key: str, window: int) -> _Count:
        c = self._counts.get(key)
        if c is None or c.window != window:
            if len(self._counts) > 10_000:  # forget windows that are over
                self._counts = {k: v for k, v in self._counts.items() if v.window >= window}
            c = self._counts[key] = _Count(window)
        return c

    def _key(self, group: str, source_ip: str, client_id: str | None, kind: str = "client") -> str:
        who = hmac.new(self._secret(), f"rate\n{source_ip}\n{client_id or ''}".encode(), hashlib.sha256)
        return f"{group}#{kind}#{who.hexdigest()[:24]}"
