"""What of a timeline entry anyone but the operators may read.

Pure domain. Three rules, for the public GET, the channel callbacks and
anything else outside the operators' console:

- entries marked not public (notes, assignments) are never shown;
- the reporter's own words (comments) are never shown: they may name people;
- for a confidential complaint, the content of answers and follow-ups is
  replaced by a fixed text (the complaint's own text is hidden the same way).
"""

from __future__ import annotations

from chalicelib.domain.models import TimelineEntry

#: kinds whose message is the content of an answer, a decision or a follow-up
CONTENT_KINDS = frozenset({"answer", "resolved", "rejected", "followup", "duplicate"})
#: kinds whose message is the reporter's own text
REPORTER_KINDS = frozenset({"comment"})

HIDDEN_CONTENT = "Tanggapan dari instansi (isi dirahasiakan)"
REPORTER_CONTENT = "Pelapor menambahkan tanggapan"


def public_message(entry: TimelineEntry, confidential: bool) -> str | None:
    """The message as the public may read it; None when the entry is not public at all."""
    if not entry.public:
        return None
    if entry.kind in REPORTER_KINDS:
        return REPORTER_CONTENT
    if confidential and entry.kind in CONTENT_KINDS:
        return HIDDEN_CONTENT
    return entry.message
