"""Status changes go back to the channel: signed, once each, in order, even after a failure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.models import Status, TimelineEntry, utcnow
from tests.conftest import poll
from tests.integration.channel_support import (
    call112_record,
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    rabeg_record,
    receiver_for,
)
from tests.integration.test_forwarding import tickets
from tests.integration.test_log_privacy import captured_logs
from tests.support.auth import admin_headers

pytestmark = pytest.mark.usefixtures("channel_secrets")


def deliver_until(pump: Any, done: Any) -> None:
    """Run the callback Lambda until the receiver has what the test waits for."""

    def step() -> bool:
        pump.drain("deliver_channel_event", idle_rounds=1, deadline_s=10)
        return bool(done())

    poll(step, deadline_s=30)


def later_status(
    tracking_id: str, status: Status, kind: str = "status", ref: str | None = None, entry: TimelineEntry | None = None
) -> TimelineEntry:
    """Record a LAPOR! status as the status sync does (one transaction with its event);
    `entry` sends an earlier entry's event again (what the outbox sweep does after a crash)."""
    from chalicelib import bootstrap
    from chalicelib.services.callbacks import event_for
    from chalicelib.services.status_events import Transition

    c = bootstrap.repository().get(tracking_id, consistent=True)
    assert c is not None
    if entry is not None:
        bootstrap.status_events().send(event_for(c.model_copy(update={"status": status}), entry))
        return entry
    entry = TimelineEntry(
        at=utcnow(),
        kind=kind,
        status=status,
        ref=ref or f"lapor:{status.value}",
        message=f"Status di SP4N-LAPOR!: {status.value}",
    )
    bootstrap.status_events().commit(
        Transition(c, c.model_copy(update={"status": status}), entry, {"status": status.value})
    )
    return entry


