"""Every key, index attribute and index name of the single table.

Items (pk / sk):

- complaint        C#<tracking_id> / C (with an Idempotency-Key the tracking id is
                   derived from the scoped key: services/intake.py)
- timeline entry   C#<tracking_id> / T#<utc instant>#<ref>
- upload claim     UPLOAD#<upload key> / UPLOAD (each upload belongs to one complaint)
- channel config   CHANNEL#<channel> / CALLBACK
- inbox counter    INBOXCOUNT#<holder> / COUNT (one number per status); its marker per
                   complaint INBOXCOUNT#C#<tracking_id> / COUNTED
- channel event    CHEVENT#<tracking_id> / <utc instant>#<event id> (outbox)
- LAPOR! follow-up LAPORFU#<tracking_id> / <complaint version, 9 digits> (outbox)
- notice           NOTIFY#<tracking_id> / <level, or overdue:<stage>:<deadline>> (outbox)
- rate counter     RATE#<group>#<kind>#<client hmac>#<window> / COUNTER (TTL expires_at)
- LAPOR! calls     LAPORCALLS#<account>#<UTC minute> / COUNTER: calls made that minute (TTL)
- LAPOR! back-off  LAPORBACKOFF#<account> / UNTIL: nothing asked before `until` (a 429)
- Open311 API key  APIKEY#<sha256 of the key> / APIKEY
- person of a unit PERSON#<unit> / <user> (the register assignments are checked against)
- unit addresses   UNITNOTIFY#<unit> / ADDRESSES (the coordinator's e-mail addresses for a unit's notices)
- notice count     NOTICECOUNT#<unit>#<WIB date> / COUNTER (singles sent that day; TTL expires_at)
- digest marker    DIGESTMARK#<unit> / MARK (the unit has something for its next morning digest;
                   while it has, in the `due` index under DIGESTUNITS#<time zone>#<shard>)
- hand-off         HANDEDON#<unit> / <utc instant>#<tracking_id> (the unit's "Diteruskan" shelf)
- issued proof     PROOF#<upload key> / PROOF (a proof upload the hub issued, and for which complaint)
- answer template  TEMPLATES / <template id> (the coordinator's; few: one partition),
                   TEMPLATE#<template id> / H#<instant> (its history: who, when, what)
- figures          STATS#DAY / <day>, STATS#C#<day> / <tracking_id>, STATS#SNAP / <snapshot>
- jurisdiction     JURISDICTION / <code> (its profile; the one small partition the list of
                   regions is read from), JUR#<code> / UNITS | POLICY | HOLIDAYS (its areas
                   and OPD, its overrides), JURPREFIX#<prefix> / PREFIX (the region holding a
                   tracking-id prefix, written in the same transaction as the profile)

Sparse GSIs, each with a sharded partition key so no partition takes every open
complaint: `outbox` (not yet at LAPOR!, or parked; undelivered channel events and
LAPOR! follow-ups), `sync` (next LAPOR! status check, by shard, sorted by its instant:
the status sync's reads), `due` (SLA deadline, and
notices not yet published), `geo` (open complaints by category and stripe of longitude, sorted
by latitude),
`created` (every complaint by region and month of arrival), `statsunit` / `statsplace` /
`statscity` (the lists behind the figures; the city's is one partition per jurisdiction:
a few complaints a second at most, far within what one partition takes). The operators'
inboxes: `inbox`, `inbox_urgent` (by holder), `inbox_area`, `inbox_area_urgent` (by
kecamatan area).
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from chalicelib.domain import geo, inbox, listing, reference
from chalicelib.domain.instants import utc_text
from chalicelib.domain.models import FINAL_STATUSES, Complaint
from chalicelib.settings import settings

#: every index of the table (infra/template.json)
INDEXES = (
    "outbox",
    "sync",
    "due",
    "geo",
    "created",
    "statsunit",
    "statsplace",
    "statscity",
    "inbox",
    "inbox_urgent",
    "inbox_area",
    "inbox_area_urgent",
)

COMPLAINT_PREFIX = "C#"
COMPLAINT_SK = "C"
TIMELINE_PREFIX = "T#"
COUNTER_SK = "COUNTER"
#: the table's TTL attribute (epoch seconds): DynamoDB deletes the item some time after it
TTL_ATTRIBUTE = "expires_at"
VERSION = "version"
#: the denormalized status note of a complaint item (note_attributes)
STATUS_NOTE = "status_note"

PERSON_PREFIX = "PERSON#"
UNIT_NOTIFY_PREFIX = "UNITNOTIFY#"
UNIT_NOTIFY_SK = "ADDRESSES"
DIGEST_PREFIX = "DIGEST#"
DIGEST_MARK_PREFIX = "DIGESTMARK#"
DIGEST_MARK_SK = "MARK"
DIGEST_UNITS_PREFIX = "DIGESTUNITS#"
NOTICE_COUNT_PREFIX = "NOTICECOUNT#"
HANDOFF_PREFIX = "HANDEDON#"
PROOF_PREFIX = "PROOF#"
PROOF_SK = "PROOF"
TEMPLATE_PREFIX = "TEMPLATE#"
TEMPLATE_HISTORY_PREFIX = "H#"
TEMPLATE_LIST_PK = "TEMPLATES"
UPLOAD_PREFIX = "UPLOAD#"
UPLOAD_SK = "UPLOAD"
CHANNEL_PREFIX = "CHANNEL#"
CALLBACK_SK = "CALLBACK"
INBOX_COUNT_PREFIX = "INBOXCOUNT#"
INBOX_COUNT_SK = "COUNT"
INBOX_MARK_PREFIX = "INBOXCOUNT#C#"
INBOX_MARK_SK = "COUNTED"
EVENT_PREFIX = "CHEVENT#"
FOLLOWUP_PREFIX = "LAPORFU#"
FOLLOWUP_PARKED = f"{FOLLOWUP_PREFIX}PARKED"
NOTICE_PREFIX = "NOTIFY#"
RATE_PREFIX = "RATE#"
APIKEY_PREFIX = "APIKEY#"
APIKEY_SK = "APIKEY"
STATS_DAY_PK = "STATS#DAY"
STATS_SNAP_PK = "STATS#SNAP"
STATS_META_SK = "META"
STATS_COMPLAINT_PREFIX = "STATS#C#"
JURISDICTION_PK = "JURISDICTION"
JURISDICTION_PREFIX = "JUR#"
JURISDICTION_UNITS_SK = "UNITS"
JURISDICTION_POLICY_SK = "POLICY"
JURISDICTION_HOLIDAYS_SK = "HOLIDAYS"
JURISDICTION_TAG_PREFIX = "JURPREFIX#"
JURISDICTION_TAG_SK = "PREFIX"

#: partition prefixes of the sparse indexes (sharded: <prefix><shard>)
OUTBOX_PREFIX = "OUTBOX#"  # complaints not yet at LAPOR!
OUTBOX_PARKED = "PARKED"  # complaints LAPOR! refused: for the admins
SYNC_PREFIX = "SYNC#"
LAPOR_CALLS_PREFIX = "LAPORCALLS#"
LAPOR_BACKOFF_PREFIX = "LAPORBACKOFF#"
LAPOR_BACKOFF_SK = "UNTIL"
DUE_PREFIX = "DUE#"  # complaints whose current deadline is due_sk
NOTIFY_PREFIX = "NOTIFY#"  # notifications written but not yet published (due_sk = written at)
CREATED_PREFIX = "CREATED#"
GEO_PREFIX = "GEO#"
STATS_UNIT_PREFIX = "SU#"
STATS_PLACE_PREFIX = "SP#"
STATS_CITY_PREFIX = "SC#"


def shard_of(tracking_id: str) -> int:
    return zlib.crc32(tracking_id.encode()) % settings().shards


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


# -- complaints and their timelines ------------------------------------------------------------


def complaint_pk(tracking_id: str) -> str:
    return f"{COMPLAINT_PREFIX}{tracking_id}"


def tracking_id_from_pk(pk: str) -> str:
    return pk.removeprefix(COMPLAINT_PREFIX)


def complaint_key(tracking_id: str) -> dict[str, Any]:
    return key(complaint_pk(tracking_id), COMPLAINT_SK)


def is_complaint_key(pk: str, sk: str) -> bool:
    return sk == COMPLAINT_SK and pk.startswith(COMPLAINT_PREFIX)


def timeline_sk(at: str, ref: str) -> str:
    return f"{TIMELINE_PREFIX}{at}#{ref}"


def upload_claim_pk(upload: str) -> str:
    return f"{UPLOAD_PREFIX}{upload}"


# -- index attributes of a complaint (None: not in that index) ---------------------------------


def outbox_attributes(tracking_id: str, since: datetime | None) -> dict[str, str | None]:
    """The `outbox` index: a complaint waiting for LAPOR! since `since` (None: not waiting)."""
    if since is None:
        return {"outbox_pk": None, "outbox_sk": None}
    return {"outbox_pk": f"{OUTBOX_PREFIX}{shard_of(tracking_id)}", "outbox_sk": utc_text(since)}


def parked_attributes(at: datetime) -> dict[str, str]:
    """The `outbox` index's shelf of complaints LAPOR! refused (for the admins)."""
    return {"outbox_pk": OUTBOX_PARKED, "outbox_sk": utc_text(at)}


