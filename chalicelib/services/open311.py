"""Open311 GeoReport v2 use cases: accept a service request, read requests back.

A POST goes through the same intake as every other channel (channel `open311`,
the client app's name as `client_app`), so routing, forwarding, escalation and
statistics treat it like any complaint.

Reading never scans, and a list is one region's (the default one unless `jurisdiction_id`
names another). A list by date window reads that region's partitions of the `created` index
(every complaint, by region, UTC month of arrival and shard, sorted by arrival instant):
the window's months newest first, each month's shards queried in parallel and
merged newest first, the service_code and status filters applied by DynamoDB on
what each Query reads, and reading stops once the requested page is full. Each
shard first reads about its share of the page, and more, in small pages, only
when the merge runs through it: a page reads about as many items as it shows.
A list by ids is BatchGetItem (one call per 100 ids); another region's id is left out as
an unknown one is. `status_notes` is the
newest timeline message, kept on the complaint item (and so on its index row):
no read per listed request. Only an item written before items carried their
note has its newest timeline entries read (one small Query).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.channels import open311 as wire
from chalicelib.domain import open311, public_view, reference
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import STATUS_LABELS_ID, Complaint, TimelineEntry
from chalicelib.observability import complaint_context, log_failure, logger
from chalicelib.services.api_keys import ApiKeys
from chalicelib.services.intake import IntakeService
from chalicelib.services.ports import Complaints

_PARALLEL = 8
#: newest timeline entries read per request to find its status note
_NOTE_WINDOW = 5


class ApiKeyRefused(Exception):
    """No api_key, or one that is not ours (HTTP 403)."""


class Open311Request(BaseModel):
    """One service request as GeoReport v2 shows it: public fields only, never the reporter."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    lat: float | None
    long: float | None
    media_url: str | None

    @classmethod
    def of(cls, c: Complaint, note: TimelineEntry | None) -> Open311Request:
        facts = public_view.of_complaint(c)  # what is public, decided once for every surface
        cat = reference.categories().get(c.category)
        unit = facts.unit_name
        return cls(
            service_request_id=c.tracking_id,
            status=open311.status_of(c.status),
            # a confidential complaint's notes may quote it: only its status then
            status_notes=(
                note.message if note and note.message and not c.confidential else STATUS_LABELS_ID.get(c.status)
            ),
            service_name=cat.name if cat else None,
            service_code=c.category,
            description=None
            if facts.description is None
            else _clip(facts.description, open311.config().limits.max_description),
            agency_responsible=unit,
            service_notice=open311.service_notice(unit),
            requested_datetime=open311.w3c(c.created_at) or "",
            updated_datetime=open311.w3c(c.updated_at),
            expected_datetime=open311.w3c(c.deadline),
            # the kelurahan, never the reporter's address line or point
            address=facts.place_text,
            lat=facts.point[0] if facts.point else None,
            long=facts.point[1] if facts.point else None,
            media_url=facts.media_url,
        )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class RequestsQuery:
    """`GET requests` after parsing: ids override everything else (as the spec says)."""

    ids: list[str] | None  # given: only these (even when none of them exists)
    service_codes: list[str]
    statuses: set[str]  # open / closed; empty = all
    start: datetime
    end: datetime
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Submitted:
    service_request_id: str
    service_notice: str | None


class _Partition:
    """One `created` partition read newest first, a page at a time, only as far as consumed."""

    def __init__(
        self,
        complaints: Complaints,
        month: str,
        shard: int,
        lo: str,
        hi: str,
        filters: dict[str, list[str]],
        chunk: int,
        region: str | None,
    ) -> None:
        self.complaints = complaints
        self.month, self.shard, self.lo, self.hi, self.region = month, shard, lo, hi, region
        self.filters, self.chunk = filters, chunk
        # a filter by service thins what a page reads out: then whole chunks, else small ones
        self.more = chunk if "category" in filters else max(2, math.ceil(chunk / 8))
        self.buffer: list[dict[str, Any]] = []
        self.start: dict[str, Any] | None = None
        self.done = False

    def fetch(self) -> _Partition:
        while not self.buffer and not self.done:
            items, self.start = self.complaints.created_page(
                self.month, self.shard, self.lo, self.hi, self.filters, self.chunk, self.start, self.region
            )
            self.buffer.extend(items)
            self.done = self.start is None
            self.chunk = self.more  # past its share: small pages, as the merge needs them
        return self

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            self.fetch()
            if not self.buffer:
                return
            yield from self.buffer
            self.buffer = []


