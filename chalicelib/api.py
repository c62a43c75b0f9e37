"""HTTP entrypoint helpers: parse, call a service, answer. No business rules here."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib import bootstrap
from chalicelib.channels.signature import SignatureError
from chalicelib.domain import reference, tracking
from chalicelib.domain.access import Principal, Role, can_see
from chalicelib.domain.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    SignInUnavailable,
    Unauthenticated,
    WrongState,
)
from chalicelib.domain.limits import cut, limits, route_key
from chalicelib.domain.models import Complaint
from chalicelib.observability import complaint_context, count, logger
from chalicelib.schemas import (
    AttachmentRequest,
    CallbackRegistration,
    ComplaintSubmission,
    DismissRequest,
    NearbyComplaint,
    NearbyQuery,
    PublicComplaint,
    ReopenRequest,
    UploadRequest,
)

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

# pydantic error types -> (Indonesian, English)
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("wajib diisi", "is required"),
    "extra_forbidden": ("tidak dikenal", "is not a known field"),
    "string_too_short": ("terlalu pendek", "is too short"),
    "string_too_long": ("terlalu panjang", "is too long"),
    "string_type": ("harus berupa teks", "must be text"),
    "bool_type": ("harus true atau false", "must be true or false"),
    "bool_parsing": ("harus true atau false", "must be true or false"),
    "float_type": ("harus berupa angka", "must be a number"),
    "float_parsing": ("harus berupa angka", "must be a number"),
    "finite_number": ("harus berupa angka terhingga", "must be a finite number"),
    "number_not_storable": (
        "tidak dapat disimpan (terlalu besar, terlalu dekat ke nol, atau terlalu banyak digit)",
        "cannot be stored (too large, too close to zero, or too many digits)",
    ),
    "int_type": ("harus berupa bilangan bulat", "must be a whole number"),
    "int_from_float": ("harus berupa bilangan bulat", "must be a whole number"),
    "list_type": ("harus berupa daftar", "must be a list"),
    "too_long": ("terlalu banyak isinya", "has too many items"),
    "datetime_type": ("harus berupa tanggal dan waktu", "must be a date and time"),
    "datetime_from_date_parsing": ("harus berupa tanggal dan waktu", "must be a date and time"),
    "datetime_parsing": ("harus berupa tanggal dan waktu", "must be a date and time"),
    "int_parsing": ("harus berupa bilangan bulat", "must be a whole number"),
    "greater_than_equal": ("di luar rentang", "is out of range"),
    "less_than_equal": ("di luar rentang", "is out of range"),
    "enum": ("bukan pilihan yang sah", "is not an allowed value"),
    "literal_error": ("bukan pilihan yang sah", "is not an allowed value"),
    "model_type": ("harus berupa objek JSON", "must be a JSON object"),
    "dict_type": ("harus berupa objek JSON", "must be a JSON object"),
}


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, default=str, ensure_ascii=False),
        status_code=status,
        headers={**JSON_HEADERS, **(headers or {})},
    )


def error_response(
    status: int,
    code: str,
    message_id: str,
    message_en: str,
    problems: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The one error shape; field problems listed at most `max_problems` times, names cut short."""
    body: dict[str, Any] = {
        "error": code,
        "message": f"{message_id} / {message_en}",
        "message_id": message_id,
        "message_en": message_en,
    }
    if problems is not None:
        caps = limits().errors
        body["errors"] = [_bounded(p, caps.max_field_chars) for p in problems[: caps.max_problems]]
        if len(problems) > caps.max_problems:
            body["errors_total"] = len(problems)
    return respond(status, body, headers)


def _bounded(p: FieldProblem, max_field_chars: int) -> dict[str, str]:
    """A problem whose echoed field name (and so its messages) stays short."""
    field = cut(p.field, max_field_chars)
    message_id, message_en = p.message_id, p.message_en
    if field != p.field:
        message_id, message_en = message_id.replace(p.field, field), message_en.replace(p.field, field)
    limit = 4 * max_field_chars + 200  # our own wording is shorter; this only guards the bound
    return FieldProblem(field, cut(p.reason, max_field_chars), cut(message_id, limit), cut(message_en, limit)).as_dict()


