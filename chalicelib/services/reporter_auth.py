"""Who may act for the reporter: whoever holds the token intake gave them once.

The tracking id is public knowledge (the nearby search lists open ones), so it
cannot authorise anything. At intake the reporter gets a token (192 bits) in the
201 answer: random, or, when the submission carried an idempotency key, an HMAC of
the caller's scoped key with the server secret, so that a retry after a lost answer
gets the same token again without the token being stored anywhere. The complaint
item keeps only its SHA-256 (`reporter_token_hash`), so a leaked table export or
admin view gives no one the power to reopen or close. Reopen, confirm-resolved and
attachment uploads need the token in `X-Reporter-Token`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:  # the sign-in path imports this at start: the ports stay out of it
    from chalicelib.services.ports import Complaints

HEADER = "X-Reporter-Token"
HASH_ATTRIBUTE = "reporter_token_hash"


class ReporterTokenMissing(Exception):
    """No X-Reporter-Token header (HTTP 401)."""


class ReporterTokenWrong(Exception):
    """A token that is not this complaint's (HTTP 403)."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def derived_token(secret: bytes, scoped_key: str) -> str:
    """The token of an idempotent submission: the same for every retry of it, and
    unknowable without the server secret (same form as `new_token`)."""
    digest = hmac.new(secret, f"reporter-token\n{scoped_key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def require_reporter(complaints: Complaints, tracking_id: str, token: str | None) -> None:
    """Refuse unless `token` is the one handed out for this complaint.

    Hashes are compared in constant time. A complaint stored before tokens
    existed has no hash and so refuses every token: nobody can prove to be
    its reporter."""
    if not token or not token.strip():
        raise ReporterTokenMissing()
    item = complaints.item(tracking_id, consistent=True)
    if item is None:
        raise NotFound(tracking_id)
    stored = str(item.get(HASH_ATTRIBUTE) or "")
    given = token_hash(token.strip())
    if not stored or not hmac.compare_digest(stored.encode(), given.encode()):
        raise ReporterTokenWrong()
