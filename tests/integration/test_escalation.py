"""The overdue sweep against moto over HTTP: rungs climb once, notices arrive once.

Time is driven with time-machine into March/April 2026 (before the real "now"
of the other tests' complaints), so the sweep only finds complaints these tests
put there. Notices are read back from an SQS queue each test subscribes to the
escalation topic; every assertion filters on the test's own tracking ids.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
import time_machine

from chalicelib.adapters.storage.codec import iso
from chalicelib.adapters.storage.expressions import set_remove
from chalicelib.adapters.storage.gateway import TableGateway as Repository
from chalicelib.adapters.storage.keys import due_attributes
from chalicelib.domain.models import Status
from chalicelib.services.deadlines import Deadlines
from tests.conftest import VALID, poll

WIB = dt.timezone(dt.timedelta(hours=7))

#: tracking id -> the reporter token from its 201 answer (complaints made by `submit`)
REPORTER_TOKENS: dict[str, str] = {}


def reporter_headers(tracking_id: str) -> dict[str, str]:
    """The reporter's headers for reopen / confirm-resolved / attachments."""
    return {"Content-Type": "application/json", "X-Reporter-Token": REPORTER_TOKENS.get(tracking_id, "unknown")}


def wib(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB)


def end_of_day(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, 999999, tzinfo=WIB)


def submit(client: Any, body: dict[str, Any] | None = None, at: dt.datetime | None = None) -> str:
    """Create a complaint through the API, at `at` when given (so its timeline stays in order).

    A complaint created in the past is not queued for the forwarder: these tests put it in
    the state they need themselves, and moto's receive stops at a message past its retention
    period, which would block the shared forward queue for later tests."""
    from chalicelib import bootstrap

    quiet = mock.patch.object(bootstrap.queues(), "send_forward") if at else contextlib.nullcontext()
    travel = time_machine.travel(at, tick=False) if at else contextlib.nullcontext()
    with travel, quiet:
        resp = client.http.post(
            "/v1/complaints", body=json.dumps(body or VALID), headers={"Content-Type": "application/json"}
        )
    assert resp.status_code == 201, resp.body
    tid = resp.json_body["tracking_id"]
    REPORTER_TOKENS[tid] = resp.json_body["reporter_token"]
    return tid


def put_in_stage(tracking_id: str, status: Status, since: dt.datetime, level: int = 0) -> dt.datetime:
    """Put a stored complaint in `status` entered at `since`, with that stage's deadline."""
    from chalicelib import bootstrap

    repo = bootstrap.repository()
    c = repo.get(tracking_id, consistent=True)
    assert c is not None
    deadline = Deadlines().deadline_for(c, status, since)
    assert deadline is not None
    expr, names, vals = set_remove(
        {
            "status": status.value,
            "escalation_level": level,
            "updated_at": iso(since),
            "outbox_pk": None,
            "outbox_sk": None,
            **due_attributes(tracking_id, deadline),
        }
    )
    repo.update(tracking_id, expr, names=names, vals=vals)
    return deadline


def raw(tracking_id: str) -> dict[str, Any]:
    from chalicelib import bootstrap

    item = bootstrap.repository().get_item(tracking_id, consistent=True)
    assert item is not None
    return item


class Inbox:
    """An SQS queue subscribed to the escalation topic, read over HTTP."""

    def __init__(self, topic_arn: str) -> None:
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.create_queue(
            QueueName=f"esc-test-{uuid.uuid4().hex[:12]}", Attributes={"MessageRetentionPeriod": "1209600"}
        )["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns = boto3.client("sns")
        self.sub = self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
        self.seen: list[dict[str, Any]] = []

    def read(self) -> None:
        """Move every waiting message into `seen` (call inside the traveled time: moto ages messages)."""
        while True:
            out = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            msgs = out.get("Messages", [])
            if not msgs:
                return
            for m in msgs:
                self.seen.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])

    def about(self, tracking_id: str) -> list[dict[str, Any]]:
        self.read()
        return [
            m for m in self.seen if m.get("MessageAttributes", {}).get("tracking_id", {}).get("Value") == tracking_id
        ]

    def close(self) -> None:
        self.sns.unsubscribe(SubscriptionArn=self.sub)
        self.sqs.delete_queue(QueueUrl=self.url)


