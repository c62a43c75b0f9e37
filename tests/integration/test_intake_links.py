"""Every intake surface refuses an e-mail that is not one plain address, and Open311 a media link
that is not an https link to a public host: a 400 naming the field (domain/links.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import VALID
from tests.integration.channel_support import channel_secrets, post_channel, rabeg_record
from tests.integration.open311_support import REQUEST, post, spec_errors

__all__ = ["channel_secrets"]

HOSTILE_EMAILS = st.one_of(
    st.sampled_from(
        [
            "siti@example.org\nBcc: all@example.org",
            "siti@example.org\r\nX-Header: 1",
            "<siti@example.org>",
            '"Siti" <siti@example.org>',
            "siti@localhost",
            "siti@127.0.0.1",
            "siti@[::1]",
            "siti",
            "@example.org",
            "siti@@example.org",
            '=HYPERLINK("http://x")@example.org',
        ]
    ),
    st.builds(
        lambda a, b, c: f"{a}{b}Bcc: {c}",
        st.emails(),
        st.sampled_from(["\n", "\r", "\x00", "\u2028", " "]),
        st.text(max_size=10),
    ),
)
HOSTILE_LINKS = st.one_of(
    st.sampled_from(
        [
            "https://169.254.169.254/latest/meta-data/iam/",
            "https://[fd00:ec2::254]/",
            "https://127.0.0.1/a.jpg",
            "https://10.1.2.3/a.jpg",
            "https://2130706433/a.jpg",
            "https://localhost/a.jpg",
            "https://metadata.google.internal/",
            "https://bank.example@evil.example/login",
            'https://media.example.org/a.jpg"><script>alert(1)</script>',
            "https://media.example.org/a.jpg'onerror='x",
            "http://media.example.org/a.jpg",
            "ftp://media.example.org/a.jpg",
        ]
    ),
    st.ip_addresses().map(lambda a: f"https://{f'[{a}]' if a.version == 6 else a}/a.jpg"),
)
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _fields(resp: Any) -> set[str]:
    assert resp.status_code == 400, resp.body
    return {e["field"] for e in resp.json_body["errors"]}


@SETTINGS
@given(email=HOSTILE_EMAILS)
def test_the_app_refuses_an_email_that_is_not_an_address(client: Any, email: str) -> None:
    body = {**VALID, "reporter": {**VALID["reporter"], "email": email}}
    resp = client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert _fields(resp) == {"reporter.email"}


@SETTINGS
@given(email=HOSTILE_EMAILS)
def test_open311_refuses_an_email_that_is_not_an_address(client: Any, api_key: str, email: str) -> None:
    [e] = spec_errors(post(client, {**REQUEST, "api_key": api_key, "email": email}), 400)
    assert e["description"].startswith("email")


@SETTINGS
@given(url=HOSTILE_LINKS)
def test_open311_refuses_a_media_link_that_is_not_https_to_a_public_host(client: Any, api_key: str, url: str) -> None:
    [e] = spec_errors(post(client, {**REQUEST, "api_key": api_key, "media_url": url}), 400)
    assert e["description"].startswith("media_url")


@SETTINGS
@given(email=HOSTILE_EMAILS)
def test_rabeg_refuses_an_email_that_is_not_an_address(
    client: Any, channel_secrets: dict[str, str], email: str
) -> None:
    resp = post_channel(client, "rabeg", rabeg_record(EMAIL=email))
    assert _fields(resp) == {"EMAIL"}


def test_plain_addresses_and_public_links_are_still_accepted(
    client: Any, api_key: str, channel_secrets: dict[str, str]
) -> None:
    body = {**VALID, "reporter": {**VALID["reporter"], "email": "siti.aminah+aduan@mail.example.co.id"}}
    resp = client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert resp.status_code == 201, resp.body
    resp = post(client, {**REQUEST, "api_key": api_key, "media_url": "https://media.example.org/a.jpg?w=1"})
    assert resp.status_code == 200, resp.body
    assert post_channel(client, "rabeg", rabeg_record(EMAIL="budi@example.org")).status_code in (200, 201)


@pytest.mark.parametrize("surface", ["app", "rabeg"])
def test_every_field_error_comes_with_the_email_one(client: Any, channel_secrets: dict[str, str], surface: str) -> None:
    if surface == "app":
        body = {**VALID, "description": "x", "reporter": {"email": "a\nb@example.org"}}
        resp = client.http.post("/v1/complaints", body=json.dumps(body), headers={"Content-Type": "application/json"})
        assert {"description", "reporter.email"} <= _fields(resp)
    else:
        resp = post_channel(client, "rabeg", rabeg_record(ISI_ADUAN="x", EMAIL="a\nb@example.org"))
        assert {"ISI_ADUAN", "EMAIL"} <= _fields(resp)
