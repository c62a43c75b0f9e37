"""The morning digest: one message per unit instead of many single notices.

A unit-wide notice (not a mention) is held back instead of published when the unit chose the
digest (`PUT /v1/operator/units/{unit}/notifications` `{"digest": true}`), or when the unit
already had `singles_per_day` single notices that WIB day (data/notices.json): many notices
become one. Held notices wait in the `due` index under `DIGEST#<unit>`. `send_digests` runs
hourly and acts in the hour `digest_hour_wib` (07:00 WIB): one Query per unit gathers what was
held since the last digest into one message (kind `digest`, `to` = `unit`, id
`digest:<unit>:<date>`), and each held notice is then marked sent.

A person may choose the digest for themselves (`PUT /v1/operator/notifications` `{"digest": true}`):
their address then takes the unit's digests and their mentions, no single notices. The unit's
singles still go out to everyone else, and each is also copied under `DIGEST#<unit>#chosen`; the
morning run sends those copies as one more digest (`to` = `digest`, id `digest:<unit>:<date>:chosen`)
that only the people who chose the digest receive.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.notifications import Notification, Notifier, console_link
from chalicelib.domain import reference
from chalicelib.domain.calendar import local_tz
from chalicelib.observability import count, logger
from chalicelib.services.ports import ConditionFailed, Outboxes, People

_DATA = Path(__file__).parent.parent / "data" / "notices.json"
#: the units that receive notices (a kelurahan, kecamatan or OPD)
UNIT_KINDS = ("opd", "kec", "kel")
#: the `to` of the digest only the people who chose it receive
DIGEST_AUDIENCE = "digest"


class DigestRules(BaseModel):
    """data/notices.json."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    singles_per_day: int = Field(ge=0, description="single notices a unit gets in a WIB day before the rest wait")
    digest_hour_wib: int = Field(ge=0, le=23, description="the morning hour (WIB) the digests go out")
    digest_max_lines: int = Field(ge=1, description="notices listed in one digest (the rest: the next morning)")


@lru_cache(maxsize=1)
def digest_rules() -> DigestRules:
    with _DATA.open(encoding="utf-8") as fh:
        return DigestRules.model_validate(json.load(fh))


def receives_digest(n: Notification) -> bool:
    """A notice for everyone of a unit (a person's mention is always sent at once)."""
    return not n.user and n.kind != "digest" and n.unit_code.split(":", 1)[0] in UNIT_KINDS


class DigestService:
    def __init__(self, outboxes: Outboxes, people: People, notifier: Callable[[], Notifier]) -> None:
        self.outboxes = outboxes
        self.people = people
        self._notifier = notifier

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
                    self.outboxes.copy_for_digest(n.tracking_id, slot, n.subject, n.unit_code, now)
                return False
        try:
            self.outboxes.hold_notice(n.tracking_id, slot, n.unit_code, now)
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
        """The hourly run: the digests, in the morning hour only."""
        if now.astimezone(local_tz()).hour != digest_rules().digest_hour_wib:
            return {"not_the_hour": 1}
        return self.send(now)

    def send(self, now: datetime) -> dict[str, int]:
        """Every unit's digest of what was held back (units with nothing held get nothing)."""
        out: Counter[str] = Counter()
        for unit in sorted(u for u in reference.units() if u.split(":", 1)[0] in UNIT_KINDS):
            held = list(self.outboxes.held_notices(unit, now, digest_rules().digest_max_lines))
            if held:
                self._send_one(self._digest(unit, held, now), held, now)
                out["digests"] += 1
                out["notices"] += len(held)
            copies = list(self.outboxes.copied_notices(unit, now, digest_rules().digest_max_lines))
            if copies:
                chosen = self._digest(unit, copies, now)
                nid = f"{chosen.notification_id}:chosen"
                message = chosen.message.replace(chosen.notification_id, nid)
                self._send_one(
                    chosen.model_copy(update={"notification_id": nid, "message": message, "audience": DIGEST_AUDIENCE}),
                    copies,
                    now,
                )
                out["digests"] += 1
                out["chosen_notices"] += len(copies)
        if out:
            logger.info("morning digests", extra=dict(out))
        return dict(out)

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
    def _digest(unit: str, held: list[dict[str, object]], now: datetime) -> Notification:
        info = reference.units().get(unit)
        name = info.name if info else unit
        day = now.astimezone(local_tz()).date().isoformat()
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
