"""Routes for the operators: one inbox over every channel, one complaint, actions, proof photos, templates.

Parse, call a service, answer; the rules live in domain/actions.py and the services
(docs/operators.md). Order in every route: sign-in (the gate did it), then scope (404
outside it, whatever the body), then the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib import bootstrap
from chalicelib.domain.access import Principal
from chalicelib.domain.actions import Action, NotAllowedNow, NotPermitted
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound, StaleVersion
from chalicelib.domain.models import utcnow
from chalicelib.http.answers import error_response, handles_errors, respond
from chalicelib.http.inputs import header, json_body, known_id, parse
from chalicelib.http.openapi import ADMIN, IF_MATCH, STAFF, Media, declare
from chalicelib.http.signin import require_principal
from chalicelib.observability import complaint_context
from chalicelib.schemas import operators as s
from chalicelib.schemas.uploads import AttachmentRequest, UploadForm

bp = Blueprint(__name__)

NO_STORE = {"Cache-Control": "no-store"}
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def operator_errors(fn: Callable[..., Response]) -> Callable[..., Response]:
    """The operators' own refusals, then the usual ones (answers.handles_errors)."""

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


@bp.route("/v1/operator/complaints", methods=["GET"])
@declare(
    "The caller's inbox: filters, newest or urgent, counts per status, cursor",
    roles=STAFF,
    query=s.InboxParams,
    responses={200: s.InboxPageOut},
    tag="operators",
)
@operator_errors
def operator_inbox() -> Response:
    from chalicelib.services.inbox import InboxQuery

    request = bp.current_request
    p = require_principal(request)
    q = parse(s.InboxParams, dict(request.query_params or {}))
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
            shelf=q.shelf,
        ),
        now,
    )
    out = s.InboxPageOut(
        complaints=[s.InboxRow.of(i, now) for i in page.items],
        counts=page.counts,
        next=page.next,
        inbox=page.holder,
        sort=page.sort,
    )
    return respond(200, out.model_dump(mode="json"), NO_STORE)


def _operator_view(p: Principal, tracking_id: str) -> Response:
    from chalicelib.services.actions import allowed_actions
    from chalicelib.services.operator_photos import photo_numbers

    complaint, item, timeline = bootstrap.inbox().detail(p, tracking_id)
    photos = photo_numbers(complaint.attachments, timeline)
    view = s.OperatorComplaint.of(complaint, item, timeline, allowed_actions(p, item), utcnow(), photos)
    return respond(200, view.model_dump(mode="json"), {**NO_STORE, "ETag": etag(complaint.version)})


@bp.route("/v1/operator/complaints/{tracking_id}", methods=["GET"])
@declare(
    "One complaint as an operator in scope sees it (ETag: its version)",
    roles=STAFF,
    responses={200: s.OperatorComplaint},
    tag="operators",
)
@operator_errors
def operator_complaint(tracking_id: str) -> Response:
    p = require_principal(bp.current_request)
    tracking_id = known_id(tracking_id)
    with complaint_context(tracking_id):
        return _operator_view(p, tracking_id)


@bp.route("/v1/operator/complaints/{tracking_id}/actions", methods=["POST"], content_types=["application/json"])
@declare(
    "Act on a complaint (acknowledge, assign, respond, note, resolve, reject, not-ours, reassign, "
    "duplicate-of, confirm, dismiss)",
    roles=STAFF,
    body=s.ActionRequest,
    headers=[IF_MATCH],
    responses={200: s.OperatorComplaint},
    errors=[409, 428],
    tag="operators",
)
@operator_errors
def operator_act(tracking_id: str) -> Response:
    request = bp.current_request
    p = require_principal(request)
    tracking_id = known_id(tracking_id)
    with complaint_context(tracking_id):
        bootstrap.inbox().visible(p, tracking_id)  # 404 outside the scope, whatever the body
        body = parse(s.ActionRequest, json_body(request))
        bootstrap.actions().act(p, tracking_id, Action(body.action), body.fields(), _if_match(request))
        return _operator_view(p, tracking_id)


@bp.route("/v1/operator/complaints/{tracking_id}/attachments", methods=["POST"], content_types=["application/json"])
@declare(
    "A presigned upload for a proof photo, named in `resolve` (attachment)",
    roles=STAFF,
    body=AttachmentRequest,
    responses={201: UploadForm},
    errors=[409],
    tag="operators",
)
@operator_errors
def operator_proof_upload(tracking_id: str) -> Response:
    # A presigned upload for a proof photo (then `resolve` with `attachment` = its key).
    request = bp.current_request
    p = require_principal(request)
    tracking_id = known_id(tracking_id)
    with complaint_context(tracking_id):
        bootstrap.inbox().visible(p, tracking_id)
        wanted = parse(AttachmentRequest, json_body(request))
        return respond(201, bootstrap.actions().proof_upload(p, tracking_id, wanted.content_type), NO_STORE)


@bp.route("/v1/operator/complaints/{tracking_id}/photos/{number}", methods=["GET"])
@declare(
    "A reporter's photo of a complaint in scope, checked by the hub (404 outside the scope, refused or absent)",
    roles=STAFF,
    responses={200: Media("image/jpeg", {"type": "string", "format": "binary"})},
    tag="operators",
)
@operator_errors
def operator_photo(tracking_id: str, number: str) -> Response:
    p = require_principal(bp.current_request)
    tracking_id = known_id(tracking_id)
    with complaint_context(tracking_id):
        if not number.isdigit() or len(number) > 3:
            raise NotFound(tracking_id)
        stored = bootstrap.operator_photos().photo(p, tracking_id, int(number))
        return Response(
            body=stored.data,
            status_code=200,
            headers={
                "Content-Type": stored.content_type,
                "Cache-Control": "private, max-age=300",
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": "inline",
            },
        )


