"""Upload routes: presigned S3 forms for a reporter's photos, before the complaint or for one they filed."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.http.answers import handles_errors, respond
from chalicelib.http.inputs import json_body, known_id, parse
from chalicelib.http.openapi import PUBLIC, REPORTER_TOKEN, declare
from chalicelib.http.signin import reporter_refusal
from chalicelib.observability import complaint_context
from chalicelib.schemas import uploads as s

bp = Blueprint(__name__)


@bp.route("/v1/uploads", methods=["POST"], content_types=["application/json"])
@declare(
    "A presigned upload for a photo taken before the complaint (name its key in `attachments`)",
    roles=PUBLIC,
    body=s.UploadRequest,
    responses={201: s.UploadForm},
)
@handles_errors
def request_upload() -> Response:
    # A presigned form for a photo taken before the complaint: name its key in `attachments`.
    wanted = parse(s.UploadRequest, json_body(bp.current_request))
    return respond(201, bootstrap.attachments().presign_upload(wanted).body(), {"Cache-Control": "no-store"})


@bp.route("/v1/complaints/{tracking_id}/attachments", methods=["POST"], content_types=["application/json"])
@declare(
    "A presigned upload for a photo or document",
    roles=PUBLIC,
    body=s.AttachmentRequest,
    headers=[REPORTER_TOKEN],
    responses={201: s.UploadForm},
    errors=[401, 403, 409],
)
@handles_errors
def request_attachment_upload(tracking_id: str) -> Response:
    request = bp.current_request
    tracking_id = known_id(tracking_id)
    if (refusal := reporter_refusal(tracking_id, request)) is not None:
        return refusal
    wanted = parse(s.AttachmentRequest, json_body(request))
    with complaint_context(tracking_id):
        form = bootstrap.attachments().presign(tracking_id, wanted)
    return respond(201, form.body())
