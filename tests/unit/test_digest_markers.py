"""The morning digest reads only the units that have something for it, each in its region's morning.

A held notice (or a copy for the people who chose the digest) marks its unit in the same
transaction, under its region's time zone and a shard; the run of a zone's morning hour reads
those markers, sends each unit's digest named as its own region names it, and clears the marker
(kept when more waits, or when the unit was marked again meanwhile). On the in-memory table, so
every read the run makes can be counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.adapters.notifications import Notification
from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.outboxes import OutboxStore
from chalicelib.domain import reference
from chalicelib.domain.jurisdiction import time_zones
from chalicelib.domain.models import Unit
from chalicelib.services import digest
from chalicelib.services.digest import DigestService, bare_unit, receives_digest, unit_region, zones_at_hour
from chalicelib.settings import settings
from tests.support.memory_dynamodb import memory_repository

WIB_ZONE, WITA_ZONE, WIT_ZONE = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
HOME_UNIT = "kel:36.73.01.1002"  # the default region's, bare
KOTA_OPD = "36.72/opd:dishub"  # an OPD of Kota Cilegon (WIB): scoped by its region's code
KOTA_KEL = "kel:36.72.01.1001"  # a kelurahan of Kota Cilegon: its code alone names the region
FAR_OPD = "73.71/opd:dinkes"  # an OPD of Kota Makassar (WITA)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- keys and pure rules --------------------------------------------------------------------------


def test_a_marker_lives_in_its_zones_shard_one_item_per_unit() -> None:
    at = "2026-04-06T03:00:00+00:00"
    index = keys.digest_mark_attributes(KOTA_OPD, WIB_ZONE, at)
    assert index == {"due_pk": f"DIGESTUNITS#{WIB_ZONE}#{keys.shard_of(KOTA_OPD)}", "due_sk": at}
    assert keys.digest_units_pk(WITA_ZONE, 3) == "DIGESTUNITS#Asia/Makassar#3"
    assert keys.digest_mark_pk(KOTA_OPD) == "DIGESTMARK#36.72/opd:dishub" != keys.digest_mark_pk("opd:dishub")
    assert len({keys.digest_units_pk(z, 0) for z in time_zones()}) == 3  # no zone reads another's markers


def test_a_units_region_is_its_scope_or_its_codes_first_digits() -> None:
    assert unit_region(KOTA_OPD) == "36.72" and bare_unit(KOTA_OPD) == "opd:dishub"
    assert unit_region(KOTA_KEL) == "36.72" and bare_unit(KOTA_KEL) == KOTA_KEL
    assert unit_region("opd:dishub") == unit_region(HOME_UNIT) == reference.default_code()


def test_another_regions_opd_notice_waits_for_the_digest_and_a_mention_never_does() -> None:
    def notice(unit: str, user: str = "") -> Notification:
        return Notification(notification_id="n", tracking_id="t", kind="due_tomorrow", subject="s", message="m",
                            unit_code=unit, user=user)  # fmt: skip

    assert receives_digest(notice(KOTA_OPD)) and receives_digest(notice(KOTA_KEL))
    assert not receives_digest(notice(KOTA_OPD, user="budi"))
    assert not receives_digest(notice("36.72/city"))  # the coordinator is not a unit with a digest


def test_each_zone_has_its_morning_hour() -> None:
    assert time_zones() == (WIB_ZONE, WIT_ZONE, WITA_ZONE)  # sorted by name
    assert zones_at_hour(utc(2026, 4, 7, 0, 5), 7) == [WIB_ZONE]
    assert zones_at_hour(utc(2026, 4, 6, 23, 5), 7) == [WITA_ZONE]
    assert zones_at_hour(utc(2026, 4, 6, 22, 5), 7) == [WIT_ZONE]
    assert zones_at_hour(utc(2026, 4, 7, 2, 0), 7) == []


# -- the run, on the in-memory table ----------------------------------------------------------------


class Reads(OutboxStore):
    """The store, counting which units' held lists the run reads."""

    def __init__(self) -> None:
        super().__init__(memory_repository())
        self.units: list[str] = []

    def held_notices(self, unit: str, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
        self.units.append(unit)
        return super().held_notices(unit, until, limit)


class People:
    """Every unit chose the digest; nobody chose it for themselves."""

    def unit_addresses(self, unit: str) -> dict[str, Any]:
        return {"digest": True}

    def of_unit(self, unit: str) -> list[dict[str, Any]]:
        return []


class Sent:
    def __init__(self) -> None:
        self.digests: list[Notification] = []

    def publish(self, n: Notification) -> None:
        self.digests.append(n)


def region(name: str, zone: str, units: dict[str, str]) -> Any:
    return SimpleNamespace(
        timezone=zone,
        units=lambda: {c: Unit(code=c, kind=c.split(":")[0], name=n) for c, n in units.items()},
        words=SimpleNamespace(region=name),
    )


class Regions:
    def __init__(self) -> None:
        self.regions = {
            "36.72": region(
                "Kota Cilegon", WIB_ZONE, {"opd:dishub": "Dinas Perhubungan", KOTA_KEL: "Kelurahan Ciwaduk"}
            ),
            "73.71": region("Kota Makassar", WITA_ZONE, {"opd:dinkes": "Dinas Kesehatan"}),
        }

    def get(self, code: str) -> Any:
        return self.regions.get(code)


@pytest.fixture()
def run() -> tuple[DigestService, Reads, Sent]:
    store, sent = Reads(), Sent()
    service = DigestService(store, People(), lambda: sent, regions=Regions())  # type: ignore[arg-type]
    return service, store, sent


def hold(service: DigestService, unit: str, n: int, at: datetime) -> list[str]:
    """`n` notices for `unit` written and held at `at`; their tracking ids."""
    tids = []
    for i in range(n):
        tid = f"T-{unit.replace('/', '-').replace(':', '-')}-{at:%d%H}-{i}"
        note = Notification(notification_id=f"{tid}/due", tracking_id=tid, kind="due_tomorrow",
                            subject=f"Tenggat besok: {tid}", message="m", unit_code=unit)  # fmt: skip
        assert service.outboxes.notice_once(tid, "due", note.model_dump(), at)
        assert service.hold("due", note, at)
        tids.append(tid)
    return tids


def marked(store: OutboxStore, zone: str, until: datetime) -> set[str]:
    return {str(m["unit_code"]) for s in range(settings().shards) for m in store.marked_units(zone, s, until, None)}


def test_each_zones_morning_sends_its_marked_units_only_named_as_their_region_does(
    run: tuple[DigestService, Reads, Sent],
) -> None:
    service, store, sent = run
    evening = utc(2026, 4, 6, 10)  # Mon 17:00 WIB
    home, kota, kel, far = (hold(service, u, 2, evening) for u in (HOME_UNIT, KOTA_OPD, KOTA_KEL, FAR_OPD))
    assert marked(store, WIB_ZONE, evening) == {HOME_UNIT, KOTA_OPD, KOTA_KEL}
    assert marked(store, WITA_ZONE, evening) == {FAR_OPD}

    assert service.morning(utc(2026, 4, 7, 2)) == {"not_the_hour": 1}  # 09:00 WIB
    assert service.morning(utc(2026, 4, 6, 22, 5)) == {} and store.units == []  # 07:05 WIT: nothing marked there
    assert service.morning(utc(2026, 4, 6, 23, 5)) == {"digests": 1, "notices": 2}  # 07:05 WITA
    assert store.units == [FAR_OPD]
    [d] = sent.digests
    assert d.unit_code == FAR_OPD and d.notification_id == f"digest:{FAR_OPD}:2026-04-07"
    assert d.subject == "[Aduan] Ringkasan pagi Dinas Kesehatan, Kota Makassar: 2 pemberitahuan"
    assert all(t in d.message for t in far) and "/operator/#/pengaduan/" in d.message

    store.units.clear()
    assert service.morning(utc(2026, 4, 7, 0, 5)) == {"digests": 3, "notices": 6}  # 07:05 WIB
    assert sorted(store.units) == sorted([HOME_UNIT, KOTA_OPD, KOTA_KEL])  # no other unit of any region
    by_unit = {d.unit_code: d for d in sent.digests[1:]}
    assert by_unit[KOTA_OPD].subject.startswith("[Aduan] Ringkasan pagi Dinas Perhubungan, Kota Cilegon: 2")
    assert "untuk Kelurahan Ciwaduk, Kota Cilegon (kel:36.72.01.1001)" in by_unit[KOTA_KEL].message
    home_name = reference.units()[HOME_UNIT].name
    assert by_unit[HOME_UNIT].subject == f"[Aduan] Ringkasan pagi {home_name}: 2 pemberitahuan"
    assert all(t in by_unit[u].message for u, ts in ((HOME_UNIT, home), (KOTA_OPD, kota), (KOTA_KEL, kel)) for t in ts)

    # sent: the markers are gone, a second run reads nothing
    later = utc(2026, 4, 7, 0, 30)
    assert marked(store, WIB_ZONE, later) == marked(store, WITA_ZONE, later) == set()
    store.units.clear()
    assert service.send(later) == {} and store.units == []


def test_a_marker_stays_while_more_waits_or_when_the_unit_was_marked_again(
    run: tuple[DigestService, Reads, Sent], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, store, sent = run
    rules = digest.digest_rules()
    monkeypatch.setattr(digest, "digest_rules", lambda: rules.model_copy(update={"digest_max_lines": 2}))
    hold(service, KOTA_OPD, 3, utc(2026, 4, 6, 10))
    assert service.morning(utc(2026, 4, 7, 0, 5)) == {"digests": 1, "notices": 2}
    assert marked(store, WIB_ZONE, utc(2026, 4, 7, 1)) == {KOTA_OPD}  # the third: the next morning
    assert service.morning(utc(2026, 4, 8, 0, 5)) == {"digests": 1, "notices": 1}
    assert marked(store, WIB_ZONE, utc(2026, 4, 8, 1)) == set()

    # marked again after the run read the marker: the clear fails, the next morning reads it
    hold(service, HOME_UNIT, 1, utc(2026, 4, 8, 10))
    [seen] = [m for s in range(settings().shards) for m in store.marked_units(WIB_ZONE, s, utc(2026, 4, 8, 11), None)]
    hold(service, HOME_UNIT, 1, utc(2026, 4, 8, 12))
    assert store.unmark_unit(seen) is False
    assert marked(store, WIB_ZONE, utc(2026, 4, 8, 13)) == {HOME_UNIT}


def test_a_fresh_marker_waits_for_the_next_morning(run: tuple[DigestService, Reads, Sent]) -> None:
    service, store, _ = run
    now = utc(2026, 4, 7, 0, 5)
    hold(service, HOME_UNIT, 1, now - timedelta(seconds=10))  # the index may not show its notice yet
    assert service.morning(now) == {} and store.units == []
    assert service.morning(utc(2026, 4, 8, 0, 5)) == {"digests": 1, "notices": 1}


def test_a_copy_for_the_people_who_chose_the_digest_marks_its_unit_once(run: tuple[DigestService, Reads, Sent]) -> None:
    service, store, sent = run
    at = utc(2026, 4, 6, 10)
    for _ in range(2):  # the sweep sees the single again: one copy, one marker
        store.copy_for_digest("T-1", "due", "Tenggat besok: T-1", KOTA_OPD, WIB_ZONE, at)
    [marker] = [m for s in range(settings().shards) for m in store.marked_units(WIB_ZONE, s, at, None)]
    assert marker["chosen"] and not marker.get("held")
    assert service.morning(utc(2026, 4, 7, 0, 5)) == {"digests": 1, "chosen_notices": 1}
    assert store.units == []  # only the copies were read: nothing was held for it
    [d] = sent.digests
    assert d.audience == "digest" and d.notification_id == f"digest:{KOTA_OPD}:2026-04-07:chosen"
