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
import html
import json
import os
import secrets
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

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
CODE_LIFETIME_S = 300  # an authorization code is exchanged at once, or never
#: where a sign-in may send its code back: this machine only (the development issuer signs anyone in)
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


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


@dataclass(frozen=True)
class Grant:
    """What a sign-in promised to the holder of its code: who, for which client, bound to which PKCE challenge."""

    role: str
    unit: str
    user: str | None
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    expires: float
    jurisdiction: str | None = None


class SignInRefused(Exception):
    """A refused /authorize or /token request: an OAuth error code and a sentence for people."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")


def loopback_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in LOOPBACK


class DevIssuer:
    """Serves a JWKS like Cognito and mints ID tokens shaped like Cognito's.

    Like Cognito's hosted sign-in it also runs the authorization-code flow with PKCE (S256 only):
    `/authorize` shows a plain form (role, unit, user: no password, it is for development), sends
    a single-use code back to a loopback redirect URI, and `/token` trades the code and its
    verifier for an ID token and an access token.
    """

    def __init__(self, key: rsa.RSAPrivateKey | None = None, audience: str = DEV_AUDIENCE, pool: str = POOL) -> None:
        self.audience = audience
        self.pool = pool
        self._keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.add_key(key or new_key())
        self.issuer = ""
        self.jwks_requests = 0
        self.token_lifetime_s = TOKEN_LIFETIME_S
        self._grants: dict[str, Grant] = {}
        self._grants_lock = threading.Lock()
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

    # -- authorization code with PKCE ---------------------------------------

    def discovery(self) -> dict[str, Any]:
        """The OpenID Provider metadata, with Cognito's endpoint names."""
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "end_session_endpoint": f"{self.issuer}/logout",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def check_authorize(self, params: dict[str, str]) -> None:
        """Refuse an /authorize request the console could not have meant (before showing the form)."""
        if params.get("response_type") != "code":
            raise SignInRefused("unsupported_response_type", "response_type must be code")
        if params.get("client_id") != self.audience:
            raise SignInRefused("unauthorized_client", "unknown client_id")
        if not loopback_uri(params.get("redirect_uri", "")):
            raise SignInRefused("invalid_request", "redirect_uri must be on this machine (loopback)")
        if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) < 43:
            raise SignInRefused("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")

    def authorize(self, params: dict[str, str]) -> str:
        """The signed-in person's redirect: the redirect URI with a fresh single-use code and the state."""
        from chalicelib.domain.access import Role

        self.check_authorize(params)
        role, unit = params.get("role", ""), params.get("unit", "").strip()
        region = params.get("jurisdiction", "").strip() or None
        if role not in {r.value for r in Role} or not unit or not fits(Role(role), unit, region):
            raise SignInRefused("access_denied", f"unit {unit!r} does not fit role {role!r}")
        code = secrets.token_urlsafe(32)
        with self._grants_lock:
            now = time.time()
            self._grants = {k: g for k, g in self._grants.items() if g.expires > now}
            self._grants[code] = Grant(
                role=role,
                unit=unit,
                user=params.get("user", "").strip() or None,
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                challenge=params["code_challenge"],
                nonce=params.get("nonce") or None,
                expires=now + CODE_LIFETIME_S,
                jurisdiction=region,
            )
        back = {"code": code, **({"state": params["state"]} if params.get("state") else {})}
        sep = "&" if "?" in params["redirect_uri"] else "?"
        return params["redirect_uri"] + sep + urlencode(back)

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        """/token: the code (once), checked against its client, redirect URI and PKCE verifier."""
        if form.get("grant_type") != "authorization_code":
            raise SignInRefused("unsupported_grant_type", "grant_type must be authorization_code")
        with self._grants_lock:
            grant = self._grants.pop(form.get("code", ""), None)  # used or not, a code is gone
        if grant is None or grant.expires < time.time():
            raise SignInRefused("invalid_grant", "unknown, used or expired code")
        if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
            raise SignInRefused("invalid_grant", "client_id or redirect_uri differ from the authorization request")
        verifier = form.get("code_verifier", "")
        if not 43 <= len(verifier) <= 128 or not secrets.compare_digest(pkce_challenge(verifier), grant.challenge):
            raise SignInRefused("invalid_grant", "code_verifier does not match the code_challenge")
        extra: dict[str, Any] = {"nonce": grant.nonce} if grant.nonce else {}
        if grant.jurisdiction:
            extra["custom:jurisdiction"] = grant.jurisdiction
        id_token = self.mint(grant.role, grant.unit, grant.user, self.token_lifetime_s, **extra)
        access = self.mint(
            grant.role,
            grant.unit,
            grant.user,
            self.token_lifetime_s,
            token_use="access",
            aud=None,
            client_id=grant.client_id,
        )
        return {
            "id_token": id_token,
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime_s,
        }

    def sign_in_form(self, params: dict[str, str], problem: str = "") -> str:
        """The plain sign-in page: role, unit, user (what Cognito's hosted page asks as user name and password)."""
        keep = (
            "response_type",
            "client_id",
            "redirect_uri",
            "code_challenge",
            "code_challenge_method",
            "state",
            "nonce",
            "scope",
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(params[k])}">' for k in keep if k in params
        )
        roles = "".join(
            f'<option value="{r}"{" selected" if params.get("role") == r else ""}>{r}</option>'
            for r in ("operator", "supervisor", "callcenter", "admin")
        )
        error = f'<p role="alert">{html.escape(problem)}</p>' if problem else ""
        return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Masuk (penerbit pengembangan)</title></head>
