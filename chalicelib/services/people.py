"""The people of each unit: remembered when they sign in, added by the coordinator, listed for
the console's "assign to", and the only names an assignment may carry.

`GET /v1/operator/people` (the caller's unit; the coordinator any unit with `?unit=`),
`POST /v1/operator/people` (the coordinator adds someone before their first sign-in)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from chalicelib.domain import reference
from chalicelib.domain.access import CALLCENTER_CHANNELS, CITY, Principal, Role, units_in_scope
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.models import utcnow
from chalicelib.observability import logger
from chalicelib.services.ports import People

MAX_USER = 128
MAX_NAME = 200
#: the notices a person may choose (all on until they choose)
EVENTS = ("new_complaint", "due_tomorrow", "escalated", "mentioned")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]{1,128})")


def _bad(field_name: str, reason: str, message_id: str, message_en: str) -> InvalidInput:
    return InvalidInput([FieldProblem(field_name, reason, message_id, message_en)])


def clean_text(value: str) -> bool:
    """No control or format characters (a name must read as what it is)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value)


def known_unit(code: str) -> bool:
    return code == CITY or code in CALLCENTER_CHANNELS or code in reference.units()


class PeopleService:
    def __init__(self, people: People) -> None:
        self.people = people
        self._seen: set[tuple[str, str, str | None, str]] = set()  # written already by this container

    def signed_in(self, p: Principal) -> None:
        """Remember who signed in, for which unit (once per container and person; never fails a request)."""
        mark = (p.unit, p.user, p.name, p.role.value)
        if mark in self._seen or not clean_text(p.user):
            return
        try:
            self.people.save(p.unit, p.user, p.name, p.role.value, utcnow(), by=p.user)
        except Exception:  # noqa: BLE001 - the register is a convenience of the console, never a gate
            logger.exception("could not remember the person signed in")
            return
        self._seen.add(mark)

    def of_unit(self, p: Principal, unit: str | None) -> list[dict[str, Any]]:
        """The people of the caller's unit, or of `unit` within the caller's scope (any, for the coordinator)."""
        wanted = unit or p.unit
        if wanted != p.unit:
            scope = units_in_scope(p)
            if (scope is not None and wanted not in scope) or not known_unit(wanted):
                raise _bad(
                    "unit",
                    "not_in_scope",
                    f"unit {wanted} di luar wewenang Anda",
                    f"unit {wanted} is outside your scope",
                )
        rows = self.people.of_unit(wanted)
        return [
            {"user": r["user"], "unit": r["unit"], "name": r.get("name")}
            for r in sorted(rows, key=lambda r: str(r.get("user")))
            if r.get("user")
        ]

    def add(self, by: Principal, user: str, unit: str, name: str | None) -> dict[str, Any]:
        """The coordinator adds a person to a unit (before their first sign-in)."""
        assert by.role == Role.ADMIN
        problems: list[FieldProblem] = []
        if not user or len(user) > MAX_USER or not clean_text(user) or user != user.strip():
            problems.append(FieldProblem("user", "invalid", "user tidak valid", "user is not a valid user name"))
        if not known_unit(unit):
            problems.append(FieldProblem("unit", "unknown_unit", "unit tidak dikenal", "unit is not a known unit"))
        if name is not None and (len(name) > MAX_NAME or not clean_text(name)):
            problems.append(FieldProblem("name", "invalid", "name tidak valid", "name is not a valid name"))
        if problems:
            raise InvalidInput(problems)
        self.people.save(unit, user, name, None, utcnow(), by=by.user)
        return {"user": user, "unit": unit, "name": name}

    def check_assignee(self, unit: str | None, assignee: str) -> str:
        """The assignee, when a person of `unit`; a 400 naming `assignee` otherwise."""
        if not assignee or not clean_text(assignee) or len(assignee) > MAX_USER:
            raise _bad(
                "assignee",
                "invalid",
                "assignee memuat karakter yang tidak diizinkan",
                "assignee holds characters that are not allowed",
            )
        if unit is None or self.people.person(unit, assignee) is None:
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
        person = self.people.person(p.unit, p.user) or {}
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
        prefs = {"email": email, "events": {e: bool(events.get(e, True)) for e in EVENTS}, "digest": digest}
        self.people.set_notify(p.unit, p.user, prefs, utcnow())
        return _preferences(p, prefs)

    def mentioned(self, unit: str | None, text: str, by: str) -> list[str]:
        """The people of `unit` a note mentions (`@user`) who want to hear of it, never the writer."""
        if unit is None:
            return []
        out: list[str] = []
        for user in dict.fromkeys(_MENTION.findall(text)):
            person = self.people.person(unit, user) if user != by else None
            if person is not None and _preferences_events(person.get("notify")).get("mentioned", True):
                out.append(user)
        return out


def _preferences_events(notify: Any) -> dict[str, bool]:
    events = notify.get("events") if isinstance(notify, dict) else None
    return {e: bool(events.get(e, True)) if isinstance(events, dict) else True for e in EVENTS}


def _preferences(p: Principal, notify: Any) -> dict[str, Any]:
    email = notify.get("email") if isinstance(notify, dict) else None
    digest = bool(notify.get("digest")) if isinstance(notify, dict) else False
    return {"user": p.user, "unit": p.unit, "email": email, "events": _preferences_events(notify), "digest": digest}
