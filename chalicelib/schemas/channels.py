"""Models of the channels: a webhook's answer, and the status events sent back to a channel."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.models import Status
from chalicelib.schemas.public import SubmissionAccepted


class ChannelEvent(BaseModel):
    """A status change sent back to the channel a complaint came from (signed POST).

    `event_id` is deterministic per timeline entry: receivers drop repeats by it."""

    model_config = ConfigDict(defer_build=True)

    event_id: str
    type: str  # the timeline entry's kind: forwarded, confirmed, status, escalated, closed, ...
    tracking_id: str
    channel: str
    channel_ref: str | None
    status: Status
    status_label: str
    occurred_at: datetime
    lapor_id: int | None = None
    message: str = ""
    #: the complaint's region (Kemendagri code; GET /v1/jurisdictions)
    jurisdiction: str | None = None


class ChannelAccepted(SubmissionAccepted):
    channel: str
    channel_ref: str
    replayed: bool


class ChannelQuery(BaseModel):
    """A channel webhook's query string: the region whose channel sends (none: the default region)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    jurisdiction: str | None = Field(default=None, pattern=r"^[0-9]{2}\.[0-9]{2}$", description="Kemendagri code NN.NN")
