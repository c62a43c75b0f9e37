"""Whose inbox a complaint is in, its keys, and the counters' moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain import inbox
from chalicelib.domain.access import Principal, Role
from chalicelib.domain.models import Complaint, Status, Unit

KEL = Unit(code="kel:36.73.01.1002", kind="kelurahan", name="Kelurahan X")
OPD = Unit(code="opd:dpupr", kind="opd", name="Dinas PUPR")


def complaint(status: Status, unit: Unit = KEL, channel: str = "app", deadline: datetime | None = None) -> Complaint:
    return Complaint(
        tracking_id="SRG-7KQ4-M2XH",
        category="jalan-rusak",
        description="x" * 20,
        unit=unit,
        status=status,
        channel=channel,
        created_at=datetime(2026, 3, 2, 3, tzinfo=UTC),
        deadline=deadline,
    )


def test_the_holder_is_whoever_acts_next() -> None:
    assert inbox.holder(Status.VERIFIED, "opd:dpupr", "rabeg") == "opd:dpupr"
    assert inbox.holder(Status.AWAITING_CONFIRMATION, "opd:dpupr", "call112") == "call112"
    assert inbox.holder(Status.EMERGENCY, "opd:dinkes", "psc119") == "psc119"
    assert inbox.holder(Status.RETURNED, "opd:dpupr", "app") == inbox.CITY
    assert inbox.holder(Status.NEEDS_ATTENTION, "kel:36.73.01.1002", "app") == inbox.CITY
    assert inbox.holder(Status.CLOSED, "opd:dpupr", "app") == "opd:dpupr"


def test_areas_group_a_kecamatan_with_its_kelurahan_only() -> None:
    assert inbox.area_of("kel:36.73.01.1002") == "kec:36.73.01"
    assert inbox.area_of("kec:36.73.01") == "kec:36.73.01"
    assert inbox.area_of("opd:dpupr") is None
    assert inbox.area_of(inbox.CITY) is None
    assert inbox.area_of("kel:nonsense") is None


def test_open_and_done_shelves_and_sort_keys() -> None:
    from chalicelib.adapters.storage.keys import inbox_attributes

    due = datetime(2026, 3, 5, 16, 59, tzinfo=UTC)
    open_ = inbox_attributes(complaint(Status.VERIFIED, deadline=due))
    assert open_["inbox_pk"] == "kel:36.73.01.1002" and open_["inbox_area_pk"] == "kec:36.73.01"
    assert open_["inbox_sk"] == "2026-03-02T03:00:00.000000Z#SRG-7KQ4-M2XH"
    assert open_["inbox_urgent_sk"] == "2026-03-05T16:59:00.000000Z#SRG-7KQ4-M2XH"
    no_deadline = inbox_attributes(complaint(Status.RECEIVED))
    assert no_deadline["inbox_urgent_sk"].startswith("~") and no_deadline["inbox_urgent_sk"] > "9999"
    done = inbox_attributes(complaint(Status.CLOSED, unit=OPD))
    assert done["inbox_pk"] == "opd:dpupr#done" and done["inbox_urgent_sk"] is None and done["inbox_area_pk"] is None


def test_urgent_order_puts_the_most_overdue_first_and_no_deadline_last() -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    keys = [
        inbox.urgent_key(None, "2026-03-01T00:00:00.000000Z", "SRG-A"),
        inbox.urgent_key((now + timedelta(days=2)).isoformat(), "x", "SRG-B"),
        inbox.urgent_key((now - timedelta(days=5)).isoformat(), "x", "SRG-C"),
        inbox.urgent_key((now - timedelta(days=1)).isoformat(), "x", "SRG-D"),
    ]
    assert [k.rsplit("#", 1)[1] for k in sorted(keys)] == ["SRG-C", "SRG-D", "SRG-B", "SRG-A"]


def test_counters_move_with_the_status_and_the_holder() -> None:
    from chalicelib.adapters.storage.complaints import ComplaintStore
    from chalicelib.adapters.storage.counters import counter_moves

    counted_at = ComplaintStore.counted_at

    def at(c: Complaint) -> str | None:
        from chalicelib.adapters.storage.keys import inbox_attributes

        return counted_at({**c.model_dump(mode="json"), **inbox_attributes(c)})

    assert at(complaint(Status.RECEIVED)) == "kel:36.73.01.1002|received"
    assert at(complaint(Status.EMERGENCY, channel="psc119")) == "psc119|emergency"
    assert at(complaint(Status.CLOSED)) == "kel:36.73.01.1002|closed"  # the done shelf is the same holder's
    assert counted_at(None) is None and counted_at({"status": "received"}) is None  # not in any inbox
    assert counted_at({"status": "no-such-status", "inbox_pk": "city"}) is None
    new = counter_moves("t", None, at(complaint(Status.RECEIVED)))
    assert len(new) == 1 and new[0]["Update"]["Key"]["pk"]["S"] == "INBOXCOUNT#kel:36.73.01.1002"
    assert new[0]["Update"]["TableName"] == "t"
    same = at(complaint(Status.VERIFIED))
    assert counter_moves("t", same, same) == []
    same_holder = counter_moves("t", same, at(complaint(Status.IN_PROGRESS)))
    assert len(same_holder) == 1 and same_holder[0]["Update"]["UpdateExpression"].count(":c") == 2
    moved = counter_moves("t", at(complaint(Status.IN_PROGRESS)), at(complaint(Status.RETURNED)))
    assert {m["Update"]["Key"]["pk"]["S"] for m in moved} == {"INBOXCOUNT#kel:36.73.01.1002", "INBOXCOUNT#city"}
    gone = counter_moves("t", same, None)
    assert len(gone) == 1 and gone[0]["Update"]["ExpressionAttributeValues"][":c0"] == {"N": "-1"}


def test_default_views() -> None:
    assert inbox.default_view(Principal("a", Role.OPERATOR, "kel:36.73.01.1002")) == ("inbox", "kel:36.73.01.1002")
    assert inbox.default_view(Principal("a", Role.SUPERVISOR, "kec:36.73.01")) == ("inbox_area", "kec:36.73.01")
    assert inbox.default_view(Principal("a", Role.SUPERVISOR, "opd:dpupr")) == ("inbox", "opd:dpupr")
    assert inbox.default_view(Principal("a", Role.CALLCENTER, "call112")) == ("inbox", "call112")
    assert inbox.default_view(Principal("a", Role.ADMIN, "city")) == ("inbox", inbox.CITY)
    assert inbox.holders_in_scope(Principal("a", Role.ADMIN, "city")) is None
    assert "kel:36.73.01.1002" in (inbox.holders_in_scope(Principal("a", Role.SUPERVISOR, "kec:36.73.01")) or ())
