"""Which callback URLs and addresses the hub may POST to (pure: no sockets here).

A channel registers a URL; the hub then POSTs signed events to it from inside AWS.
Left unchecked that is a way into everything the Lambda can reach: the instance
metadata service, the VPC, localhost. So: https only, no user info in the URL, and
every address the host resolves to must be a public unicast one. The addresses are
checked at registration and again at every delivery, and the delivery connects to
the address it checked (adapters/webhooks.py), so DNS cannot swap it in between.

Local development (`CALLBACKS_LOCAL_DEV=1`, set by `make run` and the tests, never in
AWS) also allows loopback addresses, over plain http too, for a receiver on this machine.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_BAD_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f\\]")  # no URL carries spaces, control characters, backslashes

#: ranges Python's flags do not all catch: metadata services and other non-public space
_NOT_PUBLIC = {
    "shared": [ipaddress.ip_network("100.64.0.0/10")],  # carrier-grade NAT (Alibaba's metadata is here)
    "metadata": [
        ipaddress.ip_network("169.254.169.254/32"),
        ipaddress.ip_network("fd00:ec2::254/128"),
        ipaddress.ip_network("192.0.0.192/32"),
        ipaddress.ip_network("100.100.100.200/32"),
    ],
    "reserved": [
        ipaddress.ip_network("192.0.0.0/24"),
        ipaddress.ip_network("64:ff9b:1::/48"),
        ipaddress.ip_network("2001::/23"),
    ],
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UrlRefused(ValueError):
    """A callback URL the hub will not use; `reason` is a short code."""

    def __init__(self, reason: str, message_id: str, message_en: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id
        self.message_en = message_en


@dataclass(frozen=True)
class CallbackTarget:
    scheme: str
    host: str  # as written, lower case, without brackets
    port: int
    path: str  # path and query, as sent in the request line
    host_header: str  # what the Host header says (the name, never the address we connect to)


def parse(url: str, local_dev: bool) -> CallbackTarget:
    """The URL's parts, or UrlRefused: https (http only in local development), a host, no user info."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # e.g. "https://[::1/x" or a port that is not a number in range
        raise _refused("invalid_url") from None
    if not host or _BAD_URL_CHARS.search(url):
        raise _refused("invalid_url")
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local_dev):
        raise _refused("https_only")
    if "@" in parts.netloc:
        raise _refused("user_info")
    default = 443 if parts.scheme == "https" else 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    netloc_host = f"[{host}]" if ":" in host else host
    host_header = netloc_host if port in (None, default) else f"{netloc_host}:{port}"
    return CallbackTarget(parts.scheme, host, port or default, path, host_header)


def plain_http_allowed(addresses: list[IPAddress], local_dev: bool) -> bool:
    """http (no TLS) only in local development, and only to this machine."""
    return local_dev and bool(addresses) and all(_unmapped(a).is_loopback for a in addresses)


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def refusal(address: IPAddress, local_dev: bool) -> str | None:
    """Why the hub must not connect to this address (None: a public unicast address)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return refusal(address.ipv4_mapped, local_dev)
        if address in _NAT64:  # a NAT64 gateway would carry it to the embedded IPv4 address
            return refusal(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), local_dev)
        if address.sixtofour is not None and refusal(address.sixtofour, False):
            return "reserved"
    if address.is_loopback:
        return None if local_dev else "loopback"
    if address.is_unspecified:
        return "unspecified"
    for reason, networks in _NOT_PUBLIC.items():
        if any(address in n for n in networks if n.version == address.version):
            return reason
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


def refused_address(reason: str) -> UrlRefused:
    return UrlRefused(
        f"address_{reason}",
        f"alamat host url tidak boleh dipakai ({_ID.get(reason, reason)}): hanya alamat publik",
        f"the url's host resolves to an address the hub must not call ({reason.replace('_', ' ')}): "
        "public addresses only",
    )


_ID = {
    "loopback": "loopback",
    "private": "jaringan privat",
    "link_local": "link-local",
    "shared": "CGNAT / shared",
    "multicast": "multicast",
    "reserved": "dicadangkan",
    "unspecified": "tidak ditentukan",
    "metadata": "layanan metadata",
    "unresolvable": "tidak ditemukan",
}

_MESSAGES = {
    "invalid_url": ("url harus alamat https:// yang sah", "url must be a valid https:// address"),
    "https_only": ("url harus memakai https://", "url must use https://"),
    "user_info": ("url tidak boleh memuat nama pengguna atau kata sandi", "url must not carry a user name or password"),
}


def _refused(reason: str) -> UrlRefused:
    message_id, message_en = _MESSAGES[reason]
    return UrlRefused(reason, message_id, message_en)
