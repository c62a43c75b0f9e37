"""The hub's spans recorded in a test, as the ADOT layer would send them.

Where `opentelemetry-sdk` is installed (requirements-dev.txt) the real SDK records them with
its in-memory exporter, with the layer's botocore and requests instrumentation when asked;
elsewhere a stand-in of the few OpenTelemetry API calls chalicelib/tracing.py makes records
them, so the hub's own spans are checked either way. Spans come back as plain dicts:
`name`, `trace_id` (X-Ray's form, `1-xxxxxxxx-...`, SDK only), `span_id`, `parent_id`,
`attributes`, `status` (`ERROR` / `UNSET`), `status_description`, `events`.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from itertools import count
from typing import Any

from chalicelib import tracing


def sdk_installed() -> bool:
    try:
        import opentelemetry.sdk.trace  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


# -- the stand-in ----------------------------------------------------------------------------

_ids = count(1)


class StandInSpan:
    def __init__(self, name: str, parent: StandInSpan | None) -> None:
        self.name, self.parent, self.span_id = name, parent, next(_ids)
        self.attributes: dict[str, Any] = {}
        self.status: tuple[str, str | None] = ("UNSET", None)
        self.events: list[str] = []

    def is_recording(self) -> bool:
        return True

    def set_attributes(self, attributes: dict[str, Any]) -> None:
        self.attributes.update(attributes)

    def set_status(self, status: Any) -> None:
        self.status = (status.status_code, status.description)

    def record_exception(self, err: BaseException) -> None:
        self.events.append(f"exception: {err!r}")


class StandInTracer:
    """What `opentelemetry.trace.get_tracer` returns, with the SDK's defaults for failures."""

    def __init__(self) -> None:
        self.finished: list[StandInSpan] = []
        self.stack: list[StandInSpan] = []

    def start_as_current_span(
        self, name: str, record_exception: bool = True, set_status_on_exception: bool = True
    ) -> AbstractContextManager[StandInSpan]:
        @contextmanager
        def block() -> Iterator[StandInSpan]:
            span = StandInSpan(name, self.stack[-1] if self.stack else None)
            self.stack.append(span)
            try:
                yield span
            except BaseException as err:
                if record_exception:
                    span.record_exception(err)
                if set_status_on_exception:
                    span.set_status(types.SimpleNamespace(status_code="ERROR", description=str(err)))
                raise
            finally:
                self.stack.pop()
                self.finished.append(span)

        return block()


def stand_in_modules(tracer: StandInTracer) -> dict[str, types.ModuleType]:
    """`opentelemetry` and `opentelemetry.trace` as the stand-in, to put in sys.modules."""
    not_recording = types.SimpleNamespace(is_recording=lambda: False)
    api = types.ModuleType("opentelemetry.trace")
    vars(api).update(
        get_tracer=lambda scope: tracer,
        get_current_span=lambda: tracer.stack[-1] if tracer.stack else not_recording,
        Status=lambda code, description=None: types.SimpleNamespace(status_code=code, description=description),
        StatusCode=types.SimpleNamespace(ERROR="ERROR", OK="OK", UNSET="UNSET"),
    )
    package = types.ModuleType("opentelemetry")
    vars(package).update(trace=api)
    return {"opentelemetry": package, "opentelemetry.trace": api}


# -- recorders -------------------------------------------------------------------------------


class StandInRecorder:
    sdk = False

    def __init__(self) -> None:
        self.tracer = StandInTracer()
        self.modules = stand_in_modules(self.tracer)

    def invocation(self, name: str, xray_header: str | None = None) -> AbstractContextManager[Any]:
        """The function's own span, as the layer's Lambda instrumentation opens it."""
        return self.tracer.start_as_current_span(name)

    def spans(self) -> list[dict[str, Any]]:
        return [
            {
                "name": s.name,
                "trace_id": None,
                "span_id": s.span_id,
                "parent_id": s.parent.span_id if s.parent else None,
                "attributes": dict(s.attributes),
                "status": s.status[0],
                "status_description": s.status[1],
                "events": list(s.events),
            }
            for s in self.tracer.finished
        ]


class SdkRecorder:
    sdk = True

    def __init__(self, instrument: bool) -> None:
        from opentelemetry.sdk.trace import TracerProvider  # type: ignore[import-not-found, unused-ignore]
        from opentelemetry.sdk.trace.export import (  # type: ignore[import-not-found, unused-ignore]
            SimpleSpanProcessor,
        )
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # type: ignore[import-not-found, unused-ignore]
            InMemorySpanExporter,
        )

        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer(tracing.SCOPE)
        if instrument:  # what the layer turns on: botocore (AWS calls) and requests (LAPOR!)
            from opentelemetry.instrumentation.botocore import (  # type: ignore[import-not-found, unused-ignore]
                BotocoreInstrumentor,
            )
            from opentelemetry.instrumentation.requests import (  # type: ignore[import-not-found, unused-ignore]
                RequestsInstrumentor,
            )

            BotocoreInstrumentor().instrument(tracer_provider=self.provider)
            RequestsInstrumentor().instrument(tracer_provider=self.provider)

    @contextmanager
    def invocation(self, name: str, xray_header: str | None = None) -> Iterator[Any]:
        """The function's own span, as the layer's Lambda instrumentation opens it: a child of
        the segment Lambda's active tracing started (`_X_AMZN_TRACE_ID`)."""
        from opentelemetry import trace  # type: ignore[import-not-found, unused-ignore]

        parent = None
        if xray_header:
            fields = dict(part.split("=", 1) for part in xray_header.split(";"))
            _, epoch, rest = fields["Root"].split("-")
            remote = trace.SpanContext(
                trace_id=int(epoch + rest, 16),
                span_id=int(fields["Parent"], 16),
                is_remote=True,
                trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED if fields.get("Sampled") == "1" else 0),
            )
            parent = trace.set_span_in_context(trace.NonRecordingSpan(remote))
        with self.tracer.start_as_current_span(name, context=parent, kind=trace.SpanKind.SERVER) as span:
            yield span

    def spans(self) -> list[dict[str, Any]]:
        out = []
        for s in self.exporter.get_finished_spans():
            hex_id = format(s.context.trace_id, "032x")
            out.append(
                {
                    "name": s.name,
                    "trace_id": f"1-{hex_id[:8]}-{hex_id[8:]}",
                    "span_id": s.context.span_id,
                    "parent_id": s.parent.span_id if s.parent else None,
                    "attributes": {k: list(v) if isinstance(v, tuple) else v for k, v in (s.attributes or {}).items()},
                    "status": s.status.status_code.name,
                    "status_description": s.status.description,
                    "events": [e.name for e in s.events],
                }
            )
        return out


def recorder(instrument: bool = False) -> StandInRecorder | SdkRecorder:
    """Record chalicelib/tracing.py's spans from now on: the SDK where installed, else the stand-in
    (its modules put in sys.modules: for a child process; in-process tests use `stand_in_recorder`)."""
    tracing._reset()
    rec: StandInRecorder | SdkRecorder
    if sdk_installed():
        rec = SdkRecorder(instrument)
    else:
        rec = StandInRecorder()
        sys.modules.update(rec.modules)
    tracing._tracer = rec.tracer
    return rec
