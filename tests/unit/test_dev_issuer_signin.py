"""The development issuer's sign-in (authorization code with PKCE), as the console uses it under `make run`.

Called directly, no server started: /authorize hands out a single-use code bound to the PKCE
challenge, /token trades it only with the matching verifier (S256), once.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from infra.local.dev_issuer import DevIssuer, SignInRefused, pkce_challenge

VERIFIER = "v" * 20 + "-Ab0_9.~" + "x" * 30  # 58 characters of the RFC 7636 alphabet
REDIRECT = "http://127.0.0.1:8000/operator/"


@pytest.fixture(scope="module")
def issuer() -> DevIssuer:
    out = DevIssuer()
    out.issuer = "http://127.0.0.1:8200/aduan-hub-dev"
    return out


def _authorize(issuer: DevIssuer, **over: str) -> str:
    params = {
        "response_type": "code",
        "client_id": issuer.audience,
        "redirect_uri": REDIRECT,
        "code_challenge": pkce_challenge(VERIFIER),
        "code_challenge_method": "S256",
        "state": "s-123",
        "nonce": "n-456",
        "role": "operator",
        "unit": "kel:36.73.05.1002",
        "user": "budi",
        **over,
    }
    back = urlsplit(issuer.authorize(params))
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    query = parse_qs(back.query)
    assert query["state"] == ["s-123"]
    return query["code"][0]


def _token(issuer: DevIssuer, code: str, verifier: str = VERIFIER, **over: str) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": issuer.audience,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **over,
    }
    return issuer.exchange(form)


def test_s256_is_rfc7636s() -> None:
    # RFC 7636 appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    digest = hashlib.sha256(verifier.encode()).digest()
    assert pkce_challenge(verifier) == base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_code_with_its_verifier_gives_the_id_token_the_api_reads(issuer: DevIssuer) -> None:
    out = _token(issuer, _authorize(issuer))
    assert out["token_type"] == "Bearer" and out["expires_in"] > 0
    claims = jwt.decode(
        out["id_token"], issuer.private_key.public_key(), algorithms=["RS256"], audience=issuer.audience
    )
    assert claims["cognito:groups"] == ["operator"]
    assert claims["custom:unit"] == "kel:36.73.05.1002"
    assert claims["cognito:username"] == "budi"
    assert claims["token_use"] == "id" and claims["nonce"] == "n-456" and claims["iss"] == issuer.issuer
    access = jwt.decode(out["access_token"], options={"verify_signature": False})
    assert access["token_use"] == "access" and "aud" not in access


def test_a_code_is_used_once(issuer: DevIssuer) -> None:
    code = _authorize(issuer)
    _token(issuer, code)
    with pytest.raises(SignInRefused) as refused:
        _token(issuer, code)
    assert refused.value.error == "invalid_grant"


def test_a_wrong_verifier_is_refused_and_burns_the_code(issuer: DevIssuer) -> None:
    code = _authorize(issuer)
    with pytest.raises(SignInRefused) as refused:
        _token(issuer, code, verifier="w" * 50)
    assert refused.value.error == "invalid_grant"
    with pytest.raises(SignInRefused):  # nobody gets a second guess with the same code
        _token(issuer, code)


@pytest.mark.parametrize(
    "over",
    [{"client_id": "someone-else"}, {"redirect_uri": "http://127.0.0.1:9999/elsewhere/"}, {"code_verifier": ""}],
)
def test_the_exchange_must_match_the_request(issuer: DevIssuer, over: dict[str, str]) -> None:
    code = _authorize(issuer)
    with pytest.raises(SignInRefused) as refused:
        _token(issuer, code, **over)
    assert refused.value.error == "invalid_grant"


@pytest.mark.parametrize(
    ("over", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"client_id": "other"}, "unauthorized_client"),
        ({"redirect_uri": "https://attacker.example/cb"}, "invalid_request"),
        ({"unit": "city"}, "access_denied"),  # an operator of the city: the unit does not fit the role
        ({"role": "root"}, "access_denied"),
    ],
)
def test_authorize_refuses(issuer: DevIssuer, over: dict[str, str], error: str) -> None:
    with pytest.raises(SignInRefused) as refused:
        _authorize(issuer, **over)
    assert refused.value.error == error


def test_discovery_names_the_endpoints(issuer: DevIssuer) -> None:
    meta = issuer.discovery()
    assert meta["authorization_endpoint"] == issuer.issuer + "/authorize"
    assert meta["token_endpoint"] == issuer.issuer + "/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
