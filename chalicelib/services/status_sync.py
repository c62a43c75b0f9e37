"""Pull each forwarded complaint's status and follow-ups back from LAPOR!.

LAPOR! does not call us back, so a scheduled sweep asks, every minute, by need
(domain/sync_priority.py, data/sync_priority.json): it reads the complaints whose
next check is due from the sparse `sync` index (one Query per shard,
bounded per run: its cost follows the complaints due, never the table size), ranks
them (acted on in the hub, due within a working day, fresh, active, quiet) and
asks LAPOR! about the most urgent within the call budget for the minute of the
LAPOR! account each complaint's calls go out on (its region's: services/lapor_accounts.py;
services/lapor_budget.py: a counter item per account every sweep takes its calls from,
so concurrent sweeps never pass it). A 429 stops that account's checks and nothing is
asked on it until its Retry-After passed; a spent or backing-off account leaves only its
own complaints due, the other accounts' are checked in the same sweep. "Sync behind by N
minutes" (metric `SyncBehindMinutes`, over every account): how long the oldest urgent
check has been due. Each check:

* adds every new LAPOR! follow-up from the unit to the timeline once (key
  `followup:<id>`, conditional put; the ids seen are kept on the complaint);
  a follow-up the hub posted itself (an operator's answer, a reopen, a
  reporter's comment) carries the hub's marker (adapters/lapor_wire.py) and is
  never taken for the unit's answer, even before its id is recorded;
* sets `first_response_at` (once) from the unit's first follow-up;
* records a status change once through StatusEvents.commit (conditional on
  the old status, in one transaction with its timeline entry and channel
  event), with the new stage's deadline,
* schedules the next check by need (domain/sync_priority.next_due); after a
  LAPOR! error, on the error schedule (domain/sync_policy.retry_check).

`refresh` runs one check now for a single complaint: the escalation sweep
calls it before climbing a rung on a LAPOR! state older than a few minutes; it
takes its calls from the same budget (its complaint's account's). A complaint the
reporter or an operator acted on is due at once (its follow-up reached LAPOR!:
services/lapor_followups.py).

The decision itself (what LAPOR!'s status means for us) is domain/lifecycle.py.
Auto-closing resolved complaints is not done here (see the escalation sweep).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.adapters import lapor_wire
from chalicelib.adapters.lapor import LaporClient, LaporError
from chalicelib.domain import lifecycle, sync_policy, sync_priority
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.models import AT_LAPOR_STATUSES, Complaint, Status, TimelineEntry, utcnow
from chalicelib.observability import MetricUnit, complaint_context, count, log_failure, logger, observe
from chalicelib.services.deadlines import Deadlines
from chalicelib.services.lapor_budget import LaporBudget
from chalicelib.services.lapor_followups import posted_ids
from chalicelib.services.ports import (
    Change,
    Complaints,
    ConditionFailed,
    IfAbsent,
    Outboxes,
    Placement,
    Timelines,
)
from chalicelib.services.status_events import StatusEvents, Transition


@dataclass
class SyncReport:
    checked: int = 0
    changed: int = 0
    followups: int = 0
    errors: int = 0
    #: due checks left for a later sweep (budget spent, or LAPOR!'s Retry-After)
    waiting: int = 0
    #: LAPOR! answered 429 during this sweep
    throttled: bool = False
    #: the LAPOR! accounts that answered 429 during this sweep
    throttled_accounts: set[str] = field(default_factory=set)
    #: how long the oldest urgent check (acted on, due soon) has been due, in minutes
    behind_minutes: float = 0.0

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "followups": self.followups,
            "errors": self.errors,
            "waiting": self.waiting,
        }


def _when(raw: Any) -> datetime | None:
    if isinstance(raw, datetime):
        return raw
    return datetime.fromisoformat(raw) if isinstance(raw, str) and raw else None


def candidate(item: dict[str, Any]) -> sync_priority.SyncCandidate:
    """What the ranking needs of a complaint item, as the sync index returned it."""
    return sync_priority.SyncCandidate(
        str(item["tracking_id"]),
        Status(item["status"]),
        deadline=_when(item.get("deadline")),
        last_check_at=_when(item.get("sync_checked_at")),
        last_change_at=_when(item.get("sync_changed_at")),
        acted_at=_when(item.get("sync_acted_at")),
        forwarded_at=_when(item.get("forwarded_at")),
        due_at=_when(item.get("sync_sk")),
    )


def hub_posted(tracking_id: str, f: lapor_wire.LaporFollowup) -> lapor_wire.Marker | None:
    """The hub's marker when the hub itself posted this follow-up (any text with a marker is ours:
    never the unit's answer; only an answer or resolution posted for the unit counts as one)."""
    marker = lapor_wire.marker_of(f.content)
    if marker is not None and marker.tracking_id == tracking_id:
        return marker
    if lapor_wire.is_ours(f.content):
        return lapor_wire.Marker(tracking_id, 0, "pelapor")
    return None


