""" "Already reported nearby": open complaints of one category around a point.

Served from the sparse `geo` index: an open, non-confidential complaint with
coordinates carries `geo_pk = GEO#<category>#<geohash-7 cell>` and
`geo_sk = <created_at>`. A question about a point reads one index partition
per geohash cell that touches the 200 m circle (9 to 14 cells, one Query each,
in parallel) and keeps what is within the exact distance. Nothing is scanned.

Who keeps the index right: intake sets the keys (services/intake.py), an
operator's confirmation of a 112 call sets them, and every writer of a final
status removes them (with `geo_attributes`, or else `StatusEvents.commit`
does it for them). Confidential complaints and unconfirmed 112 calls are
never indexed, so they can never be listed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.dynamodb import Repository, iso, values
from chalicelib.domain import geo
from chalicelib.domain.errors import FieldProblem, InvalidInput
from chalicelib.domain.models import FINAL_STATUSES, Complaint, Status
from chalicelib.observability import log_failure, logger

RADIUS_M = 200.0
MAX_RESULTS = 20
_PARALLEL = 8

#: Open statuses that are still not listed: an unconfirmed 112 call may be noise.
_UNLISTED = FINAL_STATUSES | {Status.AWAITING_CONFIRMATION}


def geo_pk(category: str, cell: str) -> str:
    return f"GEO#{category}#{cell}"


def is_listed(c: Complaint) -> bool:
    return (
        c.status not in _UNLISTED and not c.confidential and c.location.lat is not None and c.location.lon is not None
    )


def geo_attributes(c: Complaint) -> dict[str, str | None]:
    """The complaint's `geo` index keys; None values mean "remove" (for set_remove)."""
    if not is_listed(c):
        return {"geo_pk": None, "geo_sk": None}
    assert c.location.lat is not None and c.location.lon is not None
    cell = geo.geohash_encode(c.location.lat, c.location.lon, geo.NEARBY_PRECISION)
    return {"geo_pk": geo_pk(c.category, cell), "geo_sk": iso(c.created_at)}


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
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    def find(
        self,
        lat: float,
        lon: float,
        category: str,
        radius_m: float = RADIUS_M,
        created_before: str | None = None,
        exclude: str | None = None,
        limit: int = MAX_RESULTS,
    ) -> NearbyResult:
        """Open, listed complaints of `category` within `radius_m`, nearest first."""
        try:
            cells = geo.cells_within(lat, lon, radius_m, geo.NEARBY_PRECISION)
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
        with ThreadPoolExecutor(max_workers=min(_PARALLEL, len(cells))) as pool:
            pages = list(pool.map(lambda cell: self._cell(category, cell, created_before), cells))
        read = 0
        matches: list[Match] = []
        for items in pages:
            read += len(items)
            for item in items:
                c = Complaint.model_validate(item)
                if c.tracking_id == exclude or not is_listed(c):
                    continue
                assert c.location.lat is not None and c.location.lon is not None
                d = geo.haversine_m(lat, lon, c.location.lat, c.location.lon)
                if d <= radius_m:
                    matches.append(Match(c, d))
        matches.sort(key=lambda m: (m.distance_m, m.complaint.created_at))
        return NearbyResult(matches[:limit], read, len(cells))

    def _cell(self, category: str, cell: str, created_before: str | None) -> list[dict[str, Any]]:
        if created_before is None:
            return list(self.repo.query("geo_pk = :p", values(p=geo_pk(category, cell)), index="geo"))
        return list(
            self.repo.query(
                "geo_pk = :p AND geo_sk < :b", values(p=geo_pk(category, cell), b=created_before), index="geo"
            )
        )

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
                created_before=iso(c.created_at),
                exclude=c.tracking_id,
                limit=1,
            )
            if not found.matches:
                return None
            other = found.matches[0].complaint.tracking_id
            self.repo.update(c.tracking_id, "SET possible_duplicate_of = :d", vals=values(d=other))
        except Exception as err:  # noqa: BLE001 - a hint, never a reason to stop forwarding
            log_failure("possible-duplicate check failed", err)  # other complaints' items: no text
            return None
        logger.info("possible duplicate", extra={"possible_duplicate_of": other})
        return other