def outbox_shard_pk(shard: int) -> str:
    return f"{OUTBOX_PREFIX}{shard}"


def sync_attributes(tracking_id: str, next_check: datetime | None) -> dict[str, str | None]:
    """The sparse `sync` index (next LAPOR! status check; None: no more checks): one partition
    per shard, sorted by the instant of the check, so "due now" is one Query per shard."""
    if next_check is None:
        return {"sync_pk": None, "sync_sk": None}
    return {"sync_pk": f"{SYNC_PREFIX}{shard_of(tracking_id)}", "sync_sk": utc_text(next_check)}


def sync_shard_pk(shard: int) -> str:
    return f"{SYNC_PREFIX}{shard}"


def due_attributes(tracking_id: str, deadline: datetime | None) -> dict[str, str | None]:
    """The deadline and the sparse `due` index; None removes both."""
    if deadline is None:
        return {"deadline": None, "due_pk": None, "due_sk": None}
    at = utc_text(deadline)
    return {"deadline": at, "due_pk": f"{DUE_PREFIX}{shard_of(tracking_id)}", "due_sk": at}


def off_due_index() -> dict[str, None]:
    """Out of the `due` index, the deadline kept (a notice was sent for it)."""
    return {"due_pk": None, "due_sk": None}


def due_shard_pk(shard: int) -> str:
    return f"{DUE_PREFIX}{shard}"


