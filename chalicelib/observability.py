"""Structured JSON logs and CloudWatch metrics (Powertools for AWS Lambda).

Every line about a complaint carries `tracking_id`, so an admin finds one
complaint's whole path in CloudWatch Logs Insights with
`filter tracking_id = "SRG-XXXX-XXXX"`. Reporter data is never logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="aduan-hub")
metrics = Metrics(namespace="AduanHub", service="aduan-hub")

__all__ = ["logger", "metrics", "MetricUnit", "complaint_context", "count", "flush_metrics", "log_failure"]




@contextmanager
def complaint_context(tracking_id: str) -> Iterator[None]:
    """Tag every log line inside the block with the complaint's tracking id.

    Blocks nest: leaving an inner one gives the outer one's id back (a forward that
    announces its status change logs "forward handled" with its id). The key lives in
    a context variable (Powertools' thread-safe keys), so threads and concurrent
    handlers in one process never lend each other their ids."""
    outer = logger.thread_safe_get_current_keys().get("tracking_id")
    logger.thread_safe_append_keys(tracking_id=tracking_id)
    try:
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
            logger.error(message, extra={
                "error": type(err).__name__,
                "validation_errors": [{"type": e["type"], "loc": ".".join(str(p) for p in e["loc"])}
                                      for e in link.errors(include_url=False, include_context=False,
                                                           include_input=False)],
            })
            return
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    logger.exception(message)


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware: publish this invocation's metrics (EMF) when it ends."""
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
