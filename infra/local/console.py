"""What `make run` prints: the application's log lines in a compact human form.

The functions write JSON lines (Powertools Logger), as in Lambda; this module shows each
as one line with the tracking id first, then the time, level, the function that wrote it
and the message with its fields:

    SRG-7KQ4-M2XH 10:15:02 INFO  api               complaint accepted  channel=app unit=opd:dpupr
    SRG-7KQ4-M2XH 10:15:03 INFO  forward_to_lapor  forwarded to LAPOR!  lapor_id=1916449

The function is the pump thread that ran it (infra/local/pump.py names its threads after
the handlers) or `api` for `chalice local`. The LAPOR! simulator's request lines and
`chalice local`'s access lines are shortened too; CloudWatch metric lines (EMF) are hidden
unless LOG_METRICS=1. LOG_FORMAT=json prints every line as the code wrote it.

Nothing here changes what the application logs: it reads the lines after the fact, from
this process's stdout (the pump and the simulator run here) and from `chalice local`'s
output.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

TRACKING_WIDTH = 13  # SRG-XXXX-XXXX
WHERE_WIDTH = 17
#: Powertools keys that a console reader does not need on every line
_QUIET_KEYS = {
    "level",
    "location",
    "message",
    "timestamp",
    "service",
    "tracking_id",
    "sampling_rate",
    "xray_trace_id",
    "cold_start",
    "function_name",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "exception",
    "exception_name",
    "stack_trace",
}
_ACCESS = re.compile(r'^\S+ - - \[[^\]]+\] "(\S+) (\S+) HTTP/[\d.]+" (\d{3}) ')
_NOISE = re.compile(r"^Found (credentials|endpoint) ")
_COLOURS = {"WARNING": "\033[33m", "ERROR": "\033[31m", "CRITICAL": "\033[31m", "DEBUG": "\033[2m"}


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class Renderer:
    def __init__(self, fmt: str = "compact", metrics: bool = False, colour: bool = False) -> None:
        if fmt not in ("compact", "json"):
            raise ValueError("LOG_FORMAT is compact or json")
        self.fmt = fmt
        self.metrics = metrics
        self.colour = colour

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str] = os.environ, tty: bool = False) -> Renderer:
        return cls(
            env.get("LOG_FORMAT", "compact").strip().lower() or "compact",
            truthy(env.get("LOG_METRICS")),
            colour=tty and not env.get("NO_COLOR"),
        )

    def render(self, line: str, where: str) -> str | None:
        """One line as shown (None: hidden). `where`: the function or process that wrote it."""
        if self.fmt == "json":
            return line
        text = line.rstrip("\n")
        if text.startswith("{"):
            objects = _json_objects(text)
            if objects is None:
                return text
            shown = [r for r in (self._json(d, where) for d in objects) if r is not None]
            return "\n".join(shown) if shown else None
        if not text.strip():
            return None
        m = _ACCESS.match(text)
        if m:
            method, path, status = m.groups()
            return self._line("", _now(), "", "http", f"{method} {path} {status}")
        if _NOISE.match(text):
            return None
        return text

    def _json(self, data: dict[str, Any], where: str) -> str | None:
        if "_aws" in data:
            return self._metric(data, where) if self.metrics else None
        if {"method", "path", "status", "ms"} <= set(data):  # the LAPOR! simulator's request log
            fault = f" fault={data['fault']}" if data.get("fault") else ""
            return self._line(
                "",
                _time(data.get("ts")),
                "",
                "lapor",
                f"{data['method']} {data['path']} {data['status']} ({data['ms']:.0f} ms){fault}",
            )
        if "level" not in data or "message" not in data:
            return json.dumps(data, ensure_ascii=False)
        fields = "  ".join(f"{k}={_value(v)}" for k, v in data.items() if k not in _QUIET_KEYS)
        out = self._line(
            str(data.get("tracking_id") or ""),
            _time(data.get("timestamp")),
            str(data["level"]),
            where,
            str(data["message"]) + (f"  {fields}" if fields else ""),
        )
        if data.get("exception"):
            out += "\n" + "\n".join(" " * (TRACKING_WIDTH + 1) + "| " + x for x in str(data["exception"]).splitlines())
        return out

    def _metric(self, data: dict[str, Any], where: str) -> str:
        names = [m["Name"] for d in data["_aws"].get("CloudWatchMetrics", []) for m in d.get("Metrics", [])]
        dims = {k for d in data["_aws"].get("CloudWatchMetrics", []) for ds in d.get("Dimensions", []) for k in ds}
        values = " ".join(f"{n}={_value(data.get(n))}" for n in names)
        split = " ".join(f"{k}={data[k]}" for k in sorted(dims - {"service"}) if k in data)
        ts = data["_aws"].get("Timestamp")
        when = datetime.fromtimestamp(ts / 1000, UTC).astimezone().strftime("%H:%M:%S") if ts else _now()
        return self._line("", when, "METRIC", where, values + (f"  ({split})" if split else ""))

    def _line(self, tracking_id: str, when: str, level: str, where: str, text: str) -> str:
        tid = tracking_id.ljust(TRACKING_WIDTH)
        lvl = level[:6].ljust(6)
        if self.colour:
            if tracking_id:
                tid = f"\033[36m{tid}\033[0m"
            if level in _COLOURS:
                lvl = f"{_COLOURS[level]}{lvl}\033[0m"
        return f"{tid} {when} {lvl}{where.ljust(WHERE_WIDTH)} {text}"


def _json_objects(text: str) -> list[dict[str, Any]] | None:
    """The JSON objects of one line: threads that print at once can join two records on one line."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    at = 0
    while at < len(text):
        try:
            data, at = decoder.raw_decode(text, at)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        found.append(data)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def _value(v: Any) -> str:
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], int | float):
        v = v[0]
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return str(v)


