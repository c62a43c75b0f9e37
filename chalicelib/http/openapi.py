"""The `/v1` contract: one small declaration per route, and the OpenAPI 3.1 document built from them.

Each route in chalicelib/routes/ carries, under its `@bp.route(...)`, one `@declare(...)`:
a summary, who may call it (`roles=PUBLIC`, `ADMIN`, `STAFF` or any set of
`Role`s), the pydantic models of its body, query string and answers, and the
error statuses it adds to the usual ones. The same declaration is what the
sign-in gate enforces (chalicelib/http/signin.py), so the document cannot say a route is
open while the code guards it, or the other way round. The document itself is
generated on first request of `GET /v1/openapi.json`, never at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from chalicelib.domain.access import Role
from chalicelib.settings import settings

F = TypeVar("F", bound=Callable[..., Any])
#: a model read from requests or written into answers (pydantic JSON Schema mode)
_Mode = Literal["validation", "serialization"]

#: who may call a route: nobody needs to sign in
PUBLIC: frozenset[Role] | None = None
#: the city's complaint coordinators only
ADMIN: frozenset[Role] = frozenset({Role.ADMIN})
#: every signed-in role
STAFF: frozenset[Role] = frozenset(Role)

#: route prefixes that are never public, declared or not: an undeclared route under them is admin-only
PROTECTED_PREFIXES = ("/v1/admin", "/v1/operator")


@dataclass(frozen=True)
class Header:
    """A request header a route reads (documented as a header parameter)."""

    name: str
    description: str
    required: bool = False
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string", "minLength": 1, "maxLength": 128})


IDEMPOTENCY_KEY = Header(
    "Idempotency-Key",
    "Makes a retry safe: the same key (and X-Client-Id) answers the same "
    "complaint. 16-255 visible ASCII characters, a new random one (e.g. a UUID) per complaint; "
    "scoped to the X-Client-Id sent with it (docs/intake.md)",
    schema={"type": "string", "minLength": 16, "maxLength": 255, "pattern": "^[!-~]+$"},
)
CLIENT_ID = Header(
    "X-Client-Id",
    "The app installation's own id (generated once per install, kept): scopes its "
    "Idempotency-Keys and its rate limit (docs/intake.md)",
    schema={"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[A-Za-z0-9._:-]+$"},
)
REPORTER_TOKEN = Header(
    "X-Reporter-Token",
    "The reporter token from the answer to the submission",
    required=True,
    schema={"type": "string", "minLength": 1, "maxLength": 256},
)
IF_MATCH = Header(
    "If-Match",
    "The complaint's `version` (its ETag) the action was decided on",
    required=True,
    schema={"type": "string", "minLength": 1, "maxLength": 64},
)


@dataclass(frozen=True)
class Media:
    """An answer that is not JSON (e.g. a CSV download): its media type and schema."""

    type: str
    schema: Mapping[str, Any]


#: a model: a pydantic class, "module:Name" (imported when the document is built), or a tuple of them (oneOf)
ModelSpec = type[BaseModel] | str | tuple[str, ...]
#: a success answer: a model, a non-JSON media type, a JSON schema as it is, or None (no body)
AnswerSpec = ModelSpec | Media | dict[str, Any] | None


@dataclass(frozen=True)
class Operation:
    summary: str
    roles: frozenset[Role] | None
    responses: Mapping[int, AnswerSpec]
    body: ModelSpec | None = None
    body_required: bool = True
    query: ModelSpec | None = None
    headers: tuple[Header, ...] = ()
    errors: frozenset[int] = frozenset()
    description: str = ""
    tag: str | None = None

    @property
    def public(self) -> bool:
        return self.roles is None


def declare(
    summary: str,
    *,
    roles: frozenset[Role] | None,
    responses: Mapping[int, AnswerSpec],
    body: ModelSpec | None = None,
    body_required: bool = True,
    query: ModelSpec | None = None,
    headers: Iterable[Header] = (),
    errors: Iterable[int] = (),
    description: str = "",
    tag: str | None = None,
) -> Callable[[F], F]:
    """Declare a route's contract; put it directly under the blueprint's `@bp.route(...)`.

    `responses`: success status -> model of the JSON body (None: no body). The usual errors
    are added by themselves: 400 when the route takes a body, query or path parameters;
    404 when the path has parameters; 401, 403 and 503 when it is not PUBLIC. Name any
    other status the route can answer in `errors` (e.g. 409, 422).
    """
    op = Operation(
        summary=summary,
        roles=None if roles is None else frozenset(roles),
        responses=dict(responses),
        body=body,
        body_required=body_required,
        query=query,
        headers=tuple(headers),
        errors=frozenset(errors),
        description=description,
        tag=tag,
    )

    def mark(fn: F) -> F:
        fn.__openapi__ = op  # type: ignore[attr-defined]
        return fn

    return mark


def operation_of(view_function: Callable[..., Any]) -> Operation | None:
    return getattr(view_function, "__openapi__", None)


def allowed_roles(path: str, op: Operation | None) -> frozenset[Role] | None:
    """Who may call a route (None: anyone). Undeclared routes under the protected prefixes are admin-only."""
    if op is not None:
        return op.roles
    return ADMIN if is_protected(path) else PUBLIC


def is_protected(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PROTECTED_PREFIXES)


def path_params(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


# -- the document ---------------------------------------------------------------

TITLE = "aduan-hub"
VERSION = "1"
SECURITY_SCHEME = "bearerAuth"
_REF = "#/components/schemas/{model}"

ERROR_TEXT = {
    400: "Bad input: `errors` names every bad field (Indonesian / English)",
    401: "Not signed in, or the token was refused (`error` says why; see `WWW-Authenticate`)",
    403: "Signed in, but this role may not use this route",
    404: "Not found (also: a complaint outside the caller's scope)",
    409: "Not possible in the complaint's current state (or a stale version)",
    413: "The request body is larger than this route takes (data/limits.json)",
    415: "The body must be application/json",
    422: "Conflicts with what the hub already holds (e.g. an Idempotency-Key reused for another body)",
    429: "Too many requests from this client: wait `Retry-After` seconds",
    503: "A service the hub needs is unavailable; try again shortly",
}
PATH_PARAMS = {
    "tracking_id": "The complaint's tracking id: the region's three-letter prefix, then e.g. `-7KQ4-M2XH`",
    "channel": "The channel: `rabeg`, `call112` or `psc119`",
    "unit_code": "A unit: `city`, `opd:<code>`, `kec:<kemendagri code>` or `kel:<kemendagri code>`",
}


def _resolve(spec: ModelSpec) -> Any:
    if isinstance(spec, str):
        import importlib

        module, _, name = spec.partition(":")
        return getattr(importlib.import_module(module), name)
    if isinstance(spec, tuple):
        from typing import Union

        return Union[tuple(_resolve(s) for s in spec)]  # noqa: UP007 (built at run time)
    return spec


def document(app: Any) -> dict[str, Any]:
    """OpenAPI 3.1 for every `/v1` route of `app` that carries a declaration."""
    from pydantic import TypeAdapter

    from chalicelib.schemas.common import ErrorBody

    routes = [
        (path, method, entry, operation_of(entry.view_function))
        for path, methods in sorted(app.routes.items())
        if path.startswith("/v1")
        for method, entry in sorted(methods.items())
    ]
    inputs: list[tuple[Any, _Mode, TypeAdapter[Any]]] = [(("error",), "serialization", TypeAdapter(ErrorBody))]
    for path, method, _entry, op in routes:
        if op is None:
            continue
        if op.body is not None:
            inputs.append(((path, method, "body"), "validation", TypeAdapter(_resolve(op.body))))
        if op.query is not None:
            inputs.append(((path, method, "query"), "validation", TypeAdapter(_resolve(op.query))))
        for status, model in op.responses.items():
            if model is not None and not isinstance(model, dict | Media):
                inputs.append(((path, method, status), "serialization", TypeAdapter(_resolve(model))))
    schemas, defs = TypeAdapter.json_schemas(inputs, ref_template=_REF)
    schema_of = {key: value for (key, _mode), value in schemas.items()}
    error_ref = schema_of[("error",)]

    paths: dict[str, dict[str, Any]] = {}
    for path, method, entry, op in routes:
        if op is None:
            continue  # tests/integration/test_openapi.py fails on an undeclared route
        paths.setdefault(path, {})[method.lower()] = _operation(path, method, entry, op, schema_of, defs, error_ref)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Public complaints for the regions this deployment serves (`GET /v1/jurisdictions`): "
            "intake from apps and channels, the public view, "
            "and the operators' and coordinators' API. Errors are in Indonesian and English.",
        },
        # the deployment's own address (settings' public base URL), so a client generated from it calls us
        "servers": [{"url": settings().public_base_url.rstrip("/"), "description": "aduan-hub"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The ID token of the operators' user pool (Cognito in AWS; `make token` locally). "
                    "Role from `cognito:groups`, unit from `custom:unit`; `x-roles` on each operation "
                    "lists the roles it admits.",
                }
            },
        },
    }


def _operation(
    path: str,
    method: str,
    entry: Any,
    op: Operation,
    schema_of: dict[Any, Any],
    defs: dict[str, Any],
    error_ref: dict[str, Any],
) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMS.get(name, name),
            "schema": {"type": "string", "minLength": 1, "maxLength": 64},
        }
        for name in path_params(path)
    ]
    if op.query is not None:
        params.extend(_query_params(schema_of[(path, method, "query")], defs))
    params.extend(
        {"name": h.name, "in": "header", "required": h.required, "description": h.description, "schema": dict(h.schema)}
        for h in op.headers
    )
    out: dict[str, Any] = {
        "operationId": entry.view_function.__name__,
        "summary": op.summary,
        "tags": [op.tag or _tag(path)],
    }
    if op.description or op.roles is not None:
        roles = "" if op.roles is None else "Roles: " + ", ".join(sorted(r.value for r in op.roles)) + "."
        out["description"] = " ".join(x for x in (op.description, roles) if x)
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": schema_of[(path, method, "body")]}},
        }
    responses: dict[str, Any] = {}
    for status, model in sorted(op.responses.items()):
        answer: dict[str, Any] = {"description": _success_text(status)}
        if isinstance(model, Media):
            answer["content"] = {model.type: {"schema": dict(model.schema)}}
        elif isinstance(model, dict):
            answer["content"] = {"application/json": {"schema": model}}
        elif model is not None:
            answer["content"] = {"application/json": {"schema": schema_of[(path, method, status)]}}
        responses[str(status)] = answer
    for status in sorted(_errors(path, op, entry)):
        answer = {
            "description": ERROR_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": error_ref}},
        }
        if status in (401, 403) and not op.public:
            answer["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "RFC 6750 Bearer challenge"}
            }
        responses[str(status)] = answer
    out["responses"] = responses
    out["security"] = [] if op.public else [{SECURITY_SCHEME: []}]
    if op.roles is not None:
        out["x-roles"] = sorted(r.value for r in op.roles)
    return out


def _errors(path: str, op: Operation, entry: Any) -> set[int]:
    from chalicelib.domain.limits import limits, route_key

    found = set(op.errors)
    if op.body is not None or op.query is not None or path_params(path) or op.headers:
        found.add(400)
    if op.body is not None:
        found.add(413)
    if any(limits().rate_limits.group_of(route_key(m, path)) for m in entry_methods(entry)):
        found.add(429)
    if path_params(path):
        found.add(404)
    if op.body is not None and getattr(entry, "content_types", None):
        found.add(415)
    if not op.public:
        found |= {401, 403, 503}
    return found


def entry_methods(entry: Any) -> list[str]:
    method = getattr(entry, "method", None)
    return [method] if method else []


def _query_params(schema: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    if "$ref" in schema:
        schema = defs["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": _not_null(prop)}
        if "description" in prop:
            param["description"] = prop["description"]
        out.append(param)
    return out


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string, never JSON null: `X | None` documents as X."""
    options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1 and "anyOf" in prop:
        rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
        return {**options[0], **rest}
    return prop


def _tag(path: str) -> str:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[2] in {"admin", "operator", "channels"} else "public"


def _success_text(status: int) -> str:
    return {200: "OK", 201: "Created", 202: "Accepted", 204: "Done (no body)"}.get(status, "OK")


def undeclared(app: Any) -> list[str]:
    """`METHOD /path` of every /v1 route without a declaration (the OpenAPI test fails on any)."""
    return [
        f"{method} {path}"
        for path, methods in sorted(app.routes.items())
        if path.startswith("/v1")
        for method, entry in sorted(methods.items())
        if operation_of(entry.view_function) is None
    ]
