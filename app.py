"""aduan-hub: routes and event handlers wired to chalicelib. No logic here."""

from chalice import Chalice, Rate

from chalicelib import api, api_open311, handlers, observability, operator_api
from chalicelib import schemas as s
from chalicelib.openapi import (
    ADMIN,
    CLIENT_ID,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    PUBLIC,
    REPORTER_TOKEN,
    STAFF,
    Header,
    Media,
    declare,
)

app = Chalice(app_name="aduan-hub")
app.api.cors = False
app.register_middleware(observability.flush_metrics, "all")
app.register_middleware(api.guard, "http")  # body and rate limits of every route (data/limits.json)
app.register_middleware(observability.sweep_heartbeat, "scheduled")
app.register_middleware(api.sign_in_gate(app), "http")  # every non-public route: a verified token of its roles

FORWARD_QUEUE = "aduan-hub-forward"
CALLBACK_QUEUE = "aduan-hub-callbacks.fifo"
#: the complaints table's stream; infra/template.json sets the real ARN (Fn::GetAtt) in the
#: merged template, and the local event pump finds the stream of TABLE_NAME by itself
COMPLAINTS_STREAM = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/aduan-hub/stream/set-by-template"

# Each route below carries one `@declare(...)`: its OpenAPI entry (GET /v1/openapi.json) and the roles the
# sign-in gate admits (chalicelib/openapi.py, docs/operators.md).
CHANNEL_RECORDS = (
    "chalicelib.channels.rabeg:RabegRecord",
    "chalicelib.channels.call112:Call112Record",
    "chalicelib.channels.psc119:Psc119Record",
)
CHANNEL_SIGNATURE = Header(
    "X-Aduan-Signature",
    "t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<body>'>",
    required=True,
    schema={"type": "string", "minLength": 1, "maxLength": 512},
)


@app.route("/v1/openapi.json", methods=["GET"])
@declare("This document: the /v1 contract (OpenAPI 3.1)", roles=PUBLIC, responses={200: {"type": "object"}})
def openapi_document():
    return api.openapi_document(app)


@app.route("/v1/categories", methods=["GET"])
@declare("Complaint categories a reporting app offers", roles=PUBLIC, responses={200: s.CategoryList})
def list_categories():
    return api.list_categories()


@app.route("/v1/complaints", methods=["POST"], content_types=["application/json"])
@declare(
    "Report a complaint",
    roles=PUBLIC,
    body=s.ComplaintSubmission,
    headers=[IDEMPOTENCY_KEY, CLIENT_ID],
    responses={201: s.SubmissionAccepted},
    errors=[422],
)
def submit_complaint():
    return api.submit_complaint(app.current_request)


@app.route("/v1/complaints/{tracking_id}", methods=["GET"])
@declare("A complaint as the public sees it, with its timeline", roles=PUBLIC, responses={200: s.PublicComplaint})
def get_complaint(tracking_id):
    return api.get_complaint(tracking_id)


@app.route("/v1/complaints/{tracking_id}/reopen", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter reopens a resolved complaint",
    roles=PUBLIC,
    body=s.ReopenRequest,
    headers=[REPORTER_TOKEN],
    responses={200: s.PublicComplaint},
    errors=[401, 403, 409],
)
def reopen_complaint(tracking_id):
    return api.reopen_complaint(tracking_id, app.current_request)


@app.route("/v1/complaints/{tracking_id}/confirm-resolved", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter confirms it is solved (closed at once)",
    roles=PUBLIC,
    headers=[REPORTER_TOKEN],
    responses={200: s.PublicComplaint},
    errors=[401, 403, 409],
)
def confirm_resolved(tracking_id):
    return api.confirm_resolved(tracking_id, app.current_request)


