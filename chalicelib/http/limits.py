"""Body and rate limits for every route (data/limits.json), applied as HTTP middleware before any route."""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib import bootstrap
from chalicelib.domain.limits import limits, route_key
from chalicelib.http import open311_answers
from chalicelib.http.answers import error_response
from chalicelib.http.inputs import client_id, source_ip
from chalicelib.observability import count, logger


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
        answer = open311_answers.errors(
            "xml" if path.endswith(".xml") else "json", status, [f"{message_id} / {message_en}"]
        )
        answer.headers.update(headers or {})
        return answer
    return error_response(status, code, message_id, message_en, headers=headers)
