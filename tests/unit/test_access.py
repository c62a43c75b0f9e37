"""Roles and scopes: which complaints a signed-in caller may see, and which unit claims fit a role."""

from __future__ import annotations

import pytest

from chalicelib.domain import reference
from chalicelib.domain.access import Principal, Role, can_see, unit_fits_role, units_in_scope

KEL = "kel:36.73.05.1002"
KEC = "kec:36.73.05"


def who(role: Role, unit: str) -> Principal:
    return Principal(user="u", role=role, unit=unit)


def test_operator_sees_its_own_unit_only() -> None:
    p = who(Role.OPERATOR, KEL)
    assert can_see(p, KEL, "app") and can_see(p, KEL, "rabeg")
    assert not can_see(p, "kel:36.73.05.1001", "app") and not can_see(p, KEC, "app") and not can_see(p, None, "app")


def test_kecamatan_supervisor_sees_the_kecamatan_and_all_its_kelurahan() -> None:
    p = who(Role.SUPERVISOR, KEC)
    scope = units_in_scope(p)
    kel = {f"kel:{k.code}" for k in reference.areas().kelurahan.values() if k.kecamatan_code == "36.73.05"}
    assert scope == {KEC, *kel} and len(kel) >= 2
    assert can_see(p, KEL, "app") and can_see(p, KEC, "app")
    assert not can_see(p, "kec:36.73.01", "app") and not can_see(p, "kel:36.73.01.1002", "app")
    assert not can_see(p, "opd:dpupr", "app")


def test_opd_supervisor_sees_the_opd_only() -> None:
    p = who(Role.SUPERVISOR, "opd:dpupr")
    assert can_see(p, "opd:dpupr", "app") and not can_see(p, "opd:dinkes", "app") and not can_see(p, KEL, "app")


def test_callcenter_sees_its_channel_whatever_the_unit() -> None:
    p = who(Role.CALLCENTER, "call112")
    assert can_see(p, KEL, "call112") and can_see(p, None, "call112")
    assert not can_see(p, KEL, "psc119") and not can_see(p, KEL, "app")


def test_admin_sees_everything() -> None:
    p = who(Role.ADMIN, "city")
    assert units_in_scope(p) is None
    assert all(can_see(p, u, c) for u in (KEL, "opd:dpupr", None) for c in ("app", "call112"))


@pytest.mark.parametrize(
    ("role", "unit", "fits"),
    [
        (Role.OPERATOR, KEL, True),
        (Role.OPERATOR, KEC, True),
        (Role.OPERATOR, "opd:dpupr", True),
        (Role.OPERATOR, "city", False),
        (Role.OPERATOR, "call112", False),
        (Role.OPERATOR, "kel:00.00.00.0000", False),
        (Role.SUPERVISOR, KEC, True),
        (Role.SUPERVISOR, "opd:dpupr", True),
        (Role.SUPERVISOR, KEL, False),
        (Role.CALLCENTER, "call112", True),
        (Role.CALLCENTER, "psc119", True),
        (Role.CALLCENTER, "rabeg", False),
        (Role.CALLCENTER, KEL, False),
        (Role.ADMIN, "city", True),
        (Role.ADMIN, "opd:setda", True),
        (Role.ADMIN, "nowhere", False),
    ],
)
def test_unit_claims_that_fit_a_role(role: Role, unit: str, fits: bool) -> None:
    assert unit_fits_role(role, unit) is fits


def test_sight_a_call_stays_the_call_centres_until_confirmed() -> None:
    from chalicelib.domain.access import Holding, Sight, sight
    from chalicelib.domain.models import Status

    unit, kec, cc, admin = (
        who(Role.OPERATOR, KEL),
        who(Role.SUPERVISOR, KEC),
        who(Role.CALLCENTER, "call112"),
        who(Role.ADMIN, "city"),
    )
    for status, dismissed in ((Status.AWAITING_CONFIRMATION, False), (Status.EMERGENCY, False), (Status.CLOSED, True)):
        held = Holding(KEL, "call112", status, dismissed=dismissed)
        assert sight(unit, held) == sight(kec, held) == Sight.NONE
        assert sight(cc, held) == sight(admin, held) == Sight.ACT
        assert sight(who(Role.CALLCENTER, "psc119"), held) == Sight.NONE
    assert sight(unit, Holding(KEL, "call112", Status.RECEIVED)) == Sight.ACT
    assert sight(unit, Holding(KEL, "app", Status.CLOSED, dismissed=True)) == Sight.ACT  # only calls are held


def test_sight_a_unit_that_handed_on_reads_and_never_acts() -> None:
    from chalicelib.domain.access import Holding, Sight, sight
    from chalicelib.domain.models import Status

    unit = who(Role.OPERATOR, KEL)
    assert sight(unit, Holding(KEL, "app", Status.RETURNED, returned_by=KEL)) == Sight.READ
    assert sight(unit, Holding(KEL, "app", Status.REJECTED, returned_by=KEL)) == Sight.READ
    assert sight(unit, Holding("opd:dpupr", "app", Status.VERIFIED, handed_on_by=[KEL])) == Sight.READ
    assert sight(unit, Holding(KEL, "app", Status.RECEIVED, handed_on_by=[KEL])) == Sight.ACT  # sent back
    assert sight(who(Role.OPERATOR, "kel:36.73.05.1001"), Holding("opd:dpupr", "app", Status.VERIFIED)) == Sight.NONE
