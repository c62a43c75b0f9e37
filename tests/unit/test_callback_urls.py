"""Callback URL rules: https, no user info, public unicast addresses only (IPv4, IPv6, mapped, NAT64)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.callback_urls import UrlRefused, parse, refusal

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("fd12::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
        ("192.0.0.192", "metadata"),
        ("100.100.100.200", "shared"),
        ("169.254.0.1", "link_local"),
        ("fe80::1", "link_local"),
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        ("224.0.0.251", "multicast"),
        ("239.1.1.1", "multicast"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("255.255.255.255", "private"),
        ("192.0.2.10", "private"),
        ("198.18.0.1", "private"),
        ("2001:db8::1", "private"),
        ("2001::1", "reserved"),
        ("2002:7f00:1::1", "reserved"),
        ("64:ff9b:1::1", "reserved"),
        ("192.0.0.8", "reserved"),
    ],
)
def test_addresses_the_hub_must_not_call(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address), local_dev=False) == reason


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:5db8:d822::1"],
)
def test_public_unicast_addresses_are_fine(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), local_dev=False) is None


def test_plain_http_only_to_this_machine_and_only_in_local_development() -> None:
    from chalicelib.domain.callback_urls import plain_http_allowed

    loop = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::ffff:127.0.0.1")]
    assert plain_http_allowed(loop, local_dev=True)
    assert not plain_http_allowed(loop, local_dev=False)
    assert not plain_http_allowed([*loop, ipaddress.ip_address("93.184.216.34")], local_dev=True)
    assert not plain_http_allowed([], local_dev=True)


def test_local_development_allows_loopback_only() -> None:
    assert refusal(ipaddress.ip_address("127.0.0.1"), local_dev=True) is None
    assert refusal(ipaddress.ip_address("::1"), local_dev=True) is None
    for other in ("10.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"):
        assert refusal(ipaddress.ip_address(other), local_dev=True) is not None, other


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.org/x", "https_only"),
        ("ftp://example.org/x", "https_only"),
        ("example.org", "invalid_url"),
        ("https://user:pass@example.org/x", "user_info"),
        ("https://user@example.org/x", "user_info"),
        ("https://:@example.org/x", "user_info"),
        ("https://example.org:0x1/x", "invalid_url"),
        ("https://exa mple.org/x", "invalid_url"),
        ("https://example.org\\@evil.org/", "invalid_url"),
        ("https://[::1/x", "invalid_url"),
        ("https://", "invalid_url"),
    ],
)
def test_urls_refused_before_any_look_up(url: str, reason: str) -> None:
    with pytest.raises(UrlRefused) as err:
        parse(url, local_dev=False)
    assert err.value.reason == reason and err.value.message_id and err.value.message_en


def test_a_good_url_keeps_its_name_for_host_header_and_tls() -> None:
    t = parse("https://Hooks.Example.org:8443/aduan?x=1", local_dev=False)
    assert (t.scheme, t.host, t.port, t.path, t.host_header) == (
        "https",
        "hooks.example.org",
        8443,
        "/aduan?x=1",
        "hooks.example.org:8443",
    )
    assert parse("https://[2606:4700::1111]/", local_dev=False).host_header == "[2606:4700::1111]"
    assert parse("http://127.0.0.1:9/a", local_dev=True).port == 9


def test_production_never_turns_local_development_on() -> None:
    assert "CALLBACKS_LOCAL_DEV" not in (ROOT / "infra/template.json").read_text()
    assert "CALLBACKS_LOCAL_DEV" not in (ROOT / ".chalice/config.json").read_text()


def test_https_delivery_connects_to_the_checked_address_with_the_name_for_tls(monkeypatch: Any) -> None:
    from chalicelib.adapters import webhooks

    seen: dict[str, Any] = {}

    class Pool:
        def __init__(self, host: str, port: int, **kw: Any) -> None:
            seen.update(host=host, port=port, **kw)

        def urlopen(self, method: str, path: str, **kw: Any) -> Any:
            seen.update(method=method, path=path, headers=kw["headers"], redirect=kw["redirect"])
            return type("R", (), {"status": 204})()

        def close(self) -> None:
            pass

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [ipaddress.ip_address("93.184.216.34")])
    monkeypatch.setattr(webhooks.urllib3, "HTTPSConnectionPool", Pool)
    status = webhooks.post("https://hooks.example.org/aduan", b"{}", {"X-A": "1"}, (1, 2), local_dev=False)
    assert status == 204
    assert (seen["host"], seen["port"], seen["server_hostname"], seen["assert_hostname"]) == (
        "93.184.216.34",
        443,
        "hooks.example.org",
        "hooks.example.org",
    )
    assert seen["cert_reqs"] == "CERT_REQUIRED" and seen["redirect"] is False
    assert seen["headers"]["Host"] == "hooks.example.org" and seen["path"] == "/aduan"

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [ipaddress.ip_address("10.0.0.8")])
    seen.clear()
    with pytest.raises(UrlRefused):
        webhooks.post("https://hooks.example.org/aduan", b"{}", {}, (1, 2), local_dev=False)
    assert seen == {}  # nothing was opened
