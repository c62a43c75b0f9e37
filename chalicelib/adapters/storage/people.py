"""The people of each unit (pk PERSON#<unit>, sk <user>): who an assignment may name.

Written when a person signs in (the sign-in gate sees the unit claim and the user) and by
the coordinator; read for the console's "assign to" list and to check an assignee."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso, values
from chalicelib.adapters.storage.gateway import TableGateway


class PeopleStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def save(self, unit: str, user: str, name: str | None, role: str | None, at: datetime, by: str) -> None:
        """One person of `unit` (again: the latest name and role win)."""
        self.gateway.put_raw(
            {
                "pk": keys.person_pk(unit),
                "sk": user,
                "type": "person",
                "unit": unit,
                "user": user,
                "name": name,
                "role": role,
                "updated_at": iso(at),
                "updated_by": by,
            }
        )

    def set_notify(self, unit: str, user: str, prefs: dict[str, Any], at: datetime) -> None:
        """The person's choice of notices (kept beside them in the register)."""
        self.gateway.update_raw(
            keys.person_pk(unit),
            user,
            "SET #n = :n, notify_updated_at = :at, #t = if_not_exists(#t, :t), #u = if_not_exists(#u, :u),"
            " #un = if_not_exists(#un, :un)",
            names={"#n": "notify", "#t": "type", "#u": "user", "#un": "unit"},
            vals=values(n=prefs, at=iso(at), t="person", u=user, un=unit),
        )

    def person(self, unit: str, user: str) -> dict[str, Any] | None:
        return self.gateway.get_raw(keys.person_pk(unit), user)

    def of_unit(self, unit: str) -> list[dict[str, Any]]:
        """Every person of `unit`, by user name."""
        return list(self.gateway.query("pk = :p", values(p=keys.person_pk(unit)), consistent=True))