@bp.route("/v1/operator/templates", methods=["GET"])
@declare(
    "Answers to start from, per category (the caller's unit's own first, then every unit's)",
    roles=STAFF,
    query=s.TemplateQuery,
    responses={200: s.TemplateList},
    tag="operators",
)
@operator_errors
def operator_templates() -> Response:
    request = bp.current_request
    p = require_principal(request)
    q = parse(s.TemplateQuery, dict(request.query_params or {}))
    listing = bootstrap.templates().listing(p, q.category)
    return respond(200, listing.model_dump(mode="json"), {"Cache-Control": "private, max-age=60"})


@bp.route("/v1/operator/templates/{template_id}", methods=["PUT"], content_types=["application/json"])
@declare(
    "The coordinator adds or edits a template (per category, optionally per unit); its history keeps the change",
    roles=ADMIN,
    body=s.TemplateIn,
    responses={200: s.ResponseTemplate},
    tag="operators",
)
@operator_errors
def operator_put_template(template_id: str) -> Response:
    request = bp.current_request
    p = require_principal(request)
    body = parse(s.TemplateIn, json_body(request))
    saved = bootstrap.templates().put(p, template_id, body.model_dump())
    return respond(200, saved.model_dump(mode="json"), NO_STORE)


@bp.route("/v1/operator/templates/{template_id}/history", methods=["GET"])
@declare(
    "Who changed a template, when, and what (before and after), oldest first",
    roles=STAFF,
    responses={200: s.TemplateHistory},
    tag="operators",
)
@operator_errors
def operator_template_history(template_id: str) -> Response:
    require_principal(bp.current_request)
    changes = bootstrap.templates().history(template_id)
    out = s.TemplateHistory(template_id=template_id, changes=[s.TemplateChange(**c) for c in changes])
    return respond(200, out.model_dump(mode="json"), NO_STORE)


# -- the people of a unit (whom an assignment may name) --------------------------


@bp.route("/v1/operator/people", methods=["GET"])
@declare(
    "The people of the caller's unit (the coordinator: of any unit, `?unit=`): whom `assign` may name",
    roles=STAFF,
    query=s.PeopleQuery,
    responses={200: s.PeopleOut},
    tag="operators",
)
@operator_errors
def operator_people() -> Response:
    request = bp.current_request
    p = require_principal(request)
    q = parse(s.PeopleQuery, dict(request.query_params or {}))
    out = s.PeopleOut(people=[s.Person(**row) for row in bootstrap.people().of_unit(p, q.unit)])
    return respond(200, out.model_dump(mode="json"), NO_STORE)


@bp.route("/v1/operator/people", methods=["POST"], content_types=["application/json"])
@declare(
    "The coordinator adds a person to a unit (before their first sign-in)",
    roles=ADMIN,
    body=s.PersonIn,
    responses={201: s.Person},
    tag="operators",
)
@operator_errors
def operator_add_person() -> Response:
    request = bp.current_request
    p = require_principal(request)
    body = parse(s.PersonIn, json_body(request))
    return respond(201, bootstrap.people().add(p, body.user, body.unit, body.name), NO_STORE)


# -- each person's notices ----------------------------------------------------------


@bp.route("/v1/operator/notifications", methods=["GET"])
@declare(
    "The caller's choice of notices (new complaint, due tomorrow, escalated, mentioned)",
    roles=STAFF,
    responses={200: s.NotificationPreferences},
    tag="operators",
)
@operator_errors
def operator_notifications() -> Response:
    p = require_principal(bp.current_request)
    return respond(200, bootstrap.people().preferences(p), NO_STORE)


@bp.route("/v1/operator/notifications", methods=["PUT"], content_types=["application/json"])
@declare(
    "The caller chooses their notices",
    roles=STAFF,
    body=s.NotificationPreferencesIn,
    responses={200: s.NotificationPreferences},
    tag="operators",
)
@operator_errors
def operator_set_notifications() -> Response:
    request = bp.current_request
    p = require_principal(request)
    body = parse(s.NotificationPreferencesIn, json_body(request))
    saved = bootstrap.people().set_preferences(p, body.email, body.events.model_dump(), body.digest)
    return respond(200, saved, NO_STORE)


@bp.route("/v1/operator/units/{unit}/notifications", methods=["GET"])
@declare(
    "The e-mail addresses that get a unit's notices",
    roles=ADMIN,
    responses={200: s.UnitAddresses},
    tag="operators",
)
@operator_errors
def operator_unit_addresses(unit: str) -> Response:
    p = require_principal(bp.current_request)
    return respond(200, bootstrap.people().unit_addresses(p, unit), NO_STORE)


@bp.route("/v1/operator/units/{unit}/notifications", methods=["PUT"], content_types=["application/json"])
@declare(
    "The coordinator sets the e-mail addresses that get a unit's notices",
    roles=ADMIN,
    body=s.UnitAddressesIn,
    responses={200: s.UnitAddresses},
    tag="operators",
)
@operator_errors
def operator_set_unit_addresses(unit: str) -> Response:
    request = bp.current_request
    p = require_principal(request)
    body = parse(s.UnitAddressesIn, json_body(request))
    return respond(200, bootstrap.people().set_unit_addresses(p, unit, list(body.emails), body.digest), NO_STORE)
