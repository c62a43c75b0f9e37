"""The people of each unit: remembered when they sign in, added by the coordinator, listed for
the console's "assign to", and the only names an assignment may carry.

`GET /v1/operator/people` (the caller's unit; the coordinator any unit with `?unit=`),
`POST /v1/operator/people` (the coordinator adds someone before their first sign-in).

Notices reach people by e-mail through SNS subscriptions the hub keeps in step with what was
chosen: a person's own address (`PUT /v1/operator/notifications`) with a filter policy of the
kinds they want, and the unit's addresses the coordinator manages
(`PUT /v1/operator/units/{unit}/notifications`) with the unit's filter policy."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from chalicelib.adapters.notifications import Subscriptions
from chalicelib.domain import reference
from chalicelib.domain.access import CALLCENTER_CHANNELS, CITY, Principal, Role, units_in_scope
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.inbox import scoped
from chalicelib.domain.models import utcnow
from chalicelib.domain.region import region_code_of
from chalicelib.observability import logger
from chalicelib.services.digest import DIGEST_AUDIENCE
from chalicelib.services.ports import People

MAX_USER = 128
MAX_NAME = 200
#: the notices a person may choose (all on until they choose)
EVENTS = ("new_complaint", "due_tomorrow", "escalated", "mentioned")
#: the notice kinds (SNS attribute `kind`) each choice lets through: a rung's overdue notice is an escalation's
KINDS = {"new_complaint": ["new_complaint"], "due_tomorrow": ["due_tomorrow"], "escalated": ["escalated", "overdue"]}
#: the SNS attribute `to` of a notice for everyone of the unit (a mention carries the person's name)
TO_UNIT = "unit"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]{1,128})")


def _bad(field_name: str, reason: str, message_id: str, message_en: str) -> InvalidInput:
    return InvalidInput([FieldProblem(field_name, reason, message_id, message_en)])


def clean_text(value: str) -> bool:
    """No control or format characters (a name must read as what it is)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value)


def known_unit(code: str, region: str | None = None) -> bool:
    """A unit of the region (the default one's from its data; another's by the shape of the code:
    an area inside it, or an OPD or leadership code, whose register is the region's own)."""
    if code == CITY or code in CALLCENTER_CHANNELS:
        return True
    if region and region != reference.default_code():
        home = region_code_of(code)
        return home == region if home is not None else code.startswith(("opd:", "pimpinan:"))
    return code in reference.units()


def _key(unit: str, region: str | None) -> str:
    """The register's partition of a unit: the region's own for codes every region has."""
    return scoped(unit, region)


def _bare(unit: str) -> str:
    return unit.split("/", 1)[-1]