<body><main>
<h1>Masuk ke konsol operator</h1>
<p>Penerbit token pengembangan: pilih peran dan unit. Tanpa kata sandi; hanya untuk <code>make run</code>.</p>
{error}
<form method="post" action="{html.escape(self.issuer)}/authorize">
{hidden}
<p><label for="role">Peran</label> <select id="role" name="role">{roles}</select></p>
<p><label for="unit">Unit</label> <input id="unit" name="unit" value="{html.escape(params.get("unit", ""))}"
 placeholder="kel:36.73.05.1002" required> (opd:dpupr, kec:36.73.05, kel:36.73.05.1002, call112, psc119, city)</p>
<p><label for="jurisdiction">Wilayah</label> <input id="jurisdiction" name="jurisdiction"
 value="{html.escape(params.get("jurisdiction", ""))}" placeholder="kode Kemendagri, kosong: wilayah utama"></p>
<p><label for="user">Pengguna</label> <input id="user" name="user" value="{html.escape(params.get("user", ""))}"
 placeholder="budi"></p>
<p><button type="submit">Masuk</button></p>
</form>
</main></body></html>
"""

    # -- HTTP -------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path, _, query = self.path.partition("?")
                params = {k: v[0] for k, v in parse_qs(query).items()}
                base = f"/{issuer.pool}"
                if path == base + "/.well-known/jwks.json":
                    issuer.jwks_requests += 1
                    self._json(issuer.jwks())
                elif path == base + "/.well-known/openid-configuration":
                    self._json(issuer.discovery())
                elif path == base + "/authorize":
                    try:
                        issuer.check_authorize(params)
                    except SignInRefused as err:
                        self._json({"error": err.error, "error_description": err.description}, 400)
                        return
                    self._html(issuer.sign_in_form(params))
                elif path == base + "/logout":
                    back = params.get("logout_uri") or params.get("post_logout_redirect_uri") or ""
                    if loopback_uri(back):
                        self._redirect(back)
                    else:
                        self._html("<!doctype html><title>Keluar</title><p>Anda sudah keluar.</p>")
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                path = self.path.partition("?")[0]
                size = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(size).decode("utf-8", "replace")).items()}
                base = f"/{issuer.pool}"
                if path == base + "/authorize":
                    try:
                        self._redirect(issuer.authorize(form))
                    except SignInRefused as err:
                        if err.error == "access_denied":
                            self._html(issuer.sign_in_form(form, err.description), 400)
                        else:
                            self._json({"error": err.error, "error_description": err.description}, 400)
                elif path == base + "/token":
                    try:
                        self._json(issuer.exchange(form), no_store=True)
                    except SignInRefused as err:
                        self._json({"error": err.error, "error_description": err.description}, 400)
                else:
                    self.send_error(404)

            def do_OPTIONS(self) -> None:  # noqa: N802 (a browser's preflight before /token)
                self.send_response(204)
                self._cors()
                self.send_header("Access-Control-Allow-Methods", "GET, POST")
                self.send_header("Access-Control-Allow-Headers", "Content-Type")
                self.end_headers()

            def _cors(self) -> None:
                # the console (another origin: the API's) reads discovery and trades its code here
                self.send_header("Access-Control-Allow-Origin", "*")

            def _json(self, body: dict[str, Any], status: int = 200, no_store: bool = False) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                if no_store:
                    self.send_header("Cache-Control", "no-store")
                self._cors()
                self.end_headers()
                self.wfile.write(raw)

            def _html(self, body: str, status: int = 200) -> None:
                raw = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Frame-Options", "DENY")
                self.end_headers()
                self.wfile.write(raw)

            def _redirect(self, where: str) -> None:
                self.send_response(302)
                self.send_header("Location", where)
                self.send_header("Content-Length", "0")
                self.end_headers()

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


def fits(role: Any, unit: str, jurisdiction: str | None) -> bool:
    """Whether a sign-in may carry this unit: in the default region by its data; in another by
    the shape of the code (an area inside that region); the API checks the rest."""
    from chalicelib.domain import reference
    from chalicelib.domain.access import CALLCENTER_CHANNELS, CITY, Role, unit_fits_role
    from chalicelib.domain.region import region_code_of

    if not jurisdiction or jurisdiction == reference.default_code():
        return unit_fits_role(role, unit)
    if role == Role.CALLCENTER:
        return unit in CALLCENTER_CHANNELS
    home = region_code_of(unit)
    if home is not None:
        return home == jurisdiction
    return unit.startswith("opd:") or (role == Role.ADMIN and unit == CITY)


def mint_from_state(role: str, unit: str, user: str | None, lifetime_s: int, jurisdiction: str | None = None) -> str:
    """A token for the issuer `make run` started last (or AUTH_ISSUER / AUTH_AUDIENCE when set)."""
    where = state_dir()
    key_path, state_path = where / KEY_FILE, where / STATE_FILE
    if not key_path.exists() or not state_path.exists():
        raise SystemExit(f"no development issuer found in {where}: start the stack with `make run` first")
    state = json.loads(state_path.read_text())
    issuer = DevIssuer(load_or_create_key(key_path), audience=os.environ.get("AUTH_AUDIENCE") or state["audience"])
    issuer.issuer = os.environ.get("AUTH_ISSUER") or state["issuer"]
    extra = {"custom:jurisdiction": jurisdiction} if jurisdiction else {}
    return issuer.mint(role, unit, user, lifetime_s, **extra)


def main(argv: list[str] | None = None) -> int:
    from chalicelib.domain.access import Role

    parser = argparse.ArgumentParser(description="Mint a development ID token for the local stack.")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument(
        "--unit", required=True, help="opd:dpupr, kec:36.73.05, kel:36.73.05.1002, call112, psc119, city"
    )
    parser.add_argument("--user", default=None, help="user name (default: <role>-<unit>)")
    parser.add_argument("--jurisdiction", default=None, help="region code NN.NN (default: the default region)")
    parser.add_argument("--minutes", type=int, default=TOKEN_LIFETIME_S // 60, help="lifetime")
    args = parser.parse_args(argv)
    if not args.unit or not fits(Role(args.role), args.unit, args.jurisdiction):
        print(
            f"unit {args.unit!r} does not fit role {args.role!r}: operator -> opd:/kec:/kel: unit, supervisor -> "
            "opd: or kec: unit, callcenter -> call112 | psc119, admin -> city",
            file=sys.stderr,
        )
        return 2
    token = mint_from_state(args.role, args.unit, args.user, args.minutes * 60, args.jurisdiction)
    who = f"{args.role} {args.unit}" + (f" user {args.user}" if args.user else "")
    who += f" in {args.jurisdiction}" if args.jurisdiction else ""
    print(f'# {who}, valid {args.minutes} min; use: -H "Authorization: Bearer $TOKEN"')
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
