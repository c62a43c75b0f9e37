"""Documents the hub serves as they are: the transparency page, its static files, and the /v1 contract."""

from __future__ import annotations

import json
from pathlib import Path

from chalice.app import Blueprint, Response

from chalicelib.http import openapi
from chalicelib.http.answers import JSON_HEADERS, error_response
from chalicelib.http.openapi import PUBLIC, declare

bp = Blueprint(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"
_ASSETS = {
    "app.js": "application/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "kelurahan.json": "application/json; charset=utf-8",
}
_DOCUMENT: str | None = None  # built on the first request, once per container


@bp.route("/v1/openapi.json", methods=["GET"])
@declare("This document: the /v1 contract (OpenAPI 3.1)", roles=PUBLIC, responses={200: {"type": "object"}})
def openapi_document() -> Response:
    global _DOCUMENT
    if _DOCUMENT is None:
        _DOCUMENT = json.dumps(openapi.document(bp.current_app), ensure_ascii=False)
    return Response(body=_DOCUMENT, status_code=200, headers={**JSON_HEADERS, "Cache-Control": "public, max-age=300"})


def _web_file(name: str) -> str:
    return (WEB / name).read_text(encoding="utf-8")


def _page() -> Response:
    """The transparency page (static; it reads the JSON API)."""
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


@bp.route("/", methods=["GET"])
def public_page() -> Response:
    return _page()


@bp.route("/transparansi", methods=["GET"])
def public_page_transparansi() -> Response:
    return _page()


@bp.route("/static/{name}", methods=["GET"])
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