class PeopleService:
    def __init__(self, people: People, subscriptions: Callable[[], Subscriptions] | None = None) -> None:
        self.people = people
        self._subscriptions = subscriptions  # SNS e-mail subscriptions; None: choices are only stored
        self._seen: set[tuple[str, str, str | None, str]] = set()  # written already by this container

    def signed_in(self, p: Principal) -> None:
        """Remember who signed in, for which unit (once per container and person; never fails a request)."""
        mark = (p.unit, p.user, p.name, p.role.value)
        if mark in self._seen or not clean_text(p.user):
            return
        try:
            self.people.save(_key(p.unit, p.region), p.user, p.name, p.role.value, utcnow(), by=p.user)
        except Exception:  # noqa: BLE001 - the register is a convenience of the console, never a gate
            logger.exception("could not remember the person signed in")
            return
        self._seen.add(mark)

    def of_unit(self, p: Principal, unit: str | None) -> list[dict[str, Any]]:
        """The people of the caller's unit, or of `unit` within the caller's scope (any, for the coordinator)."""
        wanted = unit or p.unit
        if wanted != p.unit:
            scope = units_in_scope(p)
            if (scope is not None and wanted not in scope) or not known_unit(wanted, p.region):
                raise _bad(
                    "unit",
                    "not_in_scope",
                    f"unit {wanted} di luar wewenang Anda",
                    f"unit {wanted} is outside your scope",
                )
        rows = self.people.of_unit(_key(wanted, p.region))
        return [
            {"user": r["user"], "unit": _bare(str(r["unit"])), "name": r.get("name")}
            for r in sorted(rows, key=lambda r: str(r.get("user")))
            if r.get("user")
        ]

    def add(self, by: Principal, user: str, unit: str, name: str | None) -> dict[str, Any]:
        """The coordinator adds a person to a unit (before their first sign-in)."""
        assert by.role == Role.ADMIN
        problems: list[FieldProblem] = []
        if not user or len(user) > MAX_USER or not clean_text(user) or user != user.strip():
            problems.append(FieldProblem("user", "invalid", "user tidak valid", "user is not a valid user name"))
        if not known_unit(unit, by.region):
            problems.append(FieldProblem("unit", "unknown_unit", "unit tidak dikenal", "unit is not a known unit"))
        if name is not None and (len(name) > MAX_NAME or not clean_text(name)):
            problems.append(FieldProblem("name", "invalid", "name tidak valid", "name is not a valid name"))
        if problems:
            raise InvalidInput(problems)
        self.people.save(_key(unit, by.region), user, name, None, utcnow(), by=by.user)
        return {"user": user, "unit": unit, "name": name}

    def check_assignee(self, unit: str | None, assignee: str, region: str | None = None) -> str:
        """The assignee, when a person of `unit` (of `region`); a 400 naming `assignee` otherwise."""
        if not assignee or not clean_text(assignee) or len(assignee) > MAX_USER:
            raise _bad(
                "assignee",
                "invalid",
                "assignee memuat karakter yang tidak diizinkan",
                "assignee holds characters that are not allowed",
            )
        if unit is None or self.people.person(_key(unit, region), assignee) is None:
            raise _bad(
                "assignee",
                "not_of_unit",
                "assignee bukan petugas unit yang menangani pengaduan ini",
                "assignee is not a person of the unit handling this complaint",
            )
        return assignee

    # -- notices: each person's choice ------------------------------------------------

    def preferences(self, p: Principal) -> dict[str, Any]:
        """The caller's choice of notices (every event on, no own address, until they choose)."""
        person = self.people.person(_key(p.unit, p.region), p.user) or {}
        return _preferences(p, person.get("notify"))

    def set_preferences(self, p: Principal, email: str | None, events: dict[str, bool], digest: bool) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if email is not None and not _EMAIL.match(email):
            problems.append(FieldProblem("email", "invalid", "email tidak valid", "email is not an e-mail address"))
        unknown = sorted(set(events) - set(EVENTS))
        if unknown:
            problems.append(
                FieldProblem(
                    "events",
                    "unknown_event",
                    f"events tidak dikenal: {', '.join(unknown)}",
                    f"unknown events: {', '.join(unknown)}",
                )
            )
        if problems:
            raise InvalidInput(problems)
        prefs: dict[str, Any] = {
            "email": email,
            "events": {e: bool(events.get(e, True)) for e in EVENTS},
            "digest": digest,
        }
        old = (self.people.person(_key(p.unit, p.region), p.user) or {}).get("notify")
        prefs["subscription"] = self._sync_person(p, old if isinstance(old, dict) else {}, prefs)
        self.people.set_notify(_key(p.unit, p.region), p.user, prefs, utcnow())
        return _preferences(p, prefs)

    def _sync_person(self, p: Principal, old: dict[str, Any], prefs: dict[str, Any]) -> str | None:
        """The person's own address subscribed with the kinds they chose (none chosen: unsubscribed)."""
        arn = old.get("subscription") if isinstance(old.get("subscription"), str) else None
        if self._subscriptions is None:
            return arn
        sns = self._subscriptions()
        policy = person_policy(_key(p.unit, p.region), p.user, prefs["events"], bool(prefs.get("digest")))
        email = prefs.get("email")
        if arn and (not email or policy is None or old.get("email") != email):
            sns.unsubscribe(arn)
            arn = None
        if not email or policy is None:
            return None
        return sns.update(arn, email, policy) if arn else sns.subscribe(email, policy)

    # -- the unit's addresses (the coordinator's) --------------------------------------

    def unit_addresses(self, by: Principal, unit: str) -> dict[str, Any]:
        """The e-mail addresses that get `unit`'s notices."""
        assert by.role == Role.ADMIN
        self._check_unit(unit, by.region)
        key = _key(unit, by.region)
        record = self.people.unit_addresses(key) or {}
        subs = record.get("subscriptions") if isinstance(record.get("subscriptions"), dict) else {}
        digest = bool(record.get("digest"))
        return {"unit": unit, "emails": sorted(subs or {}), "digest": digest, "filter_policy": unit_policy(key)}

    def set_unit_addresses(
        self, by: Principal, unit: str, emails: list[str], digest: bool | None = None
    ) -> dict[str, Any]:
        """The coordinator sets `unit`'s addresses: new ones subscribed with the unit's filter
        policy, dropped ones unsubscribed, kept ones left as they are (no second confirmation)."""
        assert by.role == Role.ADMIN
        self._check_unit(unit, by.region)
        key = _key(unit, by.region)
        record = self.people.unit_addresses(key) or {}
        old = record.get("subscriptions") if isinstance(record.get("subscriptions"), dict) else {}
        old = {str(k): str(v) for k, v in (old or {}).items()}
        wanted = list(dict.fromkeys(e.strip().lower() for e in emails))
        kept = {e: arn for e, arn in old.items() if e in wanted}
        if self._subscriptions is not None:
            sns = self._subscriptions()
            for e, arn in old.items():
                if e not in kept and arn:
                    sns.unsubscribe(arn)
            for e in wanted:
                if e not in kept:
                    kept[e] = sns.subscribe(e, unit_policy(key))
        else:
            kept.update({e: "" for e in wanted if e not in kept})
        held = bool(record.get("digest")) if digest is None else digest
        self.people.set_unit_addresses(key, kept, held, utcnow(), by.user)
        return {"unit": unit, "emails": sorted(kept), "digest": held, "filter_policy": unit_policy(key)}

    @staticmethod
    def _check_unit(unit: str, region: str | None = None) -> None:
        if unit.split(":", 1)[0] not in ("opd", "kec", "kel") or not known_unit(unit, region):
            raise _bad("unit", "unknown_unit", "unit tidak dikenal", "unit is not a known unit")

    def mentioned(self, unit: str | None, text: str, by: str, region: str | None = None) -> list[str]:
        """The people of `unit` a note mentions (`@user`) who want to hear of it, never the writer."""
        if unit is None:
            return []
        out: list[str] = []
        for user in dict.fromkeys(_MENTION.findall(text)):
            person = self.people.person(_key(unit, region), user) if user != by else None
            if person is not None and _preferences_events(person.get("notify")).get("mentioned", True):
                out.append(user)
        return out


