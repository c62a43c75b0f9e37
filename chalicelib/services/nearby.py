""" "Already reported nearby": open complaints of one category around a point.

Served from the sparse `geo` index: an open, non-confidential complaint with
coordinates carries `geo_pk = GEO#<category>#s<stripe>` (a north-south stripe of
longitude 25 m wide, `geo.stripe_of`) and `geo_sk = <latitude>#<created_at>`. A
question about a point reads, in each stripe the 200 m circle crosses (17 or 18,
one Query each, in parallel), only the latitudes the circle reaches there, and
keeps what is within the exact distance. Nothing is scanned.

Who keeps the index right: intake sets the keys (services/intake.py), an
operator's confirmation of a 112 call sets them, and every writer of a final
status removes them (a `Placement` that unlists it, or else `StatusEvents.commit`
does it for them). Confidential complaints and unconfirmed 112 calls are
never indexed, so they can never be listed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import geo
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.listing import is_listed
from chalicelib.domain.models import Complaint
from chalicelib.observability import log_failure, logger
from chalicelib.services.ports import Change, Complaints

RADIUS_M = 200.0
MAX_RESULTS = 20
# A 200 m circle crosses 17 or 18 stripes near the equator and more towards the poles (a degree
# of longitude shortens): past about 60 degrees of latitude, far from any Indonesian region, a
# question would cost more Queries than this and is refused instead.
MAX_QUERIES = 40
_PARALLEL = 8

__all__ = ["MAX_QUERIES", "MAX_RESULTS", "RADIUS_M", "Match", "NearbyResult", "NearbyService", "is_listed"]


@dataclass(frozen=True)
class Match:
    complaint: Complaint
    distance_m: float


@dataclass(frozen=True)
class NearbyResult:
    matches: list[Match]
    items_read: int  # index items DynamoDB returned (what the query cost)
    queries: int


class NearbyService:
    def __init__(self, complaints: Complaints) -> None:
        self.complaints = complaints

    def find(
        self,
        lat: float,
        lon: float,
        category: str,
        radius_m: float = RADIUS_M,
        created_before: datetime | None = None,
        exclude: str | None = None,
        limit: int = MAX_RESULTS,
        region: str | None = None,
    ) -> NearbyResult:
        """Open, listed complaints of `category` within `radius_m`, nearest first, of one region
        (the default one when not given): hints never mix regions."""
        try:
            stripes = geo.stripes_within(lat, lon, radius_m, max_stripes=MAX_QUERIES)
        except ValueError:
            # NearbyQuery keeps points in the city; this guards any other caller
            raise InvalidInput(
                [
                    FieldProblem(
                        "lat/lon",
                        "invalid_point",
                        "Titik (lat/lon) tidak dapat dicari di sekitarnya",
                        "No search is possible around this point (lat/lon)",
                    )
                ]
            ) from None
        with ThreadPoolExecutor(max_workers=min(_PARALLEL, len(stripes))) as pool:
            pages = list(pool.map(lambda s: self.complaints.nearby_stripe(category, s, region), stripes))
        read = 0
        matches: list[Match] = []
        for items in pages:
            read += len(items)
            for item in items:
                c = Complaint.model_validate(item)
                if c.tracking_id == exclude or not is_listed(c):
                    continue
                if created_before is not None and c.created_at >= created_before:
                    continue
                assert c.location.lat is not None and c.location.lon is not None
                d = geo.haversine_m(lat, lon, c.location.lat, c.location.lon)
                if d <= radius_m:
                    matches.append(Match(c, d))
        matches.sort(key=lambda m: (m.distance_m, m.complaint.created_at))
        return NearbyResult(matches[:limit], read, len(stripes))

    def mark_possible_duplicate(self, c: Complaint) -> str | None:
        """Hint for operators: the nearest older open complaint of the same category.

        Runs in the forwarder (before the LAPOR! create), not in intake, so the
        citizen's request never waits on a dozen Queries. Best effort: a failure
        here never holds a complaint back.
        """
        if c.location.lat is None or c.location.lon is None or c.possible_duplicate_of:
            return c.possible_duplicate_of
        try:
            found = self.find(
                c.location.lat,
                c.location.lon,
                c.category,
                created_before=c.created_at,
                exclude=c.tracking_id,
                limit=1,
                region=c.jurisdiction,
            )
            if not found.matches:
                return None
            other = found.matches[0].complaint.tracking_id
            self.complaints.change(c.tracking_id, Change({"possible_duplicate_of": other}))
        except Exception as err:  # noqa: BLE001 - a hint, never a reason to stop forwarding
            log_failure("possible-duplicate check failed", err)  # other complaints' items: no text
            return None
        logger.info("possible duplicate", extra={"possible_duplicate_of": other})
        return other