def problems_of(err: ValidationError) -> list[FieldProblem]:
    out = []
    cap = limits().errors.max_field_chars
    for e in err.errors(include_url=False, include_input=False, include_context=False):
        field = cut(".".join(str(p) for p in e["loc"]) or "body", cap)
        id_text, en_text = _MESSAGES.get(e["type"], ("tidak valid", "is not valid"))
        out.append(FieldProblem(field, e["type"], f"{field} {id_text}", f"{field} {en_text}"))
    return out


def invalid(problems: list[FieldProblem]) -> Response:
    return error_response(400, "invalid_request", "Data tidak valid", "The request is not valid", problems)


def handles_errors(fn: Callable[..., Response]) -> Callable[..., Response]:
    """Turn caller mistakes into clear 4xx answers; never a 500 for bad input."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as err:
            return invalid(err.problems)
        except ValidationError as err:
            return invalid(problems_of(err))
        except NotFound:
            return error_response(404, "not_found", "Pengaduan tidak ditemukan", "Complaint not found")
        except (Unauthenticated, SignInUnavailable) as err:
            return refusal(err)
        except WrongState as err:
            return error_response(409, err.reason, err.message_id, err.message_en)
        except Conflict as err:
            return error_response(422, err.reason, err.message_id, err.message_en)

    return wrapper


# -- sign-in, roles and scope (docs/operators.md) ---------------------

REALM = "aduan-hub"
_PRINCIPAL = "_aduan_principal"  # the verified caller, kept on the request once checked


def require_principal(request: Request, roles: Iterable[Role] | None = None) -> Principal:
    """The verified caller of `request`; with `roles`, one of those roles.

    Raises `Unauthenticated` (401) without a valid token, `Forbidden` (403) for another
    role, `SignInUnavailable` (503) when the issuer's keys cannot be had; route functions
    wrapped in `handles_errors` answer them. Verified once per request (the sign-in gate
    usually already did)."""
    principal = getattr(request, _PRINCIPAL, None)
    if principal is None:
        principal = bootstrap.signin().principal(header(request, "Authorization"))
        setattr(request, _PRINCIPAL, principal)
    if roles is not None and principal.role not in set(roles):
        wanted = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(
            "role_not_allowed",
            f"Peran {principal.role.value} tidak boleh memakai layanan ini (perlu: {wanted})",
            f"The role {principal.role.value} may not use this (needs: {wanted})",
        )
    return principal


def require_in_scope(principal: Principal, complaint: Complaint) -> Complaint:
    """The complaint, when the caller may see it; `NotFound` (404, never 403) otherwise, so nothing leaks."""
    if not can_see(principal, complaint.unit.code if complaint.unit else None, complaint.channel):
        raise NotFound(complaint.tracking_id)
    return complaint


def refusal(err: Unauthenticated | SignInUnavailable) -> Response:
    """401 / 403 with `WWW-Authenticate` (RFC 6750), or 503 when nobody can be verified."""
    if isinstance(err, SignInUnavailable):
        logger.error("sign-in unavailable", extra={"error": str(err)})
        resp = error_response(
            503,
            "signin_unavailable",
            "Layanan masuk sedang tidak tersedia; coba lagi sebentar",
            "Sign-in is unavailable right now; try again shortly",
        )
        resp.headers["Retry-After"] = "5"
        return resp
    if isinstance(err, Forbidden):
        status, challenge = 403, f'Bearer realm="{REALM}", error="insufficient_scope"'
    elif err.reason == "token_missing":  # RFC 6750 3.1: no error code when no credentials were sent
        status, challenge = 401, f'Bearer realm="{REALM}"'
    else:
        code = "invalid_request" if err.reason == "not_bearer" else "invalid_token"
        status, challenge = 401, f'Bearer realm="{REALM}", error="{code}", error_description="{err.reason}"'
    resp = error_response(status, err.reason, err.message_id, err.message_en)
    resp.headers["WWW-Authenticate"] = challenge
    resp.headers["Cache-Control"] = "no-store"
    return resp


def sign_in_gate(app: Any) -> Callable[[Request, Callable[[Request], Response]], Response]:
    """HTTP middleware: every route not declared PUBLIC needs a valid token of a declared role.

    Runs before any route function, so a route that forgot to ask still refuses strangers;
    routes under /v1/admin and /v1/operator are never public, declared or not."""
    from chalicelib import openapi

    def gate(request: Request, get_response: Callable[[Request], Response]) -> Response:
        entry = app.routes.get(request.path, {}).get(request.method)
        op = openapi.operation_of(entry.view_function) if entry is not None else None
        roles = openapi.allowed_roles(request.path, op)
        if roles is None and not openapi.is_protected(request.path):
            return get_response(request)
        try:
            principal = require_principal(request, roles if roles is not None else openapi.ADMIN)
        except (Unauthenticated, SignInUnavailable) as err:
            logger.info(
                "sign-in refused",
                extra={"path": request.path, "method": request.method, "reason": getattr(err, "reason", "unavailable")},
            )
            return refusal(err)
        logger.append_keys(user=principal.user, role=principal.role.value, unit=principal.unit)
        try:
            return get_response(request)
        finally:
            logger.remove_keys(["user", "role", "unit"])

    return gate


def json_body(request: Request) -> Any:
    from chalicelib.schemas import json_payload

    return json_payload(request.raw_body)


def parse(model: type[BaseModel], payload: Any) -> Any:
    if not isinstance(payload, dict):
        raise InvalidInput(
            [
                FieldProblem(
                    "body",
                    "model_type",
                    "Isi permintaan harus berupa objek JSON",
                    "The request body must be a JSON object",
                )
            ]
        )
    return model.model_validate(payload)


def header(request: Request, name: str) -> str | None:
    for k, v in (request.headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


# -- limits: body size and rate, for every route (registered as middleware in app.py) --

#: an Idempotency-Key: 16-255 visible ASCII characters (a random UUID is 36)
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{16,255}")
#: the app installation's id (docs/intake.md): scopes its keys, and its rate limit
CLIENT_ID_HEADER = "X-Client-Id"
CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def source_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it (requestContext.identity.sourceIp)."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def client_id(request: Request) -> str | None:
    """A well-formed X-Client-Id, or None (an ill-formed one is refused by the routes that read it)."""
    value = header(request, CLIENT_ID_HEADER)
    return value if value is not None and CLIENT_ID.fullmatch(value) else None


def guard(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Before any route: its client's rate limit (429) and its body limit (413), both from
    data/limits.json by `<METHOD> <path>`."""
    route = route_key(request.method, (request.context or {}).get("resourcePath") or "")
    rules = limits()
    group = rules.rate_limits.group_of(route)
    if group is not None:
        decision = bootstrap.rate_limiter().check(group, source_ip(request), client_id(request))
        if not decision.allowed:
            count("RateLimited")
            logger.info("rate limited", extra={"route": route, "group": group})
            seconds = decision.retry_after_s
            return _refusal(
                request.path,
                429,
                "rate_limited",
                f"Terlalu banyak permintaan dari klien ini; coba lagi dalam {seconds} detik",
                f"Too many requests from this client; try again in {seconds} seconds",
                {"Retry-After": str(seconds)},
            )
    size, most = len(request.raw_body or b""), rules.body_limit(route)
    if size > most:
        return _refusal(
            request.path,
            413,
            "payload_too_large",
            f"Isi permintaan terlalu besar ({size} byte; paling banyak {most} byte)",
            f"The request body is too large ({size} bytes; at most {most} bytes)",
        )
    return get_response(request)


