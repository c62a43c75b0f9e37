"""Every route under /v1/admin and /v1/operator, against every role, in and out of scope, and anonymous.

The routes are read from `app.app.routes` when the tests are collected, and the
roles each admits from its declaration (chalicelib/http/openapi.py), so a route added
later is covered without touching this file. What must hold:

- anonymous: 401, whatever the route;
- signed in with a role the route does not admit: 403 (`role_not_allowed`), before
  anything about the complaint is looked at;
- an admitted role, a complaint outside the caller's scope: 404 (never 403);
- an admitted role, in scope: neither 401, 403 nor 404, and never a 5xx (bad input is a 4xx).

Routes take the empty JSON object as body: a route checks sign-in, then scope, then
the body, so the out-of-scope answer is the 404 whatever the body.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

import app as app_module
from chalicelib.domain.access import Role
from chalicelib.http import openapi
from tests.support.auth import bearer

KEL, KEC, OTHER_KEC = "36.73.05.1002", "36.73.05", "36.73.01"

#: a complaint from the 112 line, handled by kelurahan KEL: who sees it, and who does not
IN_SCOPE = {
    Role.ADMIN: ["city"],
    Role.OPERATOR: [f"kel:{KEL}"],
    Role.SUPERVISOR: [f"kec:{KEC}"],
    Role.CALLCENTER: ["call112"],
}
OUT_OF_SCOPE = {
    Role.ADMIN: [],  # the coordinator sees every complaint
    Role.OPERATOR: ["kel:36.73.01.1002", f"kec:{KEC}", "opd:dpupr"],
    Role.SUPERVISOR: [f"kec:{OTHER_KEC}", "opd:dpupr"],
    Role.CALLCENTER: ["psc119"],
}

PROTECTED = sorted(
    (path, method)
    for path, methods in app_module.app.routes.items()
    if openapi.is_protected(path)
    for method in methods
)


def roles_of(path: str, method: str) -> frozenset[Role]:
    op = openapi.operation_of(app_module.app.routes[path][method].view_function)
    roles = openapi.allowed_roles(path, op)
    assert roles, f"{method} {path} is under a protected prefix and must name its roles"
    return roles


@pytest.fixture()
def complaint(hub: Any) -> str:
    """A fresh 112 complaint handled by kelurahan KEL."""
    from chalicelib import bootstrap
    from chalicelib.domain.commands import NewComplaint
    from chalicelib.schemas.public import ComplaintSubmission

    submission = ComplaintSubmission(
        category="pelayanan-kelurahan",
        title="Layanan surat lambat",
        description="Pelayanan surat pengantar di kantor kelurahan sangat lambat minggu ini.",
        location={"kelurahan_code": KEL, "address": "Kantor Kelurahan"},
    )
    accepted = bootstrap.intake().accept(
        NewComplaint(submission=submission, channel="call112", channel_ref=f"112-{uuid.uuid4().hex[:10]}")
    )
    stored = bootstrap.repository().get(accepted.tracking_id, consistent=True)
    assert stored is not None and stored.unit is not None and stored.unit.code == f"kel:{KEL}"
    return accepted.tracking_id


def call(client: Any, path: str, method: str, tracking_id: str, headers: dict[str, str]) -> Any:
    url = re.sub(r"{tracking_id}", tracking_id, path)
    url = re.sub(r"{channel}", "rabeg", url)
    url = re.sub(r"{[^}]+}", "x", url)
    body = json.dumps({}) if method in ("POST", "PUT", "PATCH") else None
    return client.http.request(method, url, body=body, headers={"Content-Type": "application/json", **headers})


def test_the_protected_routes_are_found_and_admin_routes_are_admin_only() -> None:
    assert len([p for p, _ in PROTECTED if p.startswith("/v1/admin")]) >= 7
    for path, method in PROTECTED:
        if path.startswith("/v1/admin"):
            assert roles_of(path, method) == {Role.ADMIN}, (method, path)


@pytest.mark.parametrize(("path", "method"), PROTECTED, ids=[f"{m} {p}" for p, m in PROTECTED])
def test_route_against_every_role_in_and_out_of_scope(client: Any, complaint: str, path: str, method: str) -> None:
    allowed = roles_of(path, method)
    about_a_complaint = "{tracking_id}" in path

    anonymous = call(client, path, method, complaint, {})
    assert anonymous.status_code == 401, (method, path, anonymous.body)
    assert anonymous.json_body["error"] == "token_missing"

    for role in Role:
        for unit in IN_SCOPE[role]:
            resp = call(client, path, method, complaint, bearer(role.value, unit))
            what = (method, path, role.value, unit, resp.status_code, resp.body[:300])
            if role not in allowed:
                assert resp.status_code == 403 and resp.json_body["error"] == "role_not_allowed", what
                continue
            assert resp.status_code not in (401, 403) and resp.status_code < 500, what
            if about_a_complaint and "{number}" not in path:  # a photo the complaint lacks is a 404 too
                assert resp.status_code != 404, what
        for unit in OUT_OF_SCOPE[role]:
            resp = call(client, path, method, complaint, bearer(role.value, unit))
            what = (method, path, role.value, unit, resp.status_code, resp.body[:300])
            if role not in allowed:
                assert resp.status_code == 403, what
            elif about_a_complaint:
                assert resp.status_code == 404 and resp.json_body["error"] == "not_found", what
            else:
                assert resp.status_code not in (401, 403) and resp.status_code < 500, what


@pytest.mark.parametrize(("path", "method"), PROTECTED, ids=[f"{m} {p}" for p, m in PROTECTED])
def test_a_refused_token_is_refused_on_every_protected_route(
    client: Any, complaint: str, path: str, method: str
) -> None:
    role = sorted(roles_of(path, method))[0]
    expired = bearer(role.value, IN_SCOPE[role][0], exp=1, iat=0)
    resp = call(client, path, method, complaint, expired)
    assert resp.status_code == 401 and resp.json_body["error"] == "token_expired", (method, path, resp.body)


def test_the_helpers_answer_403_for_a_role_and_404_out_of_scope(hub: Any, complaint: str) -> None:
    """An operator route's pattern (`require_principal`, then `require_in_scope`) on a throw-away app
    with the real sign-in gate: out of scope is a 404 exactly like an unknown id."""
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib import bootstrap
    from chalicelib.domain.errors import NotFound
    from chalicelib.http import signin
    from chalicelib.http.answers import handles_errors, respond
    from chalicelib.http.openapi import STAFF, declare
    from chalicelib.schemas.admin import ComplaintState

    demo = Chalice(app_name="scope-demo")
    demo.register_middleware(signin.gate(demo), "http")

    @demo.route("/v1/operator/demo/{tracking_id}", methods=["GET"])
    @declare("demo", roles=STAFF - {Role.CALLCENTER}, responses={200: ComplaintState})
    def show(tracking_id: str) -> Any:
        return shown(tracking_id)

    @handles_errors
    def shown(tracking_id: str) -> Any:
        who = signin.require_principal(demo.current_request, roles=STAFF - {Role.CALLCENTER})
        found = bootstrap.repository().get(tracking_id)
        if found is None:
            raise NotFound(tracking_id)
        c = signin.require_in_scope(who, found)
        return respond(200, {"tracking_id": c.tracking_id, "status": c.status.value})

    with Client(demo) as c:

        def get(tid: str, role: str, unit: str) -> Any:
            return c.http.get(f"/v1/operator/demo/{tid}", headers=bearer(role, unit))

        assert c.http.get(f"/v1/operator/demo/{complaint}").status_code == 401
        assert get(complaint, "operator", f"kel:{KEL}").status_code == 200
        assert get(complaint, "supervisor", f"kec:{KEC}").status_code == 200
        assert get(complaint, "callcenter", "call112").status_code == 403
        outside = get(complaint, "operator", "kel:36.73.01.1002")
        unknown = get("SRG-2222-2222", "operator", "kel:36.73.01.1002")
        assert outside.status_code == unknown.status_code == 404
        assert outside.json_body == unknown.json_body  # nothing tells the two apart
