"""What the channels and the API hand to intake: a complaint in our vocabulary.

Each channel (the app's API, 112, PSC 119, Rabeg, Open311) turns its own record
into a :class:`NewComplaint`; intake (services/intake.py) accepts it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain.models import Reporter, Status

if TYPE_CHECKING:  # the validated request body; the domain never imports the API layer at run time
    from chalicelib.schemas import ComplaintSubmission

__all__ = ["NewComplaint"]


@dataclass(frozen=True)
class NewComplaint:
    """A complaint in our vocabulary, from any channel, before it has an id."""

    submission: ComplaintSubmission
    channel: str = "app"
    channel_ref: str | None = None
    initial_status: Status = Status.RECEIVED
    extra_reporter: Reporter | None = None
    attributes: Mapping[str, Any] | None = None  # admin-only extras from a channel (native time, note)
