"""Generated and hostile input on every route the app registers: never a 5xx, answers stay small.

Hypothesis drives each route's path parameters, query string, headers and body: valid
requests taken apart (fields replaced by hostile values, dropped, unknown ones added),
arbitrary JSON, raw bytes; channel records are signed after mutation, so they reach the
parser and the intake. The routes are read from `app.routes`, so a route added later is
driven too (with generic values until it gets an example here). Profile: `ci` in
tests/conftest.py (HYPOTHESIS_PROFILE=deep for a longer hunt).
"""

from __future__ import annotations

import copy
import json
import time
import urllib.parse
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.channels.signature import HEADER_NAME, sign
from tests.conftest import VALID
from tests.integration.channel_support import (
    SECRETS,
    call112_record,
    channel_secrets,  # noqa: F401 - fixture
    psc119_record,
    rabeg_record,
)
from tests.support.auth import admin_headers

pytestmark = pytest.mark.usefixtures("channel_secrets")

SPECIAL_TEXT = [
    "",
    " ",
    "\u0000",
    "\ud800",
    "\udfff x",
    "x" * 6000,
    "😀" * 300,
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "\r\n",
    "<script>alert(1)</script>",
    "SRG-2222-2222",
    "36.73.01.1002",
    "Kel. Sukawana",
    "1e-200",
    "NaN",
    "-0",
    "null",
    "[]",
    "{}",
    "\u202e",
    "ｓｒｇ",
]
SPECIAL_NUMBERS = [
    1e-200,
    -1e-300,
    5e-324,
    1e308,
    -1e308,
    10**40,
    -(10**40),
    2**63,
    -0.0,
    0,
    90.0000001,
    -6.12,
    106.15,
    float("nan"),
    float("inf"),
    float("-inf"),
]

text = st.one_of(st.text(max_size=40), st.sampled_from(SPECIAL_TEXT), st.text(min_size=200, max_size=2000))
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**50), max_value=10**50),
    st.sampled_from(SPECIAL_NUMBERS),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
json_values = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(text, kids, max_size=5), max_leaves=12
)
header_text = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300),
    st.sampled_from(["", "x" * 16, "7b0c7e7e-8f1d-4c1e-9d52-2b1f0e7c9a11", "a" * 255, "a" * 256]),
)


def leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict) and node:
        return [prefix] + [p for k, v in node.items() for p in leaf_paths(v, (*prefix, k))]
    return [prefix]


@st.composite
def mutated(draw: st.DrawFn, example: dict[str, Any]) -> Any:
    """The example with up to four fields replaced by hostile values, dropped, or added."""
    body: Any = copy.deepcopy(example)
    for _ in range(draw(st.integers(0, 4))):
        paths = [p for p in leaf_paths(body) if p]
        op = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        if op == "add" or not paths:
            parents = [p for p in leaf_paths(body) if isinstance(_at(body, p), dict)]
            parent = draw(st.sampled_from(parents)) if parents else ()
            target = _at(body, parent)
            if isinstance(target, dict):
                target[draw(text)] = draw(json_values)
            continue
        path = draw(st.sampled_from(paths))
        parent, key = _at(body, path[:-1]), path[-1]
        if op == "drop":
            del parent[key]
        else:
            parent[key] = draw(st.one_of(numbers, text, json_values))
    return body


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        node = node[k]
    return node


def body_for(example: dict[str, Any] | None) -> st.SearchStrategy[bytes]:
    raw = st.binary(max_size=300)
    anything = json_values.map(lambda v: json.dumps(v).encode())
    if example is None:
        return st.one_of(raw, anything, st.just(b""))
    valid = st.just(json.dumps(example).encode())
    return st.one_of(
        valid,
        mutated(example).map(lambda v: json.dumps(v).encode()),
        mutated(example).map(lambda v: json.dumps(v).encode()),
        anything,
        raw,
    )


# -- what each route is sent ---------------------------------------------------------------


