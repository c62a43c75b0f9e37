"""How much the API takes and answers: body sizes, error sizes, rate limits per route.

The numbers are data (`data/limits.json`); routes are named `<METHOD> <path>` exactly
as app.py registers them, so a new route joins a rate-limit group or gets its own
body limit with one entry there.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class BodyLimits(BaseModel):
    model_config = ConfigDict(defer_build=True)
    default: int = Field(gt=0)
    routes: dict[str, int] = Field(default_factory=dict)


class ErrorLimits(BaseModel):
    model_config = ConfigDict(defer_build=True)
    max_problems: int = Field(gt=0)
    max_field_chars: int = Field(gt=8)


class RateGroup(BaseModel):
    model_config = ConfigDict(defer_build=True)
    limit: int = Field(gt=0)
    routes: list[str]


class RateLimits(BaseModel):
    model_config = ConfigDict(defer_build=True)
    window_s: int = Field(gt=0)
    sync_every_requests: int = Field(gt=0)
    sync_every_s: float = Field(gt=0)
    ip_ceiling_factor: int = Field(ge=1)
    groups: dict[str, RateGroup]

    def group_of(self, route: str) -> str | None:
        for name, group in self.groups.items():
            if route in group.routes:
                return name
        return None


class Limits(BaseModel):
    model_config = ConfigDict(defer_build=True)
    body_bytes: BodyLimits
    errors: ErrorLimits
    rate_limits: RateLimits

    def body_limit(self, route: str) -> int:
        return self.body_bytes.routes.get(route, self.body_bytes.default)


def route_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def _without_notes(node: object) -> object:
    if isinstance(node, dict):
        return {k: _without_notes(v) for k, v in node.items() if not k.startswith("_")}
    return node


@lru_cache(maxsize=1)
def limits() -> Limits:
    from chalicelib.domain import reference  # its region data is not needed to import the middleware

    return Limits.model_validate(_without_notes(reference.load_json("limits.json")))


def cut(text: str, max_chars: int) -> str:
    """`text`, or its start and an ellipsis: echoed names never make an answer large."""
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