def _refusal(
    path: str, status: int, code: str, message_id: str, message_en: str, headers: dict[str, str] | None = None
) -> Response:
    """The guard's answer in the route family's own error form: Open311's for /open311, ours otherwise."""
    if path.startswith("/open311/"):
        from chalicelib import api_open311

        answer = api_open311.errors(
            "xml" if path.endswith(".xml") else "json", status, [f"{message_id} / {message_en}"]
        )
        answer.headers.update(headers or {})
        return answer
    return error_response(status, code, message_id, message_en, headers=headers)


def idempotency_scope(request: Request) -> str:
    """`app#<client id>` for an app that sends X-Client-Id, else `app`; an ill-formed
    X-Client-Id or Idempotency-Key is a 400 naming it."""
    problems = []
    key = header(request, "Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        problems.append(
            FieldProblem(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "Idempotency-Key harus 16-255 karakter ASCII tanpa spasi (mis. UUID acak baru per pengaduan)",
                "Idempotency-Key must be 16-255 ASCII characters without spaces (e.g. a new random UUID per complaint)",
            )
        )
    raw_client = header(request, CLIENT_ID_HEADER)
    if raw_client is not None and not CLIENT_ID.fullmatch(raw_client):
        problems.append(
            FieldProblem(
                CLIENT_ID_HEADER,
                "invalid_client_id",
                f"{CLIENT_ID_HEADER} harus 8-64 karakter: huruf, angka, titik, titik dua, garis bawah "
                "atau tanda hubung",
                f"{CLIENT_ID_HEADER} must be 8-64 characters: letters, digits, dot, colon, underscore or hyphen",
            )
        )
    if problems:
        raise InvalidInput(problems)
    return f"app#{raw_client}" if raw_client else "app"


