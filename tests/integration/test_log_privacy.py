"""A stored item that no longer fits the model must not carry reporter data into the logs.

pydantic's ValidationError quotes the input it refused; a complaint item holds the
reporter's name, phone and NIK. The sweeps and the possible-duplicate check log
such failures with the error types and fields only.
"""

from __future__ import annotations

import io
import json
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from tests.integration.channel_support import retire
from tests.integration.test_forwarding import submit, tickets
from tests.integration.test_status_sync import lapor_status


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Our logger's lines, formatted as Lambda's stdout gets them (JSON)."""
    from chalicelib.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    try:
        yield buffer
    finally:
        logger._logger.removeHandler(handler)


def lines_for(buffer: io.StringIO, tracking_id: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    return [entry for entry in lines if entry.get("tracking_id") == tracking_id]


def break_reporter(tracking_id: str) -> str:
    """Give the stored reporter a NIK one digit too long: the item no longer validates,
    and pydantic's message would quote it. Returns that NIK."""
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values

    nik = "3673" + "".join(random.choice("0123456789") for _ in range(13))
    bootstrap.repository().update(tracking_id, "SET reporter.nik = :n", vals=values(n=nik))
    return nik


def assert_logged_without_data(buffer: io.StringIO, tracking_id: str, message: str, nik: str) -> None:
    out = buffer.getvalue()
    assert nik not in out and "Siti" not in out and "81234567890" not in out
    [failure] = [e for e in lines_for(buffer, tracking_id) if e["message"] == message]
    assert failure["level"] == "ERROR" and failure["error"] == "ValidationError"
    assert {"type": "string_too_long", "loc": "reporter.nik"} in failure["validation_errors"]
    assert "exception" not in failure  # no traceback: its text is the ValidationError's


