"""aduan-hub: routes and event handlers wired to chalicelib. No logic here."""

from chalice import Chalice

from chalicelib import api, handlers

app = Chalice(app_name="aduan-hub")
app.api.cors = False

FORWARD_QUEUE = "aduan-hub-forward"


@app.route("/v1/categories", methods=["GET"])
def list_categories():
    return api.list_categories()


@app.route("/v1/complaints", methods=["POST"], content_types=["application/json"])
def submit_complaint():
    return api.submit_complaint(app.current_request)


@app.route("/v1/complaints/{tracking_id}", methods=["GET"])
def get_complaint(tracking_id):
    return api.get_complaint(tracking_id)


@app.on_sqs_message(queue=FORWARD_QUEUE, batch_size=10)
def forward_to_lapor(event):
    return handlers.forward_batch(event.to_dict(), event.context)
