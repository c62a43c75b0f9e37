"""Open311 GeoReport v2 routes under /open311/v2 (docs/open311.md): parse, call, answer as JSON or XML.

Public (the POST checks its api_key itself); their contract is the GeoReport v2 spec, not
/v1/openapi.json. The format is the path's extension: literal routes for `discovery`,
`services` and `requests` (`.json`, `.xml`), and one path parameter that carries both the
id or code and its extension (`services/{service_code}`, `requests/{id}`, `tokens/{token}`),
because API Gateway cannot mix a literal and a parameter in one path segment. Errors take
the spec's form (chalicelib/http/open311_answers.py) with its status codes: 400 for a
request we cannot fulfil, 403 for a missing or wrong api_key, 404 for what does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Request, Response
from pydantic import ValidationError

from chalicelib import bootstrap
from chalicelib.domain import open311, tracking
from chalicelib.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from chalicelib.domain.models import utcnow
from chalicelib.http.answers import problems_of
from chalicelib.http.inputs import body_bytes, header
from chalicelib.http.open311_answers import CONTENT_TYPES, DEFAULT_FORMAT, errors, render
from chalicelib.settings import settings

if TYPE_CHECKING:
    from chalicelib.services.open311 import RequestsQuery

bp = Blueprint(__name__)

OPEN311 = "/open311/v2"
#: a form is what Open311 clients send; the others reach the handler to get the spec's 400
OPEN311_POST_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain"]
MAX_SERVICE_CODES = 50


class _NoSuchPath(Exception):
    """A path whose extension is no format of ours (HTTP 404)."""


def _describe(p: FieldProblem) -> str:
    return f"{p.field}: {p.message_id} / {p.message_en}"


def _guarded(fmt: str, run: Callable[[], Response], rename: bool = False) -> Response:
    """Every refusal in the spec's error form; a caller's mistake is never a 5xx."""
    # the Open311 wire format and service load with the first Open311 request, not with the app
    from chalicelib.channels import open311 as wire
    from chalicelib.services.open311 import ApiKeyRefused

    def problems(found: list[FieldProblem]) -> Response:
        return errors(fmt, 400, [_describe(p) for p in (wire.renamed(found) if rename else found)])

    try:
        return run()
    except InvalidInput as err:
        return problems(err.problems)
    except ValidationError as err:
        return problems(problems_of(err))
    except open311.UnknownJurisdiction:
        known = ", ".join([*open311.config().jurisdiction_ids, "<kode wilayah, GET /v1/jurisdictions>"])
        return errors(
            fmt,
            404,
            [f"jurisdiction_id: tidak dilayani di sini ({known}) / jurisdiction_id: not served here ({known})"],
        )
    except open311.UnknownService:
        return errors(
            fmt,
            404,
            ["service_code: layanan tidak dikenal; lihat services / service_code: unknown service; see services"],
        )
    except ApiKeyRefused:
        return errors(fmt, 403, ["api_key: tidak ada atau tidak sah / api_key: missing or invalid"])
    except (NotFound, _NoSuchPath):
        return errors(fmt, 404, ["Tidak ditemukan / Not found"])
    except Conflict as err:
        return errors(fmt, 400, [f"{err.message_id} / {err.message_en}"])


def _split(value: str) -> tuple[str, str]:
    """`sampah.json` -> ("sampah", "json"); no known extension -> _NoSuchPath."""
    name, dot, ext = value.rpartition(".")
    if not dot or ext not in CONTENT_TYPES:
        raise _NoSuchPath(value)
    return name, ext


def _with_extension(value: str, handle: Callable[[str, str], Response]) -> Response:
    try:
        name, fmt = _split(value)
    except _NoSuchPath:
        return errors(DEFAULT_FORMAT, 404, ["Tidak ditemukan: gunakan .json atau .xml / Not found: use .json or .xml"])
    return _guarded(fmt, lambda: handle(name, fmt))


def _params(request: Request) -> dict[str, list[str]]:
    qp = request.query_params
    return {k: qp.getlist(k) for k in qp} if qp else {}


def _one(params: dict[str, list[str]], name: str) -> str | None:
    """The spec: an empty parameter is the same as none."""
    found = [v for v in params.get(name, []) if v.strip()]
    return found[-1].strip() if found else None


def _csv(params: dict[str, list[str]], name: str) -> list[str]:
    """A comma list, or the parameter repeated; order kept, repeats dropped."""
    out: list[str] = []
    for value in params.get(name, []):
        for part in value.split(","):
            if (part := part.strip()) and part not in out:
                out.append(part)
    return out


def _jurisdiction(params: dict[str, list[str]]) -> None:
    open311.check_jurisdiction(_one(params, "jurisdiction_id"))


def _any_region(jurisdiction_id: str | None) -> str | None:
    """Any region served here (its Kemendagri code), or the default region's configured ids."""
    served = [str(s["code"]) for s in bootstrap.jurisdictions().summaries()] if jurisdiction_id else []
    return open311.region_named(jurisdiction_id, served)


