"""Routes for the city's coordinators: parked complaints, call-centre reports, channels' callback URLs.

Admins only (declared ADMIN; the sign-in gate enforces it, and nothing under /v1/admin is
ever public); reporter data never leaves here.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.http.answers import error_response, handles_errors, respond
from chalicelib.http.inputs import json_body, known_id, parse
from chalicelib.http.openapi import ADMIN, declare
from chalicelib.http.signin import require_principal
from chalicelib.observability import complaint_context
from chalicelib.routes.channels import unknown_channel
from chalicelib.schemas import admin as s

bp = Blueprint(__name__)


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            [FieldProblem(name, "int_parsing", f"{name} harus berupa bilangan bulat", f"{name} must be a whole number")]
        ) from None


# -- complaints LAPOR! refused ----------------------------------------------------


@bp.route("/v1/admin/complaints", methods=["GET"])
@declare(
    "Complaints LAPOR! refused (needs_attention), with the reason",
    roles=ADMIN,
    query=s.AdminListQuery,
    responses={200: "chalicelib.services.admin:AdminPage"},
)
@handles_errors
def admin_list_complaints() -> Response:
    # Admins only (the sign-in gate); reporter data never leaves here.
    params = dict(bp.current_request.query_params or {})
    unknown = sorted(set(params) - set(s.AdminListQuery.model_fields))
    if unknown:  # as every other query: a parameter we do not read is refused, not ignored
        raise InvalidInput(
            [
                FieldProblem(name[:64], "extra_forbidden", "parameter tidak dikenal", "unknown parameter")
                for name in unknown[:5]
            ]
        )
    p = require_principal(bp.current_request)
    page = bootstrap.admin().list(params.get("status"), _int_param(params, "limit", 50), params.get("next"), by=p)
    return respond(200, page.model_dump(mode="json"), {"Cache-Control": "no-store"})


@bp.route("/v1/admin/complaints/{tracking_id}/retry", methods=["POST"])
@declare("Send a parked complaint to LAPOR! again", roles=ADMIN, responses={202: s.ComplaintState}, errors=[409])
@handles_errors
def admin_retry_complaint(tracking_id: str) -> Response:
    tracking_id = known_id(tracking_id)
    with complaint_context(tracking_id):
        complaint = bootstrap.admin().retry(tracking_id, by=require_principal(bp.current_request))
    return respond(202, {"tracking_id": complaint.tracking_id, "status": complaint.status.value})


# -- call-centre reports: confirm or dismiss -----------------------------------------


@bp.route("/v1/admin/complaints/{tracking_id}/confirm", methods=["POST"])
@declare(
    "Confirm a call-centre report: it goes to LAPOR!", roles=ADMIN, responses={200: s.ComplaintState}, errors=[409]
)
@handles_errors
def admin_confirm_call(tracking_id: str) -> Response:
    tracking_id = known_id(tracking_id)
    with complaint_context(tracking_id):
        c = bootstrap.channels().confirm(tracking_id, by=require_principal(bp.current_request))
    return respond(200, {"tracking_id": c.tracking_id, "status": c.status.value})


@bp.route("/v1/admin/complaints/{tracking_id}/dismiss", methods=["POST"], content_types=["application/json"])
@declare(
    "Dismiss a call-centre report (closed, never forwarded)",
    roles=ADMIN,
    body=s.DismissRequest,
    body_required=False,
    responses={200: s.ComplaintState},
    errors=[409],
)
@handles_errors
def admin_dismiss_call(tracking_id: str) -> Response:
    request = bp.current_request
    tracking_id = known_id(tracking_id)
    body = parse(s.DismissRequest, json_body(request)) if request.raw_body else s.DismissRequest()
    with complaint_context(tracking_id):
        c = bootstrap.channels().dismiss(tracking_id, body.reason, by=require_principal(request))
    return respond(200, {"tracking_id": c.tracking_id, "status": c.status.value})


# -- where a channel's status events go ---------------------------------------------


@bp.route("/v1/admin/channels/{channel}/callback", methods=["PUT"], content_types=["application/json"])
@declare(
    "Register the URL a channel's status events go to",
    roles=ADMIN,
    body=s.CallbackRegistration,
    responses={200: s.CallbackView},
)
@handles_errors
def admin_put_channel_callback(channel: str) -> Response:
    unknown = unknown_channel(channel)
    if unknown is not None:
        return unknown
    body = parse(s.CallbackRegistration, json_body(bp.current_request))
    region = require_principal(bp.current_request).region  # each region registers its own
    return respond(200, bootstrap.callbacks().register(channel, body.url, region), {"Cache-Control": "no-store"})


@bp.route("/v1/admin/channels/{channel}/callback", methods=["GET"])
@declare("The URL a channel's status events go to", roles=ADMIN, responses={200: s.CallbackView})
@handles_errors
def admin_get_channel_callback(channel: str) -> Response:
    unknown = unknown_channel(channel)
    if unknown is not None:
        return unknown
    found = bootstrap.callbacks().registration(channel, require_principal(bp.current_request).region)
    if found is None:
        return error_response(
            404, "not_found", "Kanal ini belum mendaftarkan URL callback", "This channel has no callback URL registered"
        )
    return respond(200, found, {"Cache-Control": "no-store"})


@bp.route("/v1/admin/channels/{channel}/callback", methods=["DELETE"])
@declare("Stop sending a channel its status events", roles=ADMIN, responses={204: None})
@handles_errors
def admin_delete_channel_callback(channel: str) -> Response:
    unknown = unknown_channel(channel)
    if unknown is not None:
        return unknown
    bootstrap.callbacks().unregister(channel, require_principal(bp.current_request).region)
    return Response(body="", status_code=204)