class Open311Service:
    def __init__(self, complaints: Complaints, intake: IntakeService, keys: ApiKeys, shards: int) -> None:
        self.complaints = complaints
        self.intake = intake
        self.keys = keys
        self.shards = shards

    # -- POST requests ----------------------------------------------------------

    def submit(self, form: wire.Form, region: str | None = None) -> Submitted:
        """``region``: the region its `jurisdiction_id` named (None: the place decides)."""
        client_app = self.keys.client_app(form.fields.get("api_key"))
        if client_app is None:
            raise ApiKeyRefused()
        new = replace(wire.new_complaint(form, client_app), jurisdiction=region)
        accepted = self.intake.accept(new)
        with complaint_context(accepted.tracking_id):
            logger.info("open311 request accepted", extra={"client_app": client_app})
        return Submitted(accepted.tracking_id, open311.service_notice(accepted.unit_name))

    # -- GET requests -------------------------------------------------------------

    def one(self, tracking_id: str) -> Open311Request | None:
        found = self._by_ids([tracking_id], any_region=True)
        return found[0] if found else None

    def find(self, q: RequestsQuery, region: str | None = None) -> list[Open311Request]:
        """One region's requests (``region``: its code; None: the default region's): lists never mix regions."""
        if q.ids is not None:
            return self._by_ids(q.ids[q.offset : q.offset + q.page_size], region)
        items = list(islice(self._window(q, region), q.offset, q.offset + q.page_size))
        return _readable([self._from_index(i) for i in items])

    def _window(self, q: RequestsQuery, region: str | None) -> Iterator[dict[str, Any]]:
        """The region's complaints created in the window that pass the filters, newest first.

        Each shard of a month first reads its share of what the page still needs (plus one):
        the shards hold about the same number, so most of what is read is shown."""
        filt = _filter(q)
        lo, hi = utc_text(q.start), utc_text(q.end)
        need = q.offset + q.page_size
        for month in open311.months_newest_first(q.start, q.end):
            chunk = max(2, min(1000, math.ceil(need / self.shards) + 1))
            parts = [_Partition(self.complaints, month, s, lo, hi, filt, chunk, region) for s in range(self.shards)]
            with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:
                list(pool.map(_Partition.fetch, parts))  # first pages in parallel; the rest as the merge needs
            for item in heapq.merge(*parts, key=self.complaints.arrival_key, reverse=True):
                if not _of_region(item, region):
                    continue  # another region's, stored before its own partitions were
                yield item
                need -= 1
                if need <= 0:
                    return

    def _by_ids(self, ids: list[str], region: str | None = None, any_region: bool = False) -> list[Open311Request]:
        """The listed requests among `ids` of ``region`` (unless ``any_region``), in their order:
        BatchGetItem, the notes on the items. Another region's id is left out as an unknown one is."""
        items = self.complaints.many(ids) if ids else []
        found = {str(i.get("tracking_id")): i for i in items if any_region or _of_region(i, region)}
        return _readable([self._from_index(found[t]) if t in found else None for t in ids])

    def _from_index(self, item: dict[str, Any]) -> Open311Request | _Unreadable | None:
        """A complaint item (from the table or an index) with its status note, from the item itself."""
        try:
            complaint = Complaint.model_validate(item)
            if not open311.is_listed(complaint.status):
                return None
            carried, note = self.complaints.status_note(item)
            if carried:
                notes = [TimelineEntry.model_validate(note)] if note else []
            else:  # written before items carried their note: its newest entries, one small Query
                entries = self.complaints.latest_entries(complaint.tracking_id, _NOTE_WINDOW)
                notes = [TimelineEntry.model_validate(e) for e in entries]
                if item.get("first_entry"):
                    notes.append(TimelineEntry.model_validate(item["first_entry"]))
        except ValidationError as err:
            return _Unreadable(str(item.get("tracking_id")), err)
        return Open311Request.of(complaint, _newest_with_message(notes))


@dataclass(frozen=True)
class _Unreadable:
    """A stored item that no longer fits the model."""

    tracking_id: str
    error: ValidationError


def _of_region(item: dict[str, Any], region: str | None) -> bool:
    """A stored complaint of ``region`` (None: the default; an item without a region is the default's)."""
    home = reference.default_code()
    return str(item.get("jurisdiction") or home) == (region or home)


def _readable(found: list[Open311Request | _Unreadable | None]) -> list[Open311Request]:
    """Unreadable items are left out and logged without their data (they may hold the
    reporter's): never a refusal of the caller's request. Logged here, in the request's
    thread, so each line carries its own tracking id."""
    out = []
    for r in found:
        if isinstance(r, _Unreadable):
            with complaint_context(r.tracking_id):
                log_failure("stored complaint left out of an Open311 answer", r.error)
        elif r is not None:
            out.append(r)
    return out


def _newest_with_message(entries: list[TimelineEntry]) -> TimelineEntry | None:
    with_text = [e for e in entries if e.message and e.public]  # an operator's own note is never public
    return max(with_text, key=lambda e: e.at) if with_text else None


def _filter(q: RequestsQuery) -> dict[str, list[str]]:
    """Status (always: unlisted statuses never show) and service_code: the values each may have."""
    statuses = open311.statuses_for(q.statuses or {open311.OPEN, open311.CLOSED})
    out = {"status": list(statuses)}
    if q.service_codes:
        out["category"] = list(q.service_codes)
    return out