def _time(raw: Any) -> str:
    """Powertools' "2026-12-01 15:08:48,143+0000" or ISO, as local HH:MM:SS."""
    if not isinstance(raw, str):
        return _now()
    for fmt in ("%Y-%m-%d %H:%M:%S,%f%z",):
        try:
            return datetime.strptime(raw, fmt).astimezone().strftime("%H:%M:%S")
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(raw).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return raw[:8]


def _now() -> str:
    return datetime.now().strftime("%H:%M:%S")


def where_from_thread() -> str:
    """The pump names its threads `sqs:<handler>` / `schedule:<handler>`."""
    name = threading.current_thread().name
    if ":" in name:
        return name.split(":", 1)[1]
    return "run" if name == "MainThread" else "local"


class ConsoleStream(io.TextIOBase):
    """A stdout that renders each complete line (per writing thread) before passing it on."""

    def __init__(self, target: TextIO, renderer: Renderer) -> None:
        super().__init__()
        self.target = target
        self.renderer = renderer
        self._lock = threading.Lock()
        self._buffers: dict[int, str] = {}

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def write(self, s: str) -> int:
        key = threading.get_ident()
        with self._lock:
            text = self._buffers.pop(key, "") + s
            *lines, rest = text.split("\n")
            if rest:
                self._buffers[key] = rest
        where = where_from_thread()
        self.emit(lines, where)
        return len(s)

    def emit(self, lines: list[str], where: str) -> None:
        shown = [r for r in (self.renderer.render(line, where) for line in lines) if r is not None]
        if shown:
            with self._lock:
                self.target.write("\n".join(shown) + "\n")
                self.target.flush()

    def flush(self) -> None:
        self.target.flush()


def install(env: dict[str, str] | os._Environ[str] = os.environ) -> ConsoleStream:
    """Render this process's stdout from now on; returns the stream (for child processes' output)."""
    target = sys.__stdout__ or sys.stdout
    stream = ConsoleStream(target, Renderer.from_env(env, tty=target.isatty()))
    sys.stdout = stream
    return stream


def pump_lines(source: TextIO, stream: ConsoleStream, where: str) -> threading.Thread:
    """Render a child process's output (e.g. `chalice local`) as it comes."""

    def run() -> None:
        for line in source:
            stream.emit([line.rstrip("\n")], where)

    t = threading.Thread(target=run, name=f"output:{where}", daemon=True)
    t.start()
    return t