def test_events_arrive_once_and_in_order_after_a_failed_delivery(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    with receiver_for(client, "rabeg") as receiver:
        rec = rabeg_record()
        tid = post_channel(client, "rabeg", rec).json_body["tracking_id"]
        receiver.fail_once.add(tid)  # the channel is down for the first event
        pump.drain("forward_to_lapor")
        for status in (Status.VERIFIED, Status.IN_PROGRESS):
            later_status(tid, status)
        resolved = later_status(tid, Status.RESOLVED)
        later_status(tid, Status.RESOLVED, entry=resolved)  # the same entry published twice: one event

        deliver_until(pump, lambda: len(receiver.events_for(tid)) >= 4)
        pump.drain("deliver_channel_event", idle_rounds=2)  # nothing more may come
        events = receiver.events_for(tid)
        assert [e["status"] for e in events] == ["forwarded", "verified", "in_progress", "resolved"]
        assert len({e["event_id"] for e in events}) == 4
        assert [(e["tracking_id"], e["status"]) for e in receiver.refused] == [(tid, "forwarded")]
        assert receiver.refused[0]["event_id"] == events[0]["event_id"]  # the retry is the same event

        first = events[0]
        [ticket] = tickets(lapor_sim, tid)
        assert first["lapor_id"] == ticket["complaint_id"] and first["type"] == "forwarded"
        assert (first["channel"], first["channel_ref"]) == ("rabeg", rec["ID_ADUAN"])
        assert first["status_label"] == "Diteruskan ke SP4N-LAPOR!"
        assert set(first) == {
            "event_id",
            "type",
            "tracking_id",
            "channel",
            "channel_ref",
            "status",
            "status_label",
            "occurred_at",
            "lapor_id",
            "message",
            "jurisdiction",
        }
        assert first["jurisdiction"] == "36.73"  # the complaint's region (its callbacks are that region's)
        assert rec["PELAPOR"] not in json.dumps(events) and rec["NO_HP"] not in json.dumps(events)


def test_operator_decisions_on_112_calls_are_sent_back(client: Any, hub: Any, pump: Any) -> None:
    with receiver_for(client, "call112") as receiver:
        kept = post_channel(client, "call112", call112_record(confirmed=False)).json_body["tracking_id"]
        dropped = post_channel(client, "call112", call112_record(confirmed=False)).json_body["tracking_id"]
        assert client.http.post(f"/v1/admin/complaints/{kept}/confirm", headers=admin_headers()).status_code == 200
        assert client.http.post(f"/v1/admin/complaints/{dropped}/dismiss", headers=admin_headers()).status_code == 200
        pump.drain("forward_to_lapor")
        deliver_until(pump, lambda: len(receiver.events_for(kept)) >= 2 and receiver.events_for(dropped))
        assert [e["type"] for e in receiver.events_for(kept)] == ["confirmed", "forwarded"]
        assert [(e["type"], e["status"]) for e in receiver.events_for(dropped)] == [("dismissed", "closed")]


def test_events_without_a_registered_callback_are_dropped(client: Any, hub: Any, pump: Any) -> None:
    tid = post_channel(client, "rabeg", rabeg_record()).json_body["tracking_id"]
    client.http.delete("/v1/admin/channels/rabeg/callback", headers=admin_headers())
    later_status(tid, Status.VERIFIED)
    pump.drain("deliver_channel_event", idle_rounds=2)  # nobody to tell: taken off the queue
    with receiver_for(client, "rabeg") as receiver:
        later_status(tid, Status.IN_PROGRESS)
        deliver_until(pump, lambda: receiver.events_for(tid))
        assert [e["status"] for e in receiver.events_for(tid)] == ["in_progress"]


def test_app_complaints_send_no_channel_events(client: Any, hub: Any, monkeypatch: Any) -> None:
    from chalicelib.services.status_events import StatusEvents
    from tests.integration.test_forwarding import submit

    queued: list[str] = []
    real = StatusEvents.send
    monkeypatch.setattr(StatusEvents, "send", lambda self, e: queued.append(e.tracking_id) or real(self, e))
    tid = submit(client)
    later_status(tid, Status.VERIFIED)
    rabeg_tid = post_channel(client, "rabeg", rabeg_record()).json_body["tracking_id"]
    later_status(rabeg_tid, Status.VERIFIED)
    assert queued == [rabeg_tid]


@pytest.fixture()
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the test resolves itself (no DNS in tests); IP literals resolve as usual."""
    import ipaddress

    from chalicelib.adapters import webhooks

    names: dict[str, list[str]] = {}
    real = webhooks.resolve

    def resolve(host: str, port: int) -> list[Any]:
        if host in names:
            return [ipaddress.ip_address(a) for a in names[host]]
        return real(host, port)

    monkeypatch.setattr(webhooks, "resolve", resolve)
    return names


def put_callback(client: Any, channel: str, body: Any) -> Any:
    return client.http.put(
        f"/v1/admin/channels/{channel}/callback",
        body=json.dumps(body),
        headers=admin_headers({"Content-Type": "application/json"}),
    )


def test_callback_registration_is_validated(client: Any, fake_dns: dict[str, list[str]]) -> None:
    fake_dns["psc119.example.org"] = ["93.184.216.34"]
    for bad in ("ftp://127.0.0.1/x", "https:///nohost", "https://psc119.example.org:99999/x"):
        resp = put_callback(client, "psc119", {"url": bad})
        assert resp.status_code == 400 and resp.json_body["errors"][0]["field"] == "url", bad
    assert put_callback(client, "psc119", {}).json_body["errors"][0]["reason"] == "missing"
    assert put_callback(client, "telegram", {"url": "https://example.org/x"}).status_code == 404

    assert put_callback(client, "psc119", {"url": "https://psc119.example.org/aduan"}).status_code == 200
    got = client.http.get("/v1/admin/channels/psc119/callback", headers=admin_headers())
    assert got.status_code == 200 and got.json_body["url"] == "https://psc119.example.org/aduan"
    assert client.http.delete("/v1/admin/channels/psc119/callback", headers=admin_headers()).status_code == 204
    assert client.http.get("/v1/admin/channels/psc119/callback", headers=admin_headers()).status_code == 404


@pytest.fixture()
def production(hub: Any, channel_secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """As in AWS: the local-development setting off."""
    from chalicelib import bootstrap

    monkeypatch.delenv("CALLBACKS_LOCAL_DEV", raising=False)
    bootstrap.reset()


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "address_metadata"),
        ("https://[::ffff:169.254.169.254]/latest/meta-data/", "address_metadata"),
        ("https://2852039166/latest/meta-data/", "address_metadata"),  # 169.254.169.254 as one number
        ("https://[fd00:ec2::254]/latest/meta-data/", "address_metadata"),
        ("https://100.100.100.200/latest/meta-data/", "address_shared"),
        ("https://user:pass@hooks.example.org/x", "user_info"),
        ("https://token@hooks.example.org/x", "user_info"),
        ("http://hooks.example.org/x", "https_only"),
        ("http://127.0.0.1:8080/x", "https_only"),
        ("https://127.0.0.1/x", "address_loopback"),
        ("https://localhost/x", "address_loopback"),
        ("https://[::1]/x", "address_loopback"),
        ("https://0.0.0.0/x", "address_unspecified"),
        ("https://169.254.10.1/x", "address_link_local"),
        ("https://[fe80::1]/x", "address_link_local"),
        ("https://10.0.0.5/x", "address_private"),
        ("https://192.168.1.1/x", "address_private"),
        ("https://100.64.0.1/x", "address_shared"),
        ("https://224.0.0.1/x", "address_multicast"),
        ("https://240.0.0.1/x", "address_private"),
        ("https://[64:ff9b::a9fe:a9fe]/x", "address_metadata"),  # NAT64 of the metadata address
        ("https://internal.example.org/x", "address_private"),  # a name for a VPC address
        ("https://mixed.example.org/x", "address_private"),  # one of its addresses is private
        ("https://nowhere.invalid/x", "address_unresolvable"),
    ],
)
def test_callback_urls_to_anywhere_but_the_internet_are_refused(
    client: Any, fake_dns: dict[str, list[str]], url: str, reason: str
) -> None:
    fake_dns.update(
        {
            "hooks.example.org": ["93.184.216.34"],
            "internal.example.org": ["10.1.2.3"],
            "mixed.example.org": ["93.184.216.34", "172.16.0.9"],
            "nowhere.invalid": [],
        }
    )
    resp = put_callback(client, "rabeg", {"url": url})
    assert resp.status_code == 400, (url, resp.body)
    [problem] = resp.json_body["errors"]
    assert (problem["field"], problem["reason"]) == ("url", reason)
    assert problem["message_id"] and problem["message_en"]


@pytest.mark.usefixtures("production")
def test_a_public_https_url_is_accepted_in_production(client: Any, fake_dns: dict[str, list[str]]) -> None:
    fake_dns["hooks.example.org"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert put_callback(client, "rabeg", {"url": "https://hooks.example.org/aduan?x=1"}).status_code == 200
    client.http.delete("/v1/admin/channels/rabeg/callback", headers=admin_headers())


def test_delivery_checks_the_address_again_and_connects_to_the_one_checked(
    client: Any, hub: Any, pump: Any, fake_dns: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that pointed at an allowed address when registered, and elsewhere at delivery
    (DNS rebinding), gets nothing; while it resolves to the allowed one, the POST goes to
    that very address with the name in the Host header."""
    from chalicelib.services import callbacks

    counted: list[str] = []
    real_count = callbacks.count
    monkeypatch.setattr(callbacks, "count", lambda name, value=1: counted.append(name) or real_count(name, value))
    with receiver_for(client, "rabeg") as receiver:
        port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])
        fake_dns["receiver.test"] = ["127.0.0.1"]  # not in any real DNS: only our resolver knows it
        assert put_callback(client, "rabeg", {"url": f"http://receiver.test:{port}/aduan-events"}).status_code == 200
        tid = post_channel(client, "rabeg", rabeg_record()).json_body["tracking_id"]
        later_status(tid, Status.VERIFIED)
        deliver_until(pump, lambda: receiver.events_for(tid))
        assert receiver.hosts[-1] == f"receiver.test:{port}"

        fake_dns["receiver.test"] = ["169.254.169.254"]  # rebound after registration
        later_status(tid, Status.IN_PROGRESS)
        [deliver] = [cfg for cfg in pump.sqs_sources() if cfg.name == "deliver_channel_event"]
        with captured_logs() as buffer:
            poll(lambda: pump.poll_once(deliver, wait_s=1), deadline_s=10)  # one delivery attempt
        assert [e["status"] for e in receiver.events_for(tid)] == ["verified"]
        assert "CallbackAddressRefused" in counted
        assert "callback URL refused at delivery" in buffer.getvalue()
        assert "169.254" not in buffer.getvalue()  # the reason, not the address
        fake_dns["receiver.test"] = ["127.0.0.1"]
        deliver_until(pump, lambda: len(receiver.events_for(tid)) == 2)  # the retry, once it is safe