# -- routes -----------------------------------------------------------------


def openapi_document(app: Any) -> Response:
    from chalicelib import openapi

    global _DOCUMENT
    if _DOCUMENT is None:
        _DOCUMENT = json.dumps(openapi.document(app), ensure_ascii=False)
    return Response(body=_DOCUMENT, status_code=200, headers={**JSON_HEADERS, "Cache-Control": "public, max-age=300"})


_DOCUMENT: str | None = None  # built on the first request, once per container


def list_categories() -> Response:
    cats = [c.model_dump() for c in reference.categories().values()]
    return respond(200, {"categories": cats}, {"Cache-Control": "public, max-age=300"})


@handles_errors
def submit_complaint(request: Request) -> Response:
    from chalicelib.domain.commands import NewComplaint
    from chalicelib.services.intake import request_fingerprint

    scope = idempotency_scope(request)
    key = header(request, "Idempotency-Key")
    payload = json_body(request)
    submission = parse(ComplaintSubmission, payload)
    accepted = bootstrap.intake().accept(
        NewComplaint(submission=submission),
        idempotency_scope=scope,
        idempotency_key=key,
        fingerprint=request_fingerprint(payload) if key else None,
    )
    headers = {"Location": f"/v1/complaints/{accepted.tracking_id}", "Cache-Control": "no-store"}  # a token
    if accepted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(201, accepted.body(), headers)


@handles_errors
def get_complaint(raw_id: str) -> Response:
    return _public_view(_known_id(raw_id))


def _public_view(tracking_id: str, consistent: bool = False) -> Response:
    """The public view, from one Query; consistent right after our own write."""
    complaint, timeline = bootstrap.repository().get_with_timeline(tracking_id, consistent=consistent)
    if complaint is None:
        raise NotFound(tracking_id)
    return respond(200, PublicComplaint.of(complaint, timeline).model_dump(mode="json"))


# -- attachments and admin ------------------------------------------


def _known_id(raw_id: str) -> str:
    tracking_id = tracking.normalise(raw_id)
    if tracking_id is None:
        raise NotFound(raw_id)
    return tracking_id


def _reporter_refusal(tracking_id: str, request: Request) -> Response | None:
    """Reporter actions need the token from the 201 answer: 401 without it, 403 when wrong."""
    from chalicelib.services.reporter_auth import (
        HEADER,
        ReporterTokenMissing,
        ReporterTokenWrong,
        require_reporter,
    )

    try:
        require_reporter(bootstrap.repository(), tracking_id, header(request, HEADER))
    except ReporterTokenMissing:
        return error_response(
            401,
            "reporter_token_required",
            f"Header {HEADER} wajib diisi dengan token pelapor dari jawaban saat pengaduan dikirim",
            f"The {HEADER} header is required: the reporter token from the answer to the submission",
        )
    except ReporterTokenWrong:
        return error_response(
            403,
            "reporter_token_invalid",
            f"Token pelapor di header {HEADER} tidak cocok untuk pengaduan ini",
            f"The reporter token in the {HEADER} header does not match this complaint",
        )
    return None


@handles_errors
def request_upload(request: Request) -> Response:
    """A presigned form for a photo taken before the complaint: name its key in `attachments`."""
    wanted = parse(UploadRequest, json_body(request))
    return respond(201, bootstrap.attachments().presign_upload(wanted).body(), {"Cache-Control": "no-store"})


