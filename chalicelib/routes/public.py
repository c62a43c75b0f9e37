"""Routes for the public and the reporters: categories, reporting, reading, reopen/confirm, comments, rating, nearby.

Parse, call a service, answer; the rules live in the domain and the services. A reporter's
own actions need the token from the answer to the submission (X-Reporter-Token).
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain import reference
from chalicelib.domain.errors import NotFound
from chalicelib.domain.photos import CHECKED_PHOTO_TYPE as PHOTO_TYPE
from chalicelib.http.answers import handles_errors, respond
from chalicelib.http.inputs import header, idempotency_scope, json_body, known_id, parse
from chalicelib.http.openapi import CLIENT_ID, IDEMPOTENCY_KEY, PUBLIC, REPORTER_TOKEN, Media, declare
from chalicelib.http.signin import reporter_refusal
from chalicelib.schemas import public as s
from chalicelib.schemas.jurisdictions import JurisdictionList, JurisdictionSummary

bp = Blueprint(__name__)


@bp.route("/v1/categories", methods=["GET"])
@declare(
    "Complaint categories a reporting app offers (in one region)",
    roles=PUBLIC,
    query=s.CategoriesQuery,
    responses={200: s.CategoryList},
)
@handles_errors
def list_categories() -> Response:
    q = parse(s.CategoriesQuery, dict(bp.current_request.query_params or {}))
    cats = [c.model_dump() for c in bootstrap.jurisdictions().rules_or_refuse(q.jurisdiction).categories.values()]
    return respond(200, {"categories": cats}, {"Cache-Control": "public, max-age=300"})


@bp.route("/v1/jurisdictions", methods=["GET"])
@declare("The regions (kabupaten/kota) this deployment serves", roles=PUBLIC, responses={200: JurisdictionList})
def list_jurisdictions() -> Response:
    listed = [JurisdictionSummary.model_validate(j).model_dump() for j in bootstrap.jurisdictions().summaries()]
    return respond(200, {"jurisdictions": listed}, {"Cache-Control": "public, max-age=300"})


@bp.route("/v1/complaints", methods=["POST"], content_types=["application/json"])
@declare(
    "Report a complaint",
    roles=PUBLIC,
    body=s.ComplaintSubmission,
    headers=[IDEMPOTENCY_KEY, CLIENT_ID],
    responses={201: s.SubmissionAccepted},
    errors=[422],
)
@handles_errors
def submit_complaint() -> Response:
    from chalicelib.domain.commands import NewComplaint
    from chalicelib.services.intake import request_fingerprint

    request = bp.current_request
    scope = idempotency_scope(request)
    key = header(request, "Idempotency-Key")
    payload = json_body(request)
    submission = parse(s.ComplaintSubmission, payload)
    accepted = bootstrap.intake().accept(
        NewComplaint(submission=submission, jurisdiction=submission.jurisdiction),
        idempotency_scope=scope,
        idempotency_key=key,
        fingerprint=request_fingerprint(payload) if key else None,
    )
    headers = {"Location": f"/v1/complaints/{accepted.tracking_id}", "Cache-Control": "no-store"}  # a token
    if accepted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(201, accepted.body(), headers)


@bp.route("/v1/complaints/{tracking_id}", methods=["GET"])
@declare("A complaint as the public sees it, with its timeline", roles=PUBLIC, responses={200: s.PublicComplaint})
@handles_errors
def get_complaint(tracking_id: str) -> Response:
    return _public_view(known_id(tracking_id))


def _public_view(tracking_id: str, consistent: bool = False) -> Response:
    """The public view, from one Query; consistent right after our own write."""
    complaint, timeline = bootstrap.complaints().with_timeline(tracking_id, consistent=consistent)
    if complaint is None:
        raise NotFound(tracking_id)
    photos = bootstrap.public_photos().listed(complaint)
    rules = bootstrap.jurisdictions().rules(complaint.jurisdiction)
    view = s.PublicComplaint.of(complaint, timeline, photos, rules.sla if rules else None)
    return respond(200, view.model_dump(mode="json"))


@bp.route("/v1/complaints/{tracking_id}/photos/{n}", methods=["GET"])
@declare(
    "One of a complaint's photos, as the hub checked and re-encoded it (JPEG, no metadata)",
    roles=PUBLIC,
    responses={200: Media(PHOTO_TYPE, {"type": "string", "format": "binary"})},
    description="The addresses are those the public view lists in `photos`; anything else, a photo not "
    "checked yet or refused, and every photo of a confidential complaint, is the 404 of an unknown id.",
)
@handles_errors
def get_complaint_photo(tracking_id: str, n: str) -> Response:
    complaint = bootstrap.complaints().get(known_id(tracking_id), consistent=False)
    data = bootstrap.public_photos().jpeg(complaint, n)
    # a number always names the same checked file (attachments are only ever appended)
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": PHOTO_TYPE,
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


# -- closing the loop with the reporter ------------------------------


@bp.route("/v1/complaints/{tracking_id}/reopen", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter reopens a resolved complaint",
    roles=PUBLIC,
    body=s.ReopenRequest,
    headers=[REPORTER_TOKEN],
    responses={200: s.PublicComplaint},
    errors=[401, 403, 409],
)
@handles_errors
def reopen_complaint(tracking_id: str) -> Response:
    # The reporter (X-Reporter-Token) may reopen within the window.
    request = bp.current_request
    tracking_id = known_id(tracking_id)
    if (refusal := reporter_refusal(tracking_id, request)) is not None:
        return refusal
    body = parse(s.ReopenRequest, json_body(request))
    bootstrap.closing().reopen(tracking_id, body.reason)
    return _public_view(tracking_id, consistent=True)


@bp.route("/v1/complaints/{tracking_id}/confirm-resolved", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter confirms it is solved (closed at once)",
    roles=PUBLIC,
    headers=[REPORTER_TOKEN],
    responses={200: s.PublicComplaint},
    errors=[401, 403, 409],
)
@handles_errors
def confirm_resolved(tracking_id: str) -> Response:
    # The reporter (X-Reporter-Token) agrees it is solved: closed at once.
    tracking_id = known_id(tracking_id)
    if (refusal := reporter_refusal(tracking_id, bp.current_request)) is not None:
        return refusal
    bootstrap.closing().confirm_resolved(tracking_id)
    return _public_view(tracking_id, consistent=True)


# -- reporters answer back ----------------------------------------------------


@bp.route("/v1/complaints/{tracking_id}/comments", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter adds a comment (operators read it; LAPOR! gets it as a follow-up)",
    roles=PUBLIC,
    body=s.CommentRequest,
    headers=[REPORTER_TOKEN],
    responses={201: s.PublicComplaint},
    errors=[401, 403, 409],
)
@handles_errors
def comment_on_complaint(tracking_id: str) -> Response:
    # The reporter (X-Reporter-Token) adds a comment: operators read it, LAPOR! gets it.
    request = bp.current_request
    tracking_id = known_id(tracking_id)
    if (refusal := reporter_refusal(tracking_id, request)) is not None:
        return refusal
    body = parse(s.CommentRequest, json_body(request))
    bootstrap.conversation().comment(tracking_id, body.message)
    resp = _public_view(tracking_id, consistent=True)
    return Response(body=resp.body, status_code=201, headers=resp.headers)


@bp.route("/v1/complaints/{tracking_id}/rating", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter rates the handling, once, when resolved or closed",
    roles=PUBLIC,
    body=s.RatingRequest,
    headers=[REPORTER_TOKEN],
    responses={201: s.PublicComplaint},
    errors=[401, 403, 409],
)
@handles_errors
def rate_complaint(tracking_id: str) -> Response:
    # The reporter (X-Reporter-Token) rates the handling once it is resolved or closed (once).
    request = bp.current_request
    tracking_id = known_id(tracking_id)
    if (refusal := reporter_refusal(tracking_id, request)) is not None:
        return refusal
    body = parse(s.RatingRequest, json_body(request))
    bootstrap.conversation().rate(tracking_id, body.stars, body.comment)
    resp = _public_view(tracking_id, consistent=True)
    return Response(body=resp.body, status_code=201, headers=resp.headers)


# -- already reported nearby ----------------------------------------------------


@bp.route("/v1/complaints/nearby", methods=["GET"])  # the literal path wins over {tracking_id}
@declare(
    "Open complaints of one category within about 200 m",
    roles=PUBLIC,
    query=s.NearbyQuery,
    responses={200: s.NearbyAnswer},
)
@handles_errors
def nearby_complaints() -> Response:
    # Open complaints of one category within ~200 m: public fields only.
    from chalicelib.services.nearby import RADIUS_M

    q = parse(s.NearbyQuery, dict(bp.current_request.query_params or {}))
    reference.category(q.category)
    region = q.jurisdiction or bootstrap.jurisdictions().code_at(q.lat, q.lon)
    if region == reference.default_code():
        s.check_in_default_area(q.lat, q.lon)
    elif bootstrap.jurisdictions().get(region) is None:
        from chalicelib.services.jurisdictions import unknown_jurisdiction

        raise unknown_jurisdiction()
    found = bootstrap.nearby().find(q.lat, q.lon, q.category, region=region)
    return respond(
        200,
        {
            "radius_m": int(RADIUS_M),
            "complaints": [
                s.NearbyComplaint.of(m.complaint, m.distance_m).model_dump(mode="json") for m in found.matches
            ],
        },
        {"Cache-Control": "public, max-age=30"},
    )
