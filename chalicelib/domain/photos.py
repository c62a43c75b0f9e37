"""What a file is, by its first bytes: the hub never trusts the type a client declares.

Pure: the signatures of the kinds the hub accepts (JPEG, PNG, WebP, HEIC/HEIF photos;
PDF documents and MP4 videos when the API's allow-list names them, data/attachments.json).
Anything else, an HTML page sent as `image/jpeg` included, is no attachment.
"""

from __future__ import annotations

from dataclasses import dataclass

#: photos: re-encoded by the hub before anyone sees them (adapters/photos.py)
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
#: ISO base media brands (the `ftyp` box): HEIF/HEIC stills, and MP4 videos
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"3gp4",
    b"3gp5",
}

#: how many bytes `sniff` needs at most
HEAD_BYTES = 64
#: the check's verdict on a file it passed (S3 metadata `hub-check`); a refusal is "refused:<reason>"
CLEAN = "clean"
#: what every photo is once the hub has re-encoded it
CHECKED_PHOTO_TYPE = "image/jpeg"


@dataclass(frozen=True)
class Refusal:
    """Why a file is not passed on, in the words the timeline shows."""

    reason: str
    message_id: str
    message_en: str


NOT_A_PHOTO = Refusal(
    "not_a_photo",
    "isinya bukan foto atau dokumen yang diterima (JPEG, PNG, WebP, HEIC, PDF)",
    "its content is not a photo or document the hub accepts (JPEG, PNG, WebP, HEIC, PDF)",
)
UNREADABLE_PHOTO = Refusal(
    "unreadable_photo",
    "fotonya rusak atau tidak dapat dibaca",
    "the photo is damaged or cannot be read",
)


def _brand_kind(head: bytes) -> str | None:
    if head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[0:4], "big")
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if brands & _HEIF_BRANDS:
        return "image/heic"
    if brands & _MP4_BRANDS:
        return "video/mp4"
    return None


def sniff(head: bytes) -> str | None:
    """The content type the bytes are, or None when they are none of the accepted kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[0:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return _brand_kind(head)


def is_photo(content_type: str) -> bool:
    return content_type in PHOTO_TYPES