def test_escalation_sweep_logs_a_broken_item_without_its_content(client: Any, hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.expressions import set_remove
    from chalicelib.adapters.storage.keys import due_attributes
    from chalicelib.domain.models import utcnow

    tid = submit(client)
    now = utcnow()
    expr, names, vals = set_remove(due_attributes(tid, now - timedelta(days=30)))
    bootstrap.repository().update(tid, expr, names=names, vals=vals)
    nik = break_reporter(tid)
    try:
        with captured_logs() as buffer:
            outcomes = bootstrap.escalation().sweep(now)
        assert outcomes.get("error", 0) >= 1
        assert_logged_without_data(buffer, tid, "overdue handling failed; next sweep retries", nik)
    finally:
        retire([tid])


def test_status_sync_logs_a_broken_item_without_its_content(client: Any, pump: Any, lapor_sim: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.models import utcnow

    tid = submit(client)
    pump.drain("forward_to_lapor")
    [row] = tickets(lapor_sim, tid)
    lapor_status(lapor_sim, row["complaint_id"], "Dalam Proses")  # a change: the sweep reads the whole item
    nik = break_reporter(tid)
    try:
        with captured_logs() as buffer:
            report = bootstrap.status_sync().sweep(utcnow() + timedelta(minutes=6))
        assert report.errors >= 1
        assert_logged_without_data(buffer, tid, "status check failed", nik)
    finally:
        retire([tid])


def test_other_failures_still_log_their_traceback() -> None:
    from chalicelib.observability import log_failure

    with captured_logs() as buffer:
        try:
            raise KeyError("lapor_id")
        except KeyError as err:
            log_failure("something broke", err)
    [line] = [json.loads(x) for x in buffer.getvalue().splitlines() if x.startswith("{")]
    assert line["message"] == "something broke" and "KeyError" in line["exception"]


def test_a_validation_error_inside_another_error_is_not_logged_either() -> None:
    from pydantic import ValidationError

    from chalicelib.domain.models import Reporter
    from chalicelib.observability import log_failure

    with captured_logs() as buffer:
        try:
            try:
                Reporter.model_validate({"nik": "36730101010100019999"})
            except ValidationError as inner:
                raise RuntimeError("wrapped") from inner
        except RuntimeError as err:
            log_failure("wrapped failure", err)
    out = buffer.getvalue()
    assert "36730101010100019999" not in out and "wrapped failure" in out


def test_operator_routes_actions_and_reporter_replies_log_no_reporter_data(
    client: Any, pump: Any, lapor_sim: Any, monkeypatch: Any
) -> None:
    """Every operator route and action, the reporters' replies and the deliveries after them."""
    import json as _json

    from tests.integration.channel_support import call112_record
    from tests.integration.operator_support import (
        ADMIN,
        OPD,
        OPD_OPERATOR,
        OPERATOR,
        REPORTER,
        SUPERVISOR,
        Who,
        act,
        inbox,
        ok,
        show,
        verified,
    )
    from tests.integration.operator_support import submit as submit_as_reporter

    secrets = [
        REPORTER["name"],
        REPORTER["phone"].lstrip("+"),
        REPORTER["email"],
        REPORTER["nik"],
        "0899-1234-5678",
    ]  # a phone number the reporter typed into a comment
    with captured_logs() as buffer:
        tid, token = submit_as_reporter(client)
        other, _ = submit_as_reporter(client)
        verified(client, pump, lapor_sim, tid)
        verified(client, pump, lapor_sim, other)
        for params in ({}, {"sort": "urgent", "overdue": "true"}, {"status": "verified", "assigned_to": "me"}):
            ok(inbox(client, OPERATOR, **params))
        ok(inbox(client, SUPERVISOR))
        ok(show(client, tid, OPERATOR))
        client.http.get("/v1/operator/templates?category=pelayanan-kelurahan", headers=dict(OPERATOR))
        headers = {"Content-Type": "application/json", "X-Reporter-Token": token}
        client.http.post(
            f"/v1/complaints/{tid}/comments",
            headers=headers,
            body=_json.dumps({"message": "Hubungi saya di 0899-1234-5678 ya."}),
        )
        ok(act(client, tid, OPERATOR, "acknowledge"))
        ok(act(client, tid, OPERATOR, "assign", assignee="budi"))
        ok(act(client, tid, OPERATOR, "note", message=f"Pelapor {REPORTER['name']} menelepon."))
        ok(act(client, tid, OPERATOR, "respond", message="Sedang kami periksa."))
        ok(act(client, tid, OPERATOR, "not-ours", reason="Urusan arsip dinas."))
        ok(act(client, tid, ADMIN, "reassign", unit=OPD))
        proof = client.http.post(
            f"/v1/operator/complaints/{tid}/attachments",
            headers={**OPD_OPERATOR, "Content-Type": "application/json"},
            body=_json.dumps({"filename": f"{REPORTER['nik']}.jpg", "content_type": "image/jpeg"}),
        )
        assert proof.status_code == 201, proof.body
        ok(act(client, tid, OPD_OPERATOR, "resolve", message="Selesai.", attachment=proof.json_body["key"]))
        client.http.post(
            f"/v1/complaints/{tid}/rating",
            headers=headers,
            body=_json.dumps({"stars": 3, "comment": f"{REPORTER['name']} kurang puas"}),
        )
        third, _ = submit_as_reporter(client)
        ok(act(client, other, OPERATOR, "duplicate-of", duplicate_of=third))
        ok(act(client, third, OPERATOR, "reject", reason="Tidak jelas."))
        call = post_call(
            client,
            monkeypatch,
            call112_record(confirmed=False, caller_name=REPORTER["name"], caller_phone="08991234567"),
        )
        kept = post_call(
            client,
            monkeypatch,
            call112_record(confirmed=False, caller_name=REPORTER["name"], caller_phone="08991234567"),
        )
        cc = Who("callcenter", "call112", "ayu")
        ok(act(client, call, cc, "dismiss", reason="Iseng."))
        ok(act(client, kept, cc, "confirm"))
        act(client, tid, OPD_OPERATOR, "respond", message="x", if_match=1)  # refused: stale
        act(client, tid, OPD_OPERATOR, "fly")  # refused: bad input
        pump.drain("forward_to_lapor")
        pump.drain("deliver_channel_event", idle_rounds=1)
    out = buffer.getvalue()
    for secret in secrets:
        assert secret not in out, secret
    assert "08991234567" not in out
    assert "Hubungi saya" not in out and "kurang puas" not in out  # the reporter's own words neither
    assert [e for e in lines_for(buffer, tid) if e["message"] == "operator action"]


def post_call(client: Any, monkeypatch: Any, record: dict[str, Any]) -> str:
    from tests.integration.channel_support import SECRETS, post_channel

    monkeypatch.setenv("CHANNEL_SECRET_CALL112", SECRETS["call112"])
    resp = post_channel(client, "call112", record)
    assert resp.status_code == 201, resp.body
    return str(resp.json_body["tracking_id"])
