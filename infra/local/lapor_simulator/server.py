"""The HTTP server: auth, latency, fault injection, stats, admin calls, the CLI."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.local.lapor_simulator.faults import FaultConfig
from infra.local.lapor_simulator.forms import BadRequest, Request
from infra.local.lapor_simulator.models import (
    DEFAULT_FINISH_AFTER_S,
    DEFAULT_FOLLOWUP_AFTER_S,
    DEFAULT_VERIFY_AFTER_S,
    LaporBackend,
    NotFound,
    ValidationFailed,
    load_institutions,
)
from infra.local.lapor_simulator.responses import LaporResponses, Response
from infra.local.lapor_simulator.urls import ADMIN_ROUTES, ROUTES, Route, match_route

MAX_BODY_BYTES = 64 * 1024 * 1024


class _SimServer(ThreadingHTTPServer):
    """Threaded server sized for a few hundred concurrent keep-alive clients."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True
    simulator: LaporSimulator

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS look-up that can
        # stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def shutdown_request(self, request: Any) -> None:
        # A "reset" fault must close with RST, so skip the FIN from shutdown(SHUT_WR).
        if self.simulator._take_reset(request):
            self.close_request(request)
        else:
            super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LaporSimulator/1.0"
    sys_version = ""
    # Headers and body go out in two writes; without NODELAY keep-alive stalls ~40 ms
    # (Nagle).
    disable_nagle_algorithm = True
    server: _SimServer

    def setup(self) -> None:
        super().setup()
        self.server.simulator._count_connection()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default access log; the simulator writes its own JSON lines."""

    def _dispatch(self) -> None:
        self.server.simulator._handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def read_body(self) -> bytes:
        """The whole body (Content-Length or chunked), so keep-alive stays in sync."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY_BYTES:
            raise BadRequest("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: dict[str, Any], headers: Mapping[str, str]) -> None:
        self.send_raw(
            status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8", headers
        )

    def send_raw(self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class LaporSimulator:
    """The LAPOR! simulator: construct, `start()`, use `base_url`, `stop()`.

    `clock` (epoch seconds) drives the status timeline and timestamps; tests replace it
    to move time instead of sleeping. Waits (latency, slow fault) always use real time.
    `strict` (default; `LAPOR_SIM_STRICT=0` turns it off) answers with the documented
    fields only; the rich form shows what else public integration code has seen.
    """

    def __init__(
        self,
        auth: str = "sim-auth",
        token: str = "sim-token",
        faults: FaultConfig | None = None,
        latency_ms: float = 0,
        seed: int | None = None,
        verify_after_s: float = DEFAULT_VERIFY_AFTER_S,
        followup_after_s: float = DEFAULT_FOLLOWUP_AFTER_S,
        finish_after_s: float = DEFAULT_FINISH_AFTER_S,
        institutions_path: str | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], float] | None = None,
        quiet: bool = False,
        log_stream: Any = None,
        strict: bool = True,
        agency: str = "default",
    ) -> None:
        """``auth``/``token``: the first agency's credentials (``agency`` names it); more with
        `add_agency`. Each agency sees only the tickets and files it filed itself."""
        self.auth = auth
        self.token = token
        self.latency_ms = float(latency_ms)
        self.seed = seed
        self.quiet = quiet
        self.log_stream = log_stream
        self._initial_faults = faults or FaultConfig()
        self._faults = self._initial_faults
        self._rng = random.Random(seed)
        self._clock: Callable[[], float] = clock or time.time
        self.backend = LaporBackend(
            load_institutions(institutions_path),
            lambda: self._clock(),
            verify_after_s,
            followup_after_s,
            finish_after_s,
        )
        self.strict = strict
        self.responses = LaporResponses(self.backend, strict=strict)
        self._stats_lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._fault_counts: Counter[str] = Counter()
        self._status_counts: Counter[str] = Counter()
        self._connections = 0
        self._reset_sockets: set[int] = set()
        self._stopping = threading.Event()
        self._server: _SimServer | None = None
        self._thread: threading.Thread | None = None
        #: one agency account per credential pair, as LAPOR! issues them: (auth, token) -> agency
        self.agencies: dict[tuple[str, str], str] = {(auth, token): agency}
        #: agencies over their rate limit: each call on their credentials answers 429 with this Retry-After
        self.throttled: dict[str, float] = {}

    # -- public API -----------------------------------------------------------

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @clock.setter
    def clock(self, fn: Callable[[], float]) -> None:
        self._clock = fn

    @property
    def faults(self) -> FaultConfig:
        return self._faults

    @faults.setter
    def faults(self, config: FaultConfig) -> None:
        with self._stats_lock:
            self._faults = config

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread; returns the base URL (port 0 = any free port)."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self._stopping.clear()
        server = _SimServer((host, port), _Handler)
        server.simulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="lapor-simulator",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; wakes handlers held by latency or the slow fault."""
        server, self._server = self._server, None
        self._stopping.set()
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LaporSimulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_agency(self, auth: str, token: str, agency: str | None = None) -> str:
        """Another agency account (another pemda's credential pair); its name (default: `auth`)."""
        if not auth or not token:
            raise ValueError("an agency needs both auth and token")
        name = agency or auth
        with self._stats_lock:
            self.agencies[(auth, token)] = name
        return name

    def throttle(self, agency: str, retry_after_s: float | None = 60.0) -> None:
        """LAPOR! limits each agency account on its own: every call on this agency's credentials
        answers 429 (with ``retry_after_s``; None: lift the limit); other agencies are served."""
        with self._stats_lock:
            if retry_after_s is None:
                self.throttled.pop(agency, None)
            else:
                self.throttled[agency] = retry_after_s

    def reset(self) -> None:
        """Fresh start: no complaints, zero stats, initial faults, RNG re-seeded (agencies stay,
        none throttled)."""
        self.backend.reset()
        with self._stats_lock:
            self._faults = self._initial_faults
            self.throttled.clear()
            self._rng = random.Random(self.seed)
            self._calls.clear()
            self._fault_counts.clear()
            self._status_counts.clear()
            self._connections = 0

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            calls = dict(self._calls)
            return {
                "calls": calls,
                "total_calls": sum(calls.values()),
                "faults": dict(self._fault_counts),
                "statuses": dict(self._status_counts),
                "connections": self._connections,
                "complaints": len(self.backend.complaints),
            }

    # -- internals ------------------------------------------------------------

    def _count_connection(self) -> None:
        with self._stats_lock:
            self._connections += 1

    def _take_reset(self, request: Any) -> bool:
        try:
            fd = request.fileno()
        except OSError:
            return False
        with self._stats_lock:
            if fd in self._reset_sockets:
                self._reset_sockets.discard(fd)
                return True
        return False

    def _drop(self, handler: _Handler) -> None:
        """Close with no answer (RST): the client cannot know what happened."""
        handler.close_connection = True
        try:
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with self._stats_lock:
                self._reset_sockets.add(handler.connection.fileno())
        except OSError:
            pass

    def _draw_fault(self, route: Route) -> str | None:
        with self._stats_lock:
            config = self._faults
            if not config.active:
                return None
            fault = config.draw(self._rng, route.faults)
            if fault == "5xx":
                return f"5xx:{self._rng.choice((500, 502, 503))}"
            if fault == "lose":
                mode = config.lose_mode
                if mode == "mixed":
                    mode = self._rng.choice(("drop", "504"))
                return f"lose:{mode}"
            if fault == "garble":
                mode = config.garble_mode
                if mode == "mixed":
                    mode = self._rng.choice(("html", "shape"))
                return f"garble:{mode}"
            return fault

    def _record(self, route_name: str, status: int, fault: str | None) -> None:
        with self._stats_lock:
            self._calls[route_name] += 1
            self._status_counts[str(status)] += 1
            if fault:
                self._fault_counts[fault.split(":", 1)[0]] += 1

    def _log(self, method: str, path: str, status: int, fault: str | None, t0: float) -> None:
        if self.quiet:
            return
        line = json.dumps(
            {
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "method": method,
                "path": path,
                "status": status,
                "fault": fault,
                "ms": round((time.perf_counter() - t0) * 1000, 3),
            }
        )
        stream = self.log_stream or sys.stderr
        try:
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    def _check_auth(self, headers: Mapping[str, str]) -> tuple[str | None, str | None]:
        """(problem, agency): the agency whose credential pair the call carries."""
        bearer = headers.get("Authorization", "")
        auth = bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else None
        with self._stats_lock:
            agencies = dict(self.agencies)
        if auth is None or not any(a == auth for a, _ in agencies):
            return "Unauthenticated: missing or invalid Authorization bearer.", None
        agency = agencies.get((auth, headers.get("token", "")))
        if agency is None:
            return "Unauthenticated: missing or invalid token header.", None
        return None, agency

    def _handle(self, h: _Handler) -> None:
        """One request: admin calls go straight through; LAPOR! calls get faults."""
        t0 = time.perf_counter()
        split = urlsplit(h.path)
        path = split.path.rstrip("/") or "/"
        method = h.command
        status, fault = 0, None
        try:
            try:
                body = h.read_body()
            except (BadRequest, ValueError):
                h.close_connection = True
                status = 400
                h.send_json(400, {"message": "Malformed request body."}, {})
                return
            request = Request(method, path, parse_qs(split.query), h.headers, body)

            if path.startswith("/_sim/"):
                status = self._handle_admin(h, request)
                return

            route, params, path_known = match_route(ROUTES, method, path)
            if route is None:
                status = 405 if path_known else 404
                h.send_json(
                    status,
                    {"message": "Method Not Allowed" if path_known else "Not Found"},
                    {},
                )
                return
            request.params = params

            if self.latency_ms > 0:
                self._stopping.wait(self.latency_ms / 1000)
            drawn = self._draw_fault(route)
            (status, payload, headers), fault = self._lapor_call(route, request, drawn)
            if drawn == "slow":
                fault = drawn
            elif drawn and drawn.startswith(("lose:", "garble:")) and 200 <= status < 300:
                fault = drawn  # the work is done; now lose or garble the answer
            if fault in ("reset", "lose:drop"):
                self._drop(h)
                status = 0
                self._record(route.name, status, fault)
                return
            if fault == "lose:504":
                status, payload, headers = 504, {"message": "Gateway Timeout"}, {}
            self._record(route.name, status, fault)
            if fault == "slow":
                self._stopping.wait(self.faults.slow_s)
            if fault == "garble:html":
                h.send_raw(status, b"<html><body>Sedang dalam pemeliharaan</body></html>", "text/html")
                return
            if fault == "garble:shape":
                payload = {"results": {}}
            h.send_json(status, payload, headers)
        except OSError:
            # The client went away (e.g. timed out during a slow answer).
            h.close_connection = True
        except Exception:  # a simulator bug: answer 500 rather than drop the socket
            traceback.print_exc(file=sys.stderr)
            status, h.close_connection = 500, True
            try:
                h.send_json(500, {"message": "Simulator error."}, {})
            except OSError:
                pass
        finally:
            self._log(method, path, status, fault, t0)

    def _lapor_call(self, route: Route, request: Request, fault: str | None) -> tuple[Response, str | None]:
        """Pre-work faults, auth, then the call; returns answer and fault applied."""
        r = self.responses
        if fault and fault.startswith("5xx:"):
            code = int(fault.split(":")[1])
            reason = {
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
            }
            return r.error(code, reason[code]), fault
        if fault == "429":
            retry_after = f"{self.faults.retry_after_s:g}"
            return (429, {"message": "Too Many Attempts."}, {"Retry-After": retry_after}), fault
        if fault == "reset":
            return (0, {}, {}), fault
        problem, request.agency = self._check_auth(request.headers)
        if problem:
            return r.error(401, problem), None
        limited = self.throttled.get(request.agency or "")
        if limited is not None:
            return (429, {"message": "Too Many Attempts."}, {"Retry-After": f"{limited:g}"}), "429"
        if fault == "reject":
            return r.error(
                422,
                "Laporan ditolak (simulated fault).",
                {"content": ["Rejected by LAPOR!."]},
            ), fault
        try:
            return getattr(r, route.handler)(request), None
        except NotFound:
            return r.error(404, "Complaint not found."), None
        except BadRequest as exc:
            return r.error(400, str(exc)), None

    def _handle_admin(self, h: _Handler, request: Request) -> int:
        route, params, path_known = match_route(ADMIN_ROUTES, request.method, request.path)
        r = self.responses
        if route is None:
            status, payload, headers = r.error(405 if path_known else 404, "No such admin call.")
        else:
            request.params = params
            try:
                if route.handler == "sim_health":
                    status, payload, headers = r.ok({"ok": True})
                elif route.handler == "sim_stats":
                    status, payload, headers = r.ok(self.stats())
                elif route.handler == "sim_get_faults":
                    status, payload, headers = r.ok(self.faults.to_dict())
                elif route.handler == "sim_put_faults":
                    self.faults = FaultConfig.from_mapping(request.json())
                    status, payload, headers = r.ok(self.faults.to_dict())
                elif route.handler == "sim_add_agency":
                    body = request.json()
                    name = self.add_agency(
                        str(body.get("auth") or ""), str(body.get("token") or ""), body.get("agency") or None
                    )
                    status, payload, headers = r.ok({"agency": name})
                elif route.handler == "sim_reset":
                    self.reset()
                    status, payload, headers = r.ok({"reset": True})
                else:
                    status, payload, headers = getattr(r, route.handler)(request)
            except NotFound:
                status, payload, headers = r.error(404, "Complaint not found.")
            except ValidationFailed as exc:
                status, payload, headers = r.error(422, exc.message, exc.errors)
            except (ValueError, TypeError, BadRequest) as exc:
                status, payload, headers = r.error(400, str(exc))
        h.send_json(status, payload, headers)
        return status


# -----------------------------------------------------------------------------
# CLI
# -----------------------------------------------------------------------------


def _env_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def simulator_from_env(
    env: Mapping[str, str] | None = None,
    institutions_path: str | None = None,
    quiet: bool = False,
) -> LaporSimulator:
    """Build a simulator from the LAPOR_SIM_* variables (default: os.environ)."""
    env = os.environ if env is None else env
    seed = env.get("LAPOR_SIM_SEED", "").strip()
    sim = LaporSimulator(
        auth=env.get("LAPOR_SIM_AUTH") or "sim-auth",
        token=env.get("LAPOR_SIM_TOKEN") or "sim-token",
        faults=FaultConfig.parse(env.get("LAPOR_SIM_FAULTS")),
        latency_ms=_env_float(env, "LAPOR_SIM_LATENCY_MS", 0.0),
        seed=int(seed) if seed else None,
        verify_after_s=_env_float(env, "LAPOR_SIM_VERIFY_AFTER_S", DEFAULT_VERIFY_AFTER_S),
        followup_after_s=_env_float(env, "LAPOR_SIM_FOLLOWUP_AFTER_S", DEFAULT_FOLLOWUP_AFTER_S),
        finish_after_s=_env_float(env, "LAPOR_SIM_FINISH_AFTER_S", DEFAULT_FINISH_AFTER_S),
        institutions_path=institutions_path,
        quiet=quiet,
        strict=env.get("LAPOR_SIM_STRICT", "1").strip().lower() not in ("0", "false", "no", "off"),
    )
    # more agency accounts: LAPOR_SIM_AGENCIES="<auth>:<token>,<auth>:<token>" (each named by its auth)
    for pair in filter(None, (p.strip() for p in env.get("LAPOR_SIM_AGENCIES", "").split(","))):
        auth, sep, token = pair.partition(":")
        if not sep:
            raise ValueError(f"LAPOR_SIM_AGENCIES: {pair!r} is not <auth>:<token>")
        sim.add_agency(auth.strip(), token.strip())
    return sim


def main(argv: list[str] | None = None) -> int:
    """Run until SIGINT/SIGTERM; prints `lapor-simulator ready at <url>` when up."""
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.lapor_simulator",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--institutions", default=None, help="institutions JSON file")
    parser.add_argument("--quiet", action="store_true", help="no per-request JSON log lines")
    args = parser.parse_args(argv)
    try:
        sim = simulator_from_env(os.environ, args.institutions, args.quiet)
    except ValueError as exc:
        print(f"lapor-simulator: bad configuration: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    url = sim.start(args.host, args.port)
    print(f"lapor-simulator ready at {url}", flush=True)
    while not stop.wait(0.5):
        pass
    sim.stop()
    print("lapor-simulator stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
