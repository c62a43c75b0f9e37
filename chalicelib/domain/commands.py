"""What the channels and the API hand to intake: a complaint in our vocabulary.

Each channel (the app's API, 112, PSC 119, Rabeg, Open311) turns its own record
into a :class:`NewComplaint`; intake (services/intake.py) accepts it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.models import Location, Reporter, Severity, Status

__all__ = ["ComplaintContent", "NewComplaint"]


class ComplaintContent(Protocol):
    """What a reporter said, already validated at the boundary (the API's `ComplaintSubmission`
    or a channel's record mapped onto it): the domain names the fields it reads, not the model."""

    @property
    def category(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def location(self) -> Location: ...
    @property
    def reporter(self) -> Reporter | None: ...
    @property
    def anonymous(self) -> bool: ...
    @property
    def confidential(self) -> bool: ...
    @property
    def severity(self) -> Severity | None: ...
    @property
    def attachments(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class NewComplaint:
    """A complaint in our vocabulary, from any channel, before it has an id."""

    submission: ComplaintContent
    channel: str = "app"
    channel_ref: str | None = None
    initial_status: Status = Status.RECEIVED
    extra_reporter: Reporter | None = None
    attributes: Mapping[str, Any] | None = None  # admin-only extras from a channel (native time, note)
    #: the region the caller named (``jurisdiction``, Open311's ``jurisdiction_id``): it must agree with the place
    jurisdiction: str | None = None