def notify_shard_pk(shard: int) -> str:
    return f"{NOTIFY_PREFIX}{shard}"


def notify_due_attributes(tracking_id: str, written_at: datetime) -> dict[str, str]:
    """Index keys that keep an unsent notification findable by the sweep."""
    return {"due_pk": f"{NOTIFY_PREFIX}{shard_of(tracking_id)}", "due_sk": utc_text(written_at)}


def created_attributes(tracking_id: str, created_at: datetime, region: str = "") -> dict[str, str]:
    """The `created` index: every complaint, by its region, the UTC month it arrived in and its
    shard; the sort key is the UTC instant (iso), so a date window is one range per partition."""
    at = utc_text(created_at)
    return {"created_pk": created_pk(at[:7], shard_of(tracking_id), region), "created_sk": at}


def created_pk(month: str, shard: int, region: str = "") -> str:
    """One partition of the `created` index: a UTC month (YYYY-MM) and a shard (another region's
    are its own: lists by arrival never mix regions)."""
    return f"{CREATED_PREFIX}{region}#{month}#{shard}" if region else f"{CREATED_PREFIX}{month}#{shard}"


def geo_pk(category: str, stripe: int, region: str = "") -> str:
    """A stripe of longitude of one category (another region's stripes are its own: hints never
    mix regions)."""
    return f"{GEO_PREFIX}{region}#{category}#s{stripe}" if region else f"{GEO_PREFIX}{category}#s{stripe}"


def geo_sk(lat: float, created_at: datetime) -> str:
    """The `geo` index's sort key: latitude first (a Query reads only the latitudes the circle
    reaches in a stripe), then the arrival."""
    return f"{geo.lat_key(lat)}#{utc_text(created_at)}"


