"""The token issuer's public keys (JWKS), fetched over HTTPS and cached per container.

Cognito (and the local development issuer) publish their signing keys at
`<issuer>/.well-known/jwks.json`. Keys are kept for `max_age_s`; a token whose
`kid` we do not know makes us fetch again (the issuer may have rotated its
keys), but at most once per `refetch_s`, so a flood of made-up `kid`s cannot
turn every request into a call to the issuer. When the issuer cannot be
reached, keys already held stay in use; with none held, nobody can be verified.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

from chalicelib.domain.errors import SignInUnavailable
from chalicelib.observability import logger

WELL_KNOWN = "/.well-known/jwks.json"


def jwks_url(issuer: str) -> str:
    return issuer.rstrip("/") + WELL_KNOWN


class JwksKeys:
    """kid -> public key of the issuer, RS256 signing keys only."""

    def __init__(
        self,
        url: str,
        max_age_s: float = 3600,
        refetch_s: float = 60,
        timeout_s: float = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.max_age_s = max_age_s
        self.refetch_s = refetch_s
        self.timeout_s = timeout_s
        self.clock = clock
        self.fetches = 0  # how often the issuer was asked (tests check the rate limit)
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at = float("-inf")  # last successful fetch
        self._tried_at = float("-inf")  # last attempt, successful or not
        self._lock = threading.Lock()
        self._session = requests.Session()

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The key with that id, or None when the issuer has no such key (after at most one refetch)."""
        with self._lock:
            now = self.clock()
            # with no keys yet (a cold start while the issuer hiccuped) try again sooner
            wait = self.refetch_s if self._keys is not None else min(self.refetch_s, 5.0)
            if (self._keys is None or now - self._fetched_at >= self.max_age_s) and now - self._tried_at >= wait:
                self._fetch(now)
            if self._keys is None:
                raise SignInUnavailable(f"no keys from {self.url}")
            found = self._keys.get(kid)
            if found is None and now - self._tried_at >= self.refetch_s:
                self._fetch(now)
                found = self._keys.get(kid)
            return found

    def _fetch(self, now: float) -> None:
        self._tried_at = now
        self.fetches += 1
        try:
            resp = self._session.get(self.url, timeout=self.timeout_s)
            resp.raise_for_status()
            keys = parse_jwks(resp.json())
        except (requests.RequestException, ValueError) as err:
            logger.warning("issuer keys not fetched", extra={"jwks_url": self.url, "error": type(err).__name__})
            return  # keep the keys we have, if any
        self._keys = keys
        self._fetched_at = now


def parse_jwks(doc: Any) -> dict[str, jwt.PyJWK]:
    """The RS256 signing keys of a JWKS document, by kid; anything else in it is ignored."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError("not a JWKS document")
    out: dict[str, jwt.PyJWK] = {}
    for raw in doc["keys"]:
        if not isinstance(raw, dict) or raw.get("kty") != "RSA" or not isinstance(raw.get("kid"), str):
            continue
        if raw.get("use", "sig") != "sig" or raw.get("alg", "RS256") != "RS256":
            continue
        try:
            out[raw["kid"]] = jwt.PyJWK(raw, algorithm="RS256")
        except jwt.PyJWTError:
            continue
    return out