@app.route("/v1/uploads", methods=["POST"], content_types=["application/json"])
@declare(
    "A presigned upload for a photo taken before the complaint (name its key in `attachments`)",
    roles=PUBLIC,
    body=s.UploadRequest,
    responses={201: s.UploadForm},
)
def request_upload():
    return api.request_upload(app.current_request)


@app.route("/v1/complaints/{tracking_id}/comments", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter adds a comment (operators read it; LAPOR! gets it as a follow-up)",
    roles=PUBLIC,
    body=s.CommentRequest,
    headers=[REPORTER_TOKEN],
    responses={201: s.PublicComplaint},
    errors=[401, 403, 409],
)
def comment_on_complaint(tracking_id):
    return operator_api.complaint_comment(tracking_id, app.current_request)


@app.route("/v1/complaints/{tracking_id}/rating", methods=["POST"], content_types=["application/json"])
@declare(
    "The reporter rates the handling, once, when resolved or closed",
    roles=PUBLIC,
    body=s.RatingRequest,
    headers=[REPORTER_TOKEN],
    responses={201: s.PublicComplaint},
    errors=[401, 403, 409],
)
def rate_complaint(tracking_id):
    return operator_api.complaint_rating(tracking_id, app.current_request)


# -- operators: one inbox over every channel, actions (docs/operators.md) ----


@app.route("/v1/operator/complaints", methods=["GET"])
@declare(
    "The caller's inbox: filters, newest or urgent, counts per status, cursor",
    roles=STAFF,
    query=s.InboxParams,
    responses={200: s.InboxPageOut},
    tag="operators",
)
def operator_inbox():
    return operator_api.operator_inbox(app.current_request)


@app.route("/v1/operator/complaints/{tracking_id}", methods=["GET"])
@declare(
    "One complaint as an operator in scope sees it (ETag: its version)",
    roles=STAFF,
    responses={200: s.OperatorComplaint},
    tag="operators",
)
def operator_complaint(tracking_id):
    return operator_api.operator_complaint(tracking_id, app.current_request)


@app.route("/v1/operator/complaints/{tracking_id}/actions", methods=["POST"], content_types=["application/json"])
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
def operator_act(tracking_id):
    return operator_api.operator_act(tracking_id, app.current_request)


@app.route("/v1/operator/complaints/{tracking_id}/attachments", methods=["POST"], content_types=["application/json"])
@declare(
    "A presigned upload for a proof photo, named in `resolve` (attachment)",
    roles=STAFF,
    body=s.AttachmentRequest,
    responses={201: s.UploadForm},
    errors=[409],
    tag="operators",
)
def operator_proof_upload(tracking_id):
    return operator_api.operator_proof_upload(tracking_id, app.current_request)


@app.route("/v1/operator/templates", methods=["GET"])
@declare(
    "Answers to start from, per category",
    roles=STAFF,
    query=s.TemplateQuery,
    responses={200: s.TemplateList},
    tag="operators",
)
def operator_templates():
    return operator_api.operator_templates(app.current_request)


@app.route("/v1/complaints/{tracking_id}/attachments", methods=["POST"], content_types=["application/json"])
@declare(
    "A presigned upload for a photo or document",
    roles=PUBLIC,
    body=s.AttachmentRequest,
    headers=[REPORTER_TOKEN],
    responses={201: s.UploadForm},
    errors=[401, 403, 409],
)
def request_attachment_upload(tracking_id):
    return api.request_attachment_upload(tracking_id, app.current_request)


@app.route("/v1/admin/complaints", methods=["GET"])
@declare(
    "Complaints LAPOR! refused (needs_attention), with the reason",
    roles=ADMIN,
    query=s.AdminListQuery,
    responses={200: "chalicelib.services.admin:AdminPage"},
)
def admin_list_complaints():
    return api.admin_list_complaints(app.current_request)


@app.route("/v1/admin/complaints/{tracking_id}/retry", methods=["POST"])
@declare("Send a parked complaint to LAPOR! again", roles=ADMIN, responses={202: s.ComplaintState}, errors=[409])
def admin_retry_complaint(tracking_id):
    return api.admin_retry_complaint(tracking_id)


