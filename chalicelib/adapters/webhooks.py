"""HTTP to the callback URLs channels registered: resolve, check, connect to what was checked.

The rules (which URLs, which addresses) are domain/callback_urls.py. Here the host is
resolved once per delivery, every address it gives is checked, and the connection is
opened to the first of those very addresses (urllib3 pool on the IP, with the name for
the Host header, TLS SNI and certificate check), so a DNS answer that changes between
the check and the connect (DNS rebinding) cannot send the POST anywhere else.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping

import certifi
import urllib3
from urllib3.exceptions import HTTPError

from chalicelib.domain.callback_urls import (
    CallbackTarget,
    IPAddress,
    UrlRefused,
    parse,
    plain_http_allowed,
    refusal,
    refused_address,
)


class DeliveryFailed(Exception):
    """No answer from the callback URL (connection, TLS, timeout)."""


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of the host, in the resolver's order (an IP literal is itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    out: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in out:
            out.append(address)
    return out


def checked(url: str, local_dev: bool) -> tuple[CallbackTarget, list[IPAddress]]:
    """The URL's parts and its host's addresses, all allowed; UrlRefused otherwise."""
    target = parse(url, local_dev)
    addresses = resolve(target.host, target.port)
    if not addresses:
        raise refused_address("unresolvable")
    for address in addresses:
        reason = refusal(address, local_dev)
        if reason is not None:
            raise refused_address(reason)
    if target.scheme == "http" and not plain_http_allowed(addresses, local_dev):
        raise UrlRefused("https_only", "url harus memakai https://", "url must use https://")
    return target, addresses


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: tuple[float, float], local_dev: bool) -> int:
    """POST once, no redirects; the status code. UrlRefused when the address is not allowed
    (now), DeliveryFailed when nothing answered."""
    target, addresses = checked(url, local_dev)
    address = str(addresses[0])
    pool_timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        name = None if _is_address(target.host) else target.host
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=pool_timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=name,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=pool_timeout, retries=False)
    try:
        resp = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            retries=False,
            assert_same_host=False,
        )
        return int(resp.status)
    except HTTPError as err:
        raise DeliveryFailed(type(err).__name__) from err
    finally:
        pool.close()


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


__all__ = ["DeliveryFailed", "UrlRefused", "checked", "post", "resolve"]
