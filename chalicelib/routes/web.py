"""Documents the hub serves as they are: the transparency page, the citizens' pages (report, follow),
the operators' console, their static files, and the /v1 contract."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from chalice.app import Blueprint, Response

from chalicelib.domain import reference
from chalicelib.http import openapi
from chalicelib.http.answers import JSON_HEADERS, error_response
from chalicelib.http.openapi import PUBLIC, declare
from chalicelib.settings import settings

bp = Blueprint(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"
_ASSETS = {
    "app.js": "application/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    # the citizens' pages: /lapor/ and /lacak/ (ES modules, no build step)
    "warga.css": "text/css; charset=utf-8",
    "warga.js": "application/javascript; charset=utf-8",
    "lapor.js": "application/javascript; charset=utf-8",
    "lacak.js": "application/javascript; charset=utf-8",
    "manifest.webmanifest": "application/manifest+json; charset=utf-8",
    "icon.svg": "image/svg+xml",
    # the operators' console: /operator/
    "operator.css": "text/css; charset=utf-8",
    "operator.js": "application/javascript; charset=utf-8",
    "operator.webmanifest": "application/manifest+json; charset=utf-8",
}
#: the default region's own files, found through the data index (data/jurisdictions.json)
_REGION_ASSETS = {"kelurahan.json": "application/json; charset=utf-8"}
_DOCUMENT: str | None = None  # built on the first request, once per container


@bp.route("/v1/openapi.json", methods=["GET"])
@declare("This document: the /v1 contract (OpenAPI 3.1)", roles=PUBLIC, responses={200: {"type": "object"}})
def openapi_document() -> Response:
    global _DOCUMENT
    if _DOCUMENT is None:
        _DOCUMENT = json.dumps(openapi.document(bp.current_app), ensure_ascii=False)
    return Response(body=_DOCUMENT, status_code=200, headers={**JSON_HEADERS, "Cache-Control": "public, max-age=300"})


def _web_file(name: str, values: dict[str, str] | None = None) -> str:
    """A page or asset; pages and the app manifest with the region's names filled in (``values``:
    another region's; the default region's when not given)."""
    text = (WEB / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        return _fill(text, html.escape, values)
    if name.endswith(".webmanifest"):
        return _fill(text, lambda v: json.dumps(v, ensure_ascii=False)[1:-1], values)
    return text


def _default_values() -> dict[str, str]:
    region = reference.region()
    return {
        "region": region.words.region,
        "short_name": region.short_name,
        "prefix": region.prefix,
        "jurisdiction": "",
        "has_map": "1",
    }


def _fill(text: str, quote: Callable[[str], str], values: dict[str, str] | None = None) -> str:
    """The pages name no region: ``{{region}}`` ("Kota X" / "Kabupaten X"), ``{{short_name}}``,
    ``{{prefix}}``, ``{{jurisdiction}}`` (empty for the default region) and ``{{has_map}}`` come from its data."""
    for key, value in (values or _default_values()).items():
        text = text.replace("{{" + key + "}}", quote(value))
    return text


_SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def _page(values: dict[str, str] | None = None) -> Response:
    """The transparency page (static; it reads the JSON API); another region's with ``values``."""
    return Response(
        body=_web_file("index.html", values),
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "public, max-age=300",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; connect-src 'self'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def upload_origin() -> str:
    """Where a browser sends a photo's presigned POST: the origin boto3 signs for.

    The local stack names its S3 (moto on loopback) in AWS_ENDPOINT_URL[_S3]; in AWS the
    form goes to the attachments bucket's virtual-hosted URL.
    """
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    bucket = settings().attachments_bucket
    return f"https://{bucket}.s3.amazonaws.com" if bucket else ""


def citizen_csp() -> str:
    """No inline script or style, no frames, no plugins; fetches to the API and the photo bucket only."""
    connect = " ".join(x for x in ("'self'", upload_origin()) if x)
    return (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        f"connect-src {connect}; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def _citizen_page(name: str) -> Response:
    """A citizen's page: the same document for every path under it (the script reads the path)."""
    return Response(
        body=_web_file(name),
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-cache",  # the shell comes from the service worker when offline
            "Content-Security-Policy": citizen_csp(),
            "X-Frame-Options": "DENY",
            **_SECURITY,
        },
    )


@bp.route("/", methods=["GET"])
def public_page() -> Response:
    return _page()


@bp.route("/transparansi", methods=["GET"])
def public_page_transparansi() -> Response:
    return _page()


@bp.route("/j/{code}", methods=["GET"])  # /j/<code>/ too: API Gateway drops the trailing slash
def region_page(code: str) -> Response:
    """Each region's own transparency page: its name, units and figures (`jurisdiction=`)."""
    from chalicelib import bootstrap

    if code == reference.default_code():
        return _page()
    j = bootstrap.jurisdictions().get(code) if len(code) == 5 else None
    if j is None:
        return error_response(404, "not_found", "Wilayah tidak dilayani di sini", "Not a region served here")
    region = j.words.region
    has_map = "1" if j.has_boundaries else ""  # its map is drawn from its places.geojson
    return _page(
        {"region": region, "short_name": region, "prefix": j.prefix, "jurisdiction": j.code, "has_map": has_map}
    )


@bp.route("/lapor", methods=["GET"])  # /lapor/ too: API Gateway drops the trailing slash
def report_page() -> Response:
    return _citizen_page("lapor.html")


@bp.route("/lacak", methods=["GET"])
def follow_page() -> Response:
    return _citizen_page("lacak.html")


@bp.route("/lacak/{tracking_id}", methods=["GET"])
def follow_page_of(tracking_id: str) -> Response:
    return _citizen_page("lacak.html")


@bp.route("/sw.js", methods=["GET"])
def service_worker() -> Response:
    """The citizens' pages' service worker, at the root so that its scope covers /lapor/ and /lacak/."""
    return Response(
        body=_web_file("sw.js"),
        status_code=200,
        headers={"Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-cache", **_SECURITY},
    )


def operator_signin() -> dict[str, str]:
    """Where the console signs in (authorization code with PKCE): Cognito's managed login in AWS,
    the development issuer's own endpoints under `make run`. The same console code reads either."""
    s = settings()
    issuer = s.auth_issuer.rstrip("/")
    login = s.auth_login_url.rstrip("/")
    if login:
        endpoints = {
            "authorization_endpoint": f"{login}/oauth2/authorize",
            "token_endpoint": f"{login}/oauth2/token",
            "end_session_endpoint": f"{login}/logout",
        }
    else:
        endpoints = {
            "authorization_endpoint": f"{issuer}/authorize" if issuer else "",
            "token_endpoint": f"{issuer}/token" if issuer else "",
            "end_session_endpoint": f"{issuer}/logout" if issuer else "",
        }
    return {"issuer": issuer, "client_id": s.auth_audience, "scope": "openid email profile", **endpoints}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def operator_csp() -> str:
    """The console's policy: the citizens' one, plus the token endpoint (the code is traded from the page)."""
    token = _origin(operator_signin()["token_endpoint"])
    connect = " ".join(dict.fromkeys(x for x in ("'self'", upload_origin(), token) if x))
    return (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        f"connect-src {connect}; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


@bp.route("/operator", methods=["GET"])  # /operator/ too; the console's views are in the fragment (#/...)
def operator_console() -> Response:
    return Response(
        body=_web_file("operator.html"),
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-cache",
            "Content-Security-Policy": operator_csp(),
            "X-Frame-Options": "DENY",
            **_SECURITY,
        },
    )


@bp.route("/operator/config.json", methods=["GET"])
def operator_config() -> Response:
    return Response(
        body=json.dumps(operator_signin()),
        status_code=200,
        headers={**JSON_HEADERS, "Cache-Control": "no-cache", **_SECURITY},
    )


@bp.route("/operator/sw.js", methods=["GET"])
def operator_service_worker() -> Response:
    """The console's service worker; under /operator/ so that its scope is the console alone."""
    return Response(
        body=_web_file("operator-sw.js"),
        status_code=200,
        headers={"Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-cache", **_SECURITY},
    )


@bp.route("/static/{name}", methods=["GET"])
def public_asset(name: str) -> Response:
    if name in _REGION_ASSETS:
        body, content_type = reference.map_file().read_text(encoding="utf-8"), _REGION_ASSETS[name]
    elif name in _ASSETS:
        body, content_type = _web_file(name), _ASSETS[name]
    else:
        return error_response(404, "not_found", "Berkas tidak ditemukan", "File not found")
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )
