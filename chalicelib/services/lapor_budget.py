"""What one LAPOR! account may still be asked this minute, shared by every sweep.

Each region has its own LAPOR! account (named by its jurisdiction code), so each has its own
budget and its own back-off: one region's 429 or spent minute never holds up another's.

The budget (data/sync_priority.json, per account) is counted in one item per account and
UTC minute: calls are taken before they are made, by a conditional ADD that fails once the
minute's total would pass the budget, so two sweeps running at once never pass it
together. A 429 from LAPOR! records its Retry-After (or the policy's back-off) in one item
per account: nothing is asked of that account before it has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain import sync_priority
from chalicelib.domain.instants import utc_text
from chalicelib.observability import count, logger
from chalicelib.services.ports import LaporCalls

#: the account name of the deployment-wide credentials, used while no region is onboarded; a
#: region's account is named by its jurisdiction code (data/sync_priority.json `by_account`)
DEFAULT_ACCOUNT = "default"
_KEEP = timedelta(minutes=5)  # a minute's counter outlives its minute by this much (TTL)


def _minute(now: datetime) -> str:
    return utc_text(now)[:16]


class LaporBudget:
    def __init__(
        self,
        counters: LaporCalls,
        policy: sync_priority.SyncNeedPolicy | None = None,
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        self.counters = counters
        self.policy = policy or sync_priority.default_policy()
        self.account = account

    def for_account(self, account: str) -> LaporBudget:
        """The same counters and policy for another LAPOR! account (each has its own budget)."""
        return self if account == self.account else LaporBudget(self.counters, self.policy, account)

    @property
    def per_minute(self) -> int:
        return self.policy.calls_per_minute(self.account)

    def spent(self, now: datetime) -> int:
        """Calls already taken in `now`'s minute (other sweeps, the escalation's refreshes)."""
        return self.counters.lapor_calls(self.account, _minute(now))

    def take(self, now: datetime, calls: int) -> bool:
        """Take `calls` of this minute's budget before making them; False: none left."""
        expires = int((now + _KEEP).timestamp())
        if self.counters.take_lapor_calls(self.account, _minute(now), calls, self.per_minute, expires):
            return True
        count("LaporBudgetSpent")
        return False

    def blocked_until(self, now: datetime) -> datetime | None:
        """LAPOR!'s last Retry-After for this account, while it has not passed."""
        raw = self.counters.lapor_backoff(self.account)
        until = datetime.fromisoformat(raw) if raw else None
        return until if until is not None and until > now else None

    def back_off(self, now: datetime, retry_after_s: float | None) -> datetime:
        """LAPOR! answered 429: ask nothing until its Retry-After (or the policy's back-off) passed."""
        until = sync_priority.backoff_until(now, retry_after_s, self.policy)
        self.counters.back_off_lapor(self.account, utc_text(until), int((until + _KEEP).timestamp()))
        count("LaporThrottled")
        logger.warning(
            "LAPOR! asked us to wait; the status sync backs off",
            extra={"account": self.account, "retry_after_s": retry_after_s, "until": utc_text(until)},
        )
        return until
