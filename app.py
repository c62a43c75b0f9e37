"""aduan-hub: the app, its middleware, its blueprints (chalicelib/routes/) and its event handlers. No logic here."""

from chalice import Chalice, Rate

from chalicelib import handlers, observability
from chalicelib.http import limits, signin
from chalicelib.routes import admin, channels, figures, open311, operators, public, uploads, web

app = Chalice(app_name="aduan-hub")
app.api.cors = False
# A complaint's photo is a JPEG answer (routes/public.py). API Gateway turns it back into bytes only when
# the FIRST type of the request's Accept is binary, and browsers ask for an <img> with these first.
app.api.binary_types.extend(["image/avif", "image/webp"])
app.register_middleware(observability.flush_metrics, "all")
app.register_middleware(limits.guard, "http")  # body and rate limits of every route (data/limits.json)
app.register_middleware(observability.sweep_heartbeat, "scheduled")
app.register_middleware(signin.gate(app), "http")  # every non-public route: a verified token of its roles

# One blueprint per audience; each route carries one `@declare(...)`: its OpenAPI entry
# (GET /v1/openapi.json) and the roles the sign-in gate admits (docs/operators.md).
app.register_blueprint(public.bp)  # the public and the reporters
app.register_blueprint(uploads.bp)  # reporters' photos
app.register_blueprint(operators.bp)  # the operators' inbox and actions
app.register_blueprint(admin.bp)  # the city's coordinators
app.register_blueprint(channels.bp)  # the channels' signed webhooks
app.register_blueprint(figures.bp)  # the public figures and open data
app.register_blueprint(open311.bp)  # Open311 GeoReport v2 (docs/open311.md)
app.register_blueprint(web.bp)  # the transparency page, its files and the /v1 contract

FORWARD_QUEUE = "aduan-hub-forward"
CALLBACK_QUEUE = "aduan-hub-callbacks.fifo"
#: the complaints table's stream; infra/template.json sets the real ARN (Fn::GetAtt) in the
#: merged template, and the local event pump finds the stream of TABLE_NAME by itself
COMPLAINTS_STREAM = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/aduan-hub/stream/set-by-template"


@app.on_sqs_message(queue=FORWARD_QUEUE, batch_size=10)
def forward_to_lapor(event):
    return handlers.forward_batch(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def escalate_overdue(event):
    return handlers.escalate_overdue(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.HOURS))  # acts in the morning hour of data/notices.json
def send_digests(event):
    return handlers.send_digests(event.to_dict(), event.context)


@app.schedule(Rate(2, unit=Rate.MINUTES))
def reconcile_outbox(event):
    return handlers.reconcile_outbox(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sync_lapor_status(event):
    return handlers.sync_lapor_status(event.to_dict(), event.context)


@app.on_sqs_message(queue=CALLBACK_QUEUE, batch_size=1)
def deliver_channel_event(event):
    return handlers.deliver_channel_events(event.to_dict(), event.context)


@app.on_dynamodb_record(stream_arn=COMPLAINTS_STREAM, batch_size=100, starting_position="TRIM_HORIZON")
def count_complaint_changes(event):
    return handlers.count_complaint_changes(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def refresh_statistics(event):
    return handlers.refresh_statistics(event.to_dict(), event.context)
