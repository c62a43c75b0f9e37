"""In-memory SP4N-LAPOR! simulator over real HTTP, for `make run` and integration tests.

It implements the calls described in /work/shared/lapor-api.md (plus the project's
assumed `GET /complaints?tag=` look-up) with the same wire shapes, so the hub's client
can be exercised end to end without the real service. It also injects the failures
that matter for a client that must never create duplicate tickets: 5xx, 429, slow
answers, connection resets and "accepted, then the answer was lost".

Layout follows moto's split, as sections of this one module:

* models    - `LaporBackend`: thread-safe state and the lazy status timeline;
* responses - `LaporResponses`: request parsing, validation and the JSON wire format;
* urls      - `ROUTES` / `ADMIN_ROUTES`: method + path pattern -> response method;
* server    - `LaporSimulator`: ThreadingHTTPServer, auth, latency and fault injection;
* CLI       - `python -m infra.local.lapor_simulator --host 127.0.0.1 --port 8100`.

Only the standard library is used, so the simulator starts anywhere the hub's tests run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "DEFAULT_FINISH_AFTER_S",
    "DEFAULT_FOLLOWUP_AFTER_S",
    "DEFAULT_VERIFY_AFTER_S",
    "FIRST_COMPLAINT_ID",
    "STATUSES",
    "FaultConfig",
    "LaporBackend",
    "LaporSimulator",
    "main",
    "simulator_from_env",
]

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
DEFAULT_INSTITUTIONS_PATH = Path(__file__).with_name("lapor_institutions.json")
MIN_CONTENT_CHARS = 10
MAX_BODY_BYTES = 64 * 1024 * 1024


def format_wib(ts: float) -> str:
    """Render an epoch time the way LAPOR! does (`d-m-Y H:i:s`, WIB)."""
    return datetime.fromtimestamp(ts, WIB).strftime(TIME_FORMAT)


# -----------------------------------------------------------------------------
# Fault configuration
# -----------------------------------------------------------------------------

FAULT_KINDS = ("5xx", "429", "slow", "reset", "lose", "reject")
LOSE_MODES = ("mixed", "drop", "504")


@dataclass(frozen=True)
class FaultConfig:
    """Per-request fault probabilities; at most one fault is drawn per non-admin call.

    `lose` applies to write calls only (create, file upload, follow-up add) and
    `reject` to creates only; a draw of either on another call means "no fault". The
    rates must sum to <= 1. External keys are the short names ("5xx", "429", "slow",
    ...), as in `LAPOR_SIM_FAULTS`.
    """

    rate_5xx: float = 0.0
    rate_429: float = 0.0
    rate_slow: float = 0.0
    rate_reset: float = 0.0
    rate_lose: float = 0.0
    rate_reject: float = 0.0
    #: How long a `slow` answer is held back (the work is done first).
    slow_s: float = 5.0
    #: How a `lose` answer is lost: "drop" the connection, answer "504", or "mixed"
    #: (seeded coin).
    lose_mode: str = "mixed"

    def __post_init__(self) -> None:
        for kind in FAULT_KINDS:
            rate = self.rate(kind)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {kind}={rate} must be within 0..1")
        if sum(self.rate(k) for k in FAULT_KINDS) > 1.0 + 1e-9:
            raise ValueError("fault rates must sum to at most 1")
        if self.slow_s < 0:
            raise ValueError("slow_s must be >= 0")
        if self.lose_mode not in LOSE_MODES:
            raise ValueError(f"lose_mode must be one of {LOSE_MODES}")

    def rate(self, kind: str) -> float:
        """The probability of one fault kind ("5xx", "429", ...)."""
        return float(getattr(self, f"rate_{kind}"))

    @property
    def active(self) -> bool:
        """Whether any fault can be drawn at all (lets the fast path skip the RNG)."""
        return any(self.rate(k) > 0 for k in FAULT_KINDS)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FaultConfig:
        """Build from {"5xx": 0.1, "slow_s": 2, ...}; "rate_5xx" etc. work too."""
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).strip()
            if name in FAULT_KINDS:
                name = f"rate_{name}"
            if name in {f"rate_{k}" for k in FAULT_KINDS} or name == "slow_s":
                try:
                    kwargs[name] = float(value)
                except (TypeError, ValueError):
                    raise ValueError(f"fault {key!r} needs a number, got {value!r}") from None
            elif name == "lose_mode":
                kwargs[name] = str(value)
            else:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(FAULT_KINDS)}")
        return cls(**kwargs)

    @classmethod
    def parse(cls, text: str | None) -> FaultConfig:
        """Parse the env form "5xx=0.1,429=0.1,slow=0.05,reset=0.05,lose=0.05"."""
        pairs: dict[str, str] = {}
        for item in (text or "").replace(";", ",").split(","):
            if not item.strip():
                continue
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"fault {item!r} must look like name=value")
            pairs[key.strip()] = value.strip()
        return cls.from_mapping(pairs)

    def to_dict(self) -> dict[str, Any]:
        """The external (short-key) form, as accepted by PUT /_sim/faults."""
        out: dict[str, Any] = {k: self.rate(k) for k in FAULT_KINDS}
        out["slow_s"] = self.slow_s
        out["lose_mode"] = self.lose_mode
        return out

    def draw(self, rng: random.Random, applicable: Iterable[str]) -> str | None:
        """Pick at most one fault with one draw, so a seed gives a reproducible run."""
        r = rng.random()
        cumulative = 0.0
        for kind in FAULT_KINDS:
            cumulative += self.rate(kind)
            if r < cumulative:
                return kind if kind in applicable else None
        return None


# -----------------------------------------------------------------------------
# Models: state and the lazy status timeline
# -----------------------------------------------------------------------------


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


@dataclass
class Followup:
    id: int
    content: str
    created_ts: float
    is_secret: bool = False
    rating: int | None = None
    institution_name: str | None = None


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

    def add_documents(self, files: list[tuple[str, str, int]]) -> list[Document]:
        """Store upload metadata (name, content type, size); contents are not kept."""
        with self.lock:
            out = []
            for name, ctype, size in files:
                doc = Document(self._next_doc_id, name, ctype, size)
                self._next_doc_id += 1
                self.docs[doc.id] = doc
                out.append(doc)
            return out

    def create_complaint(self, fields: dict[str, Any]) -> Complaint:
        """Validate against current state and store; raises ValidationFailed (422)."""
        with self.lock:
            errors: dict[str, list[str]] = {}
            disposition_id = fields.get("disposition_id")
            if disposition_id is not None and disposition_id not in self.institutions_by_id:
                errors.setdefault("disposition_id", []).append(
                    f"The selected disposition id {disposition_id} is invalid."
                )
            missing = [a for a in fields.get("attachments", []) if a not in self.docs]
            if missing:
                errors.setdefault("attachments", []).append(f"Unknown attachment ids: {', '.join(map(str, missing))}.")
            if errors:
                raise ValidationFailed(errors)
            cid = self._next_complaint_id
            self._next_complaint_id += 1
            complaint = Complaint(complaint_id=cid, created_ts=self.clock(), **fields)
            self.complaints[cid] = complaint
            return complaint

    def get(self, complaint_id: int) -> Complaint:
        """One complaint, advanced to now; raises NotFound."""
        with self.lock:
            c = self.complaints.get(complaint_id)
            if c is None:
                raise NotFound(complaint_id)
            return self.advance(c)

    def all(self) -> list[Complaint]:
        with self.lock:
            return [self.advance(c) for c in self.complaints.values()]

    def find_by_tag(self, text: str) -> list[Complaint]:
        """Complaints whose tags_raw contains `text` (case-insensitive)."""
        needle = text.lower()
        with self.lock:
            return [self.advance(c) for c in self.complaints.values() if needle in c.tags_raw.lower()]

    def add_followup(
        self,
        complaint_id: int,
        content: str,
        is_secret: bool = False,
        rating: int | None = None,
        institution_name: str | None = None,
    ) -> Followup:
        with self.lock:
            c = self.get(complaint_id)
            fu = Followup(
                self._followup_id(),
                content,
                self.clock(),
                is_secret,
                rating,
                institution_name,
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


# -----------------------------------------------------------------------------
# Responses: body parsing, validation and the wire format
# -----------------------------------------------------------------------------


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Request:
    """A parsed HTTP request as the response layer sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    _parsed: tuple[dict[str, Any], list[UploadedFile]] | None = None

    def form(self) -> tuple[dict[str, Any], list[UploadedFile]]:
        """Fields and files from a JSON, form-encoded or multipart body (cached)."""
        if self._parsed is None:
            self._parsed = parse_body(self.headers.get("Content-Type", ""), self.body)
        return self._parsed

    def json(self) -> dict[str, Any]:
        """An admin JSON body (empty body -> {})."""
        if not self.body.strip():
            return {}
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise BadRequest("JSON body must be an object")
        return data


class BadRequest(Exception):
    """A body that cannot be parsed at all (400)."""


Response = tuple[int, dict[str, Any], dict[str, str]]


def _add_field(fields: dict[str, Any], name: str, value: str) -> None:
    """Collect form values; a repeated name becomes a list."""
    if name in fields:
        prev = fields[name]
        fields[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
    else:
        fields[name] = value


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], list[UploadedFile]]:
    """A small multipart/form-data parser (the stdlib `cgi` module is deprecated)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.I)
    if not match:
        raise BadRequest("multipart body without boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, Any] = {}
    files: list[UploadedFile] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, data = chunk.partition(b"\n\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        params = dict(
            (m.group(1).lower(), m.group(2) if m.group(2) is not None else m.group(3))
            for m in re.finditer(r';\s*([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))', disposition)
        )
        name = params.get("name")
        if name is None:
            continue
        if "filename" in params:
            files.append(
                UploadedFile(
                    name,
                    params["filename"],
                    headers.get("content-type", "application/octet-stream"),
                    data,
                )
            )
        else:
            _add_field(fields, name, data.decode("utf-8", "replace"))
    return fields, files


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], list[UploadedFile]]:
    """Accept JSON, application/x-www-form-urlencoded and multipart/form-data alike."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "multipart/form-data":
        return parse_multipart(content_type, body)
    text = body.decode("utf-8", "replace")
    if ctype == "application/json" or (not ctype and text.lstrip().startswith("{")):
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise BadRequest(f"invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadRequest("JSON body must be an object")
        return data, []
    fields: dict[str, Any] = {}
    for key, values in parse_qs(text, keep_blank_values=True).items():
        for value in values:
            _add_field(fields, key, value)
    return fields, []


def _scalar(value: Any) -> Any:
    """The last value of a repeated form field."""
    return value[-1] if isinstance(value, list) and value else value


def _as_bool(name: str, value: Any, errors: dict[str, list[str]]) -> bool:
    value = _scalar(value)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
    ):
        return value.strip().lower() in ("1", "true", "yes", "on")
    errors.setdefault(name, []).append(f"The {name} field must be true or false.")
    return False