@pytest.fixture()
def known(client: Any) -> dict[str, str]:
    """A real complaint (and its reporter token), so reporter routes get past the 404. The test's
    table is its own and goes with it (the hub's memory table), with whatever the generated
    requests stored in it: complaints, callback URLs."""
    resp = client.http.post("/v1/complaints", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201, resp.body
    return {"tracking_id": resp.json_body["tracking_id"], "token": resp.json_body["reporter_token"]}


#: a full submission: code, point (inside that kelurahan) and an address that names it
FULL = {
    **VALID,
    "location": {
        "kelurahan_code": "36.73.01.1002",
        "lat": -6.1255588,
        "lon": 106.1636663,
        "address": "Jl. Contoh, Kel. Cipare, Kec. Serang",
    },
    "severity": "berat",
    "anonymous": False,
    "confidential": False,
}


def examples(known: dict[str, str]) -> dict[str, dict[str, Any] | None]:
    return {
        "POST /v1/complaints": FULL,
        "POST /v1/complaints/{tracking_id}/reopen": {"reason": "Belum diperbaiki sama sekali sampai hari ini."},
        "POST /v1/complaints/{tracking_id}/confirm-resolved": {},
        "POST /v1/complaints/{tracking_id}/attachments": {"filename": "foto.jpg", "content_type": "image/jpeg"},
        "POST /v1/admin/complaints/{tracking_id}/dismiss": {"reason": "bukan pengaduan"},
        "PUT /v1/admin/channels/{channel}/callback": {"url": "https://example.org/aduan-events"},
    }


CHANNEL_RECORDS = {
    "rabeg": lambda: rabeg_record(LAT=-6.1255588, LNG=106.1636663, EMAIL="a@example.org", ANONIM=0, RAHASIA=0),
    "call112": lambda: call112_record(lat=-6.1255588, lon=106.1636663, confirmed=True),
    "psc119": lambda: psc119_record(lat=-6.1255588, lon=106.1636663, location_text="Kel. Cipare, Kec. Serang"),
}


def path_value(name: str, known: dict[str, str]) -> st.SearchStrategy[str]:
    hostile = st.text(min_size=1, max_size=300).map(
        lambda s: urllib.parse.quote(s, safe="", errors="surrogatepass")
    )  # as a URL carries any bytes
    if name == "tracking_id":
        return st.one_of(
            st.sampled_from([known["tracking_id"], "SRG-2222-2222", known["tracking_id"].lower()]), hostile
        )
    if name == "channel":
        return st.one_of(st.sampled_from(list(CHANNEL_RECORDS)), hostile)
    if name == "fmt":
        return st.one_of(st.sampled_from(["json", "xml"]), hostile)
    return hostile


QUERY_NAMES = [
    "lat",
    "lon",
    "category",
    "status",
    "limit",
    "next",
    "jurisdiction_id",
    "service_code",
    "start_date",
    "end_date",
    "page",
    "api_key",
]
queries = st.dictionaries(
    st.one_of(st.sampled_from(QUERY_NAMES), st.text(max_size=20)), st.one_of(text, numbers.map(str)), max_size=5
)
headers_strategy = st.fixed_dictionaries(
    {},
    optional={
        "Idempotency-Key": header_text,
        "X-Client-Id": header_text,
        "X-Reporter-Token": header_text,
        HEADER_NAME: header_text,
        "Content-Type": st.sampled_from(
            ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded"]
        ),
    },
)


def route_cases(app: Any) -> list[tuple[str, str]]:
    return [(path, method) for path, methods in app.routes.items() for method in methods]


def _route_ids() -> list[tuple[str, str]]:
    import app as app_module

    return route_cases(app_module.app)


@pytest.mark.parametrize("template,method", _route_ids(), ids=lambda v: str(v))
def test_generated_input_never_gets_a_5xx(client: Any, known: dict[str, str], template: str, method: str) -> None:
    names = [seg[1:-1] for seg in template.split("/") if seg.startswith("{") and seg.endswith("}")]
    example = examples(known).get(f"{method} {template}")
    is_channel = template == "/v1/channels/{channel}/complaints"
    seen: list[tuple[int, int]] = []

    @given(
        params=st.fixed_dictionaries({n: path_value(n, known) for n in names}),
        query=queries,
        headers=headers_strategy,
        data=st.data(),
        sign_it=st.booleans(),
        own_token=st.booleans(),
        signed_in=st.booleans(),
    )
    def run(
        params: dict[str, str],
        query: dict[str, str],
        headers: dict[str, str],
        data: st.DataObject,
        sign_it: bool,
        own_token: bool,
        signed_in: bool,
    ) -> None:
        path = template
        for n, v in params.items():
            path = path.replace("{" + n + "}", v)
        record = CHANNEL_RECORDS.get(params.get("channel", ""))
        body = data.draw(body_for(record() if is_channel and record else example), label="body")
        hdrs = {"Content-Type": "application/json", **headers}
        if is_channel and sign_it and params.get("channel") in SECRETS:
            hdrs[HEADER_NAME] = sign(SECRETS[params["channel"]], body, int(time.time()))
        if own_token and "X-Reporter-Token" not in headers:
            hdrs["X-Reporter-Token"] = known["token"]
        if signed_in:  # the city's coordinator: admin routes get past the sign-in gate
            hdrs.update(admin_headers())
        url = f"{path}?{urllib.parse.urlencode(query, errors='surrogatepass')}" if query else path
        kwargs = {} if method in ("GET", "DELETE", "HEAD") else {"body": body}
        resp = getattr(client.http, method.lower())(url, headers=hdrs, **kwargs)
        seen.append((resp.status_code, len(resp.body or b"")))
        assert resp.status_code < 500, (method, url, hdrs, body[:500], resp.body[:500])
        if resp.status_code >= 400:
            assert len(resp.body) < 16_384, (method, url, resp.status_code, len(resp.body))

    run()
    assert seen
