"""API keys of Open311 client apps: one key per app, only its SHA-256 kept.

One record per app, found by the SHA-256 hex of its key (never the key), with `client_app` = the
app's name. A POST is checked with one GetItem on the hash of the key it
carries, so the table never holds a usable key and a lookup takes no scan. A
key is revoked by deleting its item. Keys are made with `make apikey NAME=...`
(infra/local/apikey.py); `make run` also registers `OPEN311_DEV_API_KEY`, when
set, as the client app `dev`: an ordinary item, read by the same lookup.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from chalicelib.domain.models import utcnow
from chalicelib.services.ports import ApiKeyRegister

#: a client app's name: shown to operators and in statistics per app
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
_MAX_KEY = 256


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeys:
    def __init__(self, register: ApiKeyRegister) -> None:
        self.register = register

    def create(self, client_app: str, key: str | None = None) -> str:
        """Store a key for `client_app` (a fresh random one unless given) and return it:
        the only time it is seen in clear."""
        if not NAME.match(client_app):
            raise ValueError("client app name: 1-64 letters, digits, space, dot, dash or underscore")
        key = key or secrets.token_urlsafe(32)
        if not 16 <= len(key) <= _MAX_KEY:
            raise ValueError(f"an API key has 16 to {_MAX_KEY} characters")
        self.register.register(key_hash(key), client_app, utcnow())
        return key

    def client_app(self, key: str | None) -> str | None:
        """The app a key belongs to, or None when it is missing or not ours."""
        if not key or len(key) > _MAX_KEY:
            return None
        return self.register.client_app(key_hash(key.strip()))
