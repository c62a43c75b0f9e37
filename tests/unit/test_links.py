"""A reporter's e-mail and an Open311 media link, tried with hostile strings (domain/links.py)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.links import email_refusal, media_url_refusal

HOSTILE_CHARS = st.sampled_from(['"', "'", "<", ">", "\n", "\r", "\t", " ", "\\", "`", "\x00", "\u2028"])


@pytest.mark.parametrize(
    "url",
    [
        "http://media.example.org/a.jpg",
        "javascript:alert(1)",
        "https://127.0.0.1/a.jpg",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://[::1]/a.jpg",
        "https://2130706433/",
        "https://0x7f000001/",
        "https://017700000001/",
        "https://10.0.0.1/",
        "https://localhost/a.jpg",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://printer.local/",
        "https://router.home.arpa/",
        "https://bank.example@evil.example/login",
        "https://user:pass@media.example.org/a.jpg",
        'https://media.example.org/a.jpg"onmouseover="x',
        "https://media.example.org/<script>",
        "https://media.example.org/a b.jpg",
        "https://media.example.org:99999/a.jpg",
        "https://médias.example.org/a.jpg",
        "https:///a.jpg",
    ],
)
def test_media_links_that_are_refused(url: str) -> None:
    assert media_url_refusal(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://media.example.org/a.jpg",
        "https://xn--mdias-bsa.example.org/a.jpg?size=2#x",
        "https://cdn.example.co.id:8443/p/1",
    ],
)
def test_media_links_that_are_accepted(url: str) -> None:
    assert media_url_refusal(url) is None


@given(st.ip_addresses())
def test_no_ip_literal_is_a_media_host(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    assert media_url_refusal(f"https://{host}/a.jpg") is not None
    assert email_refusal(f"siti@{host}") is not None


@given(st.text(max_size=40), HOSTILE_CHARS, st.text(max_size=40))
def test_a_media_link_with_a_quote_bracket_or_break_is_refused(before: str, bad: str, after: str) -> None:
    assert media_url_refusal(f"https://media.example.org/{before}{bad}{after}") is not None


@given(st.text(max_size=80))
def test_an_accepted_media_link_is_https_to_a_named_host_and_inert(url: str) -> None:
    if media_url_refusal(url) is None:
        assert url.startswith("https://") and "@" not in url.split("/")[2]
        assert not any(c in url for c in "\"'<>\\ \n\r\t")


@given(st.emails())
def test_ordinary_addresses_are_accepted(address: str) -> None:
    local, domain = address.rsplit("@", 1)
    if domain.rsplit(".", 1)[-1].isalpha() and address.isascii() and '"' not in local:
        assert email_refusal(address) is None, address


@given(st.emails(), st.sampled_from(["\n", "\r", "\r\n", "\x00", "\u2028", " ", "\t"]), st.text(max_size=20))
def test_an_address_with_a_line_break_is_refused(address: str, brk: str, tail: str) -> None:
    assert email_refusal(f"{address}{brk}Bcc: {tail}") is not None
    assert email_refusal(f"{brk}{address}") is not None


@given(st.text(max_size=60))
def test_an_accepted_address_is_one_plain_line(text: str) -> None:
    if email_refusal(text) is None:
        assert text.count("@") >= 1 and text.isascii() and not any(c.isspace() for c in text)
        assert not any(c in text for c in '<>"\\,;:()[]')