def geo_lat_range(lat_lo: float, lat_hi: float) -> tuple[str, str]:
    """The `geo_sk` bounds (BETWEEN, inclusive) of the complaints between two latitudes."""
    return geo.lat_key(max(lat_lo, -90.0)), geo.lat_key(min(lat_hi, 90.0)) + "~"


def region_part(jurisdiction: str | None) -> str:
    """The region as a key part: empty for the default region (its keys as they always were)."""
    return "" if not jurisdiction or jurisdiction == reference.default_code() else jurisdiction


def geo_attributes(c: Complaint, listed: bool | None = None) -> dict[str, str | None]:
    """The complaint's `geo` index keys when it is listed nearby (by default: when the domain
    lists it; None values: remove)."""
    if listed is None:
        listed = listing.is_listed(c)
    if not listed or c.location.lat is None or c.location.lon is None:
        return {"geo_pk": None, "geo_sk": None}
    stripe = geo.stripe_of(c.location.lon)
    return {
        "geo_pk": geo_pk(c.category, stripe, region_part(c.jurisdiction)),
        "geo_sk": geo_sk(c.location.lat, c.created_at),
    }


def inbox_attributes(c: Complaint, holder: str | None = None) -> dict[str, str | None]:
    """The inbox index keys of a complaint in its current state, held by `holder` (by default
    whoever the domain says must act next; None values: not in that index)."""
    if holder is None:
        holder = inbox.holder(
            c.status, c.unit.code if c.unit else None, c.channel, c.closed_how == "dismissed", c.jurisdiction
        )
    area = inbox.area_of(holder)
    created = utc_text(c.created_at)
    final = c.status in FINAL_STATUSES
    return {
        "inbox_pk": inbox.shelf(holder, c.status),
        "inbox_sk": inbox.newest_key(created, c.tracking_id),
        "inbox_urgent_sk": None
        if final
        else inbox.urgent_key(utc_text(c.deadline) if c.deadline else None, created, c.tracking_id),
        "inbox_area_pk": inbox.shelf(area, c.status) if area else None,
    }


def is_note(entry: Any) -> bool:
    """An entry that becomes the status note: public, with a message."""
    return entry is not None and bool(getattr(entry, "message", None)) and bool(getattr(entry, "public", True))


def note_attributes(entry: Any) -> dict[str, Any]:
    """The complaint's status note: its newest public timeline entry with a message (a
    TimelineEntry), kept on the complaint item (and so on every index row of it) so a list never
    reads a timeline per row. An empty map: no such entry yet (an item without the attribute
    predates it). Operators' own entries (notes, assignments) are never a status note."""
    if not is_note(entry):
        return {STATUS_NOTE: {}}
    return {STATUS_NOTE: entry.model_dump(mode="json")}


# -- outbox items ------------------------------------------------------------------------------


def event_pk(tracking_id: str) -> str:
    return f"{EVENT_PREFIX}{tracking_id}"


def event_sk(occurred_at: datetime, event_id: str) -> str:
    return f"{utc_text(occurred_at)}#{event_id}"


def event_shard_pk(shard: int) -> str:
    return f"{EVENT_PREFIX}{shard}"


def event_outbox_pk(tracking_id: str) -> str:
    return f"{EVENT_PREFIX}{shard_of(tracking_id)}"


def followup_pk(tracking_id: str) -> str:
    return f"{FOLLOWUP_PREFIX}{tracking_id}"


def followup_sk(seq: int) -> str:
    return f"{seq:09d}"


def followup_shard_pk(shard: int) -> str:
    return f"{FOLLOWUP_PREFIX}{shard}"


def followup_outbox_pk(tracking_id: str) -> str:
    return f"{FOLLOWUP_PREFIX}{shard_of(tracking_id)}"


def notice_pk(tracking_id: str) -> str:
    return f"{NOTICE_PREFIX}{tracking_id}"


# -- counters, keys, channels, figures -----------------------------------------------------------


def person_pk(unit: str) -> str:
    return f"{PERSON_PREFIX}{unit}"


def digest_pk(unit: str) -> str:
    """The `due` index partition of a unit's notices held back for its morning digest."""
    return f"{DIGEST_PREFIX}{unit}"


