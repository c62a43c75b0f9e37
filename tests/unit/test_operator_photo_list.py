"""Which of a complaint's attachments the operator's page lists as photos (read from the code)."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.models import TimelineEntry
from chalicelib.services.operator_photos import photo_numbers

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def refused(number: int) -> TimelineEntry:
    return TimelineEntry(at=AT, kind="attachment_refused", ref=f"attachment-refused:{number}", message="x")


def test_photos_are_listed_by_number_without_documents_videos_or_refused_files() -> None:
    keys = [
        "uploads/a1.jpg",
        "uploads/b2.pdf",
        "attachments/SRG-AAAA-BBBB/c3.png",
        "uploads/d4.mp4",
        "uploads/e5.webp",
        "uploads/f6",
    ]
    assert photo_numbers(keys, []) == [1, 3, 5]
    assert photo_numbers(keys, [refused(3), TimelineEntry(at=AT, kind="note", ref="attachment-refused:1")]) == [1, 5]
    assert photo_numbers([], []) == []
