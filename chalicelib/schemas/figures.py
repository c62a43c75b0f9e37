"""Models of the public figures (docs/statistics.md): their query strings and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain.errors import FieldProblem, InvalidInput

_WINDOW_PATTERN = r"^(30d|90d|365d|(20\d\d|2100)-(0[1-9]|1[0-2]))$"


class StatsQuery(BaseModel):
    """`GET /v1/stats` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    window: str = Field(default="30d", pattern=_WINDOW_PATTERN)
    level: Literal["city", "opd", "kecamatan", "kelurahan"] = "city"
    view: Literal["unit", "place"] = "unit"

    @model_validator(mode="after")
    def _place_has_no_opd(self) -> StatsQuery:
        if self.view == "place" and self.level == "opd":
            raise InvalidInput(
                [
                    FieldProblem(
                        "view",
                        "not_for_level",
                        "view=place tidak berlaku untuk level opd (OPD tidak punya wilayah)",
                        "view=place does not apply to level opd (an OPD has no area)",
                    )
                ]
            )
        return self


class StatsCsvQuery(BaseModel):
    """`GET /v1/stats.csv` query string: without window / level, every rolling window / level."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    window: str | None = Field(default=None, pattern=_WINDOW_PATTERN)
    level: Literal["city", "opd", "kecamatan", "kelurahan"] | None = None
    view: Literal["unit", "place"] = "unit"


class StatsUnitQuery(BaseModel):
    """`GET /v1/stats/units/{unit_code}` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    view: Literal["unit", "place"] = "unit"


class PublicListQuery(BaseModel):
    """`GET /v1/public/complaints` query string: the complaints behind a figure."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit: str = Field(default="city", min_length=3, max_length=40)
    view: Literal["unit", "place"] = "unit"
    status: Literal["open", "resolved", "rejected", "moved"] | None = None
    overdue: bool = False
    window: str | None = Field(default=None, pattern=_WINDOW_PATTERN)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=50)


class StatsFlow(BaseModel):
    """The figures about the complaints received in a window (a month of a unit's series)."""

    received: int
    received_by_channel: dict[str, int]
    resolved: int
    rejected: int
    moved_out: int
    resolved_on_time_share: float | None
    first_response_days_p50: float | None
    first_response_days_p90: float | None
    resolution_days_p50: float | None
    resolution_days_p90: float | None
    reopen_rate: float | None
    rating_avg: float | None
    rating_count: int
    ranked: bool


class StatsFigures(StatsFlow):
    """A unit's figures in a window, with the state now (open, overdue, backlog by age)."""

    open: int
    overdue: int
    backlog_by_age: dict[str, int]


class StatsRow(StatsFigures):
    unit_code: str  # city, opd:..., kec:..., kel:...
    unit_name: str
    level: str


class StatsTable(BaseModel):
    """`GET /v1/stats`: every unit of a level, in one window and view."""

    window: str
    level: str
    view: str
    generated_at: datetime | None
    units: list[StatsRow]


class StatsMonth(BaseModel):
    month: str
    received: int | None = None
    received_by_channel: dict[str, int] | None = None
    resolved: int | None = None
    rejected: int | None = None
    moved_out: int | None = None
    resolved_on_time_share: float | None = None
    first_response_days_p50: float | None = None
    first_response_days_p90: float | None = None
    resolution_days_p50: float | None = None
    resolution_days_p90: float | None = None
    reopen_rate: float | None = None
    rating_avg: float | None = None
    rating_count: int | None = None
    ranked: bool | None = None


class StatsUnitView(BaseModel):
    """`GET /v1/stats/units/{unit_code}`: the unit's figures per window and its last 12 months."""

    unit_code: str
    unit_name: str
    level: str
    view: str
    generated_at: datetime | None
    windows: dict[str, StatsFigures | None]
    monthly: list[StatsMonth]


class PublicListUnit(BaseModel):
    code: str | None
    name: str | None


class PublicListComplaint(BaseModel):
    """A complaint behind a figure: public fields only (no reporter, no confidential text)."""

    tracking_id: str
    title: str | None
    category: str | None
    status: str | None
    status_label: str
    created_at: datetime | None
    deadline: datetime | None
    overdue_working_days: float | None
    unit: PublicListUnit
    kelurahan_code: str | None


class PublicList(BaseModel):
    """`GET /v1/public/complaints`: one page, newest first; `cursor` continues."""

    unit: str
    view: str
    status: str | None
    overdue: bool
    window: str | None
    complaints: list[PublicListComplaint]
    cursor: str | None
