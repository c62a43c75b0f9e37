"""Signing in from tests: a development issuer on a free port, and tokens for any role and unit.

The `dev_issuer` fixture (tests/conftest.py, once per session) starts
`infra.local.dev_issuer.DevIssuer` with a throw-away key and points the app at
it (AUTH_ISSUER / AUTH_AUDIENCE), so every test that uses `client` can sign in:

    from tests.support.auth import admin_headers, bearer, token_for
    client.http.get("/v1/admin/complaints?status=needs_attention", headers=admin_headers())
    client.http.get("/v1/operator/complaints", headers=bearer("operator", "kel:36.73.05.1002", user="budi"))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_issuer: Any = None  # the session's DevIssuer, set by the dev_issuer fixture


def use_issuer(issuer: Any) -> None:
    global _issuer
    _issuer = issuer


def issuer() -> Any:
    if _issuer is None:
        raise RuntimeError("no test issuer: use the `dev_issuer` fixture (or `client`, which depends on it)")
    return _issuer


def token_for(role: str, unit: str | None, user: str | None = None, **claims: Any) -> str:
    """A valid ID token (as Cognito shapes it) from the test issuer; `claims` override (None removes)."""
    return issuer().mint(role, unit, user, **claims)


def bearer(role: str, unit: str | None, user: str | None = None, **claims: Any) -> dict[str, str]:
    """`Authorization` header for a signed-in caller."""
    return {"Authorization": f"Bearer {token_for(role, unit, user, **claims)}"}


def admin_headers(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Headers of the city's coordinator (role admin, unit city), plus `extra`."""
    return {**bearer("admin", "city", user="koordinator"), **(extra or {})}
