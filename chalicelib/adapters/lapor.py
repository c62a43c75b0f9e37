"""HTTP client for SP4N-LAPOR! (wire shapes live in lapor_wire).

Safe calls (GET) are retried here on transient failures with exponential
backoff and jitter, honouring Retry-After (urllib3's Retry), except the status
sync's polls (`poll=True`): a 429 there is raised at once, and the sync asks that
LAPOR! account nothing until its Retry-After passed (services/lapor_budget.py), rather
than a Lambda sleeping through it. A create is only
retried here when LAPOR! certainly did not take it (connection refused, 429);
any other failure of a create has an *unknown* outcome and is left to the
forwarder, which looks the ticket up before sending again.

Every call is measured: `LaporCallLatency` (ms), `LaporCallsOk`, `LaporCallFailures`
by `kind` (connection, timeout, server_error, throttled, auth, rejected, request,
unexpected), `LaporUnreachable` (connection, timeout, server_error: the "LAPOR!
unreachable" alarm) and one log line "LAPOR! call" with the call, its duration and outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from chalicelib.adapters import lapor_wire as wire
from chalicelib.adapters.secrets import secret_json, secret_json_if_any
from chalicelib.observability import MetricUnit, count, count_by, logger, observe
from chalicelib.settings import settings

_T = TypeVar("_T")

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
CONFIG_STATUS = frozenset({401, 403})  # our credentials, not the complaint: retry and alarm
#: failure kinds that mean LAPOR! is not answering (not that it refused us)
UNREACHABLE = frozenset({"connection", "timeout", "server_error"})


class LaporError(Exception):
    """A LAPOR! call failed. `outcome` says what we know about a create:
    'rejected' (permanent, do not retry), 'not_sent' (safe to retry) or
    'unknown' (may have been accepted: look up before re-sending).
    `unexpected`: LAPOR! answered 2xx in a shape we cannot read (retried on the
    error schedule, `retry_after_error_minutes` in data/sync_schedule.json)."""

    def __init__(
        self,
        message: str,
        outcome: str,
        status: int | None = None,
        retry_after: float | None = None,
        unexpected: bool = False,
        kind: str = "request",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.outcome = outcome
        self.status = status
        self.retry_after = retry_after
        self.unexpected = unexpected
        self.kind = "unexpected" if unexpected else kind  # for the metrics: see the module's docstring

    @property
    def permanent(self) -> bool:
        return self.outcome == "rejected"


@dataclass(frozen=True)
class LaporConfig:
    base_url: str
    auth: str
    token: str
    timeout_s: float = 10.0


def config_from_settings() -> LaporConfig:
    s = settings()
    if s.lapor_base_url:
        return LaporConfig(s.lapor_base_url.rstrip("/"), s.lapor_auth, s.lapor_token, s.lapor_timeout_s)
    sec = secret_json(s.lapor_secret_arn)
    return LaporConfig(str(sec["base_url"]).rstrip("/"), sec["auth"], sec["token"], s.lapor_timeout_s)


def jurisdiction_config(code: str) -> LaporConfig | None:
    """The LAPOR! account of one region, from its own secret (`<JURISDICTION_SECRETS_PREFIX><code>`,
    written by onboarding); None when it has no credentials yet. Only its base URL may come from
    the deployment (LAPOR_BASE_URL wins, as for the deployment's own account; else the region's
    `base_url`, else the deployment secret's), never its credentials."""
    s = settings()
    found = secret_json_if_any(f"{s.jurisdiction_secrets_prefix}{code}") or {}
    given = found.get("lapor")
    account: dict[str, Any] = given if isinstance(given, dict) else {}
    auth, token = str(account.get("auth") or ""), str(account.get("token") or "")
    if not auth or not token:
        return None
    base_url = str(s.lapor_base_url or account.get("base_url") or "")
    if not base_url:
        base_url = str(secret_json(s.lapor_secret_arn)["base_url"])
    return LaporConfig(base_url.rstrip("/"), auth, token, s.lapor_timeout_s)


def _retry(methods: frozenset[str], status: frozenset[int], read: int, respect_retry_after: bool = True) -> Retry:
    """urllib3 retries a 429 or 503 that carries Retry-After even when its status is not in
    `status`, unless `respect_retry_after` is off."""
    return Retry(
        total=4,
        connect=3,
        read=read,
        status=3,
        other=0,
        allowed_methods=methods,
        status_forcelist=status,
        backoff_factor=0.3,
        backoff_max=5,
        backoff_jitter=0.3,
        respect_retry_after_header=respect_retry_after,
        raise_on_status=False,
    )


class LaporClient:
    def __init__(self, config: LaporConfig | None = None) -> None:
        self.config = config or config_from_settings()
        self.session = self._session(_retry(frozenset({"GET"}), TRANSIENT_STATUS, read=2))
        # the status sync's polls: a 429 is not waited out here (the sync backs off for the account)
        self.poll_session = self._session(
            _retry(frozenset({"GET"}), TRANSIENT_STATUS - {429}, read=2, respect_retry_after=False)
        )
        # creates: retry only what LAPOR! surely did not process
        self.create_session = self._session(_retry(frozenset({"POST"}), frozenset({429}), read=0))
        # best-effort posts on a user's request: no retry at all past a refused connection
        self.once_session = self._session(
            Retry(
                total=3,
                connect=3,
                read=0,
                status=0,
                other=0,
                redirect=0,
                backoff_factor=0.3,
                respect_retry_after_header=False,
                raise_on_status=False,
            )
        )

    def _session(self, retry: Retry) -> requests.Session:
        s = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        s.headers.update(
            {
                "Authorization": f"Bearer {self.config.auth}",
                "token": self.config.token,
                "Accept": "application/json",
            }
        )
        return s

    def _url(self, path: str) -> str:
        return self.config.base_url + path

    def _timeout(self) -> tuple[float, float]:
        return (3.05, self.config.timeout_s)

    def _call(
        self, op: str, session: requests.Session, method: str, path: str, unknown_on_failure: bool, **kw: Any
    ) -> Any:
        """One LAPOR! call (`op` names it in the metrics and the log line), measured."""
        started = time.perf_counter()
        try:
            status, body = self._exchange(session, method, path, unknown_on_failure, **kw)
        except LaporError as err:
            _record(op, started, err.status, err)
            raise
        _record(op, started, status, None)
        return body

    def _exchange(
        self, session: requests.Session, method: str, path: str, unknown_on_failure: bool, **kw: Any
    ) -> tuple[int, Any]:
        try:
            resp = session.request(method, self._url(path), timeout=self._timeout(), **kw)
        except requests.exceptions.ConnectionError as err:
            # Refused before the request went out is safe; a reset after it is not.
            outcome = "unknown" if unknown_on_failure and not _never_sent(err) else "not_sent"
            raise LaporError(f"connection error: {type(err).__name__}", outcome, kind="connection") from err
        except requests.exceptions.Timeout as err:
            raise LaporError("timeout", "unknown" if unknown_on_failure else "not_sent", kind="timeout") from err
        except requests.exceptions.RequestException as err:
            raise LaporError(f"request failed: {err}", "unknown" if unknown_on_failure else "not_sent") from err
        if resp.status_code < 300:
            try:
                return resp.status_code, resp.json()
            except ValueError:
                ctype = resp.headers.get("Content-Type", "?")[:60]
                raise _unexpected(
                    f"unexpected answer to {method} {path}: not JSON ({ctype})", unknown_on_failure, resp.status_code
                ) from None
        try:
            body = resp.json()
        except ValueError:
            body = resp.text[:300]
        text = wire.error_text(body, f"HTTP {resp.status_code}")
        retry_after = _retry_after(resp)
        if resp.status_code == 429:
            raise LaporError(f"429: {text}", "not_sent", 429, retry_after, kind="throttled")
        if resp.status_code in CONFIG_STATUS:
            raise LaporError(f"{resp.status_code}: {text}", "not_sent", resp.status_code, retry_after, kind="auth")
        if resp.status_code in TRANSIENT_STATUS:
            outcome = "unknown" if unknown_on_failure else "not_sent"
            raise LaporError(f"{resp.status_code}: {text}", outcome, resp.status_code, retry_after, kind="server_error")
        raise LaporError(f"{resp.status_code}: {text}", "rejected", resp.status_code, kind="rejected")

    # -- calls ------------------------------------------------------------

    def create(self, payload: dict[str, Any]) -> int:
        """A 2xx we cannot read may still have made the ticket: an 'unknown' outcome."""
        body = self._call(
            "create", self.create_session, "POST", wire.PATH_CREATE, unknown_on_failure=True, json=payload
        )
        return _readable(wire.parse_created, body, unknown=True)

    def find_by_tracking_id(self, tracking_id: str) -> list[int]:
        body = self._call(
            "lookup", self.session, "GET", wire.PATH_LOOKUP, False, params={"tag": wire.tag_for(tracking_id)}
        )
        return _readable(wire.parse_lookup, body, tracking_id)

    def get(self, complaint_id: int, poll: bool = False) -> wire.LaporComplaint:
        session = self.poll_session if poll else self.session
        body = self._call("get", session, "GET", wire.PATH_GET.format(id=complaint_id), False)
        return _readable(wire.parse_complaint, body, complaint_id)

    def followups(self, complaint_id: int, poll: bool = False) -> list[wire.LaporFollowup]:
        session = self.poll_session if poll else self.session
        body = self._call("followups", session, "GET", wire.PATH_FOLLOWUPS.format(id=complaint_id), False)
        return _readable(wire.parse_followups, body)

    def add_followup(
        self, complaint_id: int, content: str, is_secret: bool, files: list[tuple[str, bytes, str]] | None = None
    ) -> str | None:
        """Post a follow-up (multipart, no rating; files as `attachment[i]`); LAPOR!'s id
        for it when it answers one.

        Not idempotent at LAPOR!: never retried here once sent (not even a 429, whose
        Retry-After could be long); callers that must not post twice look it up first."""
        fields = {"complaint_id": str(complaint_id), "content": content, "is_secret": "1" if is_secret else "0"}
        multipart: list[tuple[str, Any]] = [(name, (None, value)) for name, value in fields.items()]
        multipart += [(f"attachment[{i}]", (name, data, ctype)) for i, (name, data, ctype) in enumerate(files or [])]
        body = self._call("add_followup", self.once_session, "POST", wire.PATH_FOLLOWUP_ADD, False, files=multipart)
        return wire.parse_followup_added(body)

    def upload(self, files: list[tuple[str, bytes, str]]) -> list[int]:
        """Upload attachments; an unknown outcome only wastes an orphan file."""
        multipart = [("attachments[]", (name, data, ctype)) for name, data, ctype in files]
        body = self._call("upload", self.session, "POST", wire.PATH_UPLOAD, False, files=multipart)
        return _readable(wire.parse_upload, body)

    def institutions(self) -> list[dict[str, Any]]:
        body = self._call(
            "institutions", self.session, "GET", wire.PATH_INSTITUTIONS, False, params={"page_size": 1000}
        )
        return _readable(wire.parse_institutions, body)


def _unexpected(message: str, unknown: bool, status: int | None = None) -> LaporError:
    """An answer outside the documented shape: counted here, logged once by the caller."""
    count("LaporUnexpectedAnswers")
    count_by("LaporCallFailures", "kind", "unexpected")
    return LaporError(message, "unknown" if unknown else "not_sent", status, unexpected=True)


def _readable(parse: Callable[..., _T], body: Any, *args: Any, unknown: bool = False) -> _T:
    try:
        return parse(body, *args)
    except wire.UnexpectedAnswer as err:
        raise _unexpected(str(err), unknown) from None


def _record(op: str, started: float, status: int | None, err: LaporError | None) -> None:
    ms = (time.perf_counter() - started) * 1000
    observe("LaporCallLatency", ms, MetricUnit.Milliseconds)
    if err is None:
        count("LaporCallsOk")
    elif err.kind != "unexpected":  # an unreadable answer is counted where it is found (_unexpected)
        count_by("LaporCallFailures", "kind", err.kind)
        if err.kind in UNREACHABLE:
            count("LaporUnreachable")
    logger.info(
        "LAPOR! call",
        extra={
            "lapor_call": op,
            "duration_ms": round(ms, 1),
            "status_code": status,
            "outcome": "ok" if err is None else err.kind,
        },
    )


def _retry_after(resp: requests.Response) -> float | None:
    raw = resp.headers.get("Retry-After")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _never_sent(err: requests.exceptions.ConnectionError) -> bool:
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(err.args[0], "reason", None) if err.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)
