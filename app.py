"""aduan-hub: routes and event handlers wired to chalicelib. No logic here."""

from chalice import Chalice, IAMAuthorizer, Rate

from chalicelib import api, handlers, observability

app = Chalice(app_name="aduan-hub")
app.api.cors = False
app.register_middleware(observability.flush_metrics, "all")

FORWARD_QUEUE = "aduan-hub-forward"
CALLBACK_QUEUE = "aduan-hub-callbacks.fifo"
#: the complaints table's stream; infra/template.json sets the real ARN (Fn::GetAtt) in the
#: merged template, and the local event pump finds the stream of TABLE_NAME by itself
COMPLAINTS_STREAM = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/aduan-hub/stream/set-by-template"


@app.route("/v1/categories", methods=["GET"])
def list_categories():
    return api.list_categories()


@app.route("/v1/complaints", methods=["POST"], content_types=["application/json"])
def submit_complaint():
    return api.submit_complaint(app.current_request)


@app.route("/v1/complaints/{tracking_id}", methods=["GET"])
def get_complaint(tracking_id):
    return api.get_complaint(tracking_id)


@app.route("/v1/complaints/{tracking_id}/reopen", methods=["POST"], content_types=["application/json"])
def reopen_complaint(tracking_id):
    return api.reopen_complaint(tracking_id, app.current_request)


@app.route("/v1/complaints/{tracking_id}/confirm-resolved", methods=["POST"],
           content_types=["application/json"])
def confirm_resolved(tracking_id):
    return api.confirm_resolved(tracking_id, app.current_request)


admin_auth = IAMAuthorizer()  # enforced by API Gateway in AWS; chalice local / tests do not check it


@app.route("/v1/complaints/{tracking_id}/attachments", methods=["POST"], content_types=["application/json"])
def request_attachment_upload(tracking_id):
    return api.request_attachment_upload(tracking_id, app.current_request)


@app.route("/v1/admin/complaints", methods=["GET"], authorizer=admin_auth)
def admin_list_complaints():
    return api.admin_list_complaints(app.current_request)


@app.route("/v1/admin/complaints/{tracking_id}/retry", methods=["POST"], authorizer=admin_auth)
def admin_retry_complaint(tracking_id):
    return api.admin_retry_complaint(tracking_id)


# -- channels, 112 confirmation, callbacks, nearby (docs/channels.md) ----


@app.route("/v1/complaints/nearby", methods=["GET"])  # the literal path wins over {tracking_id}
def nearby_complaints():
    return api.nearby_complaints(app.current_request)


@app.route("/v1/channels/{channel}/complaints", methods=["POST"], content_types=["application/json"])
def channel_complaint(channel):
    return api.channel_complaint(channel, app.current_request)


@app.route("/v1/admin/complaints/{tracking_id}/confirm", methods=["POST"], authorizer=admin_auth)
def admin_confirm_call(tracking_id):
    return api.admin_confirm_call(tracking_id)


@app.route("/v1/admin/complaints/{tracking_id}/dismiss", methods=["POST"], authorizer=admin_auth,
           content_types=["application/json"])
def admin_dismiss_call(tracking_id):
    return api.admin_dismiss_call(tracking_id, app.current_request)


@app.route("/v1/admin/channels/{channel}/callback", methods=["PUT"], authorizer=admin_auth,
           content_types=["application/json"])
def admin_put_channel_callback(channel):
    return api.admin_put_channel_callback(channel, app.current_request)


@app.route("/v1/admin/channels/{channel}/callback", methods=["GET"], authorizer=admin_auth)
def admin_get_channel_callback(channel):
    return api.admin_get_channel_callback(channel)


@app.route("/v1/admin/channels/{channel}/callback", methods=["DELETE"], authorizer=admin_auth)
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
def stats():
    return api.stats(app.current_request)


@app.route("/v1/stats.csv", methods=["GET"])
def stats_csv():
    return api.stats_csv(app.current_request)


@app.route("/v1/stats/units/{unit_code}", methods=["GET"])
def stats_unit(unit_code):
    return api.stats_unit(unit_code, app.current_request)


@app.route("/v1/public/complaints", methods=["GET"])
def public_complaints():
    return api.public_complaints(app.current_request)


@app.on_dynamodb_record(stream_arn=COMPLAINTS_STREAM, batch_size=100, starting_position="TRIM_HORIZON")
def count_complaint_changes(event):
    return handlers.count_complaint_changes(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def refresh_statistics(event):
    return handlers.refresh_statistics(event.to_dict(), event.context)
