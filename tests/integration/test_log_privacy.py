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
    from chalicelib.adapters.dynamodb import values

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
    from chalicelib.adapters.dynamodb import set_remove
    from chalicelib.domain.models import utcnow
    from chalicelib.services.deadlines import due_attributes

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
