"""Who may see and act on which complaint: roles and scopes, checked server side.

Pure domain: a signed-in caller (`Principal`, built from a verified token by
the sign-in adapter) and the rules that decide whether a complaint is within
the caller's scope. A complaint outside it is answered as if it did not exist
(404, never 403), so nothing leaks about complaints of other units.

Roles:

- `operator`: the complaint desk of one unit (`opd:<code>`, `kec:<code>`,
  `kel:<code>`): complaints that unit handles.
- `supervisor`: an OPD (its complaints) or a kecamatan (the kecamatan's own
  complaints and those of every kelurahan in it).
- `callcenter`: the 112 or 119 command centre; its unit claim is the channel
  (`call112`, `psc119`): that channel's complaints.
- `admin`: the city's complaint coordinator: every complaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain import reference


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    CALLCENTER = "callcenter"
    ADMIN = "admin"


#: unit claims a call centre may carry: the channels it runs
CALLCENTER_CHANNELS = frozenset({"call112", "psc119"})

#: the unit claim of the city's coordinators (admin); statistics call the same level `city`
CITY = "city"

#: the kinds of unit (data/units.json, areas) each role may be signed in for
_UNIT_KINDS = {
    Role.OPERATOR: frozenset({"opd", "kecamatan", "kelurahan"}),
    Role.SUPERVISOR: frozenset({"opd", "kecamatan"}),
}


@dataclass(frozen=True)
class Principal:
    """A verified caller: who (user), in which role, for which unit."""

    user: str
    role: Role
    unit: str  # a unit code (opd:..., kec:..., kel:...), a call centre's channel, or the admin's own unit
    name: str | None = None


def unit_fits_role(role: Role, unit: str) -> bool:
    """True when a sign-in for `role` may carry the unit claim `unit`.

    Operators belong to a known OPD, kecamatan or kelurahan; supervisors to an OPD
    or a kecamatan; a call centre to its channel; the coordinator to the city (or a
    known unit such as the Sekretariat Daerah). Anything else is a mis-issued token."""
    if role == Role.CALLCENTER:
        return unit in CALLCENTER_CHANNELS
    if role == Role.ADMIN:
        return unit == CITY or unit in reference.units()
    known = reference.units().get(unit)
    return known is not None and known.kind in _UNIT_KINDS[role]


def units_in_scope(p: Principal) -> frozenset[str] | None:
    """The handling-unit codes whose complaints `p` may see; None means every unit (admin).

    A call centre's scope is by channel, not by unit: it gets an empty set here
    and `can_see` checks the channel."""
    if p.role == Role.ADMIN:
        return None
    if p.role == Role.CALLCENTER:
        return frozenset()
    if p.role == Role.SUPERVISOR and p.unit.startswith("kec:"):
        kec = p.unit.removeprefix("kec:")
        kelurahan = reference.areas().kelurahan.values()
        return frozenset({p.unit, *(f"kel:{k.code}" for k in kelurahan if k.kecamatan_code == kec)})
    return frozenset({p.unit})


def can_see(p: Principal, unit_code: str | None, channel: str) -> bool:
    """True when a complaint handled by `unit_code`, from `channel`, is within `p`'s scope."""
    if p.role == Role.ADMIN:
        return True
    if p.role == Role.CALLCENTER:
        return channel == p.unit
    scope = units_in_scope(p)
    return unit_code is not None and scope is not None and unit_code in scope
