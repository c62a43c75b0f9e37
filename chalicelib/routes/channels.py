"""Routes for the channels: the signed webhooks of Rabeg, 112 and 119 (docs/channels.md)."""

from __future__ import annotations

import time

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.channels.signature import SignatureError
from chalicelib.http.answers import error_response, handles_errors, respond
from chalicelib.http.inputs import body_bytes, header, parse
from chalicelib.http.openapi import PUBLIC, Header, declare
from chalicelib.observability import logger
from chalicelib.schemas import channels as s

bp = Blueprint(__name__)

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


def channel_refusal(err: Exception) -> Response | None:
    """Channel refusals that are not about the body: 404 unknown, 401 unsigned, 503 not set up."""
    from chalicelib.services.channels import ChannelNotConfigured, UnknownChannel, UnknownRegion

    if isinstance(err, UnknownRegion):
        return error_response(
            404,
            "unknown_jurisdiction",
            "Wilayah tidak dilayani di sini (jurisdiction); lihat GET /v1/jurisdictions",
            "Not a jurisdiction served here (jurisdiction); see GET /v1/jurisdictions",
        )
    if isinstance(err, UnknownChannel):
        return error_response(
            404,
            "unknown_channel",
            "Kanal tidak dikenal (rabeg, call112, psc119)",
            "Unknown channel (rabeg, call112, psc119)",
        )
    if isinstance(err, SignatureError):
        return error_response(
            401,
            "invalid_signature",
            f"Tanda tangan X-Aduan-Signature ditolak ({err.reason})",
            f"The X-Aduan-Signature signature was refused ({err.reason})",
        )
    if isinstance(err, ChannelNotConfigured):
        return error_response(
            503, "channel_not_configured", "Kanal ini belum dikonfigurasi", "This channel is not configured yet"
        )
    return None


def unknown_channel(channel: str) -> Response | None:
    """The 404 for a channel the hub does not know, or None when it knows it."""
    from chalicelib.services.channels import UnknownChannel, adapter_for

    try:
        adapter_for(channel)
    except UnknownChannel as err:
        return channel_refusal(err)
    return None


@bp.route("/v1/channels/{channel}/complaints", methods=["POST"], content_types=["application/json"])
@declare(
    "A channel's signed webhook (Rabeg, 112, 119)",
    roles=PUBLIC,
    body=CHANNEL_RECORDS,
    query=s.ChannelQuery,
    headers=[CHANNEL_SIGNATURE],
    responses={200: s.ChannelAccepted, 201: s.ChannelAccepted},
    errors=[401, 422, 503],
    tag="channels",
)
@handles_errors
def channel_complaint(channel: str) -> Response:
    # A channel's signed webhook: 201 the first time, 200 with the same tracking id after.
    request = bp.current_request
    q = parse(s.ChannelQuery, dict(request.query_params or {}))
    try:
        result = bootstrap.channels().receive(
            channel,
            body_bytes(request),
            header(request, "X-Aduan-Signature"),
            time.time(),
            jurisdiction=q.jurisdiction,
        )
    except Exception as err:
        refused = channel_refusal(err)
        if refused is None:
            raise
        logger.warning(
            "channel request refused",
            extra={"channel": channel, "error": type(err).__name__, "reason": getattr(err, "reason", None)},
        )
        return refused
    headers = {"Location": f"/v1/complaints/{result.accepted.tracking_id}", "Cache-Control": "no-store"}
    if result.accepted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(200 if result.accepted.replayed else 201, result.body(), headers)