# -- channels, 112 confirmation, callbacks, nearby (docs/channels.md) ----


@app.route("/v1/complaints/nearby", methods=["GET"])  # the literal path wins over {tracking_id}
@declare(
    "Open complaints of one category within about 200 m",
    roles=PUBLIC,
    query=s.NearbyQuery,
    responses={200: s.NearbyAnswer},
)
def nearby_complaints():
    return api.nearby_complaints(app.current_request)


@app.route("/v1/channels/{channel}/complaints", methods=["POST"], content_types=["application/json"])
@declare(
    "A channel's signed webhook (Rabeg, 112, 119)",
    roles=PUBLIC,
    body=CHANNEL_RECORDS,
    headers=[CHANNEL_SIGNATURE],
    responses={200: s.ChannelAccepted, 201: s.ChannelAccepted},
    errors=[401, 422, 503],
    tag="channels",
)
def channel_complaint(channel):
    return api.channel_complaint(channel, app.current_request)


@app.route("/v1/admin/complaints/{tracking_id}/confirm", methods=["POST"])
@declare(
    "Confirm a call-centre report: it goes to LAPOR!", roles=ADMIN, responses={200: s.ComplaintState}, errors=[409]
)
def admin_confirm_call(tracking_id):
    return api.admin_confirm_call(tracking_id)


@app.route("/v1/admin/complaints/{tracking_id}/dismiss", methods=["POST"], content_types=["application/json"])
@declare(
    "Dismiss a call-centre report (closed, never forwarded)",
    roles=ADMIN,
    body=s.DismissRequest,
    body_required=False,
    responses={200: s.ComplaintState},
    errors=[409],
)
def admin_dismiss_call(tracking_id):
    return api.admin_dismiss_call(tracking_id, app.current_request)


@app.route("/v1/admin/channels/{channel}/callback", methods=["PUT"], content_types=["application/json"])
@declare(
    "Register the URL a channel's status events go to",
    roles=ADMIN,
    body=s.CallbackRegistration,
    responses={200: s.CallbackView},
)
def admin_put_channel_callback(channel):
    return api.admin_put_channel_callback(channel, app.current_request)


@app.route("/v1/admin/channels/{channel}/callback", methods=["GET"])
@declare("The URL a channel's status events go to", roles=ADMIN, responses={200: s.CallbackView})
def admin_get_channel_callback(channel):
    return api.admin_get_channel_callback(channel)


@app.route("/v1/admin/channels/{channel}/callback", methods=["DELETE"])
@declare("Stop sending a channel its status events", roles=ADMIN, responses={204: None})
def admin_delete_channel_callback(channel):
    return api.admin_delete_channel_callback(channel)


