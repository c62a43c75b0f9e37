"""The overdue sweep: every complaint past its deadline is acted on once.

Runs every 5 minutes (`escalate_overdue`). It reads only what is due: for each
shard, a Query of the sparse `due` index for deadlines up to now (one item read
per overdue complaint), plus the notices that were written but never published.
What happens to an overdue complaint is the SLA policy's `on_expiry` for its
status (data/sla_policy.json):

- escalate: climb one rung of the ladder (data/escalation_ladder.json); the
  rung gets its own deadline (sla_policy.json `escalation`), so a missed rung
  climbs again at a later sweep. At the top of the ladder: one overdue notice.
- notify: one overdue notice to staff (LAPOR! late to verify), no climb.
- auto_close: services/closing.py closes a resolved complaint nobody objected to.

No rung is climbed on stale data: a complaint at LAPOR! whose last status check
is older than a few minutes (`LAPOR_FRESH_S`, default 10 minutes) is checked
now (StatusSync.refresh) before the climb; if the unit answered at LAPOR! in
the meantime, its new stage and deadline apply and nothing climbs. When LAPOR!
cannot be asked, the climb waits for the next sweep (metric
`EscalationDeferredStaleLapor`). An answer given in the hub moves the complaint
at once (services/actions.py), so the sweep never finds it overdue.

Exactly once, whatever overlaps or crashes: the complaint update (conditional
on the level and deadline the sweep read), its timeline entry and a
notification outbox item (one per complaint and level) are ONE
DynamoDB transaction, so two sweeps racing give one rung and one notice. The
SNS publish follows; the outbox item is then marked sent and leaves the index.
A sweep that dies between the two leaves the item in the index, and the
next sweep publishes it (same notification id, so receivers can drop a rare
double after a crash between publish and mark-sent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from chalicelib.adapters.notifications import Notification, Notifier
from chalicelib.domain import reference
from chalicelib.domain.calendar import default_calendar, local_tz
from chalicelib.domain.escalation import EscalationLadderFile, Rung, ladder_for, next_rung
from chalicelib.domain.inbox import scoped
from chalicelib.domain.jurisdiction import Jurisdiction, escalation_ladder
from chalicelib.domain.models import (
    AT_LAPOR_STATUSES,
    STATUS_LABELS_ID,
    Complaint,
    Status,
    TimelineEntry,
    Unit,
    utcnow,
)
from chalicelib.domain.overdue import is_overdue, overdue_working_days
from chalicelib.domain.sla import describe
from chalicelib.observability import MetricUnit, complaint_context, count, count_by, log_failure, logger, observe
from chalicelib.services.closing import ClosingService
from chalicelib.services.deadlines import Deadlines
from chalicelib.services.digest import DigestService
from chalicelib.services.ports import Change, Complaints, ConditionFailed, Outboxes, Placement, Write
from chalicelib.services.status_events import StatusEvents, Transition
from chalicelib.settings import settings

STOP_WHEN_LEFT_MS = 10_000  # leave room for the last transaction and publish


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def days_text(days: float | None) -> str:
    """Indonesian number: one decimal, decimal comma."""
    return f"{days or 0:.1f}".replace(".", ",")


def wib_text(dt: datetime) -> str:
    return dt.astimezone(local_tz()).strftime("%d-%m-%Y %H:%M WIB")


def ladder_of(c: Complaint, cfg: EscalationLadderFile | None = None) -> list[Rung]:
    """The complaint's ladder (``cfg``: its region's); empty when it has no unit (admins are told instead)."""
    if c.unit is None:
        return []
    cat = reference.categories().get(c.category)
    opd = cat.unit if cat is not None and cat.unit and cat.unit.startswith("opd:") else None
    try:
        return ladder_for(c.unit.code, c.category, c.kecamatan_code, opd, cfg)
    except ValueError:
        logger.warning("no ladder for unit", extra={"unit": c.unit.code})
        return []


def unit_name(code: str, units: Mapping[str, Unit] | None = None) -> str:
    unit = (reference.units() if units is None else units).get(code)
    return unit.name if unit else code


class RegionLadders(Protocol):
    def get(self, code: str) -> Jurisdiction | None: ...


class _Ladders:
    """Each region's ladder and unit names: the package's for the default region, an onboarded
    region's from its document (its own ladder, or its kind's default), built once per container."""

    def __init__(self, regions: RegionLadders | None) -> None:
        self.regions = regions
        self._held: dict[str, tuple[EscalationLadderFile, Mapping[str, Unit]]] = {}

    def of(self, c: Complaint) -> tuple[EscalationLadderFile | None, Mapping[str, Unit] | None]:
        code = c.jurisdiction
        if not code or code == reference.default_code() or self.regions is None:
            return None, None
        held = self._held.get(code)
        if held is None:
            j = self.regions.get(code)
            if j is None:
                return None, None
            held = (EscalationLadderFile.model_validate(escalation_ladder(j)), j.units())
            self._held[code] = held
        return held


class EscalationService:
    def __init__(
        self,
        complaints: Complaints,
        outboxes: Outboxes,
        notifier: Callable[[], Notifier],
        closing: ClosingService,
        events: StatusEvents,
        refresh: Callable[[str, datetime], bool] | None = None,
        shards: int | None = None,
        republish_after_s: float = 60,
        max_per_shard: int = 1000,
        lapor_fresh_s: float = 600,
        digest: DigestService | None = None,
        regions: RegionLadders | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        """``regions``: the onboarded regions, whose complaints climb their own region's ladder."""
        self.ladders = _Ladders(regions)
        self.deadlines = deadlines or Deadlines()  # by the complaint's region's rules
        self.complaints = complaints
        self.outboxes = outboxes
        self._notifier = notifier
        self.closing = closing
        self.events = events
        self._refresh = refresh  # StatusSync.refresh: LAPOR!'s state now
        self.lapor_fresh = timedelta(seconds=lapor_fresh_s)
        self.shards = shards if shards is not None else settings().shards
        self.republish_after = timedelta(seconds=republish_after_s)
        self.max_per_shard = max_per_shard
        self.digest = digest  # holds a unit's singles back for its morning digest

    # -- the sweep --------------------------------------------------------

    def sweep(self, now: datetime | None = None, time_left_ms: Callable[[], int] | None = None) -> dict[str, int]:
        """One pass over every shard; returns how many complaints got which outcome.

        With `time_left_ms` (the Lambda context's clock) it stops starting new work
        when little time is left: what is not reached stays due for the next sweep."""
        now = now or utcnow()
        outcomes: Counter[str] = Counter()
        for shard in range(self.shards):
            for item in self.complaints.due(shard, now, self.max_per_shard):
                if time_left_ms is not None and time_left_ms() < STOP_WHEN_LEFT_MS:
                    logger.warning("sweep stopped early; the rest waits for the next one")
                    count("EscalationSweepCutShort")
                    outcomes["deferred"] += 1
                    self.measure_backlog(now)
                    return dict(outcomes)
                tracking_id = str(item.get("tracking_id", ""))
                with complaint_context(tracking_id):
                    try:
                        outcomes[self.handle(item, now)] += 1
                    except Exception as err:  # noqa: BLE001 - one bad complaint must not stop the sweep
                        log_failure("overdue handling failed; next sweep retries", err)  # no reporter data
                        count("EscalationErrors")
                        outcomes["error"] += 1
        outcomes.update(self.due_tomorrow(now, time_left_ms))
        outcomes.update(self.republish_pending(now))
        backlog = self.measure_backlog(now)
        if any(outcomes.values()) or backlog:
            logger.info("overdue sweep", extra={"outcomes": dict(outcomes), "backlog": backlog})
        return dict(outcomes)

    def measure_backlog(self, now: datetime) -> int:
        """`OverdueBacklog`: open complaints still past their deadline after this sweep, i.e.
        that no rung, notice or auto-close has acted on (errors, lost time). One COUNT Query
        per shard of the `due` index; 0 when the sweep keeps up."""
        left = sum(self.complaints.count_due(shard, now) for shard in range(self.shards))
        observe("OverdueBacklog", left, MetricUnit.Count)
        return left

    def handle(self, item: dict[str, Any], now: datetime) -> str:
        """Act on one overdue complaint read from the `due` index."""
        c = Complaint.model_validate(item)
        due_at = str(self.complaints.due_at(item))
        deadline = parse_instant(due_at)
        if not is_overdue(deadline, now):
            return "not_due"
        action = self.deadlines.rules(c).sla.on_expiry(c.status.value) if c.is_open else None
        if action == "escalate" and self._stale_at_lapor(item, now):
            if self._refresh is None or not self._refresh(c.tracking_id, now):
                logger.warning("LAPOR! state is stale and could not be read; the climb waits")
                count("EscalationDeferredStaleLapor")
                return "deferred_stale_lapor"
            fresh = self.complaints.item(c.tracking_id, consistent=True)
            if fresh is None or self.complaints.due_at(fresh) != due_at or fresh.get("status") != c.status.value:
                logger.info(
                    "LAPOR! had news: the complaint's new state decides",
                    extra={"status": fresh and fresh.get("status")},
                )
                return "refreshed"
            c = Complaint.model_validate(fresh)
        if action == "escalate":
            rung = next_rung(ladder, c.escalation_level) if (ladder := ladder_of(c, self.ladders.of(c)[0])) else None
            if rung is None:
                return self._overdue_notice(c, due_at, deadline, now, at_top=True, ladder=ladder)
            return self._escalate(c, due_at, deadline, now, rung)
        if action == "notify":
            return self._overdue_notice(c, due_at, deadline, now, at_top=False, ladder=[])
        if action == "auto_close":
            return self.closing.auto_close(c, due_at, now)
        return self._drop_stale(c, due_at)

    # -- due tomorrow -------------------------------------------------------

    def due_tomorrow(self, now: datetime, time_left_ms: Callable[[], int] | None = None) -> Counter[str]:
        """Tell the answering unit, once per deadline, of each complaint whose answer is due the
        next working day (WIB). Read through the same `due` index as the overdue pass, up to the
        end of that day; the notice's slot (`due:<deadline>`) is its own marker, so a re-run of
        the sweep tells nobody twice, and a new deadline (a rung) is told again."""
        out: Counter[str] = Counter()
        today = now.astimezone(local_tz()).date()
        tomorrow = default_calendar().next_working_day(today)
        until = datetime.combine(tomorrow, time.max, tzinfo=local_tz())
        for shard in range(self.shards):
            for item in self.complaints.due(shard, until, self.max_per_shard):
                if time_left_ms is not None and time_left_ms() < STOP_WHEN_LEFT_MS:
                    return out
                due_at = str(self.complaints.due_at(item))
                deadline = parse_instant(due_at)
                if deadline <= now or deadline.astimezone(local_tz()).date() <= today:
                    continue  # overdue (the pass above) or due today: told already
                tracking_id = str(item.get("tracking_id", ""))
                with complaint_context(tracking_id):
                    try:
                        out[self._due_tomorrow_notice(Complaint.model_validate(item), due_at, deadline, now)] += 1
                    except Exception as err:  # noqa: BLE001 - one bad complaint must not stop the sweep
                        log_failure("due-tomorrow notice failed; next sweep retries", err)
                        out["error"] += 1
        return out

    def _due_tomorrow_notice(self, c: Complaint, due_at: str, deadline: datetime, now: datetime) -> str:
        if not c.is_open or self.deadlines.rules(c).sla.on_expiry(c.status.value) != "escalate":
            return "not_the_units"  # LAPOR!'s own steps: staff hear when it is late
        unit_code = self.answering_unit(c)
        if unit_code is None:
            return "not_the_units"
        slot = f"due:{due_at}"
        notice = self._notification(
            c,
            sk=slot,
            kind="due_tomorrow",
            level=c.escalation_level,
            unit_code=unit_code,
            subject=f"[Aduan] Tenggat besok: {c.tracking_id}",
            lines=[
                f"Jawaban pengaduan {c.tracking_id} jatuh tempo hari kerja berikutnya: {wib_text(deadline)}.",
                f"Kepada: {unit_name(unit_code, self.ladders.of(c)[1])} ({unit_code})",
                *self._common_lines(c, deadline, None)[:2],
                self._common_lines(c, deadline, None)[3],
            ],
        )
        if not self.outboxes.notice_once(c.tracking_id, slot, notice[1].model_dump(), now):
            return "due_tomorrow_told"
        count("DueTomorrowNotices")
        self.deliver(notice)
        return "due_tomorrow"

    def answering_unit(self, c: Complaint) -> str | None:
        """The unit that answers now: the rung's after a climb, else the complaint's unit."""
        if c.escalation_level > 0:
            rungs = [r for r in ladder_of(c, self.ladders.of(c)[0]) if r.level == c.escalation_level]
            return rungs[0].unit_code if rungs else None
        return c.unit.code if c.unit is not None else None

    def _stale_at_lapor(self, item: dict[str, Any], now: datetime) -> bool:
        """At LAPOR!, and not checked there within the last few minutes."""
        if item.get("lapor_id") is None or item.get("status") not in {s.value for s in AT_LAPOR_STATUSES}:
            return False
        checked = item.get("sync_checked_at")
        return not checked or parse_instant(str(checked)) < now - self.lapor_fresh

    # -- outcomes ---------------------------------------------------------

    def _escalate(self, c: Complaint, due_at: str, deadline: datetime, now: datetime, rung: Rung) -> str:
        level = rung.level
        days = overdue_working_days(deadline, now)
        new_deadline = self.deadlines.rung_deadline_for(c, now)
        rung_rule = describe(self.deadlines.rules(c).sla.rung_rule(c.severity.value))
        attrs = {"escalation_level": level, "updated_at": now, "escalated_at": now}
        entry = TimelineEntry(
            at=now,
            kind="escalated",
            status=c.status,
            ref=f"escalation:{level}",
            message=f"Melewati tenggat {days_text(days)} hari kerja; dieskalasi ke {rung.role} "
            f"({unit_name(rung.unit_code, self.ladders.of(c)[1])}), tenggat baru {rung_rule}",
        )
        notice = self._notification(
            c,
            sk=str(level),
            kind="escalated",
            level=level,
            unit_code=rung.unit_code,
            subject=f"[Aduan] Eskalasi tingkat {level}: {c.tracking_id}",
            lines=[
                f"Pengaduan {c.tracking_id} melewati tenggat dan dieskalasi ke tingkat {level}.",
                f"Kepada: {rung.role} - {unit_name(rung.unit_code, self.ladders.of(c)[1])} ({rung.unit_code})",
                f"Kontak: {', '.join(rung.contacts) or '-'}",
                *self._common_lines(c, deadline, days),
                f"Tenggat baru untuk tingkat ini: {wib_text(new_deadline)} ({rung_rule})",
            ],
        )
        updated = c.model_copy(update={"escalation_level": level, "deadline": new_deadline, "updated_at": now})
        try:
            self.events.commit(
                Transition(
                    c,
                    updated,
                    entry,
                    attrs,
                    expect=self._as_read(c, due_at),
                    placement=Placement(deadline=new_deadline),
                    new_items=[self._outbox_item(notice, now)],
                )
            )
        except ConditionFailed:
            count("EscalationLostRace")
            logger.info("escalation already done by another sweep", extra={"level": level})
            return "lost_race"
        logger.info(
            "escalated", extra={"level": level, "role": rung.role, "unit": rung.unit_code, "overdue_working_days": days}
        )
        count("ComplaintsEscalated")
        count_by("ComplaintsEscalated", "level", str(level))
        self.deliver(notice)
        return "escalated"

    def _overdue_notice(
        self, c: Complaint, due_at: str, deadline: datetime, now: datetime, at_top: bool, ladder: list[Rung]
    ) -> str:
        """Tell staff once and take the complaint out of the due index (deadline stays shown)."""
        stage = c.status.value
        days = overdue_working_days(deadline, now)
        rule = describe(self.deadlines.rules(c).sla.rule(stage, c.severity.value))
        change = Change(
            {"overdue_notified_at": now}, expect=self._as_read(c, due_at), placement=Placement(overdue_noticed=True)
        )
        top = ladder[-1] if ladder else None
        if at_top:
            who = f"{top.role} - {unit_name(top.unit_code, self.ladders.of(c)[1])}" if top else "admin"
            headline = f"Pengaduan {c.tracking_id} masih melewati tenggat di puncak tangga eskalasi ({who})."
            message = f"Melewati tenggat {days_text(days)} hari kerja di puncak tangga eskalasi; admin diberi tahu"
        elif c.status == Status.RETURNED:
            headline = (
                f"Pengaduan {c.tracking_id} dikembalikan unit (bukan wewenang) dan belum didisposisikan "
                f"ulang dalam {rule}."
            )
            message = f"Belum didisposisikan ulang dalam {rule}; admin diberi tahu"
        else:
            headline = (
                f"SP4N-LAPOR! belum memproses pengaduan {c.tracking_id} dalam {rule} "
                f"(tahap: {STATUS_LABELS_ID[c.status]})."
            )
            message = f"Melewati tenggat {rule} di SP4N-LAPOR!; admin diberi tahu"
        entry = TimelineEntry(at=now, kind="overdue", status=c.status, ref=f"overdue:{stage}", message=message)
        notice = self._notification(
            c,
            sk=f"overdue:{stage}:{due_at}",
            kind="overdue",
            level=c.escalation_level,
            unit_code=top.unit_code if top else "admin",
            subject=f"[Aduan] Melewati tenggat: {c.tracking_id}",
            lines=[headline, *self._common_lines(c, deadline, days)],
        )
        try:
            self.events.note(c, change, entry, [self._outbox_item(notice, now)])
        except ConditionFailed:
            count("EscalationLostRace")
            return "lost_race"
        logger.info("overdue notice", extra={"stage": stage, "at_top": at_top, "overdue_working_days": days})
        count("OverdueNotices")
        self.deliver(notice)
        return "top_notified" if at_top else "notified"

    @staticmethod
    def _as_read(c: Complaint, due_at: str) -> dict[str, Any]:
        """The complaint still at the status, deadline and level the sweep read."""
        return {"status": c.status.value, "deadline": due_at, "escalation_level": c.escalation_level}

    def _drop_stale(self, c: Complaint, due_at: str) -> str:
        """A complaint in the due index whose status has no deadline: take it out."""
        try:
            self.complaints.drop_stale_due(c.tracking_id, due_at)
        except ConditionFailed:
            return "lost_race"
        logger.info("stale due entry removed", extra={"status": c.status.value})
        return "stale_removed"

    # -- notifications ----------------------------------------------------

    def _common_lines(self, c: Complaint, deadline: datetime, days: float | None) -> list[str]:
        unit = f"{c.unit.name} ({c.unit.code})" if c.unit else "-"
        base = settings().public_base_url.rstrip("/")
        return [
            f"Unit penanggung jawab: {unit}",
            f"Tahap: {STATUS_LABELS_ID[c.status]}; tenggat {wib_text(deadline)}",
            f"Terlambat: {days_text(days)} hari kerja",
            f"Tautan: {base}/v1/complaints/{c.tracking_id}",
        ]

    @staticmethod
    def _notification(
        c: Complaint, sk: str, kind: str, level: int, unit_code: str, subject: str, lines: list[str]
    ) -> tuple[str, Notification]:
        nid = f"{c.tracking_id}/{sk}"
        body = "\n".join([*lines, f"ID notifikasi: {nid}"])
        return sk, Notification(
            notification_id=nid,
            tracking_id=c.tracking_id,
            kind=kind,
            subject=subject,
            message=body,
            unit_code=scoped(unit_code, c.jurisdiction),  # a shared code's notices go to its own region
            level=level,
        )

    def _outbox_item(self, notice: tuple[str, Notification], now: datetime) -> Write:
        slot, n = notice
        return self.outboxes.notice_write(n.tracking_id, slot, n.model_dump(), now)

    def deliver(self, notice: tuple[str, Notification]) -> bool:
        """Publish, then mark sent (leaves the index). False: left for the next sweep.
        A notice the unit's digest takes is held back instead (it leaves the sweep's index)."""
        sk, n = notice
        try:
            if self.digest is not None and self.digest.hold(sk, n, utcnow()):
                return True
        except Exception:  # noqa: BLE001 - the outbox item stays; the next sweep looks again
            logger.exception("could not hold the notice for the digest; left in the outbox")
            return False
        try:
            self._notifier().publish(n)
        except Exception:  # noqa: BLE001 - the outbox item stays; the next sweep re-publishes
            logger.exception("notification publish failed; left in the outbox")
            count("NotificationPublishFailed")
            return False
        try:
            self.outboxes.notice_sent(n.tracking_id, sk, utcnow())
        except ConditionFailed:
            logger.error("outbox item vanished", extra={"notification_id": n.notification_id})
        count("NotificationsSent")
        return True

    def _claim(self, notice: str, slot: str) -> bool:
        """Take a pending notice for one grace period, so an overlapping sweep does not
        publish it too. False: sent meanwhile, or another sweep is publishing it.
        The clock is read now, not at the sweep's start: a long sweep claims as long."""
        now = utcnow()
        return self.outboxes.claim_notice((notice, slot), now, now + self.republish_after)

    def republish_pending(self, now: datetime) -> Counter[str]:
        """Publish notices a crashed sweep wrote but never sent (older than the grace period)."""
        out: Counter[str] = Counter()
        until = now - self.republish_after
        for shard in range(self.shards):
            for item in self.outboxes.notices_due(shard, until, self.max_per_shard):
                if item.get("sent_at"):
                    continue
                n = Notification.model_validate(item)
                with complaint_context(n.tracking_id):
                    if not self._claim(*self.outboxes.notice_key(item)):
                        out["republish_skipped"] += 1
                        continue
                    ok = self.deliver((self.outboxes.notice_slot(item), n))
                    logger.info(
                        "pending notification re-published" if ok else "re-publish failed",
                        extra={"notification_id": n.notification_id},
                    )
                out["republished" if ok else "republish_failed"] += 1
        return out
