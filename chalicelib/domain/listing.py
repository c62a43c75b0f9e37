"""Which complaints the "already reported nearby" list may show.

Open, non-confidential complaints with coordinates; an unconfirmed 112 call may be
noise, so it waits for an operator's confirmation."""

from __future__ import annotations

from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status
from chalicelib.domain.reference import default_code

#: Open statuses that are still not listed: an unconfirmed 112 call may be noise.
UNLISTED = FINAL_STATUSES | {Status.AWAITING_CONFIRMATION}


def is_listed(c: Complaint) -> bool:
    """Nearby hints are the default region's: another region's complaints are not listed (so a hint
    near a border never shows the neighbour's), until hints are kept per region."""
    return (
        (c.jurisdiction or default_code()) == default_code()
        and c.status not in UNLISTED
        and not c.confidential
        and c.location.lat is not None
        and c.location.lon is not None
    )
