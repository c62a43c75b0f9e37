"""The morning digest: one message per unit instead of many single notices.

A unit-wide notice (not a mention) is held back instead of published when the unit chose the
digest (`PUT /v1/operator/units/{unit}/notifications` `{"digest": true}`), or when the unit
already had `singles_per_day` single notices that WIB day (data/notices.json): many notices
become one. Held notices wait in the `due` index under `DIGEST#<unit>`, and the same write marks
the unit ("something waits for its next digest") in its region's time zone. `send_digests` runs
hourly; in the hour `digest_hour_wib` (07:00) of a time zone (WIB, WITA, WIT) it reads that
zone's marked units only (one Query per shard, never every unit of every region), gathers each
one's held notices into one message (kind `digest`, `to` = `unit`, id `digest:<unit>:<date>`),
marks each held notice sent and clears the unit's marker.

A person may choose the digest for themselves (`PUT /v1/operator/notifications` `{"digest": true}`):
their address then takes the unit's digests and their mentions, no single notices. The unit's
singles still go out to everyone else, and each is also copied under `DIGEST#<unit>#chosen` (the
unit marked with it); the morning run sends those copies as one more digest (`to` = `digest`, id
`digest:<unit>:<date>:chosen`) that only the people who chose the digest receive.

Units are as notices carry them: another region's OPD as `<code>/opd:dinkes`, kecamatan and
desa/kelurahan by their nationally unique codes; each digest names the unit as its own region does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.notifications import Notification, Notifier, console_link
from chalicelib.domain import reference
from chalicelib.domain.calendar import local_tz
from chalicelib.domain.jurisdiction import Jurisdiction, province_timezone, time_zones
from chalicelib.domain.models import Unit
from chalicelib.domain.region import region_code_of
from chalicelib.observability import count, logger
from chalicelib.services.jurisdictions import JurisdictionService
from chalicelib.services.ports import ConditionFailed, Outboxes, People
from chalicelib.settings import settings

_DATA = Path(__file__).parent.parent / "data" / "notices.json"
#: the units that receive notices (a kelurahan, kecamatan or OPD)
UNIT_KINDS = ("opd", "kec", "kel")
#: the `to` of the digest only the people who chose it receive
DIGEST_AUDIENCE = "digest"
#: a marker this fresh waits for the next morning: the index may not show its notice yet
MARK_GRACE = timedelta(minutes=1)


class DigestRules(BaseModel):
    """data/notices.json."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    singles_per_day: int = Field(ge=0, description="single notices a unit gets in a WIB day before the rest wait")
    digest_hour_wib: int = Field(
        ge=0, le=23, description="the morning hour the digests go out, in each region's own time zone (WIB/WITA/WIT)"
    )
    digest_max_lines: int = Field(ge=1, description="notices listed in one digest (the rest: the next morning)")


@lru_cache(maxsize=1)
def digest_rules() -> DigestRules:
    with _DATA.open(encoding="utf-8") as fh:
        return DigestRules.model_validate(json.load(fh))


def bare_unit(unit: str) -> str:
    """The unit's code within its region (`<code>/opd:dinkes` -> `opd:dinkes`)."""
    return unit.rsplit("/", 1)[-1]


def unit_region(unit: str) -> str:
    """The region a notice's unit belongs to: the scope in front, a kecamatan or desa/kelurahan
    code's own first digits, else the default region's."""
    if "/" in unit:
        return unit.split("/", 1)[0]
    return region_code_of(unit) or reference.default_code()


def receives_digest(n: Notification) -> bool:
    """A notice for everyone of a unit (a person's mention is always sent at once)."""
    return not n.user and n.kind != "digest" and bare_unit(n.unit_code).split(":", 1)[0] in UNIT_KINDS


@lru_cache(maxsize=8)
def zone_info(zone: str) -> tzinfo:
    try:
        return ZoneInfo(zone)
    except ZoneInfoNotFoundError:  # pragma: no cover - tzdata ships in requirements.txt
        return local_tz()


def default_zone() -> str:
    """The default region's time zone (its province's)."""
    return province_timezone(reference.default_code()[:2])


def zones_at_hour(now: datetime, hour: int) -> list[str]:
    """The time zones where it is `hour` o'clock at `now`."""
    return [z for z in time_zones() if now.astimezone(zone_info(z)).hour == hour]


@dataclass(frozen=True)
class Place:
    """Where a unit is: its region's time zone, units and name ("" for the default region)."""

    zone: str
    units: Mapping[str, Unit]
    region_name: str = ""

    def label(self, unit: str) -> str:
        """The unit as its own region names it (another region's with that region's name)."""
        found = self.units.get(bare_unit(unit))
        name = found.name if found else unit
        return f"{name}, {self.region_name}" if self.region_name else name


