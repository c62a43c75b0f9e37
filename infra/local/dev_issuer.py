"""A development token issuer that behaves like the Cognito user pool does in AWS.

`make run` starts it: it serves its public keys at `<issuer>/.well-known/jwks.json`
(the issuer is `http://<host>:<port>/aduan-hub-dev`, a path like a Cognito pool's)
and the app verifies tokens against it exactly as it verifies Cognito's. Its RSA
key is kept in `.local/dev_issuer_key.pem` (gitignored) and the running issuer's
address in `.local/dev_issuer.json`, so that in another shell

    make token ROLE=operator UNIT=kel:36.73.05.1002 [USER=budi]

mints an ID token the running stack accepts (printed alone on the last line).
Tests start their own issuer on a free port with a throw-away key
(tests/support/auth.py). Nothing here is used in AWS.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_STATE_DIR = ROOT / ".local"
KEY_FILE = "dev_issuer_key.pem"
STATE_FILE = "dev_issuer.json"
POOL = "aduan-hub-dev"
DEV_AUDIENCE = "aduan-hub-dev-client"  # the "app client id" of the development issuer
TOKEN_LIFETIME_S = 8 * 3600  # a working day; Cognito's ID tokens default to one hour


def state_dir() -> Path:
    return Path(os.environ.get("LOCAL_STATE_DIR") or DEFAULT_STATE_DIR)


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    """The persisted development key; created once, atomically (two starts at once agree on one key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = new_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pem)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # fails if another process won the race: then its key is the key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SystemExit(f"{path} is not an RSA private key")
    return key


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The public half as a JWK, its kid the RFC 7638 thumbprint (stable for a key)."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    thumb = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(thumb.encode()).digest()).decode().rstrip("=")
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class DevIssuer:
    """Serves a JWKS like Cognito and mints ID tokens shaped like Cognito's."""

    def __init__(self, key: rsa.RSAPrivateKey | None = None, audience: str = DEV_AUDIENCE, pool: str = POOL) -> None:
        self.audience = audience
        self.pool = pool
        self._keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.add_key(key or new_key())
        self.issuer = ""
        self.jwks_requests = 0
        self._server: ThreadingHTTPServer | None = None

    # -- keys ---------------------------------------------------------------

    def add_key(self, key: rsa.RSAPrivateKey) -> str:
        """Publish a key and sign with it from now on (a rotation); the older ones stay published."""
        kid = public_jwk(key)["kid"]
        self._keys.append((kid, key))
        return kid

    def retire(self, kid: str) -> None:
        self._keys = [(k, v) for k, v in self._keys if k != kid]

    @property
    def kid(self) -> str:
        return self._keys[-1][0]

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        return self._keys[-1][1]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(key) for _, key in self._keys]}

    # -- tokens -------------------------------------------------------------

    def claims(
        self, role: str, unit: str | None, user: str | None = None, lifetime_s: int = TOKEN_LIFETIME_S
    ) -> dict[str, Any]:
        """An ID token's claims as Cognito writes them (role as the one group, unit as custom:unit)."""
        now = int(time.time())
        user = user or f"{role}-{(unit or 'none').replace(':', '-')}"
        out: dict[str, Any] = {
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer}/{user}")),
            "cognito:groups": [role],
            "iss": self.issuer,
            "cognito:username": user,
            "aud": self.audience,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + lifetime_s,
            "jti": str(uuid.uuid4()),
        }
        if unit is not None:
            out["custom:unit"] = unit
        return out

    def sign(
        self, claims: dict[str, Any], headers: dict[str, Any] | None = None, key: rsa.RSAPrivateKey | None = None
    ) -> str:
        return jwt.encode(
            claims, key or self.private_key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )

    def mint(
        self, role: str, unit: str | None, user: str | None = None, lifetime_s: int = TOKEN_LIFETIME_S, **overrides: Any
    ) -> str:
        """A signed ID token; `overrides` replace claims (None removes one)."""
        claims = {**self.claims(role, unit, user, lifetime_s), **overrides}
        return self.sign({k: v for k, v in claims.items() if v is not None})

    # -- HTTP -------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                base = f"/{issuer.pool}/.well-known/"
                if self.path == base + "jwks.json":
                    issuer.jwks_requests += 1
                    self._json(issuer.jwks())
                elif self.path == base + "openid-configuration":
                    self._json(
                        {
                            "issuer": issuer.issuer,
                            "jwks_uri": f"{issuer.issuer}/.well-known/jwks.json",
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "subject_types_supported": ["public"],
                            "response_types_supported": ["code"],
                        }
                    )
                else:
                    self.send_error(404)

            def _json(self, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.issuer = f"http://{host}:{self._server.server_address[1]}/{self.pool}"
        threading.Thread(target=self._server.serve_forever, name="dev-issuer", daemon=True).start()
        return self.issuer

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def env(self) -> dict[str, str]:
        """The app's settings for this issuer."""
        return {"AUTH_ISSUER": self.issuer, "AUTH_AUDIENCE": self.audience}


def start_for_run(host: str, port: int) -> DevIssuer:
    """`make run`: the persisted key, and the address written down for `make token`."""
    where = state_dir()
    issuer = DevIssuer(load_or_create_key(where / KEY_FILE))
    issuer.start(host, port)
    (where / STATE_FILE).write_text(json.dumps({"issuer": issuer.issuer, "audience": issuer.audience}) + "\n")
    return issuer


def mint_from_state(role: str, unit: str, user: str | None, lifetime_s: int) -> str:
    """A token for the issuer `make run` started last (or AUTH_ISSUER / AUTH_AUDIENCE when set)."""
    where = state_dir()
    key_path, state_path = where / KEY_FILE, where / STATE_FILE
    if not key_path.exists() or not state_path.exists():
        raise SystemExit(f"no development issuer found in {where}: start the stack with `make run` first")
    state = json.loads(state_path.read_text())
    issuer = DevIssuer(load_or_create_key(key_path), audience=os.environ.get("AUTH_AUDIENCE") or state["audience"])
    issuer.issuer = os.environ.get("AUTH_ISSUER") or state["issuer"]
    return issuer.mint(role, unit, user, lifetime_s)


def main(argv: list[str] | None = None) -> int:
    from chalicelib.domain.access import Role, unit_fits_role

    parser = argparse.ArgumentParser(description="Mint a development ID token for the local stack.")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument(
        "--unit", required=True, help="opd:dpupr, kec:36.73.05, kel:36.73.05.1002, call112, psc119, city"
    )
    parser.add_argument("--user", default=None, help="user name (default: <role>-<unit>)")
    parser.add_argument("--minutes", type=int, default=TOKEN_LIFETIME_S // 60, help="lifetime")
    args = parser.parse_args(argv)
    if not args.unit or not unit_fits_role(Role(args.role), args.unit):
        print(
            f"unit {args.unit!r} does not fit role {args.role!r}: operator -> opd:/kec:/kel: unit, supervisor -> "
            "opd: or kec: unit, callcenter -> call112 | psc119, admin -> city",
            file=sys.stderr,
        )
        return 2
    token = mint_from_state(args.role, args.unit, args.user, args.minutes * 60)
    who = f"{args.role} {args.unit}" + (f" user {args.user}" if args.user else "")
    print(f'# {who}, valid {args.minutes} min; use: -H "Authorization: Bearer $TOKEN"')
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