@pytest.fixture()
def inbox(stack_env: dict[str, str]) -> Iterator[Inbox]:
    box = Inbox(stack_env["NOTIFY_TOPIC_ARN"])
    yield box
    box.close()


def view(client: Any, tracking_id: str) -> dict[str, Any]:
    resp = client.http.get(f"/v1/complaints/{tracking_id}")
    assert resp.status_code == 200
    return resp.json_body


def attr(message: dict[str, Any], name: str) -> str:
    return message["MessageAttributes"][name]["Value"]


def test_deadline_crosses_weekend_and_holidays_then_two_rungs_each_notified_once(
    client: Any,
    pump: Any,
    inbox: Inbox,
) -> None:
    tid = submit(client, at=wib(2026, 3, 12, 10))  # jalan-rusak: Dinas PUPR, sedang
    # in_progress from Thu 12 Mar 2026: Fri 13 (1), weekend, Mon 16 (2), Tue 17 (3); 18-24 Mar are
    # cuti Nyepi, Nyepi, cuti / Idul Fitri, weekend, cuti; Wed 25 (4), Thu 26 (5).
    deadline = put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 3, 12, 10))
    assert deadline == end_of_day(2026, 3, 26)

    with time_machine.travel(wib(2026, 3, 26, 20), tick=False):
        pump.fire("escalate_overdue")
        body = view(client, tid)
        assert body["escalation_level"] == 0 and body["overdue_working_days"] is None
        assert body["deadline_rule"] == "5 hari kerja"
        assert inbox.about(tid) == []

    with time_machine.travel(wib(2026, 3, 27, 9), tick=False):
        pump.fire("escalate_overdue")
        body = view(client, tid)
        assert body["escalation_level"] == 1
        # rung 1 gets 3 working days from Fri 27 Mar: Mon 30, Tue 31, Wed 1 Apr
        assert dt.datetime.fromisoformat(body["deadline"]) == end_of_day(2026, 4, 1)
        assert body["deadline_rule"] == "3 hari kerja"
        assert [e["kind"] for e in body["timeline"]].count("escalated") == 1
        [first] = poll(lambda: inbox.about(tid))
        assert attr(first, "notification_id") == f"{tid}/1" and attr(first, "unit_code") == "opd:dpupr"
        text = first["Message"]
        assert tid in text and "Kepala Dinas" in text and "tingkat 1" in text
        assert "Terlambat: 0,4 hari kerja" in text  # 27 Mar 00:00-09:00 WIB = 0.375 working day
        assert f"/v1/complaints/{tid}" in text
        assert "Siti" not in text and "81234567890" not in text  # never the reporter

        pump.fire("escalate_overdue")  # a second sweep at the same moment does nothing new
        assert view(client, tid)["escalation_level"] == 1
        assert len(inbox.about(tid)) == 1

    with time_machine.travel(wib(2026, 4, 1, 23), tick=False):
        pump.fire("escalate_overdue")  # rung 1 still has time
        assert view(client, tid)["escalation_level"] == 1

    with time_machine.travel(wib(2026, 4, 2, 9), tick=False):
        pump.fire("escalate_overdue")
        body = view(client, tid)
        assert body["escalation_level"] == 2
        # Fri 3 Apr is Good Friday, then the weekend: Mon 6, Tue 7, Wed 8 Apr
        assert dt.datetime.fromisoformat(body["deadline"]) == end_of_day(2026, 4, 8)
        msgs = poll(lambda: (m := inbox.about(tid)) and len(m) >= 2 and m)
        assert [attr(m, "notification_id") for m in msgs] == [f"{tid}/1", f"{tid}/2"]
        assert "Inspektur" in msgs[1]["Message"] and attr(msgs[1], "unit_code") == "opd:inspektorat"
        pump.fire("escalate_overdue")
        assert len(inbox.about(tid)) == 2
    outbox = [raw_item(tid, "1"), raw_item(tid, "2")]
    assert all(o["sent_at"] and "due_pk" not in o for o in outbox)