def test_event_id_is_one_per_timeline_entry() -> None:
    from datetime import timedelta

    from chalicelib.services.callbacks import event_id

    first = TimelineEntry(at=utcnow(), kind="status", status=Status.RESOLVED, ref="status:resolved")
    again = first.model_copy(update={"at": first.at + timedelta(days=3)})  # resolved again after a reopen
    assert event_id("SRG-AAAA-AAAA", first) == event_id("SRG-AAAA-AAAA", first.model_copy())
    assert event_id("SRG-AAAA-AAAA", first) != event_id("SRG-AAAA-AAAA", again)
    assert event_id("SRG-AAAA-AAAA", first) != event_id("SRG-BBBB-BBBB", first)


def test_a_status_reached_twice_and_a_second_retry_are_new_events(client: Any, hub: Any, pump: Any) -> None:
    """resolved -> reopened -> resolved again, and two admin retries: each entry is its own
    event, neither dropped by the FIFO queue's dedup nor by a receiver keyed on event_id."""
    with receiver_for(client, "rabeg") as receiver:
        tid = post_channel(client, "rabeg", rabeg_record()).json_body["tracking_id"]
        later_status(tid, Status.RESOLVED, ref="status:resolved")
        later_status(tid, Status.IN_PROGRESS, kind="reopened", ref="reopened:1")
        later_status(tid, Status.RESOLVED, ref="status:resolved")
        later_status(tid, Status.RECEIVED, kind="retry", ref="retry")
        later_status(tid, Status.RECEIVED, kind="retry", ref="retry")

        deliver_until(pump, lambda: len(receiver.events_for(tid)) >= 5)
        events = receiver.events_for(tid)
        assert [(e["type"], e["status"]) for e in events] == [
            ("status", "resolved"),
            ("reopened", "in_progress"),
            ("status", "resolved"),
            ("retry", "received"),
            ("retry", "received"),
        ]
        assert len({e["event_id"] for e in events}) == 5
