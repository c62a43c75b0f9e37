"""Tracking ids a citizen can read aloud over the phone.

Random (not sequential, not guessable), from an alphabet without look-alikes
(no 0/O, 1/I/L), grouped in fours, with a check character so a mistyped id is
refused instead of pointing at someone else's complaint. The three letters in front are
the region's prefix, from its data.
"""

from __future__ import annotations

import secrets

from chalicelib.domain import reference

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols, prime: good for a check symbol
_RANDOM_LEN = 7  # 31**7 ~ 2.75e10 ids


def prefix() -> str:
    """The default region's tracking-id prefix (three letters, unique in the deployment)."""
    return reference.region().prefix


def _check_char(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_tracking_id(region_prefix: str | None = None) -> str:
    return _formatted("".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_LEN)), region_prefix)


def tracking_id_from(digest: bytes, region_prefix: str | None = None) -> str:
    """A tracking id taken from (at least 8 bytes of) a keyed hash: as unguessable as the
    hash, and the same for the same input (idempotent intake)."""
    if len(digest) < 8:
        raise ValueError("need at least 8 bytes")
    n = int.from_bytes(digest, "big")
    body = []
    for _ in range(_RANDOM_LEN):
        n, i = divmod(n, len(ALPHABET))
        body.append(ALPHABET[i])
    return _formatted("".join(body), region_prefix)


def _formatted(body: str, region_prefix: str | None = None) -> str:
    full = body + _check_char(body)
    return f"{region_prefix or prefix()}-{full[:4]}-{full[4:]}"


def normalise(raw: str) -> str | None:
    """Canonical form of a typed id, or None when it cannot be one of ours.

    Accepts lower case, missing dashes and spaces, as people type them. The three letters in
    front name the region (any region's prefix: the id alone finds its complaint); without
    them, the default region's.
    """
    text = "".join(ch for ch in raw.upper() if ch.isalnum())
    own = prefix()
    if len(text) == _RANDOM_LEN + 4 and text[:3].isascii() and text[:3].isalpha():
        own, text = text[:3], text[3:]
    if len(text) != _RANDOM_LEN + 1 or any(c not in ALPHABET for c in text):
        return None
    if _check_char(text[:-1]) != text[-1]:
        return None
    return f"{own}-{text[:4]}-{text[4:]}"
