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

__all__ = ["logger", "metrics", "MetricUnit", "complaint_context", "count", "flush_metrics"]


@contextmanager
def complaint_context(tracking_id: str) -> Iterator[None]:
    """Tag every log line inside the block with the complaint's tracking id."""
    logger.append_keys(tracking_id=tracking_id)
    try:
        yield
    finally:
        logger.remove_keys(["tracking_id"])


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware: publish this invocation's metrics (EMF) when it ends."""
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