@handles_errors
def request_attachment_upload(raw_id: str, request: Request) -> Response:
    tracking_id = _known_id(raw_id)
    if (refusal := _reporter_refusal(tracking_id, request)) is not None:
        return refusal
    wanted = parse(AttachmentRequest, json_body(request))
    with complaint_context(tracking_id):
        form = bootstrap.attachments().presign(tracking_id, wanted)
    return respond(201, form.body())


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


@handles_errors
def admin_list_complaints(request: Request) -> Response:
    """Admins only (the sign-in gate); reporter data never leaves here."""
    params = dict(request.query_params or {})
    page = bootstrap.admin().list(params.get("status"), _int_param(params, "limit", 50), params.get("next"))
    return respond(200, page.model_dump(mode="json"), {"Cache-Control": "no-store"})


@handles_errors
def admin_retry_complaint(raw_id: str) -> Response:
    tracking_id = _known_id(raw_id)
    with complaint_context(tracking_id):
        complaint = bootstrap.admin().retry(tracking_id)
    return respond(202, {"tracking_id": complaint.tracking_id, "status": complaint.status.value})


# -- closing the loop with the reporter ------------------------------


@handles_errors
def reopen_complaint(raw_id: str, request: Request) -> Response:
    """The reporter (X-Reporter-Token) may reopen within the window."""
    tracking_id = _known_id(raw_id)
    if (refusal := _reporter_refusal(tracking_id, request)) is not None:
        return refusal
    body = parse(ReopenRequest, json_body(request))
    bootstrap.closing().reopen(tracking_id, body.reason)
    return _public_view(tracking_id, consistent=True)


@handles_errors
def confirm_resolved(raw_id: str, request: Request) -> Response:
    """The reporter (X-Reporter-Token) agrees it is solved: closed at once."""
    tracking_id = _known_id(raw_id)
    if (refusal := _reporter_refusal(tracking_id, request)) is not None:
        return refusal
    bootstrap.closing().confirm_resolved(tracking_id)
    return _public_view(tracking_id, consistent=True)


# -- channels, operator confirmation, callbacks, nearby ----------------


def _channel_error(err: Exception) -> Response | None:
    """Channel refusals that are not about the body: 404 unknown, 401 unsigned, 503 not set up."""
    from chalicelib.services.channels import ChannelNotConfigured, UnknownChannel

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


@handles_errors
def channel_complaint(channel: str, request: Request) -> Response:
    """A channel's signed webhook: 201 the first time, 200 with the same tracking id after."""
    try:
        result = bootstrap.channels().receive(
            channel, request.raw_body or b"", header(request, "X-Aduan-Signature"), time.time()
        )
    except Exception as err:
        refused = _channel_error(err)
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


@handles_errors
def admin_confirm_call(raw_id: str) -> Response:
    tracking_id = _known_id(raw_id)
    with complaint_context(tracking_id):
        c = bootstrap.channels().confirm(tracking_id)
    return respond(200, {"tracking_id": c.tracking_id, "status": c.status.value})


@handles_errors
def admin_dismiss_call(raw_id: str, request: Request) -> Response:
    tracking_id = _known_id(raw_id)
    body = parse(DismissRequest, json_body(request)) if request.raw_body else DismissRequest()
    with complaint_context(tracking_id):
        c = bootstrap.channels().dismiss(tracking_id, body.reason)
    return respond(200, {"tracking_id": c.tracking_id, "status": c.status.value})


def _known_channel(channel: str) -> Response | None:
    from chalicelib.services.channels import UnknownChannel, adapter_for

    try:
        adapter_for(channel)
    except UnknownChannel as err:
        return _channel_error(err)
    return None


@handles_errors
def admin_put_channel_callback(channel: str, request: Request) -> Response:
    unknown = _known_channel(channel)
    if unknown is not None:
        return unknown
    body = parse(CallbackRegistration, json_body(request))
    return respond(200, bootstrap.callbacks().register(channel, body.url), {"Cache-Control": "no-store"})


@handles_errors
def admin_get_channel_callback(channel: str) -> Response:
    unknown = _known_channel(channel)
    if unknown is not None:
        return unknown
    found = bootstrap.callbacks().registration(channel)
    if found is None:
        return error_response(
            404, "not_found", "Kanal ini belum mendaftarkan URL callback", "This channel has no callback URL registered"
        )
    return respond(200, found, {"Cache-Control": "no-store"})


