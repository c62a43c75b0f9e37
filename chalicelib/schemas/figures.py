"""Models of the public figures (docs/statistics.md): their query strings and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.domain import reference
from chalicelib.domain.errors import FieldProblem, InvalidInput

_WINDOW_PATTERN = r"^(30d|90d|365d|(20\d\d|2100)-(0[1-9]|1[0-2]))$"


#: a region named in a query string (GET /v1/jurisdictions); none: the deployment's default region
REGION_PARAM = r"^[0-9]{2}\.[0-9]{2}$"
REGION_HELP = "region code NN.NN (GET /v1/jurisdictions); default: the deployment's"


class StatsQuery(BaseModel):
    """`GET /v1/stats` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    jurisdiction: str | None = Field(default=None, pattern=REGION_PARAM, description=REGION_HELP)

    window: str = Field(default="30d", pattern=_WINDOW_PATTERN)
    level: Literal["city", "opd", "kecamatan", "kelurahan"] = "city"
    view: Literal["unit", "place"] = "unit"

    @model_validator(mode="after")
    def _place_has_no_opd(self) -> StatsQuery:
        if self.view == "place" and self.level == "opd":
            raise _opd_has_no_place()
        return self


def _opd_has_no_place() -> InvalidInput:
    """One refusal for the JSON and the CSV: they answer the same query alike."""
    return InvalidInput(
        [
            FieldProblem(
                "view",
                "not_for_level",
                "view=place tidak berlaku untuk level opd (OPD tidak punya wilayah)",
                "view=place does not apply to level opd (an OPD has no area)",
            )
        ]
    )


class StatsCsvQuery(BaseModel):
    """`GET /v1/stats.csv` query string: without window / level, every rolling window / level.
    Refused exactly where `GET /v1/stats` refuses (level=opd with view=place)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    jurisdiction: str | None = Field(default=None, pattern=REGION_PARAM, description=REGION_HELP)

    window: str | None = Field(default=None, pattern=_WINDOW_PATTERN)
    level: Literal["city", "opd", "kecamatan", "kelurahan"] | None = None
    view: Literal["unit", "place"] = "unit"

    @model_validator(mode="after")
    def _place_has_no_opd(self) -> StatsCsvQuery:
        if self.view == "place" and self.level == "opd":
            raise _opd_has_no_place()
        return self


class PlacesGeoQuery(BaseModel):
    """`GET /v1/stats/places.geojson` query string: the region and window, as `GET /v1/stats` takes them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    jurisdiction: str | None = Field(default=None, pattern=REGION_PARAM, description=REGION_HELP)
    window: str = Field(default="30d", pattern=_WINDOW_PATTERN)


class StatsUnitQuery(BaseModel):
    """`GET /v1/stats/units/{unit_code}` query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    jurisdiction: str | None = Field(default=None, pattern=REGION_PARAM, description=REGION_HELP)

    view: Literal["unit", "place"] = "unit"


class PublicListQuery(BaseModel):
    """`GET /v1/public/complaints` query string: the complaints behind a figure."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    jurisdiction: str | None = Field(default=None, pattern=REGION_PARAM, description=REGION_HELP)

    unit: str = Field(default="city", min_length=3, max_length=40)
    view: Literal["unit", "place"] = "unit"
    status: Literal["open", "resolved", "rejected", "moved"] | None = None
    overdue: bool = False
    window: str | None = Field(default=None, pattern=_WINDOW_PATTERN)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=50)


#: days a date filter may name; beyond them it is a typo (and the arithmetic overflows)
_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class PublicDownloadQuery(PublicListQuery):
    """`GET /v1/public/complaints.csv` and `.json`: the list's question, narrowed by category,
    channel, kelurahan (`place`) and days of arrival (`from`, `to`: WIB dates, both included)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    limit: int = Field(default=50, ge=1, le=50)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    channel: str | None = Field(default=None, min_length=1, max_length=32)
    place: str | None = Field(default=None, min_length=1, max_length=40)
    date_from: date | None = Field(default=None, alias="from", ge=_FIRST_DAY, le=_LAST_DAY)
    date_to: date | None = Field(default=None, alias="to", ge=_FIRST_DAY, le=_LAST_DAY)

    @field_validator("category")
    @classmethod
    def _a_category(cls, code: str | None) -> str | None:
        if code is not None and code not in reference.categories():
            raise PydanticCustomError("unknown_category", "unknown category")
        return code

    @field_validator("channel")
    @classmethod
    def _a_channel(cls, name: str | None) -> str | None:
        from chalicelib.domain.statistics import config

        if name is not None and name not in config().channels:
            raise PydanticCustomError("unknown_channel", "unknown channel")
        return name

    @field_validator("place")
    @classmethod
    def _a_kelurahan(cls, code: str | None) -> str | None:
        if code is None:
            return None
        code = code.removeprefix("kel:")
        if code not in reference.areas().kelurahan:
            raise PydanticCustomError("unknown_place", "unknown kelurahan")
        return code

    @model_validator(mode="after")
    def _from_before_to(self) -> PublicDownloadQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(
                [FieldProblem("from", "after_to", "from harus sebelum atau sama dengan to", "from must precede to")]
            )
        return self


class StatsFlow(BaseModel):
    """The figures about the complaints received in a window (a month of a unit's series)."""

    model_config = ConfigDict(defer_build=True)

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

    model_config = ConfigDict(defer_build=True)

    window: str
    level: str
    view: str
    generated_at: datetime | None
    units: list[StatsRow]


class StatsMonth(BaseModel):
    model_config = ConfigDict(defer_build=True)
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

    model_config = ConfigDict(defer_build=True)

    unit_code: str
    unit_name: str
    level: str
    view: str
    generated_at: datetime | None
    windows: dict[str, StatsFigures | None]
    monthly: list[StatsMonth]


class PublicListUnit(BaseModel):
    model_config = ConfigDict(defer_build=True)
    code: str | None
    name: str | None


class PublicListComplaint(BaseModel):
    """A complaint behind a figure: public fields only (no reporter, no confidential text)."""

    model_config = ConfigDict(defer_build=True)

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


class DownloadComplaint(BaseModel):
    """A complaint behind a figure as open data: public fields only (chalicelib/domain/public_view.py)."""

    model_config = ConfigDict(defer_build=True)

    tracking_id: str
    created_at: datetime | None
    status: str | None
    status_label: str
    category: str | None
    channel: str | None
    title: str | None
    unit_code: str | None
    unit_name: str | None
    kecamatan_code: str | None
    kelurahan_code: str | None
    deadline: datetime | None
    overdue_working_days: float | None


class PublicDownload(BaseModel):
    """`GET /v1/public/complaints.json`: one page; confidential complaints are counted, never listed."""

    model_config = ConfigDict(defer_build=True)

    unit: str
    view: str
    status: str | None
    overdue: bool
    window: str | None
    category: str | None
    channel: str | None
    place: str | None
    from_: str | None = Field(alias="from")
    to: str | None
    confidential_count: int
    complaints: list[DownloadComplaint]
    cursor: str | None


class PublicList(BaseModel):
    """`GET /v1/public/complaints`: one page, newest first; `cursor` continues."""

    model_config = ConfigDict(defer_build=True)

    unit: str
    view: str
    status: str | None
    overdue: bool
    window: str | None
    complaints: list[PublicListComplaint]
    cursor: str | None
