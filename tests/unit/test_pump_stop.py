"""Stopping `make run` ends a sweep under way as Lambda's timeout would, instead of waiting for it."""

from __future__ import annotations

import threading

import pytest

from infra.local.pump import LambdaContext


def test_a_stopping_pump_leaves_a_sweep_no_time() -> None:
    stopping = threading.Event()
    context = LambdaContext("sync_lapor_status", timeout_s=60, stopping=stopping)
    assert context.get_remaining_time_in_millis() > 50_000
    stopping.set()
    assert context.get_remaining_time_in_millis() == 0
    assert LambdaContext("other").get_remaining_time_in_millis() > 50_000  # no pump: Lambda's own clock


def test_the_sync_handler_stops_when_no_time_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler's stop rule reads the context's remaining time: with none left, the sweep is told to stop."""
    from chalicelib import handlers

    seen: list[bool] = []

    class Sweep:
        def sweep(self, should_stop: object = None) -> object:
            seen.append(should_stop())  # type: ignore[operator]

            class Report:
                def as_dict(self) -> dict[str, int]:
                    return {}

            return Report()

    from chalicelib import bootstrap

    monkeypatch.setattr(bootstrap, "status_sync", lambda: Sweep())
    stopping = threading.Event()
    handlers.sync_lapor_status({}, LambdaContext("sync_lapor_status", stopping=stopping))
    stopping.set()
    handlers.sync_lapor_status({}, LambdaContext("sync_lapor_status", stopping=stopping))
    assert seen == [False, True]
