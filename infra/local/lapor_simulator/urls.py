"""Routing (moto's urls.py): method + path pattern -> response method."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """One call: `name` keys the stats; `write`/`create` decide which faults apply."""

    method: str
    pattern: re.Pattern[str]
    name: str
    handler: str
    write: bool = False
    create: bool = False

    @property
    def faults(self) -> frozenset[str]:
        kinds = {"5xx", "429", "slow", "reset", "garble"}
        if self.write:
            kinds.add("lose")
        if self.create:
            kinds.add("reject")
        return frozenset(kinds)


def _route(method: str, template: str, handler: str, **flags: bool) -> Route:
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", template) + "$"
    return Route(method, re.compile(regex), f"{method} {template}", handler, **flags)


ROUTES: list[Route] = [
    _route("POST", "/complaints/complaint/file", "upload_files", write=True),
    _route("POST", "/complaints/complaint", "create_complaint", write=True, create=True),
    _route("GET", "/complaints/{id}/complaint", "get_complaint"),
    _route("GET", "/complaints/{id}/followups", "get_followups"),
    _route("POST", "/complaints/followup/add", "add_followup", write=True),
    _route("GET", "/masters/institutions/external", "institutions"),
    _route("GET", "/complaints", "find_by_tag"),
]

#: Handled by LaporSimulator itself (they touch faults and stats, not only the backend).
ADMIN_ROUTES: list[Route] = [
    _route("GET", "/_sim/health", "sim_health"),
    _route("GET", "/_sim/complaints", "sim_complaints"),
    _route("GET", "/_sim/stats", "sim_stats"),
    _route("GET", "/_sim/faults", "sim_get_faults"),
    _route("PUT", "/_sim/faults", "sim_put_faults"),
    _route("POST", "/_sim/complaints/{id}/status", "sim_force_status"),
    _route("POST", "/_sim/complaints/{id}/followups", "sim_add_followup"),
    _route("POST", "/_sim/agencies", "sim_add_agency"),
    _route("POST", "/_sim/reset", "sim_reset"),
]


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path params, path_known); path_known without a route means 405."""
    path_known = False
    for route in routes:
        m = route.pattern.match(path)
        if m:
            path_known = True
            if route.method == method:
                return route, m.groupdict(), True
    return None, {}, path_known