@handles_errors
def admin_delete_channel_callback(channel: str) -> Response:
    unknown = _known_channel(channel)
    if unknown is not None:
        return unknown
    bootstrap.callbacks().unregister(channel)
    return Response(body="", status_code=204)


@handles_errors
def nearby_complaints(request: Request) -> Response:
    """Open complaints of one category within ~200 m: public fields only."""
    from chalicelib.services.nearby import RADIUS_M

    q = parse(NearbyQuery, dict(request.query_params or {}))
    reference.category(q.category)
    found = bootstrap.nearby().find(q.lat, q.lon, q.category)
    return respond(
        200,
        {
            "radius_m": int(RADIUS_M),
            "complaints": [
                NearbyComplaint.of(m.complaint, m.distance_m).model_dump(mode="json") for m in found.matches
            ],
        },
        {"Cache-Control": "public, max-age=30"},
    )


# -- public statistics, open data and the transparency page (docs/statistics.md) ----

_STATS_CACHE = {"Cache-Control": "public, max-age=60"}


def _unknown_unit() -> Response:
    return error_response(
        404,
        "unknown_unit",
        "Unit tidak dikenal (contoh: city, opd:dpupr, kec:36.73.01, kel:36.73.01.1002)",
        "Unknown unit (e.g. city, opd:dpupr, kec:36.73.01, kel:36.73.01.1002)",
    )


def _known_unit(code: str) -> bool:
    from chalicelib.services.statistics import known_units

    return code == "city" or code in known_units()


@handles_errors
def stats(request: Request) -> Response:
    from chalicelib.schemas import StatsQuery

    q = parse(StatsQuery, dict(request.query_params or {}))
    return respond(200, bootstrap.statistics().table(q.window, q.level, q.view), _STATS_CACHE)


@handles_errors
def stats_csv(request: Request) -> Response:
    from chalicelib.domain.statistics import LEVELS, config
    from chalicelib.schemas import StatsCsvQuery

    q = parse(StatsCsvQuery, dict(request.query_params or {}))
    windows = [q.window] if q.window else list(config().windows)
    levels = [q.level] if q.level else list(LEVELS)
    body = bootstrap.statistics().csv(windows, levels, q.view)
    name = f"statistik-aduan-{q.view}-{q.window or 'semua'}.csv"
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            **_STATS_CACHE,
        },
    )


@handles_errors
def stats_unit(unit_code: str, request: Request) -> Response:
    from urllib.parse import unquote

    from chalicelib.schemas import StatsUnitQuery

    code = unquote(unit_code)
    if len(code) > 40 or not _known_unit(code):
        return _unknown_unit()
    q = parse(StatsUnitQuery, dict(request.query_params or {}))
    if q.view == "place" and code.startswith("opd:"):
        raise InvalidInput(
            [
                FieldProblem(
                    "view", "not_for_level", "view=place tidak berlaku untuk OPD", "view=place does not apply to an OPD"
                )
            ]
        )
    return respond(200, bootstrap.statistics().unit(code, q.view), _STATS_CACHE)


@handles_errors
def public_complaints(request: Request) -> Response:
    """The public view of the complaints behind a figure (no reporter, no confidential text)."""
    from chalicelib.schemas import PublicListQuery

    q = parse(PublicListQuery, dict(request.query_params or {}))
    if not _known_unit(q.unit):
        return _unknown_unit()
    page = bootstrap.statistics().public_list(q.unit, q.view, q.status, q.overdue, q.window, q.cursor, q.limit)
    return respond(200, page, {"Cache-Control": "public, max-age=30"})


_ASSETS = {
    "app.js": "application/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "kelurahan.json": "application/json; charset=utf-8",
}


def _web_file(name: str) -> str:
    from pathlib import Path

    return (Path(__file__).parent / "web" / name).read_text(encoding="utf-8")


def public_page() -> Response:
    """The transparency page (static; it reads the JSON API above)."""
    return Response(
        body=_web_file("index.html"),
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "public, max-age=300",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; connect-src 'self'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def public_asset(name: str) -> Response:
    if name not in _ASSETS:
        return error_response(404, "not_found", "Berkas tidak ditemukan", "File not found")
    return Response(
        body=_web_file(name),
        status_code=200,
        headers={
            "Content-Type": _ASSETS[name],
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )
