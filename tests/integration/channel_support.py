"""Helpers for the channel tests: signed webhook calls, native records, a callback receiver."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.channels.signature import HEADER_NAME, sign, verify
from tests.support.auth import admin_headers

SECRETS = {"rabeg": "test-rabeg-secret", "call112": "test-call112-secret", "psc119": "test-psc119-secret"}
KEL = "36.73.01.1002"


@pytest.fixture()
def channel_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for ch, secret in SECRETS.items():
        monkeypatch.setenv(f"CHANNEL_SECRET_{ch.upper()}", secret)
    monkeypatch.setenv("CALLBACK_RETRY_BASE_S", "0")  # a failed delivery is retried at once
    monkeypatch.setenv("CALLBACKS_LOCAL_DEV", "1")  # the receiver is http on 127.0.0.1
    return SECRETS


def signed(body: bytes, channel: str, ts: int | None = None, secret: str | None = None) -> str:
    return sign(secret or SECRETS[channel], body, int(time.time()) if ts is None else ts)


def post_channel(
    client: Any, channel: str, record: dict[str, Any] | bytes, signature: str | None = "auto", **sign_kw: Any
) -> Any:
    body = record if isinstance(record, bytes) else json.dumps(record).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers[HEADER_NAME] = signed(body, channel, **sign_kw)
    elif signature is not None:
        headers[HEADER_NAME] = signature
    return client.http.post(f"/v1/channels/{channel}/complaints", body=body, headers=headers)


def uid() -> str:
    return uuid.uuid4().hex[:12].upper()


def rabeg_record(**over: Any) -> dict[str, Any]:
    rec = {
        "ID_ADUAN": f"RBG-{uid()}",
        "PELAPOR": "Budi Santoso",
        "TGL_ADUAN": "2025-03-04 09:15:00",
        "KD_MEDIA": "WEB",
        "KD_KAT": "JALAN",
        "JUDUL_ADUAN": "Jalan berlubang",
        "ISI_ADUAN": "Jalan di depan sekolah berlubang besar, sudah dua minggu belum diperbaiki.",
        "LOKASI": "Jl. Ki Mas Jong",
        "NO_HP": "081298765432",
        "KD_KEL": KEL,
    }
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not None}


def call112_record(**over: Any) -> dict[str, Any]:
    rec = {
        "call_id": f"112-{uid()}",
        "received_at": "2025-03-04T21:40:00+07:00",
        "incident_type": "POHON_TUMBANG",
        "description": "Pohon tumbang menutup separuh jalan, belum ada petugas di lokasi.",
        "caller_phone": "081311112222",
        "caller_name": "Penelepon",
        "location_text": "Jl. Ahmad Yani",
        "kelurahan_code": KEL,
        "emergency": False,
        "confirmed": True,
    }
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not None}


def psc119_record(**over: Any) -> dict[str, Any]:
    rec = {
        "call_id": f"119-{uid()}",
        "received_at": "2025-03-04T10:05:00+07:00",
        "case_code": "LAYANAN_PUSKESMAS",
        "description": "Antrean puskesmas sangat lama dan petugas pendaftaran tidak ada sejak pagi.",
        "caller_phone": "081322223333",
        "kelurahan_code": KEL,
        "triage": "hijau",
    }
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not None}


class Receiver:
    """A channel's callback endpoint: checks our signature, records what it accepted,
    and answers 500 to the first delivery of the events it is told to fail once."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.accepted: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.fail_once: set[str] = set()  # tracking ids whose first delivery gets a 500
        self.hosts: list[str] = []  # the Host header of every delivery
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.hosts.append(str(self.headers.get("Host")))
                status = receiver.handle(body, self.headers.get(HEADER_NAME))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/aduan-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, body: bytes, header: str | None) -> int:
        try:
            verify(self.secret, body, header, time.time())
        except ValueError:
            return 401
        event = json.loads(body)
        with self.lock:
            if event["tracking_id"] in self.fail_once:
                self.fail_once.discard(event["tracking_id"])
                self.refused.append(event)
                return 500
            self.accepted.append(event)
        return 200

    def events_for(self, tracking_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.accepted if e["tracking_id"] == tracking_id]


@contextmanager
def receiver_for(client: Any, channel: str) -> Iterator[Receiver]:
    """Register a fresh receiver as the channel's callback; unregister afterwards."""
    r = Receiver(SECRETS[channel])
    r.thread.start()
    resp = client.http.put(
        f"/v1/admin/channels/{channel}/callback",
        body=json.dumps({"url": r.url}),
        headers=admin_headers({"Content-Type": "application/json"}),
    )
    assert resp.status_code == 200, resp.body
    try:
        yield r
    finally:
        client.http.delete(f"/v1/admin/channels/{channel}/callback", headers=admin_headers())
        r.server.shutdown()
        r.server.server_close()


def retire(tracking_ids: list[str]) -> None:
    """Take a test's complaints out of every work index once it has checked them, so the
    forwarder and the sweeps of later tests do not spend their time on them (shared table)."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values

    repo = bootstrap.repository()
    for tid in tracking_ids:
        repo.update(
            tid,
            "SET #s = :closed REMOVE outbox_pk, outbox_sk, geo_pk, geo_sk, due_pk, due_sk, sync_pk, sync_sk",
            names={"#s": "status"},
            vals=values(closed="closed"),
        )
