"""What the hub accepts as a reporter's e-mail address and as a client's media link.

Pure domain. Both are republished: the e-mail reaches LAPOR! (and any mail header built
from it), the media link is shown to operators and, for a public complaint, in open data.
So an e-mail is one plain address on one line, and a media link is an `https` URL to a
public host name: no user-info part (phishing-shaped `https://bank@evil`), no IP literal,
no private, link-local or loopback name (the cloud metadata address), nothing that could
end an HTML attribute or a CSV cell. Nothing here resolves a name or fetches a link.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TOP_LABEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
#: characters no link we republish may hold: quotes, angle brackets, backslash, backtick, braces, pipe, caret
_UNSAFE_URL_CHARS = frozenset("\"'<>\\`{}|^")
#: names that only mean something inside a network (RFC 6761, 6762, 8375 and common private suffixes)
_LOCAL_SUFFIXES = (
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "private",
    "corp",
    "home",
    "lan",
    "arpa",
    "invalid",
    "onion",
)
MAX_EMAIL = 254
MAX_MEDIA_URL = 2048


def email_refusal(value: str) -> str | None:
    """Why `value` is not one plain e-mail address (None: it is one)."""
    if len(value) > MAX_EMAIL or not value.isascii() or any(not c.isprintable() or c.isspace() for c in value):
        return "an e-mail address is one line of printable characters, without spaces"
    local, at, domain = value.rpartition("@")
    if not at or not local or len(local) > 64 or not _EMAIL_LOCAL.match(local):
        return "an e-mail address is name@domain"
    if host_refusal(domain.lower()) is not None:
        return "the e-mail address's domain is not a public domain name"
    return None


def host_refusal(host: str) -> str | None:
    """Why `host` (lower case) is not a public DNS name (None: it is one). IP literals are refused."""
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253:
        return "empty or too long"
    try:
        ipaddress.ip_address(name.strip("[]"))
        return "an IP address, not a host name"
    except ValueError:
        pass
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return "not a public host name"
    if not _TOP_LABEL.match(labels[-1]):  # all digits or hex: an IP address in another spelling
        return "not a public host name"
    if labels[-1] in _LOCAL_SUFFIXES or (labels[-2], labels[-1]) == ("home", "arpa"):
        return "a name that only means something inside a network"
    return None


def media_url_refusal(url: str) -> str | None:
    """Why `url` is not an https link to a public host (None: it is one)."""
    if len(url) > MAX_MEDIA_URL or not url.isascii() or any(not c.isprintable() or c.isspace() for c in url):
        return "a link is one line of printable ASCII characters, without spaces"
    if any(c in _UNSAFE_URL_CHARS for c in url):
        return "a link holds no quotes, angle brackets or backslashes"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number in range raises here
    except ValueError:
        return "not a link"
    if parts.scheme != "https":
        return "only https links"
    if "@" in parts.netloc:
        return "a link holds no user name or password"
    if "[" in parts.netloc:
        return "an IP address, not a host name"
    why = host_refusal(host)
    return None if why is None else f"the link's host is {why}"


def _email(value: str) -> str:
    if (why := email_refusal(value)) is not None:
        raise PydanticCustomError("invalid_email", why)
    return value


def _media_url(value: str) -> str:
    if (why := media_url_refusal(value)) is not None:
        raise PydanticCustomError("invalid_media_url", why)
    return value


#: a reporter's e-mail address, as every intake surface accepts it
Email = Annotated[str, AfterValidator(_email)]
#: a client's media link, as Open311 intake accepts it
MediaUrl = Annotated[str, AfterValidator(_media_url)]