def _as_int(name: str, value: Any, errors: dict[str, list[str]]) -> int | None:
    value = _scalar(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.setdefault(name, []).append(f"The {name} must be an integer.")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.setdefault(name, []).append(f"The {name} must be an integer.")
        return None


def _loose_id(value: Any) -> Any:
    """Ids we do not validate: integers when they look like integers, else as given."""
    value = _scalar(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


_ATTACHMENT_KEY = re.compile(r"^attachments(\[\d*\])?$")


def _attachment_ids(fields: Mapping[str, Any], errors: dict[str, list[str]]) -> list[int]:
    """Attachment ids from JSON/comma lists, `attachments[]` or `attachments[0]`."""
    raw: list[Any] = []
    for key, value in fields.items():
        if _ATTACHMENT_KEY.match(key):
            raw.extend(value if isinstance(value, list) else [value])
    ids: list[int] = []
    for item in raw:
        parts = item.split(",") if isinstance(item, str) else [item]
        for part in parts:
            if isinstance(part, str) and not part.strip():
                continue
            if isinstance(part, bool):
                part = "x"
            try:
                ids.append(int(part))
            except (TypeError, ValueError):
                errors.setdefault("attachments", []).append(f"Invalid attachment id {part!r}.")
    return ids


class LaporResponses:
    """Wire format of each call; methods return (status, JSON body, extra headers)."""

    def __init__(self, backend: LaporBackend) -> None:
        self.backend = backend

    # -- helpers --------------------------------------------------------------

    @staticmethod
    def ok(results: dict[str, Any], status: int = 200) -> Response:
        return status, {"results": results}, {}

    @staticmethod
    def error(status: int, message: str, errors: dict[str, list[str]] | None = None) -> Response:
        body: dict[str, Any] = {"message": message}
        if errors is not None:
            body["errors"] = errors
        return status, body, {}

    def _complaint_id(self, request: Request) -> int:
        return int(request.params["id"])

    def complaint_data(self, c: Complaint) -> dict[str, Any]:
        """`results.data` of GET /complaints/{id}/complaint."""
        b = self.backend
        return {
            "complaint_id": c.complaint_id,
            "tracking_id": f"#{c.complaint_id}",
            "title": c.title,
            "content": c.content,
            "channel": c.channel,
            "classification_id": c.classification_id,
            "category_id": c.category_id,
            "location_id": c.location_id,
            "date_of_incident": c.date_of_incident,
            "status_code": c.status_code,
            "status_name": STATUSES[c.status_code],
            "disposition_id": c.disposition_id,
            "disposition_name": b.institution_name(c.disposition_id),
            "tags_raw": c.tags_raw,
            "is_anonymous": c.is_anonymous,
            "is_secret": c.is_secret,
            "is_priority": c.is_priority,
            "attachments": [{"id": d, "name": b.docs[d].name} for d in c.attachments if d in b.docs],
            "created_at": format_wib(c.created_ts),
        }

    @staticmethod
    def data_log(log: DataLog) -> dict[str, Any]:
        return {
            "institution_from": log.institution_from,
            "institution_to": log.institution_to,
            "content": log.content,
            "created_at": format_wib(log.created_ts),
            "data": {
                "status_old": {"name": log.status_old},
                "status_new": {"name": log.status_new},
            },
        }

    @staticmethod
    def followup(fu: Followup) -> dict[str, Any]:
        return {
            "id": fu.id,
            "content": fu.content,
            "created_at": format_wib(fu.created_ts),
            "is_secret": fu.is_secret,
            "rating": fu.rating,
            "institution_name": fu.institution_name,
        }

    def summary(self, c: Complaint) -> dict[str, Any]:
        """One row of the tag look-up and of /_sim/complaints."""
        return {
            "complaint_id": c.complaint_id,
            "title": c.title,
            "tags_raw": c.tags_raw,
            "status_code": c.status_code,
            "status_name": STATUSES[c.status_code],
            "disposition_id": c.disposition_id,
            "disposition_name": self.backend.institution_name(c.disposition_id),
            "created_at": format_wib(c.created_ts),
        }

    # -- LAPOR! calls
    # --------------------------------------------------------------------------

    def upload_files(self, request: Request) -> Response:
        _, files = request.form()
        chosen = [f for f in files if _ATTACHMENT_KEY.match(f.field)]
        if not chosen:
            return self.error(
                422,
                "The given data was invalid.",
                {"attachments": ["At least one file in attachments[] is required."]},
            )
        docs = self.backend.add_documents([(f.filename, f.content_type, len(f.data)) for f in chosen])
        return self.ok({"docs": [{"id": d.id, "name": d.name} for d in docs]})

    def create_complaint(self, request: Request) -> Response:
        fields, _ = request.form()
        errors: dict[str, list[str]] = {}
        title = _scalar(fields.get("title"))
        title = title.strip() if isinstance(title, str) else ""
        if not title:
            errors.setdefault("title", []).append("The title field is required.")
        content = _scalar(fields.get("content"))
        content = content.strip() if isinstance(content, str) else ""
        if not content:
            errors.setdefault("content", []).append("The content field is required.")
        elif len(content) < MIN_CONTENT_CHARS:
            errors.setdefault("content", []).append(f"The content must be at least {MIN_CONTENT_CHARS} characters.")
        tags = fields.get("tags_raw")
        if isinstance(tags, list):
            tags = ",".join(str(t) for t in tags)
        values = {
            "title": title,
            "content": content,
            "channel": _scalar(fields.get("channel")),
            "classification_id": _loose_id(fields.get("classification_id")),
            "disposition_id": _as_int("disposition_id", fields.get("disposition_id"), errors),
            "category_id": _loose_id(fields.get("category_id")),
            "location_id": _loose_id(fields.get("location_id")),
            "date_of_incident": _scalar(fields.get("date_of_incident")),
            "is_anonymous": _as_bool("is_anonymous", fields.get("is_anonymous"), errors),
            "is_secret": _as_bool("is_secret", fields.get("is_secret"), errors),
            "is_priority": _as_bool("is_priority", fields.get("is_priority"), errors),
            "attachments": _attachment_ids(fields, errors),
            "tags_raw": "" if tags is None else str(tags),
        }
        if errors:
            return self.error(422, "The given data was invalid.", errors)
        try:
            complaint = self.backend.create_complaint(values)
        except ValidationFailed as exc:
            return self.error(422, exc.message, exc.errors)
        return self.ok({"complaint_id": complaint.complaint_id})

    def get_complaint(self, request: Request) -> Response:
        with self.backend.lock:
            c = self.backend.get(self._complaint_id(request))
            return self.ok(
                {
                    "data": self.complaint_data(c),
                    "data_logs": [self.data_log(log) for log in c.data_logs],
                }
            )

    def get_followups(self, request: Request) -> Response:
        with self.backend.lock:
            c = self.backend.get(self._complaint_id(request))
            return self.ok({"data": [self.followup(fu) for fu in c.followups]})

    def add_followup(self, request: Request) -> Response:
        fields, _ = request.form()
        errors: dict[str, list[str]] = {}
        complaint_id = _as_int("complaint_id", fields.get("complaint_id"), errors)
        if complaint_id is None and "complaint_id" not in errors:
            errors["complaint_id"] = ["The complaint id field is required."]
        content = _scalar(fields.get("content"))
        content = content.strip() if isinstance(content, str) else ""
        if not content:
            errors.setdefault("content", []).append("The content field is required.")
        is_secret = _as_bool("is_secret", fields.get("is_secret"), errors)
        rating = _as_int("rating", fields.get("rating"), errors)
        if errors:
            return self.error(422, "The given data was invalid.", errors)
        assert complaint_id is not None
        try:
            fu = self.backend.add_followup(complaint_id, content, is_secret, rating)
        except NotFound:
            return self.error(
                422,
                "The given data was invalid.",
                {"complaint_id": ["Unknown complaint id."]},
            )
        return self.ok({"id": fu.id})

    def institutions(self, request: Request) -> Response:
        """Paged like a list call: default page_size 10; callers must ask for more."""
        errors: dict[str, list[str]] = {}
        page = _as_int("page", request.query.get("page"), errors) or 1
        size = _as_int("page_size", request.query.get("page_size"), errors) or 10
        if errors or page < 1 or size < 1:
            return self.error(422, "Invalid paging.", errors or {"page": ["Must be >= 1."]})
        items = self.backend.institutions
        chunk = items[(page - 1) * size : page * size]
        return self.ok(
            {
                "data": [{"id": i.id, "name": i.name} for i in chunk],
                "page": page,
                "page_size": size,
                "total": len(items),
            }
        )

    def find_by_tag(self, request: Request) -> Response:
        """The ASSUMED look-up GET /complaints?tag=<text> (see lapor-api.md)."""
        tag = (_scalar(request.query.get("tag")) or "").strip()
        if not tag:
            return self.error(422, "The tag parameter is required.", {"tag": ["Required."]})
        with self.backend.lock:
            return self.ok({"data": [self.summary(c) for c in self.backend.find_by_tag(tag)]})

    # -- admin (/_sim/)
    # ------------------------------------------------------------------------

    def sim_complaints(self, request: Request) -> Response:
        with self.backend.lock:
            rows = []
            for c in self.backend.all():
                row = self.summary(c)
                row["data_logs"] = [self.data_log(log) for log in c.data_logs]
                row["followups"] = [self.followup(fu) for fu in c.followups]
                rows.append(row)
        return self.ok({"data": rows, "total": len(rows)})

    def sim_force_status(self, request: Request) -> Response:
        body = request.json()
        code = body.get("status_code")
        name = body.get("status_name")
        if code is None and isinstance(name, str):
            code = STATUS_BY_NAME.get(name.strip().lower())
        if code not in STATUSES:
            return self.error(
                422,
                "Unknown status.",
                {"status_name": [f"One of {list(STATUSES.values())}."]},
            )
        disposition = body.get("disposition_id")
        c = self.backend.force_status(
            self._complaint_id(request),
            int(code),
            body.get("content"),
            int(disposition) if disposition is not None else None,
        )
        with self.backend.lock:
            return self.ok(
                {
                    "data": self.complaint_data(c),
                    "data_logs": [self.data_log(log) for log in c.data_logs],
                }
            )

    def sim_add_followup(self, request: Request) -> Response:
        body = request.json()
        content = str(body.get("content") or "").strip()
        if not content:
            return self.error(422, "content is required", {"content": ["Required."]})
        with self.backend.lock:
            c = self.backend.get(self._complaint_id(request))
            institution = body.get("institution_name") or self.backend._disposition_target(c)
            fu = self.backend.add_followup(c.complaint_id, content, institution_name=institution)
        return self.ok({"id": fu.id})


# -----------------------------------------------------------------------------
# URLs: routing tables
# -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One call: `name` keys the stats; `write`/`create` decide which faults apply."""

    method: str
    pattern: re.Pattern[str]
    name: str
    handler: str
    write: bool = False
    create: bool = False

    @property
    def faults(self) -> frozenset[str]:
        kinds = {"5xx", "429", "slow", "reset"}
        if self.write:
            kinds.add("lose")
        if self.create:
            kinds.add("reject")
        return frozenset(kinds)


def _route(method: str, template: str, handler: str, **flags: bool) -> Route:
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", template) + "$"
    return Route(method, re.compile(regex), f"{method} {template}", handler, **flags)


ROUTES: list[Route] = [
    _route("POST", "/complaints/complaint/file", "upload_files", write=True),
    _route("POST", "/complaints/complaint", "create_complaint", write=True, create=True),
    _route("GET", "/complaints/{id}/complaint", "get_complaint"),
    _route("GET", "/complaints/{id}/followups", "get_followups"),
    _route("POST", "/complaints/followup/add", "add_followup", write=True),
    _route("GET", "/masters/institutions/external", "institutions"),
    _route("GET", "/complaints", "find_by_tag"),
]

#: Handled by LaporSimulator itself (they touch faults and stats, not only the backend).
ADMIN_ROUTES: list[Route] = [
    _route("GET", "/_sim/health", "sim_health"),
    _route("GET", "/_sim/complaints", "sim_complaints"),
    _route("GET", "/_sim/stats", "sim_stats"),
    _route("GET", "/_sim/faults", "sim_get_faults"),
    _route("PUT", "/_sim/faults", "sim_put_faults"),
    _route("POST", "/_sim/complaints/{id}/status", "sim_force_status"),
    _route("POST", "/_sim/complaints/{id}/followups", "sim_add_followup"),
    _route("POST", "/_sim/reset", "sim_reset"),
]


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path params, path_known); path_known without a route means 405."""
    path_known = False
    for route in routes:
        m = route.pattern.match(path)
        if m:
            path_known = True
            if route.method == method:
                return route, m.groupdict(), True
    return None, {}, path_known


# -----------------------------------------------------------------------------
# Server
# -----------------------------------------------------------------------------


class _SimServer(ThreadingHTTPServer):
    """Threaded server sized for a few hundred concurrent keep-alive clients."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True
    simulator: LaporSimulator

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS look-up that can
        # stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def shutdown_request(self, request: Any) -> None:
        # A "reset" fault must close with RST, so skip the FIN from shutdown(SHUT_WR).
        if self.simulator._take_reset(request):
            self.close_request(request)
        else:
            super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LaporSimulator/1.0"
    sys_version = ""
    # Headers and body go out in two writes; without NODELAY keep-alive stalls ~40 ms
    # (Nagle).
    disable_nagle_algorithm = True
    server: _SimServer

    def setup(self) -> None:
        super().setup()
        self.server.simulator._count_connection()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default access log; the simulator writes its own JSON lines."""

    def _dispatch(self) -> None:
        self.server.simulator._handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def read_body(self) -> bytes:
        """The whole body (Content-Length or chunked), so keep-alive stays in sync."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY_BYTES:
            raise BadRequest("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: dict[str, Any], headers: Mapping[str, str]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class LaporSimulator:
    """The LAPOR! simulator: construct, `start()`, use `base_url`, `stop()`.

    `clock` (epoch seconds) drives the status timeline and timestamps; tests replace it
    to move time instead of sleeping. Waits (latency, slow fault) always use real time.
    """

    def __init__(
        self,
        auth: str = "sim-auth",
        token: str = "sim-token",
        faults: FaultConfig | None = None,
        latency_ms: float = 0,
        seed: int | None = None,
        verify_after_s: float = DEFAULT_VERIFY_AFTER_S,
        followup_after_s: float = DEFAULT_FOLLOWUP_AFTER_S,
        finish_after_s: float = DEFAULT_FINISH_AFTER_S,
        institutions_path: str | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], float] | None = None,
        quiet: bool = False,
        log_stream: Any = None,
    ) -> None:
        self.auth = auth
        self.token = token
        self.latency_ms = float(latency_ms)
        self.seed = seed
        self.quiet = quiet
        self.log_stream = log_stream
        self._initial_faults = faults or FaultConfig()
        self._faults = self._initial_faults
        self._rng = random.Random(seed)
        self._clock: Callable[[], float] = clock or time.time
        self.backend = LaporBackend(
            load_institutions(institutions_path),
            lambda: self._clock(),
            verify_after_s,
            followup_after_s,
            finish_after_s,
        )
        self.responses = LaporResponses(self.backend)
        self._stats_lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._fault_counts: Counter[str] = Counter()
        self._status_counts: Counter[str] = Counter()
        self._connections = 0
        self._reset_sockets: set[int] = set()
        self._stopping = threading.Event()
        self._server: _SimServer | None = None
        self._thread: threading.Thread | None = None
        self._expected_auth = f"Bearer {auth}"

    # -- public API -----------------------------------------------------------

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @clock.setter
    def clock(self, fn: Callable[[], float]) -> None:
        self._clock = fn

    @property
    def faults(self) -> FaultConfig:
        return self._faults

    @faults.setter
    def faults(self, config: FaultConfig) -> None:
        with self._stats_lock:
            self._faults = config

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread; returns the base URL (port 0 = any free port)."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self._stopping.clear()
        server = _SimServer((host, port), _Handler)
        server.simulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="lapor-simulator",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; wakes handlers held by latency or the slow fault."""
        server, self._server = self._server, None
        self._stopping.set()
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LaporSimulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Fresh start: no complaints, zero stats, initial faults, RNG re-seeded."""
        self.backend.reset()
        with self._stats_lock:
            self._faults = self._initial_faults
            self._rng = random.Random(self.seed)
            self._calls.clear()
            self._fault_counts.clear()
            self._status_counts.clear()
            self._connections = 0

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            calls = dict(self._calls)
            return {
                "calls": calls,
                "total_calls": sum(calls.values()),
                "faults": dict(self._fault_counts),
                "statuses": dict(self._status_counts),
                "connections": self._connections,
                "complaints": len(self.backend.complaints),
            }

    # -- internals ------------------------------------------------------------

    def _count_connection(self) -> None:
        with self._stats_lock:
            self._connections += 1

    def _take_reset(self, request: Any) -> bool:
        try:
            fd = request.fileno()
        except OSError:
            return False
        with self._stats_lock:
            if fd in self._reset_sockets:
                self._reset_sockets.discard(fd)
                return True
        return False

    def _drop(self, handler: _Handler) -> None:
        """Close with no answer (RST): the client cannot know what happened."""
        handler.close_connection = True
        try:
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with self._stats_lock:
                self._reset_sockets.add(handler.connection.fileno())
        except OSError:
            pass

    def _draw_fault(self, route: Route) -> str | None:
        with self._stats_lock:
            config = self._faults
            if not config.active:
                return None
            fault = config.draw(self._rng, route.faults)
            if fault == "5xx":
                return f"5xx:{self._rng.choice((500, 502, 503))}"
            if fault == "lose":
                mode = config.lose_mode
                if mode == "mixed":
                    mode = self._rng.choice(("drop", "504"))
                return f"lose:{mode}"
            return fault

    def _record(self, route_name: str, status: int, fault: str | None) -> None:
        with self._stats_lock:
            self._calls[route_name] += 1
            self._status_counts[str(status)] += 1
            if fault:
                self._fault_counts[fault.split(":", 1)[0]] += 1

    def _log(self, method: str, path: str, status: int, fault: str | None, t0: float) -> None:
        if self.quiet:
            return
        line = json.dumps(
            {
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "method": method,
                "path": path,
                "status": status,
                "fault": fault,
                "ms": round((time.perf_counter() - t0) * 1000, 3),
            }
        )
        stream = self.log_stream or sys.stderr
        try:
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    def _check_auth(self, headers: Mapping[str, str]) -> str | None:
        if headers.get("Authorization", "") != self._expected_auth:
            return "Unauthenticated: missing or invalid Authorization bearer."
        if headers.get("token", "") != self.token:
            return "Unauthenticated: missing or invalid token header."
        return None

    def _handle(self, h: _Handler) -> None:
        """One request: admin calls go straight through; LAPOR! calls get faults."""
        t0 = time.perf_counter()
        split = urlsplit(h.path)
        path = split.path.rstrip("/") or "/"
        method = h.command
        status, fault = 0, None
        try:
            try:
                body = h.read_body()
            except (BadRequest, ValueError):
                h.close_connection = True
                status = 400
                h.send_json(400, {"message": "Malformed request body."}, {})
                return
            request = Request(method, path, parse_qs(split.query), h.headers, body)

            if path.startswith("/_sim/"):
                status = self._handle_admin(h, request)
                return

            route, params, path_known = match_route(ROUTES, method, path)
            if route is None:
                status = 405 if path_known else 404
                h.send_json(
                    status,
                    {"message": "Method Not Allowed" if path_known else "Not Found"},
                    {},
                )
                return
            request.params = params

            if self.latency_ms > 0:
                self._stopping.wait(self.latency_ms / 1000)
            drawn = self._draw_fault(route)
            (status, payload, headers), fault = self._lapor_call(route, request, drawn)
            if drawn == "slow":
                fault = drawn
            elif drawn and drawn.startswith("lose:") and 200 <= status < 300:
                fault = drawn  # the work is done; now lose the answer
            if fault in ("reset", "lose:drop"):
                self._drop(h)
                status = 0
                self._record(route.name, status, fault)
                return
            if fault == "lose:504":
                status, payload, headers = 504, {"message": "Gateway Timeout"}, {}
            self._record(route.name, status, fault)
            if fault == "slow":
                self._stopping.wait(self.faults.slow_s)
            h.send_json(status, payload, headers)
        except OSError:
            # The client went away (e.g. timed out during a slow answer).
            h.close_connection = True
        except Exception:  # a simulator bug: answer 500 rather than drop the socket
            traceback.print_exc(file=sys.stderr)
            status, h.close_connection = 500, True
            try:
                h.send_json(500, {"message": "Simulator error."}, {})
            except OSError:
                pass
        finally:
            self._log(method, path, status, fault, t0)

    def _lapor_call(self, route: Route, request: Request, fault: str | None) -> tuple[Response, str | None]:
        """Pre-work faults, auth, then the call; returns answer and fault applied."""
        r = self.responses
        if fault and fault.startswith("5xx:"):
            code = int(fault.split(":")[1])
            reason = {
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
            }
            return r.error(code, reason[code]), fault
        if fault == "429":
            return (429, {"message": "Too Many Attempts."}, {"Retry-After": "1"}), fault
        if fault == "reset":
            return (0, {}, {}), fault
        problem = self._check_auth(request.headers)
        if problem:
            return r.error(401, problem), None
        if fault == "reject":
            return r.error(
                422,
                "Laporan ditolak (simulated fault).",
                {"content": ["Rejected by LAPOR!."]},
            ), fault
        try:
            return getattr(r, route.handler)(request), None
        except NotFound:
            return r.error(404, "Complaint not found."), None
        except BadRequest as exc:
            return r.error(400, str(exc)), None

    def _handle_admin(self, h: _Handler, request: Request) -> int:
        route, params, path_known = match_route(ADMIN_ROUTES, request.method, request.path)
        r = self.responses
        if route is None:
            status, payload, headers = r.error(405 if path_known else 404, "No such admin call.")
        else:
            request.params = params
            try:
                if route.handler == "sim_health":
                    status, payload, headers = r.ok({"ok": True})
                elif route.handler == "sim_stats":
                    status, payload, headers = r.ok(self.stats())
                elif route.handler == "sim_get_faults":
                    status, payload, headers = r.ok(self.faults.to_dict())
                elif route.handler == "sim_put_faults":
                    self.faults = FaultConfig.from_mapping(request.json())
                    status, payload, headers = r.ok(self.faults.to_dict())
                elif route.handler == "sim_reset":
                    self.reset()
                    status, payload, headers = r.ok({"reset": True})
                else:
                    status, payload, headers = getattr(r, route.handler)(request)
            except NotFound:
                status, payload, headers = r.error(404, "Complaint not found.")
            except ValidationFailed as exc:
                status, payload, headers = r.error(422, exc.message, exc.errors)
            except (ValueError, TypeError, BadRequest) as exc:
                status, payload, headers = r.error(400, str(exc))
        h.send_json(status, payload, headers)
        return status


