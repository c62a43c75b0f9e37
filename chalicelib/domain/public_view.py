"""What is public about a complaint: decided here once, for every public surface.

Pure domain. The `/v1` views (one complaint, the lists behind the figures, nearby), the
Open311 reads, the CSV and JSON downloads and the GeoJSON all take a complaint's public
facts from this module, so no surface can show more than another.

The rules:

- never the reporter: no name, phone, e-mail or NIK, and no channel's own reference;
- the place is the kelurahan (and its kecamatan): never the reporter's address text,
  and never a point finer than the reporter chose to publish. No intake surface asks a
  reporter to publish their point (it is given to place the complaint and to LAPOR!),
  so no public surface shows one;
- a confidential complaint keeps its content to itself: no title, description, link or
  answer text; it shows where it stands (status, unit, kelurahan, category, dates);
- an emergency (112/119, handled by the call centre) shows its status and dates only;
- photos: only those the hub's check passed and re-encoded (no metadata left), of a
  complaint whose content is public; each at a same-origin address by its position
  (`/v1/complaints/<tracking_id>/photos/<n>`), never by its S3 key. Anything else
  is "not found", the same as an unknown tracking id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import reference
from chalicelib.domain.models import Complaint, Status
from chalicelib.domain.photos import CHECKED_PHOTO_TYPE, CLEAN

#: statuses of which only the status and the dates are public (health data may be behind them)
TIMES_ONLY_STATUSES = frozenset({Status.EMERGENCY.value})


def times_only(status: Status | str | None) -> bool:
    """Emergencies are confidential by default: health data is specific personal data (UU 27/2022)."""
    return str(status) in TIMES_ONLY_STATUSES


def shows_content(confidential: bool, status: Status | str | None) -> bool:
    """Whether the reporter's own content (title, description, link) may be shown."""
    return not confidential and not times_only(status)


#: a photo's number in its address: 1, 2, ... as written by `photo_path` (no sign, no leading zero)
_PHOTO_NUMBER = re.compile(r"[1-9][0-9]{0,2}")


@dataclass(frozen=True)
class FileCheck:
    """What the hub's check says of one stored attachment (its S3 metadata and type)."""

    check: str  # "" (not checked yet), "clean" or "refused:<reason>"
    content_type: str


def shows_photos(confidential: bool, status: Status | str | None) -> bool:
    """A complaint's photos are its reporter's content: public exactly when the text is."""
    return shows_content(confidential, status)


def is_public_photo(found: FileCheck | None) -> bool:
    """A file the public may see: checked, passed, and re-encoded as a photo by the hub
    (never an unchecked upload, a refused file, or a document)."""
    return found is not None and found.check == CLEAN and found.content_type == CHECKED_PHOTO_TYPE


def public_photo_numbers(
    confidential: bool, status: Status | str | None, found: Sequence[FileCheck | None]
) -> list[int]:
    """The positions (1-based, in the complaint's order) of the attachments the public may see."""
    if not shows_photos(confidential, status):
        return []
    return [n for n, f in enumerate(found, start=1) if is_public_photo(f)]


def photo_number(raw: str, attachments: int) -> int | None:
    """The attachment a photo address names, or None when it names none (a forged or
    out-of-range number: the caller answers "not found")."""
    if not _PHOTO_NUMBER.fullmatch(raw):
        return None
    n = int(raw)
    return n if n <= attachments else None


def photo_path(tracking_id: str, n: int) -> str:
    """The photo's same-origin address (the pages' CSP needs no other image origin)."""
    return f"/v1/complaints/{tracking_id}/photos/{n}"


