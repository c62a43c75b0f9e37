"""The stores on the in-memory table: the item layout the services' domain values turn into
(the same attributes and keys the table always held), expectations as conditions, and one
unit of work that writes all of its items or none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.complaints import ComplaintStore
from chalicelib.adapters.storage.outboxes import OutboxStore
from chalicelib.adapters.storage.timelines import TimelineStore
from chalicelib.adapters.storage.unit_of_work import UnitsOfWork
from chalicelib.domain import geo
from chalicelib.domain.changes import ABSENT, After, Before, Change, ConditionFailed, Placement, Version
from chalicelib.domain.models import Complaint, Location, Status, TimelineEntry

AT = datetime(2026, 3, 2, 3, 4, 5, 123456, tzinfo=UTC)


def complaint(status: Status = Status.RECEIVED) -> Complaint:
    return Complaint(
        tracking_id="SRG-7KQ4-M2XH",
        category="sampah",
        description="Sampah menumpuk di pasar lama.",
        location=Location(lat=-6.12, lon=106.15),
        status=status,
        created_at=AT,
        updated_at=AT,
    )


def stored(memory_table: Any) -> tuple[ComplaintStore, Complaint]:
    store = ComplaintStore(memory_table)
    c = complaint()
    entry = TimelineEntry(at=AT, kind="received", status=c.status, ref="received")
    store.create(c, entry, {"place_source": "point"}, Placement(waiting_since=AT, listed=True, holder="city"))
    return store, c


def test_a_new_complaint_has_its_keys_and_index_attributes(memory_table: Any) -> None:
    store, c = stored(memory_table)
    raw = memory_table.get_raw(f"C#{c.tracking_id}", "C")
    shard = keys.shard_of(c.tracking_id)
    assert raw["type"] == "complaint" and raw["place_source"] == "point"
    assert raw["outbox_pk"] == f"OUTBOX#{shard}" and raw["outbox_sk"] == "2026-03-02T03:04:05.123456Z"
    assert raw["created_pk"] == f"CREATED#2026-03#{shard}" and raw["created_sk"] == "2026-03-02T03:04:05.123456Z"
    assert raw["geo_pk"] == f"GEO#sampah#s{geo.stripe_of(c.location.lon)}"
    assert raw["geo_sk"] == f"{geo.lat_key(c.location.lat)}#2026-03-02T03:04:05.123456Z"
    assert raw["inbox_pk"] == "city" and "inbox_area_pk" not in raw
    assert "due_pk" not in raw and "sync_pk" not in raw


def test_another_regions_complaint_is_listed_in_its_own_created_partition(memory_table: Any) -> None:
    store = ComplaintStore(memory_table)
    c = complaint().model_copy(update={"tracking_id": "SRN-7KQ4-M2XH", "jurisdiction": "99.01"})
    entry = TimelineEntry(at=AT, kind="received", status=c.status, ref="received")
    store.create(c, entry, {}, Placement(listed=True, holder="city"))
    raw = memory_table.get_raw(f"C#{c.tracking_id}", "C")
    assert raw["created_pk"] == f"CREATED#99.01#2026-03#{keys.shard_of(c.tracking_id)}"


def test_a_placement_becomes_the_index_attributes(memory_table: Any) -> None:
    store, c = stored(memory_table)
    deadline, check = AT + timedelta(days=3), AT + timedelta(hours=1)
    store.change(
        c.tracking_id,
        Change(
            {"status": Status.FORWARDED.value, "forwarded_at": AT},
            expect={"lapor_id": ABSENT, "status": Status.RECEIVED.value},
            placement=Placement(deadline=deadline, next_check=check, waiting_since=None),
        ),
    )
    raw = memory_table.get_raw(f"C#{c.tracking_id}", "C")
    shard = keys.shard_of(c.tracking_id)
    assert raw["forwarded_at"] == "2026-03-02T03:04:05.123456Z" and raw["version"] == 2
    assert raw["deadline"] == raw["due_sk"] == "2026-03-05T03:04:05.123456Z" and raw["due_pk"] == f"DUE#{shard}"
    assert raw["sync_pk"] == f"SYNC#{shard}" and raw["sync_sk"] == "2026-03-02T04:04:05.123456Z"
    assert "outbox_pk" not in raw and "outbox_sk" not in raw
    store.change(c.tracking_id, Change({}, placement=Placement(overdue_noticed=True, next_check=None)))
    raw = memory_table.get_raw(f"C#{c.tracking_id}", "C")
    assert "due_pk" not in raw and raw["deadline"] == "2026-03-05T03:04:05.123456Z" and "sync_pk" not in raw


def test_expectations_are_the_write_conditions(memory_table: Any) -> None:
    store, c = stored(memory_table)
    with pytest.raises(ConditionFailed):
        store.change(c.tracking_id, Change({"note": "x"}, expect={"status": Status.FORWARDED.value}))
    # the version read (an item written before versions existed reads as 1)
    store.change(c.tracking_id, Change({"note": "a"}, expect={"version": Version(1)}))
    with pytest.raises(ConditionFailed):
        store.change(c.tracking_id, Change({"note": "b"}, expect={"version": Version(1)}))
    store.change(c.tracking_id, Change({"lease": AT}, expect={"lease": Before(AT)}))  # absent: free
    with pytest.raises(ConditionFailed):
        store.change(c.tracking_id, Change({"lease": AT}, expect={"lease": Before(AT)}))  # held until AT
    store.change(c.tracking_id, Change({"window": AT}))
    store.change(c.tracking_id, Change({"window": AT}, expect={"window": [After(AT - timedelta(1)), AT]}))
    with pytest.raises(ConditionFailed):  # both must hold: still open, and as read
        store.change(c.tracking_id, Change({"window": AT}, expect={"window": [After(AT), AT]}))


def test_a_unit_of_work_writes_all_its_items_or_none(memory_table: Any) -> None:
    store, c = stored(memory_table)
    timelines, outboxes, work = TimelineStore(memory_table), OutboxStore(memory_table), UnitsOfWork(memory_table)
    entry = TimelineEntry(at=AT, kind="answer", ref="answer:2", message="ok")

    def commit(expected: str) -> None:
        uow = work.begin()
        uow.add(store.change_write(c, Change({"answered": True}, expect={"status": expected})))
        uow.add(timelines.write(c.tracking_id, entry))
        uow.add(outboxes.followup_write(c.tracking_id, 2, "unit", "ok", False, AT, AT + timedelta(minutes=2)))
        uow.commit()

    with pytest.raises(ConditionFailed):
        commit(Status.FORWARDED.value)
    assert outboxes.followups(c.tracking_id, consistent=True) == []
    assert [e.kind for e in store.with_timeline(c.tracking_id, consistent=True)[1]] == ["received"]
    commit(Status.RECEIVED.value)
    [followup] = outboxes.followups(c.tracking_id, consistent=True)
    assert followup["pk"] == f"LAPORFU#{c.tracking_id}" and followup["sk"] == "000000002"
    assert followup["outbox_pk"] == f"LAPORFU#{keys.shard_of(c.tracking_id)}"
    assert [e.kind for e in store.with_timeline(c.tracking_id, consistent=True)[1]] == ["received", "answer"]
    assert memory_table.get_item(c.tracking_id)["answered"] is True