def chosen_digest_pk(unit: str) -> str:
    """The `due` index partition of copies of `unit`'s single notices for the people who chose the digest."""
    return f"{DIGEST_PREFIX}{unit}#chosen"


def digest_mark_pk(unit: str) -> str:
    """A unit's marker "something waits for the next morning digest" (one item per unit)."""
    return f"{DIGEST_MARK_PREFIX}{unit}"


def digest_units_pk(zone: str, shard: int) -> str:
    """The `due` index partition of the marked units of one time zone (IANA name) and shard: the
    morning run of a zone reads its shards only, never every unit of every region."""
    return f"{DIGEST_UNITS_PREFIX}{zone}#{shard}"


def digest_mark_attributes(unit: str, zone: str, at: str) -> dict[str, str]:
    """The marker's place in the `due` index (sorted by the instant it was last marked)."""
    return {"due_pk": digest_units_pk(zone, shard_of(unit)), "due_sk": at}


def notice_count_pk(unit: str, day: str) -> str:
    return f"{NOTICE_COUNT_PREFIX}{unit}#{day}"


def unit_notify_pk(unit: str) -> str:
    return f"{UNIT_NOTIFY_PREFIX}{unit}"


def handoff_pk(unit: str) -> str:
    return f"{HANDOFF_PREFIX}{unit}"


def proof_pk(key: str) -> str:
    return f"{PROOF_PREFIX}{key}"


def template_pk(template_id: str) -> str:
    return f"{TEMPLATE_PREFIX}{template_id}"


def inbox_count_pk(holder: str) -> str:
    return f"{INBOX_COUNT_PREFIX}{holder}"


def inbox_mark_pk(tracking_id: str) -> str:
    return f"{INBOX_MARK_PREFIX}{tracking_id}"


def lapor_calls_pk(account: str, minute: str) -> str:
    """The LAPOR! calls of one account in one UTC minute (YYYY-MM-DDTHH:MM)."""
    return f"{LAPOR_CALLS_PREFIX}{account}#{minute}"


def lapor_backoff_pk(account: str) -> str:
    return f"{LAPOR_BACKOFF_PREFIX}{account}"


def rate_pk(counter: str) -> str:
    """A rate counter (`<group>#<kind>#<client hmac>#<window>`)."""
    return f"{RATE_PREFIX}{counter}"


def apikey_pk(key_hash: str) -> str:
    return f"{APIKEY_PREFIX}{key_hash}"


def channel_pk(channel: str, region: str = "") -> str:
    """A channel's settings; another region's are its own (each region registers its callbacks)."""
    return f"{CHANNEL_PREFIX}{region}/{channel}" if region else f"{CHANNEL_PREFIX}{channel}"


#: the regions (other than the default one) that have figures: one item each, so the refresh
#: reads one partition instead of asking every onboarded region
STATS_REGIONS_PK = "STATS#REGIONS"


def stats_day_pk(region: str = "") -> str:
    """The day counters of a region (the default region's: the partition it always had)."""
    return f"{STATS_DAY_PK}#{region}" if region else STATS_DAY_PK


def stats_snap_pk(region: str = "") -> str:
    """The figure snapshots of a region (the default region's: the partition it always had)."""
    return f"{STATS_SNAP_PK}#{region}" if region else STATS_SNAP_PK


def stats_complaint_pk(day: str) -> str:
    return f"{STATS_COMPLAINT_PREFIX}{day}"


def stats_unit_pk(unit: str) -> str:
    return f"{STATS_UNIT_PREFIX}{unit}"


def stats_place_pk(place: str) -> str:
    return f"{STATS_PLACE_PREFIX}{place}"


def stats_city_pk(city: str) -> str:
    """The city's own list: every counted complaint of the jurisdiction in one partition."""
    return f"{STATS_CITY_PREFIX}{city}"


# -- jurisdictions -------------------------------------------------------------------------------


def jurisdiction_pk(code: str) -> str:
    """The partition of a region's larger items (units, overrides, holidays)."""
    return f"{JURISDICTION_PREFIX}{code}"


def jurisdiction_prefix_pk(prefix: str) -> str:
    """The item that reserves a tracking-id prefix for one region."""
    return f"{JURISDICTION_TAG_PREFIX}{prefix}"
