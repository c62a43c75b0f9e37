"""Every log line about a complaint carries its tracking id: admins search the logs by it.

A whole run of one channel complaint (intake, forward, status sync, escalation, the
callbacks back to the channel) is logged and read back line by line; only the summary
lines of a sweep, which are about no single complaint, may go without an id.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.channel_support import (
    channel_secrets,  # noqa: F401 - fixture
    post_channel,
    rabeg_record,
    receiver_for,
    retire,
)
from tests.integration.test_callbacks import deliver_until
from tests.integration.test_log_privacy import captured_logs, lines_for
from tests.integration.test_status_sync import item, lapor_followup, lapor_status, sweep_at

pytestmark = pytest.mark.usefixtures("channel_secrets")

#: lines about a whole run (a sweep's summary), never about one complaint
RUN_LEVEL = {
    "status sync done",
    "overdue sweep",
    "outbox reconciled",
    "status sync stopped early",
    "sweep stopped early; the rest waits for the next one",
}


def test_nested_contexts_give_the_outer_id_back() -> None:
    from chalicelib.observability import complaint_context, logger

    with captured_logs() as buffer:
        with complaint_context("SRG-AAAA-AAAA"):
            with complaint_context("SRG-BBBB-BBBB"):
                logger.info("inner")
            logger.info("outer")
        logger.info("after")
    assert [(e["message"], e.get("tracking_id")) for e in lines_for_all(buffer)] == [
        ("inner", "SRG-BBBB-BBBB"),
        ("outer", "SRG-AAAA-AAAA"),
        ("after", None),
    ]


def test_threads_keep_their_own_ids() -> None:
    from chalicelib.observability import complaint_context, logger

    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with complaint_context("SRG-CCCC-CCCC"):
            inside.set()
            leave.wait(5)
            logger.info("from the other thread")

    with captured_logs() as buffer:
        thread = threading.Thread(target=other)
        thread.start()
        inside.wait(5)
        with complaint_context("SRG-DDDD-DDDD"):
            logger.info("from this thread")
        leave.set()
        thread.join(5)
    got = {e["message"]: e.get("tracking_id") for e in lines_for_all(buffer)}
    assert got == {"from this thread": "SRG-DDDD-DDDD", "from the other thread": "SRG-CCCC-CCCC"}


def lines_for_all(buffer: Any) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def test_every_line_of_a_complaints_whole_run_carries_its_tracking_id(
    client: Any, hub: Any, pump: Any, lapor_sim: Any
) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.expressions import set_remove
    from chalicelib.adapters.storage.keys import due_attributes
    from chalicelib.domain.models import utcnow
    from tests.integration.test_forwarding import tickets

    with receiver_for(client, "rabeg") as receiver, captured_logs() as buffer:
        tid = post_channel(client, "rabeg", rabeg_record()).json_body["tracking_id"]  # intake
        pump.drain("forward_to_lapor")  # forward
        [ticket] = tickets(lapor_sim, tid)
        lapor_status(lapor_sim, ticket["complaint_id"], "Dalam Proses")
        lapor_followup(lapor_sim, ticket["complaint_id"], "Tim sudah meninjau lokasi.")
        now = utcnow()
        sweep_at(now + timedelta(minutes=6), tid)  # status sync: verified, then in progress
        assert item(tid)["status"] == "in_progress"
        expr, names, vals = set_remove(due_attributes(tid, now - timedelta(days=20)))
        bootstrap.repository().update(tid, expr, names=names, vals=vals)
        bootstrap.escalation().sweep(now)  # escalation: overdue, climbs the ladder
        assert item(tid).get("escalation_level", 0) >= 1
        deliver_until(pump, lambda: len(receiver.events_for(tid)) >= 3)  # callbacks to the channel
        bootstrap.reconciler().sweep()
    retire([tid])

    lines = lines_for_all(buffer)
    assert len(lines_for(buffer, tid)) >= 10
    without = sorted({e["message"] for e in lines if "tracking_id" not in e} - RUN_LEVEL)
    assert without == [], f"log lines without a tracking id: {without}"
    mine = {e["message"] for e in lines_for(buffer, tid)}
    assert {
        "complaint accepted",
        "forwarded to LAPOR!",
        "forward handled",
        "status from LAPOR!",
        "escalated",
        "channel event delivered",
        "channel event handled",
    } <= mine
