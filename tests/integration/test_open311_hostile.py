"""Generated and hostile Open311 input: always the spec's answer or its error form, never a 5xx.

Hypothesis mutates a valid form (every field may turn into junk, extra and repeated
fields and `attribute[...]` keys appear) and a GET's parameters and path segments.
Every answer is a success in the spec's shape or `[{"code", "description"}]` /
`<errors>` with 400, 403 or 404, and stays small.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.open311_support import BASE, REQUEST, parse_xml, post, spec_errors, validate

JUNK = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=3000, max_size=6000),
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "inf",
            "-inf",
            "1e309",
            "1e-200",
            "-0",
            "0x1p3",
            "91",
            "-181",
            "true",
            "null",
            "36.73.01.1002",
            "36.73.01.1002,36.73.02.1001",
            "jalan-rusak",
            "SRG-2345-6789",
            "javascript:alert(1)",
            "http://169.254.169.254/latest",
            "https://x/" + "a" * 3000,
            "\x00\x01\x1b",
            "<x>&amp;</x>",
            "'; DROP TABLE x;--",
            "\ud7ff\ufffe",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
)
ATTRIBUTE_CODES = st.sampled_from(["kelurahan", "severity", "title", "anonymous", "confidential", "x", ""]) | st.text(
    max_size=12
)
NAMES = st.one_of(
    st.sampled_from(sorted({*REQUEST, "lat", "long", "media_url", "jurisdiction_id", "api_key"})),
    st.builds(lambda code, many: f"attribute[{code}]" + ("[]" if many else ""), ATTRIBUTE_CODES, st.booleans()),
    st.text(max_size=20),
)
FORM = st.tuples(
    st.fixed_dictionaries(
        {k: st.just(v) | JUNK for k, v in REQUEST.items()},
        optional={"lat": JUNK, "long": JUNK, "media_url": JUNK, "jurisdiction_id": JUNK},
    ),
    st.lists(st.tuples(NAMES, JUNK), max_size=12),
)


@pytest.fixture(scope="module", autouse=True)
def own_table(stack_env: dict[str, str], aws_endpoint: str, lapor_sim: Any) -> Iterator[None]:
    """A stack of its own on the same moto server: moto walks the whole table for every Query,
    so hundreds of generated lists stay quick in a small table (DynamoDB reads only the key's items)."""
    from chalicelib import bootstrap
    from infra.local.provision import provision

    env = provision(aws_endpoint, stack_name="aduan-hub-open311-fuzz")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    bootstrap.reset()
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    bootstrap.reset()


MAX_ERROR_BODY = 8_000  # at most 20 errors of fixed wording: nothing the client sent is echoed

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def check(resp: Any, fmt: str, ok: int, allowed: tuple[int, ...]) -> Any:
    assert resp.status_code in (ok, *allowed), (resp.status_code, resp.body[:500])
    if resp.status_code == ok:
        return json.loads(resp.body) if fmt == "json" else parse_xml(resp.body)
    spec_errors(resp, resp.status_code, fmt)
    assert len(resp.body) < MAX_ERROR_BODY
    return None


@FUZZ
@given(form=FORM, fmt=st.sampled_from(["json", "xml"]), keyed=st.booleans())
def test_post_never_fails_with_5xx(client: Any, api_key: str, form: Any, fmt: str, keyed: bool) -> None:
    base, extra = form
    fields = [*base.items(), *extra] + ([("api_key", api_key)] if keyed else [])
    body = check(post(client, fields, fmt), fmt, 200, (400, 403, 404, 413))  # 413: past the body limit
    if body is not None:
        [answer] = body if fmt == "json" else body["service_requests"]["request"]
        assert answer["service_request_id"].startswith("SRG-")


GET_NAMES = st.sampled_from(
    ["service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size", "jurisdiction_id"]
) | st.text(max_size=12)
GET_VALUES = JUNK | st.sampled_from(
    [
        "open",
        "closed",
        "open,closed",
        "1",
        "50",
        "1001",
        "10000",
        "2025-01-01",
        "2025-01-01T00:00:00+07:00",
        "serangkota.go.id",
        "sampah,lampu-jalan",
    ]
)


@FUZZ
@given(params=st.lists(st.tuples(GET_NAMES, GET_VALUES), max_size=8), fmt=st.sampled_from(["json", "xml"]))
def test_get_requests_never_fails_with_5xx(client: Any, params: list[tuple[str, str]], fmt: str) -> None:
    body = check(client.http.get(f"{BASE}/requests.{fmt}?{urlencode(params)}"), fmt, 200, (400, 404))
    if body is not None and fmt == "json":
        validate("requests.json", body) if body else None


@FUZZ
@given(
    route=st.sampled_from(["services", "requests", "tokens"]),
    segment=st.text(min_size=1, max_size=60),
    fmt=st.sampled_from(["json", "xml", "", "yaml", "JSON"]),
)
def test_path_parameters_never_fail_with_5xx(client: Any, route: str, segment: str, fmt: str) -> None:
    name = quote(f"{segment}.{fmt}" if fmt else segment, safe="")
    resp = client.http.get(f"{BASE}/{route}/{name}")
    expect = fmt if fmt in ("json", "xml") else "xml"
    assert resp.status_code in (200, 400, 404), resp.body[:300]
    if resp.status_code != 200:
        spec_errors(resp, resp.status_code, expect)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_text_xml_cannot_carry_is_dropped_not_a_broken_document(client: Any, api_key: str, fmt: str) -> None:
    resp = post(client, {**REQUEST, "api_key": api_key, "description": "Lampu mati \x01\x1b sejak kemarin malam <&>"})
    [answer] = json.loads(resp.body)
    found = client.http.get(f"{BASE}/requests/{answer['service_request_id']}.{fmt}")
    assert found.status_code == 200
    if fmt == "xml":
        [req] = parse_xml(found.body)["service_requests"]["request"]
        assert req["description"] == "Lampu mati  sejak kemarin malam <&>"
