"""Structured JSON logs and CloudWatch metrics (Powertools for AWS Lambda), and the
complaint's span (chalicelib/tracing.py).

Every line about a complaint carries `tracking_id`, so an admin finds one
complaint's whole path in CloudWatch Logs Insights with
`filter tracking_id = "<tracking id>"`, and every traced piece of work on it
carries the annotation `tracking_id` (X-Ray: `annotation.tracking_id = "..."`).
Reporter data is never logged. The metrics and alarms that read them are in
infra/template.json; docs/console.md says where each is in the console.

The service name (the `service` dimension of every metric and a key of every log
line) is the stage's resource prefix, POWERTOOLS_SERVICE_NAME (`aduan-hub` locally).
Spans reach X-Ray only in a stage whose functions carry the OpenTelemetry layer;
local runs, tests and a stage without it send nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import tracing

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "aduan-hub"
NAMESPACE = "AduanHub"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
#: the span around the work on one complaint (its AWS and LAPOR! calls are its children)
COMPLAINT_SPAN = "## complaint"


__all__ = [
    "logger",
    "metrics",
    "MetricUnit",
    "complaint_context",
    "count",
    "count_by",
    "observe",
    "flush_metrics",
    "sweep_heartbeat",
    "log_failure",
]


@contextmanager
def complaint_context(tracking_id: str) -> Iterator[None]:
    """Tag every log line inside the block with the complaint's tracking id, and trace the
    block as a span with the attribute `tracking_id` (an X-Ray annotation; a failure adds
    `error` with its type only, tracing.span).

    Blocks nest: leaving an inner one gives the outer one's id back (a forward that
    announces its status change logs "forward handled" with its id). The key lives in
    a context variable (Powertools' thread-safe keys), so threads and concurrent
    handlers in one process never lend each other their ids."""
    outer = logger.thread_safe_get_current_keys().get("tracking_id")
    logger.thread_safe_append_keys(tracking_id=tracking_id)
    try:
        with tracing.span(COMPLAINT_SPAN, tracking_id=tracking_id):
            yield
    finally:
        if outer is not None:
            logger.thread_safe_append_keys(tracking_id=outer)
        else:  # a fresh dict: the context's current one may be shared with a copied context
            rest = {k: v for k, v in logger.thread_safe_get_current_keys().items() if k != "tracking_id"}
            logger.thread_safe_clear_keys()
            logger.thread_safe_append_keys(**rest)


def log_failure(message: str, err: BaseException) -> None:
    """`logger.exception`, except when pydantic's ValidationError is in the chain.

    A ValidationError's text quotes the input it refused, and a stored complaint
    holds the reporter's name, phone and NIK: then only the error types and the
    fields are logged, never the message or the traceback."""
    from pydantic import ValidationError

    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        if isinstance(link, ValidationError):
            logger.error(
                message,
                extra={
                    "error": type(err).__name__,
                    "validation_errors": [
                        {"type": e["type"], "loc": ".".join(str(p) for p in e["loc"])}
                        for e in link.errors(include_url=False, include_context=False, include_input=False)
                    ],
                },
            )
            return
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    logger.exception(message)


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def observe(name: str, value: float, unit: MetricUnit) -> None:
    """A measured value (a latency, an age, a backlog); the dashboard reads percentiles or the maximum."""
    metrics.add_metric(name=name, unit=unit, value=value)


def count_by(name: str, dimension: str, value_of: str, value: float = 1) -> None:
    """A count split by one dimension (channel, LAPOR! failure kind, escalation rung, sweep).

    Its own EMF line, published at once: the dimension differs from the invocation's other metrics."""
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE, default_dimensions={"service": SERVICE}
    ) as metric:
        metric.add_dimension(name=dimension, value=value_of)


def flush_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware: publish this invocation's metrics (EMF) when it ends."""
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()


def sweep_heartbeat(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware for scheduled functions: `SweepCompleted` (dimension `sweep`) after
    each run that did not fail. The "schedule stopped" alarms fire when it goes missing."""
    result = get_response(event)
    name = str(getattr(getattr(event, "context", None), "function_name", "") or "unknown")
    count_by("SweepCompleted", "sweep", name.rsplit("-", 1)[-1])  # <prefix>-<function> -> function
    return result