@app.on_sqs_message(queue=FORWARD_QUEUE, batch_size=10)
def forward_to_lapor(event):
    return handlers.forward_batch(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def escalate_overdue(event):
    return handlers.escalate_overdue(event.to_dict(), event.context)


@app.schedule(Rate(2, unit=Rate.MINUTES))
def reconcile_outbox(event):
    return handlers.reconcile_outbox(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sync_lapor_status(event):
    return handlers.sync_lapor_status(event.to_dict(), event.context)


@app.on_sqs_message(queue=CALLBACK_QUEUE, batch_size=1)
def deliver_channel_event(event):
    return handlers.deliver_channel_events(event.to_dict(), event.context)


# -- public statistics (docs/statistics.md) ------------------------------


@app.route("/", methods=["GET"])
def public_page():
    return api.public_page()


@app.route("/transparansi", methods=["GET"])
def public_page_transparansi():
    return api.public_page()


@app.route("/static/{name}", methods=["GET"])
def public_asset(name):
    return api.public_asset(name)


@app.route("/v1/stats", methods=["GET"])
@declare(
    "Public figures of every unit of a level, in one window and view",
    roles=PUBLIC,
    query=s.StatsQuery,
    responses={200: s.StatsTable},
)
def stats():
    return api.stats(app.current_request)


@app.route("/v1/stats.csv", methods=["GET"])
@declare(
    "The public figures as open data (CSV, UTF-8): one row per unit and window",
    roles=PUBLIC,
    query=s.StatsCsvQuery,
    responses={200: Media("text/csv", {"type": "string"})},
)
def stats_csv():
    return api.stats_csv(app.current_request)


@app.route("/v1/stats/units/{unit_code}", methods=["GET"])
@declare(
    "One unit's figures per window and its last 12 months",
    roles=PUBLIC,
    query=s.StatsUnitQuery,
    responses={200: s.StatsUnitView},
)
def stats_unit(unit_code):
    return api.stats_unit(unit_code, app.current_request)


@app.route("/v1/public/complaints", methods=["GET"])
@declare(
    "The complaints behind a figure (public view, newest first, cursor pages)",
    roles=PUBLIC,
    query=s.PublicListQuery,
    responses={200: s.PublicList},
    errors=[404],
)
def public_complaints():
    return api.public_complaints(app.current_request)


@app.on_dynamodb_record(stream_arn=COMPLAINTS_STREAM, batch_size=100, starting_position="TRIM_HORIZON")
def count_complaint_changes(event):
    return handlers.count_complaint_changes(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def refresh_statistics(event):
    return handlers.refresh_statistics(event.to_dict(), event.context)


# -- Open311 GeoReport v2 (docs/open311.md) -------------------------------------
# Public (the POST checks its api_key itself); their contract is the GeoReport v2 spec, not /v1/openapi.json.
# API Gateway cannot mix a literal and a parameter in one path segment: literal routes for
# `.json` / `.xml`, and one parameter holding "<id or code>.<format>" where the path has one.

OPEN311 = "/open311/v2"
#: a form is what Open311 clients send; the others reach the handler to get the spec's 400
OPEN311_POST_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain"]


@app.route(f"{OPEN311}/discovery.json", methods=["GET"])
def open311_discovery_json():
    return api_open311.discovery(app.current_request, "json")


@app.route(f"{OPEN311}/discovery.xml", methods=["GET"])
def open311_discovery_xml():
    return api_open311.discovery(app.current_request, "xml")


@app.route(f"{OPEN311}/services.json", methods=["GET"])
def open311_services_json():
    return api_open311.services(app.current_request, "json")


@app.route(f"{OPEN311}/services.xml", methods=["GET"])
def open311_services_xml():
    return api_open311.services(app.current_request, "xml")


@app.route(OPEN311 + "/services/{service_code}", methods=["GET"])
def open311_service_definition(service_code):
    return api_open311.service_definition(app.current_request, service_code)


@app.route(f"{OPEN311}/requests.json", methods=["GET"])
def open311_requests_json():
    return api_open311.get_requests(app.current_request, "json")


@app.route(f"{OPEN311}/requests.xml", methods=["GET"])
def open311_requests_xml():
    return api_open311.get_requests(app.current_request, "xml")


@app.route(f"{OPEN311}/requests.json", methods=["POST"], content_types=OPEN311_POST_TYPES)
def open311_post_request_json():
    return api_open311.post_request(app.current_request, "json")


@app.route(f"{OPEN311}/requests.xml", methods=["POST"], content_types=OPEN311_POST_TYPES)
def open311_post_request_xml():
    return api_open311.post_request(app.current_request, "xml")


@app.route(OPEN311 + "/requests/{service_request_id}", methods=["GET"])
def open311_request(service_request_id):
    return api_open311.get_request(app.current_request, service_request_id)


@app.route(OPEN311 + "/tokens/{token}", methods=["GET"])
def open311_token(token):
    return api_open311.get_token(app.current_request, token)
