"""Whose inbox a complaint is in, and how an inbox is ordered.

Pure domain. A complaint sits in the inbox of whoever must act on it next
(its *holder*):

- the call centre (`call112`, `psc119`) while a call waits for its decision
  (`awaiting_confirmation`), when it handled it itself (`emergency`) or when it
  dismissed it as "not a complaint" (the unit never sees such a call);
- the city's complaint coordinator (`city`) while a unit has returned it
  ("bukan wewenang", `returned`) or LAPOR! refused it (`needs_attention`);
- otherwise the handling unit (`opd:...`, `kec:...`, `kel:...`).

A kecamatan's supervisor sees the complaints held by the kecamatan and by its
kelurahan: their *area* is `kec:<code>` (an OPD's supervisor sees the OPD's own
inbox). Final complaints move to the holder's "done" shelf, so the everyday
inbox holds only open work.
"""

from __future__ import annotations

from chalicelib.domain import reference
from chalicelib.domain.access import CALLCENTER_CHANNELS, Principal, Role, units_in_scope
from chalicelib.domain.models import FINAL_STATUSES, Status

#: the coordinator's inbox (the city level, as in the statistics)
CITY = "city"
DONE = "#done"

_CHANNEL_HELD = frozenset({Status.AWAITING_CONFIRMATION, Status.EMERGENCY})
_CITY_HELD = frozenset({Status.RETURNED, Status.NEEDS_ATTENTION})


def holder(
    status: Status, unit_code: str | None, channel: str, dismissed: bool = False, jurisdiction: str | None = None
) -> str:
    """Who must act next on a complaint in `status` (a dismissed call stays on its centre's shelf),
    as the partition of its region (:func:`scoped`)."""
    if (status in _CHANNEL_HELD or dismissed) and channel in CALLCENTER_CHANNELS:
        return scoped(channel, jurisdiction)
    if status in _CITY_HELD or not unit_code:
        return scoped(CITY, jurisdiction)
    return scoped(unit_code, jurisdiction)


def scoped(holder_code: str, jurisdiction: str | None) -> str:
    """A holder's partition within its region. Kecamatan and desa/kelurahan codes are unique in
    the country and stand alone; the coordinator, OPD, leaders and call centres exist in every
    region, so another region's carry its code in front (``<code>/opd:dinkes``). The default
    region's stand alone too, as they were stored before there were regions."""
    if not jurisdiction or jurisdiction == reference.default_code() or holder_code.startswith(("kel:", "kec:")):
        return holder_code
    return f"{jurisdiction}/{holder_code}"


def area_of(holder_code: str) -> str | None:
    """The kecamatan area (`kec:<code>`) of a kecamatan or kelurahan holder; None otherwise."""
    kind, _, code = holder_code.partition(":")
    if kind == "kec" and code:
        return holder_code
    if kind == "kel" and code.count(".") == 3:
        return "kec:" + code.rsplit(".", 1)[0]
    return None


def shelf(key: str, status: Status) -> str:
    """The partition for a holder or area: open work, or the done shelf for final complaints."""
    return key + DONE if status in FINAL_STATUSES else key


def newest_key(created_at: str, tracking_id: str) -> str:
    """Sort key for "newest": creation instant (sortable UTC text) then the id (unique)."""
    return f"{created_at}#{tracking_id}"


def urgent_key(deadline: str | None, created_at: str, tracking_id: str) -> str:
    """Sort key for "urgent": deadline soonest first (so the most overdue lead); complaints
    without a deadline after all of them ('~' sorts after digits), oldest first."""
    if deadline:
        return f"{deadline}#{tracking_id}"
    return f"~{created_at}#{tracking_id}"


# -- what a caller's inbox is -------------------------------------------------


def default_view(p: Principal) -> tuple[str, str]:
    """(index family, partition key) of the caller's own inbox.

    `inbox` is keyed by holder, `inbox_area` by kecamatan area."""
    if p.role == Role.SUPERVISOR and p.unit.startswith("kec:"):
        return "inbox_area", p.unit
    if p.role == Role.ADMIN:
        return "inbox", scoped(CITY, p.region)
    return "inbox", scoped(p.unit, p.region)


def holders_in_scope(p: Principal) -> frozenset[str] | None:
    """The holder partitions `p` may open with `unit=`; None: any (admin)."""
    if p.role == Role.ADMIN:
        return None
    if p.role == Role.CALLCENTER:
        return frozenset({scoped(p.unit, p.region)})
    return frozenset(scoped(u, p.region) for u in units_in_scope(p) or ())
