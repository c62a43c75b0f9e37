"""Which complaints the "already reported nearby" list may show.

Open, non-confidential complaints with coordinates; an unconfirmed 112 call may be
noise, so it waits for an operator's confirmation."""

from __future__ import annotations

from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status

#: Open statuses that are still not listed: an unconfirmed 112 call may be noise.
UNLISTED = FINAL_STATUSES | {Status.AWAITING_CONFIRMATION}


def is_listed(c: Complaint) -> bool:
    """Listed in its own region's nearby hints (the index keys carry the region)."""
    return c.status not in UNLISTED and not c.confidential and c.location.lat is not None and c.location.lon is not None
