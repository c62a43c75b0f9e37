"""Who may call a route: the sign-in gate, role and scope checks, and the reporter's token (docs/operators.md).

Each route declares its roles beside itself (`@declare(..., roles=...)`, chalicelib/http/openapi.py);
the gate here enforces that declaration before any route function runs, so the document and
the code cannot disagree about who may call what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from chalice.app import Request, Response

from chalicelib import bootstrap
from chalicelib.domain.access import Holding, Principal, Role, Sight, sight
from chalicelib.domain.errors import Forbidden, NotFound, SignInUnavailable, Unauthenticated
from chalicelib.domain.models import Complaint
from chalicelib.http import openapi
from chalicelib.http.answers import error_response, refusal
from chalicelib.http.inputs import header
from chalicelib.observability import logger
from chalicelib.services.reporter_auth import HEADER, ReporterTokenMissing, ReporterTokenWrong, require_reporter

#: the attribute of a request holding its verified caller, once checked
PRINCIPAL_ATTRIBUTE = "_aduan_principal"


def require_principal(request: Request, roles: Iterable[Role] | None = None) -> Principal:
    """The verified caller of `request`; with `roles`, one of those roles.

    Raises `Unauthenticated` (401) without a valid token, `Forbidden` (403) for another
    role, `SignInUnavailable` (503) when the issuer's keys cannot be had; route functions
    wrapped in `handles_errors` answer them. Verified once per request (the sign-in gate
    usually already did)."""
    principal = getattr(request, PRINCIPAL_ATTRIBUTE, None)
    if principal is None:
        principal = bootstrap.signin().principal(header(request, "Authorization"))
        setattr(request, PRINCIPAL_ATTRIBUTE, principal)
    if roles is not None and principal.role not in set(roles):
        wanted = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(
            "role_not_allowed",
            f"Peran {principal.role.value} tidak boleh memakai layanan ini (perlu: {wanted})",
            f"The role {principal.role.value} may not use this (needs: {wanted})",
        )
    return principal


def require_in_scope(principal: Principal, complaint: Complaint) -> Complaint:
    """The complaint, when the caller may see it; `NotFound` (404, never 403) otherwise, so nothing leaks."""
    held = Holding(
        unit_code=complaint.unit.code if complaint.unit else None,
        channel=complaint.channel,
        status=complaint.status,
        dismissed=complaint.closed_how == "dismissed",
        jurisdiction=complaint.jurisdiction,
    )
    if sight(principal, held) == Sight.NONE:
        raise NotFound(complaint.tracking_id)
    return complaint


def gate(app: Any) -> Callable[[Request, Callable[[Request], Response]], Response]:
    """HTTP middleware: every route not declared PUBLIC needs a valid token of a declared role.

    Runs before any route function, so a route that forgot to ask still refuses strangers;
    routes under /v1/admin and /v1/operator are never public, declared or not."""

    def check(request: Request, get_response: Callable[[Request], Response]) -> Response:
        entry = app.routes.get(request.path, {}).get(request.method)
        op = openapi.operation_of(entry.view_function) if entry is not None else None
        roles = openapi.allowed_roles(request.path, op)
        if roles is None and not openapi.is_protected(request.path):
            return get_response(request)
        try:
            principal = require_principal(request, roles if roles is not None else openapi.ADMIN)
        except (Unauthenticated, SignInUnavailable) as err:
            logger.info(
                "sign-in refused",
                extra={"path": request.path, "method": request.method, "reason": getattr(err, "reason", "unavailable")},
            )
            return refusal(err)
        bootstrap.people().signed_in(principal)  # the register of each unit's people (assignments)
        logger.append_keys(user=principal.user, role=principal.role.value, unit=principal.unit)
        try:
            return get_response(request)
        finally:
            logger.remove_keys(["user", "role", "unit"])

    return check


def reporter_refusal(tracking_id: str, request: Request) -> Response | None:
    """Reporter actions need the token from the 201 answer: 401 without it, 403 when wrong."""
    try:
        require_reporter(bootstrap.complaints(), tracking_id, header(request, HEADER))
    except ReporterTokenMissing:
        return error_response(
            401,
            "reporter_token_required",
            f"Header {HEADER} wajib diisi dengan token pelapor dari jawaban saat pengaduan dikirim",
            f"The {HEADER} header is required: the reporter token from the answer to the submission",
        )
    except ReporterTokenWrong:
        return error_response(
            403,
            "reporter_token_invalid",
            f"Token pelapor di header {HEADER} tidak cocok untuk pengaduan ini",
            f"The reporter token in the {HEADER} header does not match this complaint",
        )
    return None