# -----------------------------------------------------------------------------
# CLI
# -----------------------------------------------------------------------------


def _env_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def simulator_from_env(
    env: Mapping[str, str] | None = None,
    institutions_path: str | None = None,
    quiet: bool = False,
) -> LaporSimulator:
    """Build a simulator from the LAPOR_SIM_* variables (default: os.environ)."""
    env = os.environ if env is None else env
    seed = env.get("LAPOR_SIM_SEED", "").strip()
    return LaporSimulator(
        auth=env.get("LAPOR_SIM_AUTH") or "sim-auth",
        token=env.get("LAPOR_SIM_TOKEN") or "sim-token",
        faults=FaultConfig.parse(env.get("LAPOR_SIM_FAULTS")),
        latency_ms=_env_float(env, "LAPOR_SIM_LATENCY_MS", 0.0),
        seed=int(seed) if seed else None,
        verify_after_s=_env_float(env, "LAPOR_SIM_VERIFY_AFTER_S", DEFAULT_VERIFY_AFTER_S),
        followup_after_s=_env_float(env, "LAPOR_SIM_FOLLOWUP_AFTER_S", DEFAULT_FOLLOWUP_AFTER_S),
        finish_after_s=_env_float(env, "LAPOR_SIM_FINISH_AFTER_S", DEFAULT_FINISH_AFTER_S),
        institutions_path=institutions_path,
        quiet=quiet,
    )


def main(argv: list[str] | None = None) -> int:
    """Run until SIGINT/SIGTERM; prints `lapor-simulator ready at <url>` when up."""
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.lapor_simulator",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--institutions", default=None, help="institutions JSON file")
    parser.add_argument("--quiet", action="store_true", help="no per-request JSON log lines")
    args = parser.parse_args(argv)
    try:
        sim = simulator_from_env(os.environ, args.institutions, args.quiet)
    except ValueError as exc:
        print(f"lapor-simulator: bad configuration: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    url = sim.start(args.host, args.port)
    print(f"lapor-simulator ready at {url}", flush=True)
    while not stop.wait(0.5):
        pass
    sim.stop()
    print("lapor-simulator stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