@dataclass(frozen=True)
class PublicFacts:
    """Everything any public surface may show of one complaint; None where it is withheld."""

    tracking_id: str
    status: str
    confidential: bool
    times_only: bool
    created_at: datetime | str | None
    updated_at: datetime | str | None
    channel: str | None
    category: str | None
    title: str | None
    description: str | None
    kelurahan_code: str | None
    kecamatan_code: str | None
    unit_code: str | None
    unit_name: str | None
    deadline: datetime | str | None
    media_url: str | None
    #: (lat, lon) the reporter chose to publish; never asked for, so always None
    point: tuple[float, float] | None = None

    @property
    def place_text(self) -> str | None:
        """The public place in words: kelurahan, kecamatan, city (never an address line)."""
        return place_text(self.kelurahan_code, self.kecamatan_code)


def of_complaint(c: Complaint) -> PublicFacts:
    """The public facts of a complaint read from the table."""
    return _facts(
        tracking_id=c.tracking_id,
        status=c.status.value,
        confidential=c.confidential,
        created_at=c.created_at,
        updated_at=c.updated_at,
        channel=c.channel,
        category=c.category,
        title=c.title,
        description=c.description,
        kelurahan_code=c.location.kelurahan_code,
        kecamatan_code=c.kecamatan_code,
        unit_code=c.unit.code if c.unit else None,
        unit_name=c.unit.name if c.unit else None,
        deadline=c.deadline,
        media_url=c.media_url,
    )


def of_item(item: Mapping[str, Any]) -> PublicFacts:
    """The public facts of a stored complaint item (as the table's stream hands it over)."""
    unit = item.get("unit") or {}
    location = item.get("location") or {}
    return _facts(
        tracking_id=str(item["tracking_id"]),
        status=str(item.get("status")),
        confidential=bool(item.get("confidential")),
        created_at=item.get("created_at"),
        updated_at=item.get("updated_at"),
        channel=item.get("channel"),
        category=item.get("category"),
        title=item.get("title"),
        description=item.get("description"),
        kelurahan_code=location.get("kelurahan_code"),
        kecamatan_code=item.get("kecamatan_code"),
        unit_code=unit.get("code"),
        unit_name=unit.get("name"),
        deadline=item.get("deadline"),
        media_url=item.get("media_url"),
    )


def _facts(
    *,
    tracking_id: str,
    status: str,
    confidential: bool,
    created_at: datetime | str | None,
    updated_at: datetime | str | None,
    channel: str | None,
    category: str | None,
    title: str | None,
    description: str | None,
    kelurahan_code: str | None,
    kecamatan_code: str | None,
    unit_code: str | None,
    unit_name: str | None,
    deadline: datetime | str | None,
    media_url: str | None,
) -> PublicFacts:
    if times_only(status):
        return PublicFacts(
            tracking_id=tracking_id,
            status=status,
            confidential=True,
            times_only=True,
            created_at=created_at,
            updated_at=updated_at,
            channel=None,
            category=None,
            title=None,
            description=None,
            kelurahan_code=None,
            kecamatan_code=None,
            unit_code=None,
            unit_name=None,
            deadline=None,
            media_url=None,
        )
    content = shows_content(confidential, status)
    return PublicFacts(
        tracking_id=tracking_id,
        status=status,
        confidential=confidential,
        times_only=False,
        created_at=created_at,
        updated_at=updated_at,
        channel=channel,
        category=category,
        title=title if content else None,
        description=description if content else None,
        kelurahan_code=kelurahan_code,
        kecamatan_code=kecamatan_code,
        unit_code=unit_code,
        unit_name=unit_name,
        deadline=deadline,
        media_url=media_url if content else None,
    )


def place_text(kelurahan_code: str | None, kecamatan_code: str | None) -> str | None:
    """ "Kel. X, Kec. Y, <city>": the public place in words, or None when the complaint has no area."""
    areas = reference.areas()
    kel = areas.kelurahan.get(kelurahan_code or "")
    kec = areas.kecamatan.get(kecamatan_code or (kel.kecamatan_code if kel else ""))
    parts = [kel and f"Kel. {kel.name}", kec and f"Kec. {kec}", (kel or kec) and reference.city_name()]
    return ", ".join(p for p in parts if p) or None
