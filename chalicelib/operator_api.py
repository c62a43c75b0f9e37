"""HTTP entrypoint helpers for the operators' routes and the reporters' replies (docs/operators.md).

Parse, call a service, answer; the rules live in domain/actions.py and the
services. Order in every operator route: sign-in (the gate did it), then scope
(404 outside it, whatever the body), then the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from chalice.app import Request, Response

from chalicelib import bootstrap
from chalicelib.api import (
    _known_id,
    _public_view,
    _reporter_refusal,
    error_response,
    handles_errors,
    header,
    json_body,
    parse,
    require_principal,
    respond,
)
from chalicelib.domain.access import Principal
from chalicelib.domain.actions import Action, NotAllowedNow, NotPermitted
from chalicelib.domain.errors import FieldProblem, InvalidInput, StaleVersion
from chalicelib.domain.models import utcnow
from chalicelib.observability import complaint_context
from chalicelib.schemas import (
    ActionRequest,
    AttachmentRequest,
    CommentRequest,
    InboxPageOut,
    InboxParams,
    InboxRow,
    OperatorComplaint,
    RatingRequest,
    TemplateQuery,
)

NO_STORE = {"Cache-Control": "no-store"}
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def operator_errors(fn: Callable[..., Response]) -> Callable[..., Response]:
    """The operators' own refusals, then the usual ones (api.handles_errors)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        from chalicelib.services.actions import PreconditionRequired

        try:
            return fn(*args, **kwargs)
        except StaleVersion as err:
            resp = error_response(409, err.reason, err.message_id, err.message_en)
            return _with(resp, {"version": err.current}, {"ETag": etag(err.current)})
        except NotAllowedNow as err:
            allowed = [a.value for a in err.allowed]
            resp = error_response(
                409,
                "action_not_allowed",
                f"Tindakan {err.action.value} tidak dapat dilakukan saat status {err.situation.status.value}; "
                f"yang dapat dilakukan: {', '.join(allowed) or '-'}",
                f"{err.action.value} is not possible while the complaint is {err.situation.status.value}; "
                f"possible now: {', '.join(allowed) or '-'}",
            )
            return _with(resp, {"allowed_actions": allowed})
        except NotPermitted as err:
            return error_response(
                403,
                "action_not_permitted",
                f"Peran Anda tidak dapat melakukan tindakan {err}",
                f"Your role cannot take the action {err}",
            )
        except PreconditionRequired:
            return error_response(
                428,
                "if_match_required",
                "Header If-Match wajib diisi dengan versi pengaduan (ETag) yang Anda lihat",
                "The If-Match header is required: the complaint's version (ETag) you acted on",
            )

    return handles_errors(wrapper)


def _with(resp: Response, fields: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    import json

    body = json.loads(resp.body)
    body.update(fields)
    return respond(resp.status_code, body, {**(headers or {})})


def _if_match(request: Request) -> int | None:
    raw = header(request, "If-Match")
    if raw is None:
        return None
    found = _IF_MATCH.match(raw)
    if not found:
        raise InvalidInput(
            [
                FieldProblem(
                    "If-Match",
                    "invalid",
                    'If-Match harus versi pengaduan, mis. "7"',
                    'If-Match must be the complaint\'s version, e.g. "7"',
                )
            ]
        )
    return int(found.group(1))


# -- the inbox and one complaint ------------------------------------------------


@operator_errors
def operator_inbox(request: Request) -> Response:
    from chalicelib.services.inbox import InboxQuery

    p = require_principal(request)
    q = parse(InboxParams, dict(request.query_params or {}))
    now = utcnow()
    page = bootstrap.inbox().page(
        p,
        InboxQuery(
            status=q.status,
            channel=q.channel,
            category=q.category,
            kelurahan_code=q.kelurahan_code,
            overdue=q.overdue,
            assigned_to_me=q.assigned_to == "me",
            sort=q.sort,
            unit=q.unit,
            limit=q.limit,
            cursor=q.cursor,
        ),
        now,
    )
    out = InboxPageOut(
        complaints=[InboxRow.of(i, now) for i in page.items],
        counts=page.counts,
        next=page.next,
        inbox=page.holder,
        sort=page.sort,
    )  # type: ignore[arg-type]
    return respond(200, out.model_dump(mode="json"), NO_STORE)


def _operator_view(p: Principal, tracking_id: str) -> Response:
    from chalicelib.services.actions import allowed_actions

    complaint, item, timeline = bootstrap.inbox().detail(p, tracking_id)
    view = OperatorComplaint.of(complaint, item, timeline, allowed_actions(p, item), utcnow())
    return respond(200, view.model_dump(mode="json"), {**NO_STORE, "ETag": etag(complaint.version)})


@operator_errors
def operator_complaint(raw_id: str, request: Request) -> Response:
    p = require_principal(request)
    tracking_id = _known_id(raw_id)
    with complaint_context(tracking_id):
        return _operator_view(p, tracking_id)


@operator_errors
def operator_act(raw_id: str, request: Request) -> Response:
    p = require_principal(request)
    tracking_id = _known_id(raw_id)
    with complaint_context(tracking_id):
        bootstrap.inbox().visible(p, tracking_id)  # 404 outside the scope, whatever the body
        body = parse(ActionRequest, json_body(request))
        bootstrap.actions().act(p, tracking_id, Action(body.action), body.fields(), _if_match(request))
        return _operator_view(p, tracking_id)


@operator_errors
def operator_proof_upload(raw_id: str, request: Request) -> Response:
    """A presigned upload for a proof photo (then `resolve` with `attachment` = its key)."""
    p = require_principal(request)
    tracking_id = _known_id(raw_id)
    with complaint_context(tracking_id):
        bootstrap.inbox().visible(p, tracking_id)
        wanted = parse(AttachmentRequest, json_body(request))
        return respond(201, bootstrap.actions().proof_upload(p, tracking_id, wanted.content_type), NO_STORE)


@operator_errors
def operator_templates(request: Request) -> Response:
    from chalicelib.services.templates import templates_for

    require_principal(request)
    q = parse(TemplateQuery, dict(request.query_params or {}))
    return respond(200, templates_for(q.category).model_dump(mode="json"), {"Cache-Control": "private, max-age=300"})


# -- reporters answer back ----------------------------------------------------


@handles_errors
def complaint_comment(raw_id: str, request: Request) -> Response:
    """The reporter (X-Reporter-Token) adds a comment: operators read it, LAPOR! gets it."""
    tracking_id = _known_id(raw_id)
    if (refusal := _reporter_refusal(tracking_id, request)) is not None:
        return refusal
    body = parse(CommentRequest, json_body(request))
    bootstrap.conversation().comment(tracking_id, body.message)
    resp = _public_view(tracking_id, consistent=True)
    return Response(body=resp.body, status_code=201, headers=resp.headers)


@handles_errors
def complaint_rating(raw_id: str, request: Request) -> Response:
    """The reporter (X-Reporter-Token) rates the handling once it is resolved or closed (once)."""
    tracking_id = _known_id(raw_id)
    if (refusal := _reporter_refusal(tracking_id, request)) is not None:
        return refusal
    body = parse(RatingRequest, json_body(request))
    bootstrap.conversation().rate(tracking_id, body.stars, body.comment)
    resp = _public_view(tracking_id, consistent=True)
    return Response(body=resp.body, status_code=201, headers=resp.headers)
