"""Models of the coordinators' routes: parked complaints, call-centre reports, channels' callback URLs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.models import Status


class CallbackRegistration(BaseModel):
    """`PUT /v1/admin/channels/{channel}/callback` body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    url: str = Field(min_length=8, max_length=2048)


class DismissRequest(BaseModel):
    """`POST /v1/admin/complaints/{tracking_id}/dismiss` body (optional)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    reason: str | None = Field(default=None, max_length=500)


class ComplaintState(BaseModel):
    """The status a complaint is in after an admin action."""

    model_config = ConfigDict(defer_build=True)

    tracking_id: str
    status: Status


class CallbackView(BaseModel):
    model_config = ConfigDict(defer_build=True)
    channel: str
    url: str
    updated_at: str | None


class AdminListQuery(BaseModel):
    """`GET /v1/admin/complaints` query string."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    status: Literal["needs_attention"]
    limit: int = Field(default=50, ge=1, le=100)
    next: str | None = Field(default=None, max_length=2048, description="the `next` of the previous page")
