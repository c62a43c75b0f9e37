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

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain import reference
from chalicelib.domain.models import Status, Unit


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
    #: the region signed in for (``custom:jurisdiction``); "": the deployment's default region
    jurisdiction: str = ""
    #: a kecamatan supervisor's desa/kelurahan units in an onboarded region (the default region's
    #: come from the package's data)
    area_units: frozenset[str] = frozenset()

    @property
    def region(self) -> str:
        """The region's code: no role reaches past it."""
        return self.jurisdiction or reference.default_code()


def same_region(p: Principal, jurisdiction: str | None) -> bool:
    """True when a complaint stored with ``jurisdiction`` (None: the default region) is in ``p``'s region."""
    return (jurisdiction or reference.default_code()) == p.region


def unit_fits_role(role: Role, unit: str, units: Mapping[str, Unit] | None = None) -> bool:
    """True when a sign-in for `role` may carry the unit claim `unit`.

    Operators belong to a known OPD, kecamatan or kelurahan; supervisors to an OPD
    or a kecamatan; a call centre to its channel; the coordinator to the city (or a
    known unit such as the Sekretariat Daerah). Anything else is a mis-issued token. ``units``:
    the region's (the default region's when not given)."""
    units = reference.units() if units is None else units
    if role == Role.CALLCENTER:
        return unit in CALLCENTER_CHANNELS
    if role == Role.ADMIN:
        return unit == CITY or unit in units
    known = units.get(unit)
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
        if p.region != reference.default_code():
            return frozenset({p.unit, *p.area_units})
        kec = p.unit.removeprefix("kec:")
        kelurahan = reference.areas().kelurahan.values()
        return frozenset({p.unit, *(f"kel:{k.code}" for k in kelurahan if k.kecamatan_code == kec)})
    return frozenset({p.unit})


def can_see(p: Principal, unit_code: str | None, channel: str, jurisdiction: str | None = None) -> bool:
    """True when a complaint handled by `unit_code`, from `channel`, in `jurisdiction`, is within `p`'s scope."""
    if not same_region(p, jurisdiction):
        return False
    if p.role == Role.ADMIN:
        return True
    if p.role == Role.CALLCENTER:
        return channel == p.unit
    scope = units_in_scope(p)
    return unit_code is not None and scope is not None and unit_code in scope


#: statuses in which a call centre holds its channel's call (the unit has nothing to see yet)
CALL_HELD = frozenset({Status.AWAITING_CONFIRMATION, Status.EMERGENCY})


class Sight(StrEnum):
    """How far a caller reaches into one complaint."""

    NONE = "none"  # answered as if it did not exist (404)
    READ = "read"  # read-only: the unit handed it on ("bukan wewenang")
    ACT = "act"  # read and act


@dataclass(frozen=True)
class Holding:
    """What scope needs to know about one complaint: who handles it, from where, and what
    happened to it that ends a unit's part (a call centre's decision, a hand-off)."""

    unit_code: str | None
    channel: str
    status: Status
    dismissed: bool = False  # a call its centre closed as "not a complaint"
    returned_by: str | None = None  # the unit that said "bukan wewenang", until the coordinator decides
    handed_on_by: Collection[str] = ()  # every unit that said "bukan wewenang" about it
    jurisdiction: str | None = None  # its region; None: the default region


def call_centre_holds(h: Holding) -> bool:
    """True while (or because) the call centre decided about its call: the unit has no part in it."""
    return h.channel in CALLCENTER_CHANNELS and (h.status in CALL_HELD or h.dismissed)


def sight(p: Principal, h: Holding) -> Sight:
    """How far `p` reaches into the complaint `h` describes.

    A call centre's calls stay the call centre's until it confirms them: while it holds
    one (awaiting confirmation, emergency) or after it dismissed one, the routed unit's
    people see nothing. A unit that handed a complaint on keeps read-only sight of it,
    and loses the right to act, until the coordinator sends it back. Nothing of another region
    is ever in sight."""
    if not same_region(p, h.jurisdiction):
        return Sight.NONE
    if p.role == Role.ADMIN:
        return Sight.ACT
    if p.role == Role.CALLCENTER:
        return Sight.ACT if h.channel == p.unit else Sight.NONE
    if call_centre_holds(h):
        return Sight.NONE
    scope = units_in_scope(p) or frozenset()
    if h.unit_code is not None and h.unit_code in scope:
        handed_on = h.status == Status.RETURNED or (h.returned_by is not None and h.returned_by in scope)
        return Sight.READ if handed_on else Sight.ACT
    if any(u in scope for u in h.handed_on_by):
        return Sight.READ
    return Sight.NONE
