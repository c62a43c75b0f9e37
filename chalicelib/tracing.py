"""Spans around the hub's own work, through OpenTelemetry when the runtime provides it.

Nothing of OpenTelemetry is in the Lambda package. In a deployed stage with tracing on, the
AWS Distro for OpenTelemetry (ADOT) Lambda layer puts it on the path at run time, traces the
function and its botocore (DynamoDB, SQS, S3, SNS) and requests (LAPOR!) calls, and sends the
spans to X-Ray through Lambda's own daemon (infra/template.json, `TracingLayer`). Everywhere
else (`make run`, the tests, a stage without the layer) `opentelemetry` is not importable and
every span here is a no-op that costs a function call.

Attributes given to `span` are search keys: X-Ray keeps OpenTelemetry attributes as metadata
unless their keys are listed in the span's `aws.xray.annotations`, so each key is listed
there and an admin filters `annotation.tracking_id = "<tracking id>"` (docs/console.md).
OpenTelemetry is looked up at the first span, not at import, so a cold start never pays for
it where the layer is absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: the span attribute that lists which attribute keys X-Ray indexes as annotations
XRAY_ANNOTATIONS = "aws.xray.annotations"
#: the instrumentation scope of the hub's spans
SCOPE = "aduan-hub"

Attribute = str | bool | int | float

_UNRESOLVED: Any = object()
_tracer: Any = _UNRESOLVED


def _otel_tracer() -> Any:
    """The OpenTelemetry tracer, or None where OpenTelemetry is not importable (looked up once)."""
    global _tracer
    if _tracer is _UNRESOLVED:
        try:
            from opentelemetry import trace  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            _tracer = None
        else:
            # a proxy until a provider is set: it follows the layer's provider once there is one
            _tracer = trace.get_tracer(SCOPE)
    return _tracer


def enabled() -> bool:
    """True where spans reach OpenTelemetry (the layer, or a test's SDK); False where they are no-ops."""
    return _otel_tracer() is not None


def _annotate(target: Any, attributes: dict[str, Attribute]) -> None:
    """Put the attributes on an OpenTelemetry span and list their keys for X-Ray's index."""
    if not attributes:
        return
    listed = set(attributes)
    known = getattr(target, "attributes", None)  # an SDK span shows what is already set
    if known and known.get(XRAY_ANNOTATIONS):
        listed.update(known[XRAY_ANNOTATIONS])
    target.set_attributes({**attributes, XRAY_ANNOTATIONS: sorted(listed)})


def annotate(**attributes: Attribute) -> None:
    """Put searchable attributes on the current span (no-op without OpenTelemetry or without a span)."""
    if _otel_tracer() is None:
        return
    from opentelemetry import trace  # type: ignore[import-not-found, unused-ignore]

    current = trace.get_current_span()
    if current.is_recording():
        _annotate(current, attributes)


@contextmanager
def span(name: str, **attributes: Attribute) -> Iterator[None]:
    """Trace the block as a child span of the current one, with searchable attributes.

    A failure marks the span as an error and adds the attribute `error` with the exception's
    type only: its text may quote stored reporter data (pydantic's ValidationError), so
    neither the message nor the traceback is put on the span."""
    tracer = _otel_tracer()
    if tracer is None:
        yield
        return
    from opentelemetry.trace import Status, StatusCode  # type: ignore[import-not-found, unused-ignore]

    with tracer.start_as_current_span(name, record_exception=False, set_status_on_exception=False) as current:
        if current.is_recording():
            _annotate(current, attributes)
        try:
            yield
        except BaseException as err:
            if current.is_recording():
                _annotate(current, {**attributes, "error": type(err).__name__})
                current.set_status(Status(StatusCode.ERROR, type(err).__name__))
            raise


def _reset() -> None:
    """Look OpenTelemetry up again at the next span (tests switch between the two paths)."""
    global _tracer
    _tracer = _UNRESOLVED