# -- answering each route ---------------------------------------------------------------------


def discovery(request: Request, fmt: str) -> Response:
    def run() -> Response:
        _any_region(_one(_params(request), "jurisdiction_id"))
        d = open311.config().discovery
        url = settings().open311_base_url or f"{settings().public_base_url.rstrip('/')}/open311/v2"
        body = {
            "changeset": d.changeset,
            "contact": d.contact,
            "key_service": d.key_service,
            "endpoints": [
                {
                    "specification": d.specification,
                    "url": url,
                    "changeset": d.changeset,
                    "type": d.type,
                    "formats": d.formats,
                }
            ],
        }
        return render(fmt, 200, "discovery", body, {"Cache-Control": "public, max-age=300"})

    return _guarded(fmt, run)


def services(request: Request, fmt: str) -> Response:
    def run() -> Response:
        region = _any_region(_one(_params(request), "jurisdiction_id"))
        rules = bootstrap.jurisdictions().rules(region) if region else None
        offered = open311.services_of(rules.categories) if rules else open311.services()
        body = [s.model_dump() for s in offered]
        return render(fmt, 200, "services", body, {"Cache-Control": "public, max-age=300"})

    return _guarded(fmt, run)


def service_definition(request: Request, code_with_format: str) -> Response:
    def handle(code: str, fmt: str) -> Response:
        _any_region(_one(_params(request), "jurisdiction_id"))
        open311.require_service(code)
        return render(
            fmt, 200, "service_definition", open311.definition(code), {"Cache-Control": "public, max-age=300"}
        )

    return _with_extension(code_with_format, handle)


def post_request(request: Request, fmt: str) -> Response:
    def run() -> Response:
        from chalicelib.channels import open311 as wire

        form = wire.parse_form(body_bytes(request), header(request, "Content-Type"))
        params = _params(request)
        form.fields.setdefault("api_key", _one(params, "api_key") or "")  # the body wins; some clients use the URL
        region = _any_region(form.fields.get("jurisdiction_id") or _one(params, "jurisdiction_id"))
        done = bootstrap.open311().submit(form, region)
        body = [{"service_request_id": done.service_request_id, "service_notice": done.service_notice}]
        return render(fmt, 200, "service_requests", body, {"Cache-Control": "no-store"})

    return _guarded(fmt, run, rename=True)


def get_requests(request: Request, fmt: str) -> Response:
    def run() -> Response:
        params = _params(request)
        region = _any_region(_one(params, "jurisdiction_id"))  # the list is that region's alone
        query = requests_query(params)
        found = bootstrap.open311().find(query, region)
        answer = render(
            fmt, 200, "service_requests", [r.model_dump() for r in found], {"Cache-Control": "public, max-age=30"}
        )
        return _bounded(fmt, answer, query, len(found))

    return _guarded(fmt, run)


def get_request(request: Request, id_with_format: str) -> Response:
    def handle(raw_id: str, fmt: str) -> Response:
        _any_region(_one(_params(request), "jurisdiction_id"))
        tracking_id = tracking.normalise(raw_id)
        found = bootstrap.open311().one(tracking_id) if tracking_id else None
        if found is None:
            raise NotFound(raw_id)
        return render(fmt, 200, "service_requests", [found.model_dump()], {"Cache-Control": "public, max-age=30"})

    return _with_extension(id_with_format, handle)


def get_token(request: Request, token_with_format: str) -> Response:
    """Every request is realtime, so its id is its own token: clients that ask anyway get it back."""

    def handle(token: str, fmt: str) -> Response:
        _jurisdiction(_params(request))
        tracking_id = tracking.normalise(token)
        found = bootstrap.open311().one(tracking_id) if tracking_id else None
        if found is None:
            raise NotFound(token)
        return render(
            fmt,
            200,
            "service_requests",
            [{"service_request_id": found.service_request_id, "token": token}],
            {"Cache-Control": "public, max-age=30"},
        )

    return _with_extension(token_with_format, handle)


# -- GET requests parameters ----------------------------------------------------------


