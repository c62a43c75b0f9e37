"""The `/v1` contract: one small declaration per route, and the OpenAPI 3.1 document built from them.

Each route in app.py carries, under its `@app.route(...)`, one `@declare(...)`:
a summary, who may call it (`roles=PUBLIC`, `ADMIN`, `STAFF` or any set of
`Role`s), the pydantic models of its body, query string and answers, and the
error statuses it adds to the usual ones. The same declaration is what the
sign-in gate enforces (api.sign_in_gate), so the document cannot say a route is
open while the code guards it, or the other way round. The document itself is
generated on first request of `GET /v1/openapi.json`, never at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from chalicelib.domain.access import Role

F = TypeVar("F", bound=Callable[..., Any])

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
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string", "minLength": 1,
                                                                 "maxLength": 128})


IDEMPOTENCY_KEY = Header("Idempotency-Key", "Makes a retry safe: the same key answers the same complaint (1-128 "
                         "characters)")
REPORTER_TOKEN = Header("X-Reporter-Token", "The reporter token from the answer to the submission", required=True,
                        schema={"type": "string", "minLength": 1, "maxLength": 256})
IF_MATCH = Header("If-Match", "The complaint's `version` (its ETag) the action was decided on", required=True,
                  schema={"type": "string", "minLength": 1, "maxLength": 64})


@dataclass(frozen=True)
class Operation:
    summary: str
    roles: frozenset[Role] | None
    responses: Mapping[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    headers: tuple[Header, ...] = ()
    errors: frozenset[int] = frozenset()
    description: str = ""
    tag: str | None = None

    @property
    def public(self) -> bool:
        return self.roles is None


def declare(summary: str, *, roles: frozenset[Role] | None, responses: Mapping[int, type[BaseModel] | None],
            body: type[BaseModel] | None = None, body_required: bool = True, query: type[BaseModel] | None = None,
            headers: Iterable[Header] = (), errors: Iterable[int] = (), description: str = "",
            tag: str | None = None) -> Callable[[F], F]:
    """Declare a route's contract; put it directly under `@app.route(...)`.

    `responses`: success status -> model of the JSON body (None: no body). The usual errors
    are added by themselves: 400 when the route takes a body, query or path parameters;
    404 when the path has parameters; 401, 403 and 503 when it is not PUBLIC. Name any
    other status the route can answer in `errors` (e.g. 409, 422).
    """
    op = Operation(summary=summary, roles=None if roles is None else frozenset(roles), responses=dict(responses),
                   body=body, body_required=body_required, query=query, headers=tuple(headers),
                   errors=frozenset(errors), description=description, tag=tag)

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
