"""aduan-hub: routes and event handlers wired to chalicelib. No logic here."""

from chalice import Chalice, IAMAuthorizer, Rate

from chalicelib import api, handlers, observability

app = Chalice(app_name="aduan-hub")
app.api.cors = False
app.register_middleware(observability.flush_metrics, "all")
app.register_middleware(observability.sweep_heartbeat, "scheduled")

FORWARD_QUEUE = "aduan-hub-forward"
CALLBACK_QUEUE = "aduan-hub-callbacks.fifo"


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