def person_policy(unit: str, user: str, events: dict[str, bool], digest: bool = False) -> dict[str, list[str]] | None:
    """The SNS filter policy of a person's own address: the unit's notices of the kinds they
    chose (and the unit's morning digest), and mentions of them (if chosen); None when they chose none.
    A person who chose the digest gets the unit's digests (also the one of copies of the singles,
    `to` = `digest`) and their mentions, never the unit's single notices."""
    kinds = [k for e in EVENTS if events.get(e, True) for k in KINDS.get(e, [e])]
    if not kinds:
        return None
    unit_wide = any(events.get(e, True) for e in EVENTS if e != "mentioned")
    if digest:
        kinds = (["digest"] if unit_wide else []) + (["mentioned"] if events.get("mentioned", True) else [])
    elif unit_wide:
        kinds.append("digest")  # the unit's morning digest: its notices held back
    to = [TO_UNIT, user] if events.get("mentioned", True) else [TO_UNIT]
    if digest:
        to.append(DIGEST_AUDIENCE)
    return {"unit": [unit], "kind": kinds, "to": to}


def unit_policy(unit: str) -> dict[str, list[str]]:
    """The SNS filter policy of a unit's addresses: every notice for the whole unit (no one's mention)."""
    return {"unit": [unit], "to": [TO_UNIT]}


def _preferences_events(notify: Any) -> dict[str, bool]:
    events = notify.get("events") if isinstance(notify, dict) else None
    return {e: bool(events.get(e, True)) if isinstance(events, dict) else True for e in EVENTS}


def _preferences(p: Principal, notify: Any) -> dict[str, Any]:
    email = notify.get("email") if isinstance(notify, dict) else None
    digest = bool(notify.get("digest")) if isinstance(notify, dict) else False
    return {"user": p.user, "unit": p.unit, "email": email, "events": _preferences_events(notify), "digest": digest}