class DigestService:
    def __init__(
        self,
        outboxes: Outboxes,
        people: People,
        notifier: Callable[[], Notifier],
        regions: JurisdictionService | None = None,
        shards: int | None = None,
    ) -> None:
        self.outboxes = outboxes
        self.people = people
        self._notifier = notifier
        self.regions = regions
        self.shards = shards if shards is not None else settings().shards

    def _region(self, unit: str) -> Jurisdiction | None:
        """An onboarded region's document; None for the default region's units (or one not served here)."""
        code = unit_region(unit)
        if code == reference.default_code() or self.regions is None:
            return None
        return self.regions.get(code)

    def zone_of(self, unit: str) -> str:
        """The time zone of the unit's region (its morning); the default region's when unknown."""
        j = self._region(unit)
        return j.timezone if j is not None and j.timezone in time_zones() else default_zone()

    def place(self, unit: str) -> Place:
        """The unit's region: the default one from the package, another from its document."""
        j = self._region(unit)
        if j is None:
            default = unit_region(unit) == reference.default_code() or self.regions is None
            return Place(default_zone(), reference.units() if default else {})  # not served: named by its code
        return Place(self.zone_of(unit), j.units(), j.words.region)

    def hold(self, slot: str, n: Notification, now: datetime) -> bool:
        """True when the notice is held back for the unit's digest (then not published now)."""
        if not receives_digest(n):
            return False
        record = self.people.unit_addresses(n.unit_code) or {}
        if not record.get("digest"):
            day = now.astimezone(local_tz()).date()
            expires = int((now + timedelta(days=2)).timestamp())
            if self.outboxes.count_single(n.unit_code, day.isoformat(), expires) <= digest_rules().singles_per_day:
                if self._someone_chose_digest(n.unit_code):
                    zone = self.zone_of(n.unit_code)
                    self.outboxes.copy_for_digest(n.tracking_id, slot, n.subject, n.unit_code, zone, now)
                return False
        try:
            self.outboxes.hold_notice(n.tracking_id, slot, n.unit_code, self.zone_of(n.unit_code), now)
        except ConditionFailed:
            return True  # published meanwhile by another sweep: nothing to hold
        count("NoticesHeldForDigest")
        return True

    def _someone_chose_digest(self, unit: str) -> bool:
        """True when a person of `unit` chose the morning digest for their own address."""
        for person in self.people.of_unit(unit):
            notify = person.get("notify")
            if isinstance(notify, dict) and notify.get("digest") and notify.get("email"):
                return True
        return False

    def morning(self, now: datetime) -> dict[str, int]:
        """The hourly run: the digests of the time zones whose morning hour it is."""
        zones = zones_at_hour(now, digest_rules().digest_hour_wib)
        if not zones:
            return {"not_the_hour": 1}
        return self.send(now, zones)

    def send(self, now: datetime, zones: list[str] | None = None) -> dict[str, int]:
        """The digest of every marked unit of `zones` (all by default): only units with something
        held are read, one Query per zone and shard to find them."""
        out: Counter[str] = Counter()
        places: dict[str, Place] = {}
        for zone in zones if zones is not None else time_zones():
            for shard in range(self.shards):
                for marker in list(self.outboxes.marked_units(zone, shard, now - MARK_GRACE, limit=None)):
                    unit = str(marker.get("unit_code", ""))
                    region = unit_region(unit)
                    if region not in places:
                        places[region] = self.place(unit)
                    out.update(self._send_unit(unit, marker, places[region], now))
        if out:
            logger.info("morning digests", extra=dict(out))
        return dict(out)

    def _send_unit(self, unit: str, marker: Mapping[str, Any], place: Place, now: datetime) -> Counter[str]:
        """One unit's digests (held, chosen); its marker cleared unless some wait for the next morning."""
        out: Counter[str] = Counter()
        most = digest_rules().digest_max_lines
        held = list(self.outboxes.held_notices(unit, now, most)) if marker.get("held") else []
        if held:
            self._send_one(self._digest(unit, held, now, place), held, now)
            out["digests"] += 1
            out["notices"] += len(held)
        copies = list(self.outboxes.copied_notices(unit, now, most)) if marker.get("chosen") else []
        if copies:
            chosen = self._digest(unit, copies, now, place)
            nid = f"{chosen.notification_id}:chosen"
            message = chosen.message.replace(chosen.notification_id, nid)
            self._send_one(
                chosen.model_copy(update={"notification_id": nid, "message": message, "audience": DIGEST_AUDIENCE}),
                copies,
                now,
            )
            out["digests"] += 1
            out["chosen_notices"] += len(copies)
        if len(held) < most and len(copies) < most:  # else the rest waits, and so does the marker
            self.outboxes.unmark_unit(marker)
        return out

    def _send_one(self, digest: Notification, items: list[dict[str, object]], now: datetime) -> None:
        """Publish one digest, then mark each notice it lists as sent."""
        self._notifier().publish(digest)
        for item in items:
            try:
                self.outboxes.notice_sent(str(item["tracking_id"]), self.outboxes.notice_slot(item), now)
            except ConditionFailed:
                logger.error("held notice vanished", extra={"notification_id": item.get("notification_id")})
        count("DigestsSent")

    @staticmethod
    def _digest(unit: str, held: list[dict[str, object]], now: datetime, place: Place) -> Notification:
        name = place.label(unit)
        day = now.astimezone(zone_info(place.zone)).date().isoformat()
        lines = [f"Ringkasan pemberitahuan untuk {name} ({unit}) sejak ringkasan terakhir:", ""]
        for item in held:
            lines.append(f"- {item.get('subject')}")
            lines.append(f"  {console_link(item.get('tracking_id'))}")
        nid = f"digest:{unit}:{day}"
        lines += ["", f"ID notifikasi: {nid}"]
        return Notification(
            notification_id=nid,
            tracking_id="-",
            kind="digest",
            subject=f"[Aduan] Ringkasan pagi {name}: {len(held)} pemberitahuan"[:100],
            message="\n".join(lines),
            unit_code=unit,
        )
