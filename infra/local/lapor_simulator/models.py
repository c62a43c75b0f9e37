"""State (moto's models.py): complaints, documents, follow-ups, the status timeline.

Thread-safe behind one lock; status changes are computed lazily on read, so an
injected clock drives them deterministically.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# -----------------------------------------------------------------------------
# Constants
# -----------------------------------------------------------------------------

#: LAPOR! status codes and names, the one table everything else refers to.
STATUSES: dict[int, str] = {
    1: "Belum Terverifikasi",
    2: "Dalam Proses",
    3: "Selesai",
    4: "Diarsipkan",
    5: "Ditolak",
}
STATUS_BY_NAME: dict[str, int] = {name.lower(): code for code, name in STATUSES.items()}
UNVERIFIED, IN_PROCESS, FINISHED = 1, 2, 3

#: Real tracking numbers look like #1916449; ours start there and increase.
FIRST_COMPLAINT_ID = 1916449
FIRST_DOC_ID = 880001
FIRST_FOLLOWUP_ID = 7300001

#: Demo-friendly timeline (seconds after creation); <= 0 disables a step.
DEFAULT_VERIFY_AFTER_S = 20.0
DEFAULT_FOLLOWUP_AFTER_S = 40.0
DEFAULT_FINISH_AFTER_S = 90.0

#: LAPOR! shows times in WIB; Indonesia has no DST, so a fixed offset is exact (no
#: tzdata needed).
WIB = timezone(timedelta(hours=7), "WIB")
TIME_FORMAT = "%d-%m-%Y %H:%M:%S"

LAPOR_ADMIN = "Admin SP4N-LAPOR!"
DEFAULT_INSTITUTIONS_PATH = Path(__file__).resolve().parents[1] / "lapor_institutions.json"
MIN_CONTENT_CHARS = 10


def format_wib(ts: float) -> str:
    """Render an epoch time the way LAPOR! does (`d-m-Y H:i:s`, WIB)."""
    return datetime.fromtimestamp(ts, WIB).strftime(TIME_FORMAT)


class ValidationFailed(Exception):
    """A request LAPOR! refuses with 422 (permanent: clients must not retry)."""

    def __init__(self, errors: dict[str, list[str]], message: str = "The given data was invalid."):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(Exception):
    """An unknown complaint id (404)."""


@dataclass
class Institution:
    id: int
    name: str
    unit_code: str | None = None


@dataclass
class Document:
    id: int
    name: str
    content_type: str
    size: int
    sha256: str = ""  # of the bytes received (the bytes themselves are not kept)
    agency: str | None = None  # the agency account that uploaded it


@dataclass
class Followup:
    id: int
    content: str
    created_ts: float
    is_secret: bool = False
    rating: int | None = None
    institution_name: str | None = None
    attachments: list[int] = field(default_factory=list)  # document ids


@dataclass
class DataLog:
    institution_from: str
    institution_to: str
    content: str
    created_ts: float
    status_old: str
    status_new: str


@dataclass
class Complaint:
    complaint_id: int
    title: str
    content: str
    created_ts: float
    channel: Any = None
    classification_id: Any = None
    disposition_id: int | None = None
    category_id: Any = None
    location_id: Any = None
    date_of_incident: Any = None
    is_anonymous: bool = False
    is_secret: bool = False
    is_priority: bool = False
    attachments: list[int] = field(default_factory=list)
    tags_raw: str = ""
    status_code: int = UNVERIFIED
    data_logs: list[DataLog] = field(default_factory=list)
    followups: list[Followup] = field(default_factory=list)
    #: Timeline steps already applied ("verify", "followup", "finish").
    steps_done: set[str] = field(default_factory=set)
    #: Set once an admin forces a status: the automatic status steps stop.
    manual_status: bool = False
    #: The agency account that filed it: the only one that sees it.
    agency: str | None = None


def load_institutions(path: str | os.PathLike[str] | None) -> list[Institution]:
    """Read the institutions file ({"institutions": [...]} or a bare list)."""
    raw = json.loads(Path(path or DEFAULT_INSTITUTIONS_PATH).read_text(encoding="utf-8"))
    items = raw["institutions"] if isinstance(raw, dict) else raw
    return [Institution(int(i["id"]), str(i["name"]), i.get("unit_code")) for i in items]


class LaporBackend:
    """All simulator state behind one lock; status changes are computed lazily on read.

    Laziness (instead of timers) keeps the simulator deterministic under an injected
    clock: tests move the clock and read, no thread has to fire.
    """

    def __init__(
        self,
        institutions: list[Institution],
        clock: Callable[[], float],
        verify_after_s: float,
        followup_after_s: float,
        finish_after_s: float,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.verify_after_s = verify_after_s
        self.followup_after_s = followup_after_s
        self.finish_after_s = finish_after_s
        self.institutions = institutions
        self.institutions_by_id = {i.id: i for i in institutions}
        self.reset()

    def reset(self) -> None:
        """Forget every complaint, document and follow-up; ids start over."""
        with self.lock:
            self.complaints: dict[int, Complaint] = {}
            self.docs: dict[int, Document] = {}
            self._next_complaint_id = FIRST_COMPLAINT_ID
            self._next_doc_id = FIRST_DOC_ID
            self._next_followup_id = FIRST_FOLLOWUP_ID

    # -- helpers --------------------------------------------------------------

    def institution_name(self, institution_id: int | None) -> str | None:
        inst = self.institutions_by_id.get(institution_id) if institution_id is not None else None
        return inst.name if inst else None

    def _followup_id(self) -> int:
        fid = self._next_followup_id
        self._next_followup_id += 1
        return fid

    def _set_status(self, c: Complaint, code: int, ts: float, content: str, to: str) -> None:
        c.data_logs.append(
            DataLog(
                institution_from=LAPOR_ADMIN,
                institution_to=to,
                content=content,
                created_ts=ts,
                status_old=STATUSES[c.status_code],
                status_new=STATUSES[code],
            )
        )
        c.status_code = code

    def _disposition_target(self, c: Complaint) -> str:
        return self.institution_name(c.disposition_id) or "Pemerintah Kota Serang"

    def advance(self, c: Complaint) -> Complaint:
        """Apply every timeline step that is due by now (caller holds the lock)."""
        now = self.clock()
        steps = (
            ("verify", self.verify_after_s),
            ("followup", self.followup_after_s),
            ("finish", self.finish_after_s),
        )
        for name, after in sorted(steps, key=lambda s: s[1]):
            if after <= 0 or name in c.steps_done:
                continue
            due = c.created_ts + after
            if now < due:
                continue
            c.steps_done.add(name)
            target = self._disposition_target(c)
            if name == "followup":
                if c.status_code in (4, 5):  # archived/rejected: no agency will answer
                    continue
                c.followups.append(
                    Followup(
                        id=self._followup_id(),
                        content=f"Terima kasih atas laporan Anda. {target} sedang menindaklanjuti laporan ini.",
                        created_ts=due,
                        institution_name=target,
                    )
                )
            elif c.manual_status:
                continue
            elif name == "verify" and c.status_code == UNVERIFIED:
                self._set_status(
                    c,
                    IN_PROCESS,
                    due,
                    f"Laporan diverifikasi dan diteruskan ke {target}.",
                    target,
                )
            elif name == "finish" and c.status_code in (UNVERIFIED, IN_PROCESS):
                self._set_status(
                    c,
                    FINISHED,
                    due,
                    "Laporan telah ditindaklanjuti dan dinyatakan selesai.",
                    target,
                )
        return c

    # -- operations -----------------------------------------------------------

    def add_documents(self, files: list[tuple[str, str, bytes]], agency: str | None = None) -> list[Document]:
        """Store upload metadata (name, content type, size, hash); contents are not kept."""
        with self.lock:
            out = []
            for name, ctype, data in files:
                doc = Document(self._next_doc_id, name, ctype, len(data), hashlib.sha256(data).hexdigest(), agency)
                self._next_doc_id += 1
                self.docs[doc.id] = doc
                out.append(doc)
            return out

    def create_complaint(self, fields: dict[str, Any], agency: str | None = None) -> Complaint:
        """Validate against current state and store, as the agency's; raises ValidationFailed (422)."""
        with self.lock:
            errors: dict[str, list[str]] = {}
            disposition_id = fields.get("disposition_id")
            if disposition_id is not None and disposition_id not in self.institutions_by_id:
                errors.setdefault("disposition_id", []).append(
                    f"The selected disposition id {disposition_id} is invalid."
                )
            missing = [a for a in fields.get("attachments", []) if not self._owns(self.docs.get(a), agency)]
            if missing:
                errors.setdefault("attachments", []).append(f"Unknown attachment ids: {', '.join(map(str, missing))}.")
            if errors:
                raise ValidationFailed(errors)
            cid = self._next_complaint_id
            self._next_complaint_id += 1
            complaint = Complaint(complaint_id=cid, created_ts=self.clock(), agency=agency, **fields)
            self.complaints[cid] = complaint
            return complaint

    @staticmethod
    def _owns(item: Complaint | Document | None, agency: str | None) -> bool:
        """An agency sees only its own tickets and files (None: the simulator's admin sees all)."""
        return item is not None and (agency is None or item.agency == agency)

    def get(self, complaint_id: int, agency: str | None = None) -> Complaint:
        """One complaint of the agency, advanced to now; raises NotFound (another agency's too)."""
        with self.lock:
            c = self.complaints.get(complaint_id)
            if c is None or not self._owns(c, agency):
                raise NotFound(complaint_id)
            return self.advance(c)

    def all(self) -> list[Complaint]:
        with self.lock:
            return [self.advance(c) for c in self.complaints.values()]

    def find_by_tag(self, text: str, agency: str | None = None) -> list[Complaint]:
        """The agency's complaints whose tags_raw contains `text` (case-insensitive)."""
        needle = text.lower()
        with self.lock:
            return [
                self.advance(c)
                for c in self.complaints.values()
                if needle in c.tags_raw.lower() and self._owns(c, agency)
            ]

    def add_followup(
        self,
        complaint_id: int,
        content: str,
        is_secret: bool = False,
        rating: int | None = None,
        institution_name: str | None = None,
        attachments: list[tuple[str, str, bytes]] | None = None,
        agency: str | None = None,
    ) -> Followup:
        with self.lock:
            c = self.get(complaint_id, agency)
            docs = self.add_documents(attachments or [], c.agency)
            fu = Followup(
                self._followup_id(),
                content,
                self.clock(),
                is_secret,
                rating,
                institution_name,
                [d.id for d in docs],
            )
            c.followups.append(fu)
            return fu

    def force_status(
        self,
        complaint_id: int,
        code: int,
        content: str | None = None,
        disposition_id: int | None = None,
    ) -> Complaint:
        """Admin override (Ditolak, re-disposition): stops automatic status steps."""
        with self.lock:
            c = self.get(complaint_id)
            if disposition_id is not None:
                if disposition_id not in self.institutions_by_id:
                    raise ValidationFailed({"disposition_id": ["Unknown institution id."]})
                c.disposition_id = disposition_id
            c.manual_status = True
            target = self._disposition_target(c)
            self._set_status(
                c,
                code,
                self.clock(),
                content or f"Status diubah menjadi {STATUSES[code]}.",
                target,
            )
            return c