def _count(params: dict[str, list[str]], name: str, default: int, most: int) -> int:
    raw = _one(params, name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 9 or not 1 <= int(raw) <= most:
        raise InvalidInput(
            [
                FieldProblem(
                    name,
                    "out_of_range",
                    f"{name} harus bilangan bulat 1..{most}",
                    f"{name} must be a whole number 1..{most}",
                )
            ]
        )
    return int(raw)


def requests_query(params: dict[str, list[str]]) -> RequestsQuery:
    from chalicelib.services.open311 import RequestsQuery

    limits = open311.config().limits
    page_size = _count(params, "page_size", min(limits.default_page_size, limits.max_results), limits.max_results)
    page = _count(params, "page", 1, limits.max_depth)
    if page * page_size > limits.max_depth:
        raise InvalidInput(
            [
                FieldProblem(
                    "page",
                    "too_deep",
                    f"page x page_size paling banyak {limits.max_depth}; persempit start_date/end_date",
                    f"page x page_size reaches at most {limits.max_depth} results; narrow start_date/end_date",
                )
            ]
        )
    raw_ids = _csv(params, "service_request_id")
    if len(raw_ids) > limits.max_ids:
        raise InvalidInput(
            [
                FieldProblem(
                    "service_request_id",
                    "too_many",
                    f"Paling banyak {limits.max_ids} id",
                    f"At most {limits.max_ids} ids",
                )
            ]
        )
    ids: list[str] = []
    for raw in raw_ids:  # a text that cannot be one of our ids names no request: left out, like an unknown id
        if (tid := tracking.normalise(raw)) and tid not in ids:
            ids.append(tid)
    codes = _csv(params, "service_code")
    statuses = {s.lower() for s in _csv(params, "status")}
    problems = []
    if len(codes) > MAX_SERVICE_CODES or any(open311.service(c) is None for c in codes):
        problems.append(
            FieldProblem(
                "service_code",
                "unknown_service",
                "service_code tidak dikenal; lihat services",
                "service_code names no service; see services",
            )
        )
    if statuses - {open311.OPEN, open311.CLOSED}:
        problems.append(
            FieldProblem(
                "status", "not_in_list", "status harus open dan/atau closed", "status must be open and/or closed"
            )
        )
    start: datetime | None = None
    end: datetime | None = None
    for name in ("start_date", "end_date"):
        given = _one(params, name)
        if given is not None:
            try:
                value = open311.parse_w3c(given, name)
            except InvalidInput as err:
                problems.extend(err.problems)
                continue
            start, end = (value, end) if name == "start_date" else (start, value)
    if problems:
        raise InvalidInput(problems)
    start, end = open311.window(start, end, utcnow())
    return RequestsQuery(
        ids=ids if raw_ids else None,
        service_codes=codes,
        statuses=statuses,
        start=start,
        end=end,
        page=page,
        page_size=page_size,
    )


def _bounded(fmt: str, answer: Response, query: RequestsQuery, count: int) -> Response:
    """Answers stay under Lambda's response limit: a page too large for it is refused with the size to ask for."""
    limit = open311.config().limits.max_response_bytes
    size = len(answer.body.encode("utf-8")) if isinstance(answer.body, str) else 0
    if size <= limit:
        return answer
    fits = max(1, count * limit // size // 2)
    return errors(
        fmt,
        400,
        [
            f"page_size: jawaban terlalu besar; minta page_size={fits} atau kurang / "
            f"page_size: the answer is too large; ask for page_size={fits} or less"
        ],
    )


# -- the routes: a literal route per format, or one parameter holding "<id or code>.<format>" ----


@bp.route(f"{OPEN311}/discovery.json", methods=["GET"])
def open311_discovery_json() -> Response:
    return discovery(bp.current_request, "json")


@bp.route(f"{OPEN311}/discovery.xml", methods=["GET"])
def open311_discovery_xml() -> Response:
    return discovery(bp.current_request, "xml")


@bp.route(f"{OPEN311}/services.json", methods=["GET"])
def open311_services_json() -> Response:
    return services(bp.current_request, "json")


@bp.route(f"{OPEN311}/services.xml", methods=["GET"])
def open311_services_xml() -> Response:
    return services(bp.current_request, "xml")


@bp.route(OPEN311 + "/services/{service_code}", methods=["GET"])
def open311_service_definition(service_code: str) -> Response:
    return service_definition(bp.current_request, service_code)


@bp.route(f"{OPEN311}/requests.json", methods=["GET"])
def open311_requests_json() -> Response:
    return get_requests(bp.current_request, "json")


@bp.route(f"{OPEN311}/requests.xml", methods=["GET"])
def open311_requests_xml() -> Response:
    return get_requests(bp.current_request, "xml")


@bp.route(f"{OPEN311}/requests.json", methods=["POST"], content_types=OPEN311_POST_TYPES)
def open311_post_request_json() -> Response:
    return post_request(bp.current_request, "json")


@bp.route(f"{OPEN311}/requests.xml", methods=["POST"], content_types=OPEN311_POST_TYPES)
def open311_post_request_xml() -> Response:
    return post_request(bp.current_request, "xml")


@bp.route(OPEN311 + "/requests/{service_request_id}", methods=["GET"])
def open311_request(service_request_id: str) -> Response:
    return get_request(bp.current_request, service_request_id)


@bp.route(OPEN311 + "/tokens/{token}", methods=["GET"])
def open311_token(token: str) -> Response:
    return get_token(bp.current_request, token)
