"""complaint_context: the tracking id on every line inside, nested blocks, and one thread's id
never on another thread's lines."""

from __future__ import annotations

import io
import json
import logging
import threading

from chalicelib.observability import complaint_context, logger


def test_nested_blocks_restore_the_outer_id_and_threads_keep_their_own() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with complaint_context("SRG-CCCC-CCCC"):
            inside.set()
            leave.wait(5)
        logger.info("other thread after")

    try:
        t = threading.Thread(target=other)
        t.start()
        inside.wait(5)
        with complaint_context("SRG-AAAA-AAAA"):
            logger.info("outer")
            with complaint_context("SRG-BBBB-BBBB"):
                logger.info("inner")
            logger.info("outer again")
        leave.set()
        t.join(5)
        logger.info("outside")
    finally:
        logger._logger.removeHandler(handler)
    lines = {d["message"]: d.get("tracking_id") for d in map(json.loads, buffer.getvalue().splitlines())}
    assert lines == {
        "outer": "SRG-AAAA-AAAA",
        "inner": "SRG-BBBB-BBBB",
        "outer again": "SRG-AAAA-AAAA",
        "other thread after": None,
        "outside": None,
    }