def raw_item(tracking_id: str, sk: str) -> dict[str, Any]:
    from chalicelib import bootstrap

    item = bootstrap.repository().get_raw(f"NOTIFY#{tracking_id}", sk)
    assert item is not None
    return item


class ReadsThenWaits(Repository):
    """A repository whose first due-index read of `tracking_id` lets another sweep run
    to the end before this one goes on: both sweeps read before either wrote.

    (Two real threads are not used: moto's TransactWriteItems restores a copy of the
    whole table when a transaction is cancelled, which can undo a concurrent winner's
    write. DynamoDB does not do that.)"""

    def __init__(self, tracking_id: str, meanwhile: Callable[[], Any]) -> None:
        super().__init__()
        self.tracking_id, self.meanwhile = tracking_id, meanwhile

    def query_index_until(self, index: str, pk: str, until: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        items = list(super().query_index_until(index, pk, until, limit))
        if any(i.get("tracking_id") == self.tracking_id for i in items) and self.meanwhile:
            run, self.meanwhile = self.meanwhile, None
            run()
        return iter(items)


def escalation_over(gateway: Repository, notifier: Callable[[], Any] | None = None) -> Any:
    """The escalation sweep with its stores over `gateway` (and `notifier`, the real one unless given)."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.complaints import ComplaintStore
    from chalicelib.adapters.storage.outboxes import OutboxStore
    from chalicelib.services.escalation import EscalationService

    return EscalationService(
        ComplaintStore(gateway),
        OutboxStore(gateway),
        notifier or bootstrap.notifier,
        bootstrap.closing(),
        bootstrap.status_events(),
    )


def test_two_overlapping_sweeps_give_one_rung_and_one_notice(client: Any, hub: Any, inbox: Inbox) -> None:
    from chalicelib import bootstrap

    tid = submit(client, at=wib(2026, 5, 4, 10))
    put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 5, 4, 10))  # Mon; 5 WD -> Mon 11 May
    with time_machine.travel(wib(2026, 5, 12, 9), tick=False):
        other: dict[str, int] = {}
        first = escalation_over(ReadsThenWaits(tid, lambda: other.update(bootstrap.escalation().sweep())))
        mine = first.sweep()
        assert other.get("escalated", 0) >= 1 and mine.get("lost_race", 0) >= 1
        assert raw(tid)["escalation_level"] == 1
        assert len(inbox.about(tid)) == 1
        kinds = [e.kind for e in bootstrap.repository().timeline(tid)]
        assert kinds.count("escalated") == 1


def test_lost_race_on_the_conditional_step_writes_nothing(client: Any, hub: Any, inbox: Inbox) -> None:
    from chalicelib import bootstrap

    tid = submit(client, at=wib(2026, 5, 4, 10))
    put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 5, 4, 10))
    stale = raw(tid)  # what both sweeps read from the index before either wrote
    with time_machine.travel(wib(2026, 5, 12, 9), tick=False):
        service = bootstrap.escalation()
        assert service.handle(stale, dt.datetime.now(dt.UTC)) == "escalated"
        assert service.handle(stale, dt.datetime.now(dt.UTC)) == "lost_race"
        assert raw(tid)["escalation_level"] == 1
        assert len(inbox.about(tid)) == 1


class Crash(Exception):
    pass


class CrashingNotifier:
    def publish(self, n: Any) -> str:
        raise Crash("the Lambda died after the transaction")


def test_crash_between_transaction_and_publish_is_recovered_by_next_sweep(
    client: Any,
    hub: Any,
    inbox: Inbox,
) -> None:
    from chalicelib import bootstrap

    tid = submit(client, at=wib(2026, 6, 1, 10))
    put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 6, 1, 10))  # Mon 1 Jun: 5 WD -> Mon 8 Jun
    repo = bootstrap.repository()
    crashing = escalation_over(repo, CrashingNotifier)  # type: ignore[arg-type]
    with time_machine.travel(wib(2026, 6, 9, 9), tick=False):
        crashing.sweep()
        assert raw(tid)["escalation_level"] == 1  # the transaction happened
        pending = raw_item(tid, "1")
        assert pending["due_pk"].startswith("NOTIFY#") and "sent_at" not in pending
        bootstrap.escalation().sweep()  # too soon: the first sweep might still be publishing
        assert inbox.about(tid) == []
    with time_machine.travel(wib(2026, 6, 9, 9, 5), tick=False):
        outcome = bootstrap.escalation().sweep()
        assert outcome.get("republished", 0) >= 1
        [msg] = poll(lambda: inbox.about(tid))
        assert attr(msg, "notification_id") == f"{tid}/1"
        assert raw(tid)["escalation_level"] == 1  # no second climb
        assert "due_pk" not in raw_item(tid, "1")
        bootstrap.escalation().sweep()
        assert len(inbox.about(tid)) == 1


def pending_notice(client: Any, since: dt.datetime) -> tuple[str, dt.datetime]:
    """A complaint escalated after its deadline whose notice was written but never published;
    and a moment, five minutes after that, when a sweep re-publishes it."""
    from chalicelib import bootstrap

    tid = submit(client, at=since)
    crashed_at = put_in_stage(tid, Status.IN_PROGRESS, since) + dt.timedelta(hours=9)
    crashing = escalation_over(bootstrap.repository(), CrashingNotifier)  # type: ignore[arg-type]
    with time_machine.travel(crashed_at, tick=False):
        crashing.sweep()
    assert raw(tid)["escalation_level"] == 1 and "sent_at" not in raw_item(tid, "1")
    return tid, crashed_at + dt.timedelta(minutes=5)


def test_overlapping_republishes_publish_a_pending_notice_once(client: Any, hub: Any, inbox: Inbox) -> None:
    from chalicelib import bootstrap

    tid, later = pending_notice(client, wib(2026, 6, 15, 10))
    with time_machine.travel(later, tick=False):
        now = dt.datetime.now(dt.UTC)
        other: dict[str, int] = {}
        # this one reads the pending notice, then the other runs to the end, then this one goes on
        first = escalation_over(
            ReadsThenWaits(tid, lambda: other.update(bootstrap.escalation().republish_pending(now)))
        )
        mine = first.republish_pending(now)
        assert other.get("republished", 0) >= 1 and mine.get("republish_skipped", 0) >= 1
        [msg] = poll(lambda: inbox.about(tid))
        assert attr(msg, "notification_id") == f"{tid}/1"
        assert raw_item(tid, "1")["sent_at"]


class SweepsWhilePublishing:
    """Publishes for real, but first lets another sweep run while `tracking_id`'s notice
    is being published (claimed, not yet marked sent)."""

    def __init__(self, tracking_id: str, meanwhile: Callable[[], Any]) -> None:
        from chalicelib import bootstrap

        self.tracking_id, self.meanwhile, self.real = tracking_id, meanwhile, bootstrap.notifier()

    def publish(self, n: Any) -> str:
        if n.tracking_id == self.tracking_id and self.meanwhile:
            run, self.meanwhile = self.meanwhile, None
            run()
        return self.real.publish(n)


def test_a_notice_being_republished_is_not_taken_by_another_sweep(client: Any, hub: Any, inbox: Inbox) -> None:
    from chalicelib import bootstrap

    tid, later = pending_notice(client, wib(2026, 7, 6, 10))
    with time_machine.travel(later, tick=False):
        now = dt.datetime.now(dt.UTC)
        other: dict[str, int] = {}
        slow = SweepsWhilePublishing(tid, lambda: other.update(bootstrap.escalation().republish_pending(now)))
        mine = escalation_over(bootstrap.repository(), lambda: slow).republish_pending(now)
        assert mine.get("republished", 0) >= 1 and other.get("republish_skipped", 0) >= 1
        [msg] = poll(lambda: inbox.about(tid))
        assert attr(msg, "notification_id") == f"{tid}/1"
        assert raw_item(tid, "1")["sent_at"]


def test_a_claim_whose_publisher_died_is_taken_again_after_the_grace_period(
    client: Any, hub: Any, inbox: Inbox
) -> None:
    from chalicelib import bootstrap

    tid, later = pending_notice(client, wib(2026, 7, 20, 10))
    with time_machine.travel(later, tick=False):
        assert bootstrap.escalation()._claim(f"NOTIFY#{tid}", "1")  # and then that sweep died
    with time_machine.travel(later + dt.timedelta(seconds=30), tick=False):
        assert bootstrap.escalation().republish_pending(dt.datetime.now(dt.UTC)).get("republish_skipped", 0) >= 1
        assert inbox.about(tid) == []
    with time_machine.travel(later + dt.timedelta(minutes=2), tick=False):
        assert bootstrap.escalation().republish_pending(dt.datetime.now(dt.UTC)).get("republished", 0) >= 1
        [msg] = poll(lambda: inbox.about(tid))
        assert attr(msg, "notification_id") == f"{tid}/1"


def test_late_lapor_verification_notifies_admins_once_without_climbing(
    client: Any,
    pump: Any,
    inbox: Inbox,
) -> None:
    tid = submit(client, at=wib(2026, 8, 7, 15))
    # forwarded Fri 7 Aug 2026: Mon 10 (1), Tue 11 (2), Wed 12 (3) Aug
    deadline = put_in_stage(tid, Status.FORWARDED, wib(2026, 8, 7, 15))
    assert deadline == end_of_day(2026, 8, 12)
    with time_machine.travel(wib(2026, 8, 13, 12), tick=False):
        pump.fire("escalate_overdue")
        pump.fire("escalate_overdue")
        [msg] = poll(lambda: inbox.about(tid))
        assert attr(msg, "kind") == "overdue" and "SP4N-LAPOR!" in msg["Message"]
        body = view(client, tid)
        assert body["escalation_level"] == 0 and body["status"] == "forwarded"
        assert body["overdue_working_days"] == 0.5 and body["deadline_rule"] == "3 hari kerja"
        assert "due_pk" not in raw(tid)  # out of the due index: read by no later sweep


def test_top_of_the_ladder_is_told_once(client: Any, pump: Any, inbox: Inbox) -> None:
    tid = submit(client, at=wib(2026, 9, 1, 10))
    put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 9, 1, 10), level=3)  # Dinas PUPR's ladder ends at 3
    with time_machine.travel(wib(2026, 9, 30, 9), tick=False):
        pump.fire("escalate_overdue")
        pump.fire("escalate_overdue")
        [msg] = poll(lambda: inbox.about(tid))
        assert "Wakil Wali Kota" in msg["Message"] and attr(msg, "kind") == "overdue"
        assert raw(tid)["escalation_level"] == 3 and "due_pk" not in raw(tid)


def test_sweep_short_of_time_leaves_the_rest_for_the_next_one(client: Any, hub: Any, inbox: Inbox) -> None:
    from chalicelib import bootstrap

    tid = submit(client, at=wib(2026, 10, 5, 10))
    put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 10, 5, 10))  # Mon 5 Oct: 5 WD -> Mon 12 Oct
    with time_machine.travel(wib(2026, 10, 13, 9), tick=False):
        outcome = bootstrap.escalation().sweep(time_left_ms=lambda: 1_000)
        assert outcome == {"deferred": 1}
        assert raw(tid)["escalation_level"] == 0 and inbox.about(tid) == []
        bootstrap.escalation().sweep(time_left_ms=lambda: 60_000)
        assert raw(tid)["escalation_level"] == 1
