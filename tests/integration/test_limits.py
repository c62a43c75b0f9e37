"""Rate limits on the public POST routes: 429 with Retry-After, one shared counter, few DynamoDB calls."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import time_machine

from tests.conftest import VALID

JSON = {"Content-Type": "application/json"}
BAD = json.dumps({"category": "x"})  # refused with a 400: counted all the same, stores nothing


@pytest.fixture()
def fresh_window() -> Any:
    """The clock at the start of the next rate-limit window (and running): a test's requests
    all fall into one window, whatever the time the test starts."""
    from chalicelib.domain.limits import limits

    window = limits().rate_limits.window_s
    start = (time.time() // window + 1) * window + 0.001
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture()
def real_limits(hub: Any, fresh_window: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The limits of data/limits.json as they are (the suite's other tests run with room)."""
    from chalicelib import bootstrap

    monkeypatch.setenv("RATE_LIMIT_SCALE", "1")
    bootstrap.reset()
    yield
    bootstrap.reset()


def client_headers() -> dict[str, str]:
    return {**JSON, "X-Client-Id": f"test-{uuid.uuid4().hex}"}


@pytest.mark.usefixtures("real_limits")
def test_a_client_past_its_limit_gets_429_with_retry_after(client: Any) -> None:
    from chalicelib.domain.limits import limits

    limit = limits().rate_limits.groups["submit"].limit
    headers = client_headers()
    answers = [client.http.post("/v1/complaints", body=BAD, headers=headers) for _ in range(limit + 5)]
    statuses = [a.status_code for a in answers]
    assert statuses[:limit] == [400] * limit, statuses
    assert statuses[limit:] == [429] * 5, statuses
    refused = answers[-1]
    body = refused.json_body
    assert body["error"] == "rate_limited" and body["message"] == f"{body['message_id']} / {body['message_en']}"
    assert "coba lagi" in body["message_id"] and "try again" in body["message_en"]
    window = limits().rate_limits.window_s
    assert 1 <= int(refused.headers["Retry-After"]) <= window
    # another client (another app installation) is not held back by this one
    assert client.http.post("/v1/complaints", body=json.dumps(VALID), headers=client_headers()).status_code == 201


@pytest.mark.usefixtures("real_limits")
def test_most_requests_pay_no_extra_dynamodb_call(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.limits import limits

    rules = limits().rate_limits
    calls: list[tuple[str, int]] = []
    repo = bootstrap.repository()
    real = repo.add_to_counter

    def counting(pk: str, amount: int, expires_at: int) -> int:
        calls.append((pk, amount))
        return real(pk, amount, expires_at)

    monkeypatch.setattr(repo, "add_to_counter", counting)
    bootstrap.rate_limiter.cache_clear()
    headers = client_headers()
    for _ in range(rules.groups["submit"].limit):
        assert client.http.post("/v1/complaints", body=BAD, headers=headers).status_code == 400
    # the client's counter and its IP ceiling each sync on the second request, then every N
    assert 0 < len(calls) <= 2 * (2 + rules.groups["submit"].limit // rules.sync_every_requests), calls
    counted = {pk for pk, _ in calls}
    assert len(counted) == 2 and all(pk.startswith("RATE#submit#") for pk in counted)
    assert not any(headers["X-Client-Id"] in pk or "127.0.0.1" in pk for pk in counted)  # an HMAC, not the IP


@pytest.mark.usefixtures("fresh_window")
def test_the_limit_holds_across_containers_within_the_slack(hub: Any) -> None:
    """Three containers (limiters) share one DynamoDB counter: together they admit the limit
    plus at most sync_every_requests per container."""
    from chalicelib import bootstrap
    from chalicelib.domain.limits import RateGroup, limits
    from chalicelib.services.rate_limits import RateLimiter

    base = limits().rate_limits
    rules = base.model_copy(update={"groups": {"t": RateGroup(limit=50, routes=[])}})
    containers = [RateLimiter(bootstrap.repository().add_to_counter, rules, bootstrap.server_secret) for _ in range(3)]
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    admitted = sum(containers[i % 3].check("t", ip).allowed for i in range(300))
    assert 50 <= admitted <= 50 + 3 * rules.sync_every_requests, admitted
    assert all(not c.check("t", ip).allowed for c in containers)


def test_counter_items_expire_by_ttl(hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.keys import TTL_ATTRIBUTE

    pk = f"RATE#test#{uuid.uuid4().hex}#1"
    assert bootstrap.repository().add_to_counter(pk, 3, 2_000_000_000) == 3
    assert bootstrap.repository().add_to_counter(pk, 4, 2_000_000_000) == 7
    item = bootstrap.repository().get_raw(pk, "COUNTER")
    assert item is not None and item[TTL_ATTRIBUTE] == 2_000_000_000


def test_every_public_post_route_is_rate_limited(hub: Any) -> None:
    """A POST/PUT/PATCH route anyone may call (declared PUBLIC) must be in a rate-limit group."""
    from chalicelib.domain.limits import limits, route_key
    from chalicelib.http import openapi

    rules = limits().rate_limits
    public = [
        route_key(method, path)
        for path, methods in hub.app.routes.items()
        for method, entry in methods.items()
        if method in ("POST", "PUT", "PATCH")
        and openapi.allowed_roles(path, openapi.operation_of(entry.view_function)) is openapi.PUBLIC
    ]
    assert "POST /v1/complaints" in public and "POST /v1/channels/{channel}/complaints" in public
    assert [r for r in public if rules.group_of(r) is None] == []


@pytest.mark.usefixtures("fresh_window")
@pytest.mark.parametrize("path", ["/v1/channels/rabeg/complaints", "/v1/complaints/SRG-2222-2222/reopen"])
def test_channel_and_reporter_routes_are_limited_too(
    client: Any, hub: Any, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.limits import limits, route_key

    monkeypatch.setenv("RATE_LIMIT_SCALE", "0.05")  # the same rule, fewer requests to reach it
    bootstrap.reset()
    rules = limits().rate_limits
    template = next(
        t for t in hub.app.routes if t.replace("{channel}", "rabeg").replace("{tracking_id}", "SRG-2222-2222") == path
    )
    limit = int(rules.groups[rules.group_of(route_key("POST", template)) or ""].limit * 0.05)
    headers = client_headers()
    statuses = [client.http.post(path, body=BAD, headers=headers).status_code for _ in range(limit + 1)]
    assert 429 not in statuses[:limit] and statuses[-1] == 429, statuses


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_routes_refuse_in_the_specs_error_form(client: Any, fmt: str) -> None:
    from chalicelib.domain.limits import limits, route_key

    path = f"/open311/v2/requests.{fmt}"
    most = limits().body_limit(route_key("POST", path))
    resp = client.http.post(path, body=b"x" * (most + 1), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 413
    if fmt == "json":
        [error] = json.loads(resp.body)
        assert error["code"] == 413 and "too large" in error["description"]
    else:
        assert b"<errors><error><code>413</code>" in resp.body
