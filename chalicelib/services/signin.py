"""Who is calling: an operator's `Authorization: Bearer <JWT>` verified into a `Principal`.

The tokens are ID tokens as Cognito issues them (and as the local development
issuer mints them): RS256, signed with a key from the issuer's JWKS, with
`iss`, `aud` (the app client id), `token_use` = `id`, `exp`/`iat`, the role as
the user's one role group in `cognito:groups`, the unit code in `custom:unit`,
and the user in `cognito:username` (else `sub`). The app verifies every token
itself, in AWS and locally alike; PyJWT does the cryptography.
"""

from __future__ import annotations

from typing import Any, Protocol

import jwt

from chalicelib.domain import reference
from chalicelib.domain.access import Principal, Role, unit_fits_role
from chalicelib.domain.errors import SignInUnavailable, Unauthenticated
from chalicelib.domain.jurisdiction import Jurisdiction

__all__ = ["ALGORITHM", "MAX_TOKEN_CHARS", "Keys", "SignIn", "Unauthenticated"]

ALGORITHM = "RS256"
MAX_TOKEN_CHARS = 8192  # Cognito ID tokens are 1-2 KB; longer is not worth parsing
ROLE_CLAIM = "cognito:groups"
UNIT_CLAIM = "custom:unit"
JURISDICTION_CLAIM = "custom:jurisdiction"
USER_CLAIMS = ("cognito:username", "sub")
ROLES = frozenset(r.value for r in Role)

# reason -> (Indonesian, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "token_missing": (
        "Perlu masuk: kirim header Authorization: Bearer <token>",
        "Sign-in required: send the header Authorization: Bearer <token>",
    ),
    "not_bearer": (
        "Header Authorization harus berbentuk 'Bearer <token>'",
        "The Authorization header must be 'Bearer <token>'",
    ),
    "malformed_token": ("Token tidak dapat dibaca (bukan JWT yang sah)", "The token cannot be read (not a valid JWT)"),
    "unsupported_algorithm": (
        "Algoritme token tidak diterima (hanya RS256)",
        "The token's algorithm is not accepted (RS256 only)",
    ),
    "unknown_key": (
        "Kunci penanda tangan token (kid) tidak dikenal oleh penerbit",
        "The token's signing key (kid) is not one of the issuer's keys",
    ),
    "invalid_signature": ("Tanda tangan token tidak sah", "The token's signature is not valid"),
    "token_expired": ("Token sudah kedaluwarsa; silakan masuk lagi", "The token has expired; sign in again"),
    "token_not_yet_valid": ("Token belum berlaku", "The token is not valid yet"),
    "wrong_issuer": ("Token diterbitkan oleh penerbit lain (iss)", "The token is from another issuer (iss)"),
    "wrong_audience": ("Token ditujukan untuk aplikasi lain (aud)", "The token is for another application (aud)"),
    "wrong_token_use": ("Gunakan ID token (token_use = id)", "Use the ID token (token_use = id)"),
    "missing_claim": ("Token tidak lengkap: klaim wajib tidak ada", "The token lacks a required claim"),
    "no_unit": ("Token tidak membawa unit kerja (custom:unit)", "The token carries no unit (custom:unit)"),
    "unknown_jurisdiction": (
        "Wilayah di token (custom:jurisdiction) tidak dilayani di sini",
        "The token's jurisdiction (custom:jurisdiction) is not served here",
    ),
    "unit_not_allowed": (
        "Unit kerja di token tidak sah untuk peran pengguna",
        "The unit in the token is not valid for the user's role",
    ),
    "unknown_role": (
        "Token tidak membawa peran yang dikenal (cognito:groups: operator, supervisor, callcenter, admin)",
        "The token carries no known role (cognito:groups: operator, supervisor, callcenter, admin)",
    ),
    "ambiguous_role": (
        "Pengguna berada di lebih dari satu grup peran; harus tepat satu",
        "The user is in more than one role group; exactly one is required",
    ),
    "no_user": (
        "Token tidak menyebut pengguna (cognito:username atau sub)",
        "The token names no user (cognito:username or sub)",
    ),
    "invalid_token": ("Token ditolak", "The token was refused"),
}


def refused(reason: str) -> Unauthenticated:
    message_id, message_en = MESSAGES[reason]
    return Unauthenticated(reason, message_id, message_en)


