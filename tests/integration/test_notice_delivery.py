"""Nobody has to remember to look: the unit hears once that an answer is due tomorrow and that a
complaint climbed to its rung; each address gets only the notices its filter policy lets through
(a person's own choice, the unit's addresses the coordinator manages).

Time is driven into May 2026 (before the other tests' complaints), so the sweep finds only these."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import boto3
import pytest
import time_machine

from chalicelib.domain import reference
from chalicelib.domain.calendar import default_calendar, local_tz
from chalicelib.domain.models import Status, utcnow
from chalicelib.settings import settings
from infra.jurisdictions.wilayah import shared_dir, wilayah_csv
from tests.integration.operator_support import ADMIN, KEL, OPERATOR, ok
from tests.integration.test_escalation import Inbox, attr, end_of_day, inbox, put_in_stage, submit, view, wib
from tests.integration.test_lapor_accounts import CILEGON
from tests.integration.test_regions_side_by_side import regions, wilayah
from tests.support.auth import bearer

__all__ = ["inbox", "regions", "wilayah"]  # the fixtures, used by name


def notices(tid: str, kind: str) -> list[dict[str, Any]]:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values

    rows = bootstrap.repository().query("pk = :p", values(p=f"NOTIFY#{tid}"), consistent=True)
    return [n for n in rows if n["kind"] == kind]


def sweep() -> dict[str, int]:
    from chalicelib import bootstrap

    return bootstrap.escalation().sweep()


def test_the_unit_hears_once_that_an_answer_is_due_tomorrow_and_once_of_a_climb(
    client: Any, hub: Any, inbox: Inbox
) -> None:
    tid = submit(client, at=wib(2026, 5, 4, 10))  # jalan-rusak: Dinas PUPR
    assert put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 5, 4, 10)) == end_of_day(2026, 5, 11)  # Mon 11 May
    with time_machine.travel(wib(2026, 5, 7, 9), tick=False):  # Thu: the next working day is Fri 8
        sweep()
        assert notices(tid, "due_tomorrow") == [] and inbox.about(tid) == []
    with time_machine.travel(wib(2026, 5, 8, 9), tick=False):  # Fri: the next working day is Mon 11
        sweep()
        sweep()  # a re-run tells nobody twice
        [n] = notices(tid, "due_tomorrow")
        assert n["unit_code"] == view(client, tid)["unit"]["code"] and n["sent_at"]
        [m] = inbox.about(tid)
        assert attr(m, "kind") == "due_tomorrow" and attr(m, "to") == "unit"
        assert "11-05-2026 23:59 WIB" in m["Message"] and tid in m["Subject"]
    with time_machine.travel(wib(2026, 5, 8, 18), tick=False):
        sweep()
        assert len(notices(tid, "due_tomorrow")) == 1
    with time_machine.travel(wib(2026, 5, 12, 9), tick=False):  # overdue: one climb, one notice to the rung
        sweep()
        sweep()
        body = view(client, tid)
        assert body["escalation_level"] == 1
        [climbed] = notices(tid, "escalated")
        assert climbed["unit_code"] == "opd:dpupr" and climbed["level"] == 1
        assert [attr(m, "kind") for m in inbox.about(tid)] == ["due_tomorrow", "escalated"]
    # the rung's own deadline: its unit hears the day before, once
    new_deadline = dt.datetime.fromisoformat(body["deadline"]).astimezone(local_tz()).date()
    day_before = new_deadline - dt.timedelta(days=1)
    while not default_calendar().is_working_day(day_before):
        day_before -= dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(day_before, dt.time(8), tzinfo=local_tz()), tick=False):
        sweep()
        sweep()
        told = notices(tid, "due_tomorrow")
        assert len(told) == 2 and told[1]["unit_code"] == "opd:dpupr" and told[1]["level"] == 1
        assert [attr(m, "kind") for m in inbox.about(tid)] == ["due_tomorrow", "escalated", "due_tomorrow"]


class Queue:
    """An SQS queue subscribed to the notices topic with a given filter policy."""

    def __init__(self, topic_arn: str, policy: dict[str, Any]) -> None:
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.create_queue(QueueName=f"policy-test-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns = boto3.client("sns")
        self.sub = self.sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"FilterPolicy": json.dumps(policy)}
        )["SubscriptionArn"]

    def ids(self) -> list[str]:
        out: list[str] = []
        while msgs := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages"):
            for m in msgs:
                out.append(json.loads(m["Body"])["MessageAttributes"]["notification_id"]["Value"])
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        return sorted(out)

    def close(self) -> None:
        self.sns.unsubscribe(SubscriptionArn=self.sub)
        self.sqs.delete_queue(QueueUrl=self.url)


def policies(topic_arn: str) -> dict[str, dict[str, Any]]:
    """Each e-mail address subscribed to the topic, with its filter policy."""
    sns = boto3.client("sns")
    out: dict[str, dict[str, Any]] = {}
    for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]:
        if s["Protocol"] == "email":
            attrs = sns.get_subscription_attributes(SubscriptionArn=s["SubscriptionArn"])["Attributes"]
            out[s["Endpoint"]] = json.loads(attrs.get("FilterPolicy") or "{}")
    return out


def test_each_address_gets_only_what_its_person_or_unit_chose(client: Any, hub: Any, stack_env: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.notifications import Notification

    topic = stack_env["NOTIFY_TOPIC_ARN"]
    unit = f"kel:{KEL}"
    me = f"budi-{uuid.uuid4().hex[:6]}@example.org"
    prefs = {"email": me, "events": {"due_tomorrow": False}}
    headers = {**OPERATOR, "Content-Type": "application/json"}
    ok(client.http.put("/v1/operator/notifications", body=json.dumps(prefs), headers=headers))
    mine = policies(topic)[me]
    assert mine["unit"] == [unit] and "due_tomorrow" not in mine["kind"] and mine["to"] == ["unit", "budi"]

    # the coordinator manages the unit's addresses; only the coordinator
    office = f"kantor-{uuid.uuid4().hex[:6]}@example.org"
    path = f"/v1/operator/units/{unit}/notifications"
    admin = {**ADMIN, "Content-Type": "application/json"}
    assert client.http.put(path, body=json.dumps({"emails": [office]}), headers=headers).status_code == 403
    bad = client.http.put(path, body=json.dumps({"emails": ["bukan alamat"]}), headers=admin)
    assert bad.status_code == 400
    saved = ok(client.http.put(path, body=json.dumps({"emails": [office]}), headers=admin))
    assert saved["emails"] == [office] and ok(client.http.get(path, headers=dict(ADMIN)))["emails"] == [office]
    assert policies(topic)[office] == {"unit": [unit], "to": ["unit"]}
    assert (
        client.http.put(
            "/v1/operator/units/kel:nowhere/notifications", body=json.dumps({"emails": []}), headers=admin
        ).status_code
        == 400
    )

    # what each policy lets through, on SNS itself
    person, whole_unit = Queue(topic, mine), Queue(topic, policies(topic)[office])
    try:
        notifier = bootstrap.notifier()
        tid = f"T-{uuid.uuid4().hex[:8]}"
        for kind, user, target in [
            ("new_complaint", "", unit),
            ("due_tomorrow", "", unit),
            ("escalated", "", unit),
            ("mentioned", "budi", unit),
            ("mentioned", "wati", unit),
            ("new_complaint", "", "kel:36.73.03.1002"),
        ]:
            notifier.publish(
                Notification(
                    notification_id=f"{kind}-{user}-{target}",
                    tracking_id=tid,
                    kind=kind,
                    subject="s",
                    message="m",
                    unit_code=target,
                    user=user,
                )
            )
        assert person.ids() == sorted([f"new_complaint--{unit}", f"escalated--{unit}", f"mentioned-budi-{unit}"])
        assert whole_unit.ids() == sorted([f"new_complaint--{unit}", f"due_tomorrow--{unit}", f"escalated--{unit}"])
    finally:
        person.close()
        whole_unit.close()

    # turning every event off (or the address away) unsubscribes; dropping a unit address too
    off = {"email": me, "events": dict.fromkeys(("new_complaint", "due_tomorrow", "escalated", "mentioned"), False)}
    ok(client.http.put("/v1/operator/notifications", body=json.dumps(off), headers=headers))
    ok(client.http.put(path, body=json.dumps({"emails": []}), headers=admin))
    assert me not in policies(topic) and office not in policies(topic)


def test_many_notices_become_one_morning_digest(client: Any, hub: Any, inbox: Inbox, monkeypatch: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.services import digest

    rules = digest.digest_rules()
    monkeypatch.setattr(digest, "digest_rules", lambda: rules.model_copy(update={"singles_per_day": 1}))
    tids = [submit(client, at=wib(2026, 7, 6, 10)) for _ in range(3)]  # Mon; 5 WD -> Mon 13 Jul
    for tid in tids:
        assert put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 7, 6, 10)) == end_of_day(2026, 7, 13)
    unit = view(client, tids[0])["unit"]["code"]
    with time_machine.travel(wib(2026, 7, 10, 9), tick=False):  # Fri: three due on Monday
        sweep()
        told = [n for tid in tids for n in notices(tid, "due_tomorrow")]
        assert len(told) == 3
        sent = [m for tid in tids for m in inbox.about(tid)]
        assert len(sent) == 1  # one single that day; the rest wait for the digest
        held = [n for n in told if n.get("held_at")]
        assert len(held) == 2 and all(n["due_pk"] == f"DIGEST#{unit}" and "sent_at" not in n for n in held)
        assert bootstrap.digest().morning(wib(2026, 7, 10, 9)) == {"not_the_hour": 1}
    with time_machine.travel(wib(2026, 7, 11, 7, 5), tick=False):  # Saturday morning
        out = bootstrap.digest().morning(wib(2026, 7, 11, 7, 5))
        assert out["notices"] == 2 and out["digests"] >= 1
        inbox.read()
        [d] = [m for m in inbox.seen if attr(m, "kind") == "digest" and attr(m, "unit") == unit]
        assert attr(d, "to") == "unit" and "2 pemberitahuan" in d["Subject"]
        assert sum(tid in d["Message"] for tid in tids) == 2
        assert all(n["sent_at"] for tid in tids for n in notices(tid, "due_tomorrow"))
        assert bootstrap.digest().send(wib(2026, 7, 11, 7, 6)) == {}  # nothing held any more

    # a unit that chose the digest: every single waits (the coordinator's choice, kept across PUTs)
    path = f"/v1/operator/units/{unit}/notifications"
    admin = {**ADMIN, "Content-Type": "application/json"}
    assert ok(client.http.put(path, body=json.dumps({"emails": [], "digest": True}), headers=admin))["digest"]
    assert ok(client.http.put(path, body=json.dumps({"emails": []}), headers=admin))["digest"] is True
    late = submit(client, at=wib(2026, 7, 13, 10))
    put_in_stage(late, Status.IN_PROGRESS, wib(2026, 7, 13, 10))  # Mon 13 -> Mon 20 Jul
    with time_machine.travel(wib(2026, 7, 17, 9), tick=False):
        sweep()
        [n] = notices(late, "due_tomorrow")
        assert n["held_at"] and inbox.about(late) == []


def test_a_person_who_chose_the_digest_gets_digests_and_mentions_while_the_rest_get_singles(
    client: Any, hub: Any, inbox: Inbox, stack_env: Any
) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.notifications import Notification
    from chalicelib.services.people import person_policy

    # the person's own address: the unit's digests (both kinds) and their mentions, no singles
    topic = stack_env["NOTIFY_TOPIC_ARN"]
    unit = f"kel:{KEL}"
    me = f"sari-{uuid.uuid4().hex[:6]}@example.org"
    headers = {**OPERATOR, "Content-Type": "application/json"}
    assert ok(
        client.http.put("/v1/operator/notifications", body=json.dumps({"email": me, "digest": True}), headers=headers)
    )["digest"]
    mine = policies(topic)[me]
    assert mine == {"unit": [unit], "kind": ["digest", "mentioned"], "to": ["unit", "budi", "digest"]}
    chooser, other = Queue(topic, mine), Queue(topic, person_policy(unit, "wati", {}) or {})
    try:
        notifier = bootstrap.notifier()
        for kind, user, audience in [
            ("new_complaint", "", ""),
            ("mentioned", "budi", ""),
            ("digest", "", ""),
            ("digest", "", "digest"),
        ]:
            notifier.publish(
                Notification(
                    notification_id=f"{kind}-{user}-{audience}",
                    tracking_id="-",
                    kind=kind,
                    subject="s",
                    message="m",
                    unit_code=unit,
                    user=user,
                    audience=audience,
                )
            )
        assert chooser.ids() == ["digest--", "digest--digest", "mentioned-budi-"]
        assert other.ids() == ["digest--", "new_complaint--"]
    finally:
        chooser.close()
        other.close()
    ok(client.http.put("/v1/operator/notifications", body=json.dumps({"email": None}), headers=headers))

    # the digest job: singles still go out, and the morning brings a digest of them for the chooser
    tid = submit(client, at=wib(2026, 9, 7, 10))  # Mon; 5 WD -> Mon 14 Sep
    assert put_in_stage(tid, Status.IN_PROGRESS, wib(2026, 9, 7, 10)) == end_of_day(2026, 9, 14)
    where = view(client, tid)["unit"]["code"]
    people = bootstrap.people_register()
    at = wib(2026, 9, 7, 10)
    people.save(where, "sari", "Sari", None, at, by="test")
    people.set_notify(where, "sari", {"email": me, "events": {}, "digest": True}, at)
    try:
        with time_machine.travel(wib(2026, 9, 11, 9), tick=False):  # Fri: due on Monday
            sweep()
            [n] = notices(tid, "due_tomorrow")
            assert n["sent_at"] and not n.get("held_at")
            [single] = inbox.about(tid)
            assert attr(single, "kind") == "due_tomorrow" and attr(single, "to") == "unit"
        with time_machine.travel(wib(2026, 9, 12, 7, 5), tick=False):
            out = bootstrap.digest().morning(wib(2026, 9, 12, 7, 5))
            assert out["chosen_notices"] >= 1
            inbox.read()
            [d] = [m for m in inbox.seen if attr(m, "kind") == "digest" and attr(m, "unit") == where]
            assert attr(d, "to") == "digest" and tid in d["Message"]
            assert bootstrap.digest().send(wib(2026, 9, 12, 7, 6)) == {}  # each copy listed once
    finally:
        people.set_notify(where, "sari", {"email": None, "events": {}, "digest": False}, at)


@pytest.mark.skipif(not wilayah_csv().is_file(), reason=f"the shared data folder is absent ({shared_dir()})")
def test_each_regions_units_get_their_morning_digest_and_only_marked_units_are_read(
    client: Any, hub: Any, inbox: Inbox, regions: dict[str, Any], monkeypatch: Any
) -> None:
    """Kota Cilegon onboarded beside the default region: its OPD (scoped) and kelurahan, and a
    default-region unit, all chose the digest; the morning sends one digest each, each named as
    its own region names the unit, and reads the held notices of those units only."""
    from chalicelib import bootstrap
    from chalicelib.adapters.notifications import Notification

    kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    home, kota_opd, kota_kel = f"kel:{KEL}", f"{CILEGON}/opd:dishub", f"kel:{kel}"
    theirs = {**bearer("admin", "city", **{"custom:jurisdiction": CILEGON}), "Content-Type": "application/json"}
    ours = {**ADMIN, "Content-Type": "application/json"}
    chosen = [(home, ours, home), ("opd:dishub", theirs, kota_opd), (kota_kel, theirs, kota_kel)]
    for unit, headers, _ in chosen:
        path = f"/v1/operator/units/{unit}/notifications"
        assert ok(client.http.put(path, body=json.dumps({"emails": [], "digest": True}), headers=headers))["digest"]
    store = bootstrap.outboxes()
    morning = wib(2026, 4, 8, 7, 5)  # before every other test's notices
    zone = "Asia/Jakarta"  # Banten's: both regions' morning is 07:00 WIB
    shards = range(settings().shards)
    before = {str(m["unit_code"]) for s in shards for m in store.marked_units(zone, s, morning, None)}
    try:
        held: dict[str, list[str]] = {}
        with time_machine.travel(wib(2026, 4, 7, 15), tick=False):
            for _, _, unit in chosen:
                for _n in range(2):
                    tid = f"T{uuid.uuid4().hex[:10]}"
                    n = Notification(notification_id=f"{tid}/due", tracking_id=tid, kind="due_tomorrow",
                                     subject=f"[Aduan] Tenggat besok: {tid}", message="m", unit_code=unit)  # fmt: skip
                    assert store.notice_once(tid, "due", n.model_dump(), utcnow())
                    assert bootstrap.escalation().deliver(("due", n))
                    held.setdefault(unit, []).append(tid)
            inbox.read()
            assert not [m for m in inbox.seen if attr(m, "unit") in held]  # held back, not sent
        marked = {str(m["unit_code"]) for s in shards for m in store.marked_units(zone, s, morning, None)}
        assert marked == before | set(held)

        read: list[str] = []
        real = store.held_notices
        monkeypatch.setattr(store, "held_notices", lambda unit, *a: read.append(unit) or real(unit, *a))
        with time_machine.travel(morning, tick=False):
            out = bootstrap.digest().morning(morning)
            assert out["digests"] >= 3 and out["notices"] >= 6
            assert sorted(read) == sorted(marked)  # no unit without a marker, of any region
            inbox.read()
            digests = {attr(m, "unit"): m for m in inbox.seen if attr(m, "kind") == "digest"}
            assert set(held) <= set(digests)
            cilegon = bootstrap.jurisdictions().get(CILEGON)
            assert cilegon is not None
            names = {
                home: reference.units()[home].name,
                kota_opd: f"Dinas Perhubungan, {cilegon.words.region}",
                kota_kel: f"{cilegon.units()[kota_kel].name}, {cilegon.words.region}",
            }
            for unit, tids in held.items():
                d = digests[unit]
                assert attr(d, "to") == "unit"
                assert d["Subject"] == f"[Aduan] Ringkasan pagi {names[unit]}: 2 pemberitahuan"
                assert all(f"/operator/#/pengaduan/{t}" in d["Message"] for t in tids)
            assert sorted(attr(m, "unit") for m in inbox.seen if attr(m, "unit") in held) == sorted(held)  # one each
        after = {str(m["unit_code"]) for s in shards for m in store.marked_units(zone, s, morning, None)}
        assert not after & set(held)
    finally:
        for unit, headers, _ in chosen:
            path = f"/v1/operator/units/{unit}/notifications"
            ok(client.http.put(path, body=json.dumps({"emails": [], "digest": False}), headers=headers))
