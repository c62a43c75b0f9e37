"""The OpenAPI 3.1 document: every /v1 route is in it, as the code guards it, and it is served."""

from __future__ import annotations

import json
from typing import Any

from chalice import Chalice
from jsonschema import Draft202012Validator

from chalicelib.http import openapi
from chalicelib.http.openapi import ADMIN, PUBLIC, declare


def test_every_v1_route_is_declared_and_in_the_document() -> None:
    import app

    assert openapi.undeclared(app.app) == []
    doc = openapi.document(app.app)
    in_app = {
        (path, method.lower())
        for path, methods in app.app.routes.items()
        if path.startswith("/v1")
        for method in methods
    }
    in_doc = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert in_app == in_doc
    assert len(in_app) >= 16


def test_the_check_fails_for_a_route_without_a_declaration() -> None:
    fake = Chalice(app_name="fake")

    @fake.route("/v1/declared", methods=["GET"])
    @declare("Declared", roles=PUBLIC, responses={200: None})
    def declared() -> None: ...

    @fake.route("/v1/operator/forgotten", methods=["POST"])
    def forgotten() -> None: ...

    assert openapi.undeclared(fake) == ["POST /v1/operator/forgotten"]
    assert "/v1/operator/forgotten" not in openapi.document(fake)["paths"]
    # and the gate still guards it: an undeclared route under /v1/operator is admin-only
    assert openapi.allowed_roles("/v1/operator/forgotten", None) == ADMIN
    assert openapi.allowed_roles("/v1/anything-else", None) is PUBLIC


def test_security_follows_the_declared_roles() -> None:
    import app

    doc = openapi.document(app.app)
    assert doc["openapi"] == "3.1.0"
    scheme = doc["components"]["securitySchemes"][openapi.SECURITY_SCHEME]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            declared = openapi.operation_of(app.app.routes[path][method.upper()].view_function)
            if openapi.is_protected(path):
                assert declared.roles, f"{method} {path} must not be public"
            if declared.public:
                assert op["security"] == [] and "x-roles" not in op
            else:
                assert op["security"] == [{openapi.SECURITY_SCHEME: []}]
                assert op["x-roles"] == sorted(r.value for r in declared.roles)
                assert {"401", "403"} <= set(op["responses"])
            if "{" in path:
                assert "404" in op["responses"]
    for path in ("/v1/admin/complaints", "/v1/admin/channels/{channel}/callback"):
        assert all(op["x-roles"] == ["admin"] for op in doc["paths"][path].values())


def test_schemas_are_valid_json_schema_and_refs_resolve() -> None:
    import app

    doc = openapi.document(app.app)
    schemas = doc["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    refs = {r.rsplit("/", 1)[-1] for r in _refs(doc)}
    assert refs <= set(schemas), refs - set(schemas)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        return ({node["$ref"]} if "$ref" in node else set()).union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def test_document_is_served_publicly(client: Any) -> None:
    import app

    resp = client.http.get("/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert json.loads(resp.body) == json.loads(json.dumps(openapi.document(app.app)))


def test_a_complaints_photos_are_in_the_contract_as_public_jpegs() -> None:
    import app

    doc = openapi.document(app.app)
    op = doc["paths"]["/v1/complaints/{tracking_id}/photos/{n}"]["get"]
    assert op["security"] == [] and set(op["responses"]) == {"200", "400", "404"}
    assert list(op["responses"]["200"]["content"]) == ["image/jpeg"]
    view = doc["components"]["schemas"]["PublicComplaint"]["properties"]["photos"]
    assert view["items"]["$ref"].endswith("/PublicPhoto")