def _interleaved(asks: list[list[sync_priority.SyncCandidate]]) -> Iterator[sync_priority.SyncCandidate]:
    """Each account's checks in its own need order, the accounts taking turns (each has its own
    budget: one account's long list never holds up another's when the sweep must stop early)."""
    for turn in range(max((len(a) for a in asks), default=0)):
        for ask in asks:
            if turn < len(ask):
                yield ask[turn]


class StatusSync:
    def __init__(
        self,
        complaints: Complaints,
        timelines: Timelines,
        outboxes: Outboxes,
        lapor: Callable[[dict[str, Any]], LaporClient],
        events: StatusEvents,
        shards: int,
        max_per_run: int = 400,
        schedule: sync_policy.SyncSchedule | None = None,
        budget: LaporBudget | None = None,
        calendar: WorkingCalendar | None = None,
        account_of: Callable[[Mapping[str, Any]], str] | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        """``budget``: the call budget, for each account (LaporBudget.for_account); ``account_of``:
        the LAPOR! account a complaint's calls go out on (default: the budget's one account)."""
        self.deadlines = deadlines or Deadlines()  # by the complaint's region's rules
        self.complaints = complaints
        self.timelines = timelines
        self.outboxes = outboxes
        self.schedule = schedule
        self._lapor = lapor
        self.events = events
        self.shards = shards
        self.max_per_run = max_per_run
        self.budget = budget
        self.policy = budget.policy if budget is not None else sync_priority.default_policy()
        self.calendar = calendar
        self._account_of = account_of

    def sweep(self, now: datetime | None = None, should_stop: Callable[[], bool] | None = None) -> SyncReport:
        """Ask LAPOR! about the due complaints that most need it, within this minute's budget.

        Reads at most max_per_run due complaints (one Query per shard, oldest due first), ranks
        them all, then checks them most urgent first while the budget lasts."""
        now = now or utcnow()
        report = SyncReport()
        per_shard = max(1, -(-self.max_per_run // self.shards))
        items: dict[str, dict[str, Any]] = {}
        for shard in range(self.shards):
            for item in self.complaints.sync_due(shard, now, per_shard):
                items.setdefault(str(item["tracking_id"]), item)
        groups: dict[str | None, list[dict[str, Any]]] = {}
        account_of: dict[str, str | None] = {}
        for tid, item in items.items():
            try:
                account_of[tid] = self._account(item)
            except Exception as err:  # noqa: BLE001 - it stays due; the next sweep asks again
                report.waiting += 1
                log_failure("LAPOR! account of a due complaint unknown", err)
                continue
            groups.setdefault(account_of[tid], []).append(item)
        asks: list[list[sync_priority.SyncCandidate]] = []
        for account, group in groups.items():
            budget = self._budget(account)
            plan = sync_priority.plan(
                [candidate(i) for i in group],
                now,
                spent=budget.spent(now) if budget is not None else 0,
                retry_after_until=budget.blocked_until(now) if budget is not None else None,
                account=account,
                policy=self.policy,
                calendar=self.calendar,
            )
            report.behind_minutes = max(report.behind_minutes, plan.behind_minutes)
            report.waiting += plan.waiting
            for tid, nxt in plan.next_due.items():
                if nxt is None:  # final, or no longer at LAPOR!: out of the sync indexes, nothing asked
                    self._write(tid, Status(items[tid]["status"]), {}, None)
            asks.append(list(plan.ask))
        stopped: set[str | None] = set()  # accounts spent this minute, or backing off
        for c in _interleaved(asks):
            if should_stop is not None and should_stop():
                logger.warning("status sync stopped early", extra=report.as_dict())
                break
            item = items[c.tracking_id]
            account = account_of[c.tracking_id]
            if account in stopped or account in report.throttled_accounts or not self._take(account, now, c.status):
                stopped.add(account)  # LAPOR! asked this account to wait, or other sweeps spent its minute
                report.waiting += 1
                continue
            with complaint_context(c.tracking_id):
                try:
                    self.check(item, now, report)
                except Exception as err:  # noqa: BLE001 - one complaint never stops the sweep
                    report.errors += 1
                    log_failure("status check failed", err)  # never the item's text (reporter data)
                    self._retry_later(item, now)
        count("StatusChecks", report.checked)
        if report.changed:
            count("StatusChangesFromLapor", report.changed)
        observe("SyncBehindMinutes", report.behind_minutes, MetricUnit.NoUnit)
        observe("SyncWaiting", report.waiting, MetricUnit.Count)
        # a quiet run says so only at DEBUG: the SweepCompleted metric shows that it ran
        (logger.info if report.checked or report.errors else logger.debug)("status sync done", extra=report.as_dict())
        return report

    def _account(self, item: Mapping[str, Any]) -> str | None:
        """The LAPOR! account the complaint's calls go out on (None: no budget kept)."""
        if self.budget is None:
            return None
        return self._account_of(item) if self._account_of is not None else self.budget.account

    def _budget(self, account: str | None) -> LaporBudget | None:
        return self.budget.for_account(account) if self.budget is not None and account is not None else None

    def _take(self, account: str | None, now: datetime, status: Status) -> bool:
        """This check's calls from its account's budget for the minute (always, without a budget)."""
        budget = self._budget(account)
        return budget is None or budget.take(now, self.policy.cost(status))

    def refresh(self, tracking_id: str, now: datetime) -> bool:
        """Check one complaint against LAPOR! now; False when LAPOR! could not be asked
        (it failed, it asked us to wait, or the minute's budget is spent)."""
        item = self.complaints.item(tracking_id, consistent=True)
        if item is None:
            return False
        account = self._account(item)
        budget = self._budget(account)
        if budget is not None and budget.blocked_until(now) is not None:
            return False
        if Status(item["status"]) in AT_LAPOR_STATUSES and not self._take(account, now, Status(item["status"])):
            return False
        with complaint_context(tracking_id):
            return self.check(item, now, SyncReport())

    def check(self, item: dict[str, Any], now: datetime, report: SyncReport) -> bool:
        """One check; True when LAPOR!'s state was read (and applied as far as it may be)."""
        tracking_id = str(item["tracking_id"])
        current = Status(item["status"])
        lapor_id = item.get("lapor_id")
        if current not in AT_LAPOR_STATUSES or lapor_id is None:
            self._write(tracking_id, current, {}, None)
            return False
        report.checked += 1
        try:
            lapor = self._lapor(item)
            remote = lapor.get(int(lapor_id), poll=True)
            followups = [] if remote.status == Status.FORWARDED else lapor.followups(int(lapor_id), poll=True)
        except LaporError as err:
            report.errors += 1
            count("StatusSyncLaporErrors")
            account = self._account(item)
            budget = self._budget(account)
            if err.status == 429 and budget is not None and account is not None:
                report.throttled = True  # still due: asked again once LAPOR!'s Retry-After passed
                report.throttled_accounts.add(account)
                budget.back_off(now, err.retry_after)
                return False
            logger.warning(
                "LAPOR! status check failed; retried on the error schedule",
                extra={"error": err.message, "status_code": err.status, "unexpected": err.unexpected},
            )
            retry = sync_policy.retry_check(now, self.schedule)
            self._write(tracking_id, current, {}, retry)
            return False

        ours = {f.id: m for f in followups if (m := hub_posted(tracking_id, f)) is not None}
        seen: list[str] = list(item.get("lapor_followup_ids") or [])
        from_unit = [f for f in followups if f.id not in ours]
        if lifecycle.new_followups(seen, [f.id for f in from_unit]):
            # new and unmarked: make sure none is a post of ours whose marker LAPOR! did not keep
            posted = posted_ids(self.outboxes, tracking_id)
            from_unit = [f for f in from_unit if f.id not in posted]
        fresh = set(lifecycle.new_followups(seen, [f.id for f in from_unit]))
        for f in from_unit:
            if f.id in fresh and self.timelines.add(tracking_id, self._followup_entry(item, f)):
                report.followups += 1
        seen_now = seen + [f.id for f in from_unit if f.id in fresh]
        # the unit has answered: a follow-up at LAPOR! that is not the reporter's words posted by the hub
        answered = bool(from_unit) or any(m.side == "unit" for m in ours.values())

        # a follow-up new since the last check is news from the unit: a "Selesai" with it
        # counts again, even after the reporter reopened the complaint
        change = lifecycle.decide(
            current,
            remote.status,
            has_followups=answered,
            unchanged_at_lapor=item.get("lapor_status") == remote.status_name,
            fresh=bool(fresh),
        )
        if change.ignored:
            logger.info("LAPOR! status not applied", extra={"lapor_status": remote.status_name, "why": change.ignored})
        common: dict[str, Any] = {"lapor_status": remote.status_name, "sync_checked_at": now}
        if fresh:
            common["lapor_followup_ids"] = seen_now
            common["first_response_at"] = IfAbsent(min(f.at for f in from_unit if f.id in fresh))
        if change.new_status is None:
            self._write(tracking_id, current, common, self._next(item, current, now, changed=False))
            return True
        if self._change(item, current, change.new_status, remote, now, common):
            report.changed += 1
        return True

    def _next(self, item: dict[str, Any], status: Status, now: datetime, changed: bool) -> datetime | None:
        """The next check after one at `now` that found the complaint in `status` (by need)."""
        c = candidate({**item, "status": status.value, "sync_sk": None})
        c = replace(c, last_check_at=now, last_change_at=now if changed else c.last_change_at)
        return sync_priority.next_due(c, now, self.policy, self.calendar)

    # -- writes -----------------------------------------------------------

    def _retry_later(self, item: dict[str, Any], now: datetime) -> None:
        """After a failure of ours, the error schedule too: not again at every sweep."""
        tracking_id = str(item["tracking_id"])
        try:
            self._write(tracking_id, Status(item["status"]), {}, sync_policy.retry_check(now))
        except Exception:  # noqa: BLE001 - the next sweep takes it again, as before
            logger.warning("could not reschedule the status check")

    def _write(self, tracking_id: str, expected: Status, attrs: dict[str, Any], next_check: datetime | None) -> None:
        """The check's bookkeeping and the next check (None: no more), while the status is as read."""
        change = Change(attrs, expect={"status": expected.value}, placement=Placement(next_check=next_check))
        try:
            self.complaints.change(tracking_id, change)
        except ConditionFailed:
            logger.info("status changed meanwhile; next sweep decides")

    def _change(
        self,
        item: dict[str, Any],
        old: Status,
        new: Status,
        remote: lapor_wire.LaporComplaint,
        now: datetime,
        common: dict[str, Any],
    ) -> bool:
        complaint = Complaint.model_validate(item)
        final = new in lifecycle.STOP_SYNC
        deadline = None if final else self.deadlines.deadline_for(complaint, new, now)
        nxt = None if final else self._next({**item, "deadline": deadline}, new, now, changed=True)
        attrs: dict[str, Any] = {**common, "status": new.value, "updated_at": now, "sync_changed_at": now}
        entry = TimelineEntry(
            at=now,
            kind="status",
            status=new,
            lapor_id=complaint.lapor_id,
            ref=f"status:{new.value}",
            message=f"Status di SP4N-LAPOR!: {remote.status_name}",
        )
        updated = complaint.model_copy(update={"status": new, "deadline": deadline, "updated_at": now})
        try:
            self.events.commit(
                Transition(
                    complaint,
                    updated,
                    entry,
                    attrs,
                    expect={"status": old.value, "lapor_id": complaint.lapor_id},
                    placement=Placement(deadline=deadline, next_check=nxt),
                )
            )
        except ConditionFailed:
            logger.info("status changed meanwhile; next sweep decides")
            return False
        logger.info(
            "status from LAPOR!", extra={"from": old.value, "to": new.value, "lapor_status": remote.status_name}
        )
        return True

    @staticmethod
    def _followup_entry(item: dict[str, Any], f: lapor_wire.LaporFollowup) -> TimelineEntry:
        secret = bool(item.get("confidential"))
        message = "Tindak lanjut dari instansi (isi dirahasiakan)" if secret else f.content[:2000]
        return TimelineEntry(
            at=f.at, kind="followup", message=message, lapor_id=item.get("lapor_id"), ref=f"followup:{f.id}"
        )