class Regions(Protocol):
    def get(self, code: str) -> Jurisdiction | None: ...


class Keys(Protocol):
    def key(self, kid: str) -> jwt.PyJWK | None: ...


class SignIn:
    """Verifies bearer tokens against one issuer and one audience (app client)."""

    def __init__(
        self, keys: Keys, issuer: str, audience: str, leeway_s: float = 30, regions: Regions | None = None
    ) -> None:
        """``regions``: the onboarded regions a token's ``custom:jurisdiction`` may name (without
        it, only the default region)."""
        self.regions = regions
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway_s = leeway_s

    def principal(self, authorization: str | None) -> Principal:
        """The verified caller of a request with this Authorization header; `Unauthenticated` otherwise."""
        claims = self.claims(bearer_token(authorization))
        return principal_of(claims, self.regions)

    def claims(self, token: str) -> dict[str, Any]:
        if not self.issuer or not self.audience:
            raise SignInUnavailable("AUTH_ISSUER / AUTH_AUDIENCE not set")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise refused("malformed_token") from None
        if header.get("alg") != ALGORITHM:  # `none`, HS256 with the public key as secret, anything else
            raise refused("unsupported_algorithm")
        kid = header.get("kid")
        key = self.keys.key(kid) if isinstance(kid, str) and kid else None
        if key is None:
            raise refused("unknown_key")
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.InvalidSignatureError:
            raise refused("invalid_signature") from None
        except jwt.ExpiredSignatureError:
            raise refused("token_expired") from None
        except jwt.ImmatureSignatureError:  # nbf or iat in the future
            raise refused("token_not_yet_valid") from None
        except jwt.InvalidIssuerError:
            raise refused("wrong_issuer") from None
        except jwt.InvalidAudienceError:
            raise refused("wrong_audience") from None
        except jwt.MissingRequiredClaimError:
            raise refused("missing_claim") from None
        except (jwt.DecodeError, jwt.InvalidIssuedAtError):
            raise refused("malformed_token") from None
        except jwt.PyJWTError:
            raise refused("invalid_token") from None


def bearer_token(authorization: str | None) -> str:
    if authorization is None or not authorization.strip():
        raise refused("token_missing")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise refused("not_bearer")
    if len(token) > MAX_TOKEN_CHARS:
        raise refused("malformed_token")
    return token


def principal_of(claims: dict[str, Any], regions: Regions | None = None) -> Principal:
    """The caller a verified ID token names: one role group, a region, a unit of that region
    fitting the role, a user. No ``custom:jurisdiction``: the default region."""
    if claims.get("token_use") != "id":
        raise refused("wrong_token_use")
    groups = claims.get(ROLE_CLAIM)
    if isinstance(groups, str):
        groups = [groups]
    roles = {g for g in groups if isinstance(g, str) and g in ROLES} if isinstance(groups, list) else set()
    if not roles:
        raise refused("unknown_role")
    if len(roles) > 1:
        raise refused("ambiguous_role")
    role = Role(roles.pop())
    unit = claims.get(UNIT_CLAIM)
    if not isinstance(unit, str) or not unit.strip():
        raise refused("no_unit")
    code = claims.get(JURISDICTION_CLAIM) or ""
    region: Jurisdiction | None = None
    if code and code != reference.default_code():
        region = regions.get(code) if regions is not None and isinstance(code, str) else None
        if region is None:
            raise refused("unknown_jurisdiction")
    if not unit_fits_role(role, unit, region.units() if region else None):
        raise refused("unit_not_allowed")
    area_units: frozenset[str] = frozenset()
    if region is not None and role == Role.SUPERVISOR and unit.startswith("kec:"):
        kec = unit.removeprefix("kec:")
        area_units = frozenset(f"kel:{v.code}" for v in region.desa_kelurahan if v.kecamatan_code == kec)
    user = next((u for u in (claims.get(c) for c in USER_CLAIMS) if isinstance(u, str) and u), None)
    if user is None:
        raise refused("no_user")
    name = claims.get("name")
    return Principal(
        user=user[:128],
        role=role,
        unit=unit,
        name=name[:200] if isinstance(name, str) and name else None,
        jurisdiction=region.code if region else "",
        area_units=area_units,
    )
