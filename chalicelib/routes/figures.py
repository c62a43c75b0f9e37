"""Routes for the public figures: the statistics, their open data and the complaints behind a figure.

docs/statistics.md; every answer is public and cached briefly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain import reference
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.http.answers import error_response, handles_errors, respond
from chalicelib.http.inputs import parse
from chalicelib.http.openapi import PUBLIC, Media, declare
from chalicelib.schemas import figures as s

if TYPE_CHECKING:
    from chalicelib.services.statistics import StatisticsService

bp = Blueprint(__name__)

_STATS_CACHE = {"Cache-Control": "public, max-age=60"}


def _unknown_unit() -> Response:
    areas = reference.areas()
    kel = next(iter(areas.kelurahan.values()))
    examples = f"city, opd:dpupr, kec:{kel.kecamatan_code}, kel:{kel.code}"  # the default region's own codes
    return error_response(
        404,
        "unknown_unit",
        f"Unit tidak dikenal (contoh: {examples})",
        f"Unknown unit (e.g. {examples})",
    )


def _known_unit(code: str, figures: StatisticsService) -> bool:
    return code == "city" or code in figures.units()


@bp.route("/v1/stats", methods=["GET"])
@declare(
    "Public figures of every unit of a level, in one window and view",
    roles=PUBLIC,
    query=s.StatsQuery,
    responses={200: s.StatsTable},
)
@handles_errors
def stats() -> Response:
    q = parse(s.StatsQuery, dict(bp.current_request.query_params or {}))
    return respond(200, bootstrap.statistics().in_region(q.jurisdiction).table(q.window, q.level, q.view), _STATS_CACHE)


@bp.route("/v1/stats.csv", methods=["GET"])
@declare(
    "The public figures as open data (CSV, UTF-8): one row per unit and window",
    roles=PUBLIC,
    query=s.StatsCsvQuery,
    responses={200: Media("text/csv", {"type": "string"})},
)
@handles_errors
def stats_csv() -> Response:
    from chalicelib.domain.statistics import LEVELS, config

    q = parse(s.StatsCsvQuery, dict(bp.current_request.query_params or {}))
    windows = [q.window] if q.window else list(config().windows)
    levels = [q.level] if q.level else list(LEVELS)
    body = bootstrap.statistics().in_region(q.jurisdiction).csv(windows, levels, q.view)
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


@bp.route("/v1/stats/places.geojson", methods=["GET"])
@declare(
    "Every desa/kelurahan's boundary with its region's figures by place in one window (GeoJSON, RFC 7946, WGS 84)",
    roles=PUBLIC,
    query=s.PlacesGeoQuery,
    responses={200: Media("application/geo+json", {"type": "object"})},
)
@handles_errors
def stats_places_geojson() -> Response:
    q = parse(s.PlacesGeoQuery, dict(bp.current_request.query_params or {}))
    figures = bootstrap.statistics().in_region(q.jurisdiction)
    body = figures.places_geojson(q.window)
    name = f"kelurahan-{figures.region}-{q.window}" if figures.region else f"kelurahan-{q.window}"
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=200,
        headers={
            "Content-Type": "application/geo+json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}.geojson"',
            **_STATS_CACHE,
        },
    )


@bp.route("/v1/stats/units/{unit_code}", methods=["GET"])
@declare(
    "One unit's figures per window and its last 12 months",
    roles=PUBLIC,
    query=s.StatsUnitQuery,
    responses={200: s.StatsUnitView},
)
@handles_errors
def stats_unit(unit_code: str) -> Response:
    code = unquote(unit_code)
    q = parse(s.StatsUnitQuery, dict(bp.current_request.query_params or {}))
    figures = bootstrap.statistics().in_region(q.jurisdiction)
    if len(code) > 40 or not _known_unit(code, figures):
        return _unknown_unit()
    if q.view == "place" and code.startswith("opd:"):
        raise InvalidInput(
            [
                FieldProblem(
                    "view", "not_for_level", "view=place tidak berlaku untuk OPD", "view=place does not apply to an OPD"
                )
            ]
        )
    return respond(200, figures.unit(code, q.view), _STATS_CACHE)


@bp.route("/v1/public/complaints", methods=["GET"])
@declare(
    "The complaints behind a figure (public view, newest first, cursor pages)",
    roles=PUBLIC,
    query=s.PublicListQuery,
    responses={200: s.PublicList},
    errors=[404],
)
@handles_errors
def public_complaints() -> Response:
    # The public view of the complaints behind a figure (no reporter, no confidential text).
    q = parse(s.PublicListQuery, dict(bp.current_request.query_params or {}))
    figures = bootstrap.statistics().in_region(q.jurisdiction)
    if not _known_unit(q.unit, figures):
        return _unknown_unit()
    page = figures.public_list(q.unit, q.view, q.status, q.overdue, q.window, q.cursor, q.limit)
    return respond(200, page, {"Cache-Control": "public, max-age=30"})


def _download_of(q: s.PublicDownloadQuery) -> dict[str, Any]:
    from chalicelib.services.statistics import Narrowing

    narrow = Narrowing(q.category, q.channel, q.place, q.date_from, q.date_to)
    figures = bootstrap.statistics().in_region(q.jurisdiction)
    return figures.download(q.unit, q.view, q.status, q.overdue, q.window, q.cursor, q.limit, narrow)


def _download_query() -> s.PublicDownloadQuery:
    q: s.PublicDownloadQuery = parse(s.PublicDownloadQuery, dict(bp.current_request.query_params or {}))
    if not _known_unit(q.unit, bootstrap.statistics().in_region(q.jurisdiction)):
        raise _UnknownUnit()
    return q


class _UnknownUnit(Exception):
    """A unit code the figures do not know (404)."""


def _paging_headers(page: Mapping[str, Any], path: str) -> dict[str, str]:
    """The next page (RFC 8288 `Link`) and the confidential complaints counted on this page."""
    headers = {"X-Confidential-Count": str(page["confidential_count"]), "Cache-Control": "public, max-age=30"}
    if page["cursor"]:
        params = dict(bp.current_request.query_params or {})
        params["cursor"] = page["cursor"]
        headers["Link"] = f'<{path}?{urlencode(params)}>; rel="next"'
        headers["X-Next-Cursor"] = page["cursor"]
    return headers


@bp.route("/v1/public/complaints.json", methods=["GET"])
@declare(
    "The complaints behind a figure as open data (JSON): public fields only, confidential ones counted",
    roles=PUBLIC,
    query=s.PublicDownloadQuery,
    responses={200: s.PublicDownload},
    errors=[404],
)
@handles_errors
def public_complaints_json() -> Response:
    try:
        page = _download_of(_download_query())
    except _UnknownUnit:
        return _unknown_unit()
    return respond(200, page, _paging_headers(page, "/v1/public/complaints.json"))


@bp.route("/v1/public/complaints.csv", methods=["GET"])
@declare(
    "The complaints behind a figure as open data (CSV, UTF-8): public fields only, confidential ones counted",
    roles=PUBLIC,
    query=s.PublicDownloadQuery,
    responses={200: Media("text/csv", {"type": "string"})},
    errors=[404],
)
@handles_errors
def public_complaints_csv() -> Response:
    from chalicelib.services.statistics import open_data_csv

    try:
        q = _download_query()
    except _UnknownUnit:
        return _unknown_unit()
    page = _download_of(q)
    name = f"aduan-{q.unit.replace(':', '-')}-{q.window or 'semua'}.csv"
    return Response(
        body=open_data_csv(page["complaints"]),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            **_paging_headers(page, "/v1/public/complaints.csv"),
        },
    )
