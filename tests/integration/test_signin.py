"""Sign-in: every way a bearer token can be wrong gets a 401 that says which, over the app's HTTP routes.

The app verifies tokens against the test issuer's JWKS over real HTTP
(tests/support/auth.py), exactly as it verifies Cognito's in AWS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.local.dev_issuer import DevIssuer, new_key, public_jwk
from tests.support.auth import bearer, token_for

ROUTE = "/v1/admin/complaints?status=needs_attention&limit=1"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


def call(client: Any, authorization: str | None, route: str = ROUTE) -> Any:
    return client.http.get(route, headers={} if authorization is None else {"Authorization": authorization})


def refused(resp: Any, reason: str, status: int = 401) -> None:
    assert resp.status_code == status, (reason, resp.status_code, resp.body)
    body = resp.json_body
    assert body["error"] == reason, body
    assert (
        body["message_id"] and body["message_en"] and body["message"] == f"{body['message_id']} / {body['message_en']}"
    )
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="aduan-hub"')
    if reason == "token_missing":
        assert "error=" not in challenge  # RFC 6750: no error code when no credentials were sent
    elif status == 401:
        assert f'error_description="{reason}"' in challenge and 'error="invalid_' in challenge
    else:
        assert 'error="insufficient_scope"' in challenge
    assert "complaints" not in body


def admin_claims(dev_issuer: DevIssuer, **changes: Any) -> dict[str, Any]:
    claims = {**dev_issuer.claims("admin", "city", "koordinator"), **changes}
    return {k: v for k, v in claims.items() if v is not None}


def test_a_valid_admin_token_is_let_in(client: Any) -> None:
    resp = call(client, f"Bearer {token_for('admin', 'city')}")
    assert resp.status_code == 200, resp.body
    assert "complaints" in resp.json_body


def test_no_token_or_not_a_bearer_token(client: Any) -> None:
    refused(call(client, None), "token_missing")
    refused(call(client, ""), "token_missing")
    refused(call(client, "Basic YWRtaW46YWRtaW4="), "not_bearer")
    refused(call(client, "Bearer"), "not_bearer")
    refused(call(client, f"Bearer {token_for('admin', 'city')} extra"), "not_bearer")
    refused(call(client, "Bearer not-a-jwt"), "malformed_token")
    refused(call(client, "Bearer " + "a" * 20000), "malformed_token")


def test_alg_none_is_refused(client: Any, dev_issuer: DevIssuer) -> None:
    for alg in ("none", "None", "NONE"):
        token = unsigned({"alg": alg, "typ": "JWT", "kid": dev_issuer.kid}, admin_claims(dev_issuer)) + "."
        refused(call(client, f"Bearer {token}"), "unsupported_algorithm")


def test_hs256_signed_with_the_public_key_is_refused(client: Any, dev_issuer: DevIssuer) -> None:
    """The classic confusion attack: the issuer's public key (PEM or JWK) used as an HMAC secret."""
    pem = dev_issuer.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = json.dumps(public_jwk(dev_issuer.private_key)).encode()
    for secret in (pem, jwk):
        for alg, digest in (("HS256", hashlib.sha256), ("HS512", hashlib.sha512)):
            head = unsigned({"alg": alg, "typ": "JWT", "kid": dev_issuer.kid}, admin_claims(dev_issuer))
            token = f"{head}.{b64(hmac.new(secret, head.encode(), digest).digest())}"
            refused(call(client, f"Bearer {token}"), "unsupported_algorithm")


def test_other_asymmetric_algorithms_are_refused(client: Any, dev_issuer: DevIssuer) -> None:
    token = jwt.encode(
        admin_claims(dev_issuer), dev_issuer.private_key, algorithm="RS512", headers={"kid": dev_issuer.kid}
    )
    refused(call(client, f"Bearer {token}"), "unsupported_algorithm")
    token = jwt.encode(
        admin_claims(dev_issuer), dev_issuer.private_key, algorithm="PS256", headers={"kid": dev_issuer.kid}
    )
    refused(call(client, f"Bearer {token}"), "unsupported_algorithm")


def test_a_bad_signature_is_refused(client: Any, dev_issuer: DevIssuer) -> None:
    # signed by another key under the issuer's kid
    forged = dev_issuer.sign(admin_claims(dev_issuer), key=new_key())
    refused(call(client, f"Bearer {forged}"), "invalid_signature")
    # a real operator token with the role changed to admin and the signature kept
    head, _payload, sig = token_for("operator", "kel:36.73.05.1002").split(".")
    escalated = admin_claims(dev_issuer)
    refused(call(client, f"Bearer {head}.{b64(json.dumps(escalated).encode())}.{sig}"), "invalid_signature")
    # the signature cut off
    head, payload, _sig = token_for("admin", "city").split(".")
    refused(call(client, f"Bearer {head}.{payload}."), "invalid_signature")


def test_expired_and_not_yet_valid(client: Any, dev_issuer: DevIssuer) -> None:
    now = int(time.time())
    expired = dev_issuer.sign(admin_claims(dev_issuer, iat=now - 7200, auth_time=now - 7200, exp=now - 3600))
    refused(call(client, f"Bearer {expired}"), "token_expired")
    early = dev_issuer.sign(admin_claims(dev_issuer, nbf=now + 3600))
    refused(call(client, f"Bearer {early}"), "token_not_yet_valid")
    from_the_future = dev_issuer.sign(admin_claims(dev_issuer, iat=now + 3600, exp=now + 7200))
    refused(call(client, f"Bearer {from_the_future}"), "token_not_yet_valid")


def test_wrong_issuer_audience_or_token_use(client: Any, dev_issuer: DevIssuer) -> None:
    other_pool = dev_issuer.issuer.rsplit("/", 1)[0] + "/another-pool"
    refused(call(client, f"Bearer {dev_issuer.sign(admin_claims(dev_issuer, iss=other_pool))}"), "wrong_issuer")
    refused(call(client, f"Bearer {dev_issuer.sign(admin_claims(dev_issuer, aud='another-app'))}"), "wrong_audience")
    refused(call(client, f"Bearer {dev_issuer.sign(admin_claims(dev_issuer, aud=['another-app']))}"), "wrong_audience")
    # a Cognito access token: token_use access, client_id instead of aud
    access = admin_claims(dev_issuer, token_use="access")
    refused(call(client, f"Bearer {dev_issuer.sign(access)}"), "wrong_token_use")
    for claim in ("exp", "iat", "iss", "aud"):
        refused(call(client, f"Bearer {dev_issuer.sign(admin_claims(dev_issuer, **{claim: None}))}"), "missing_claim")


def test_unknown_or_missing_kid(client: Any, dev_issuer: DevIssuer) -> None:
    stranger = new_key()
    token = jwt.encode(
        admin_claims(dev_issuer), stranger, algorithm="RS256", headers={"kid": public_jwk(stranger)["kid"]}
    )
    refused(call(client, f"Bearer {token}"), "unknown_key")
    token = jwt.encode(admin_claims(dev_issuer), dev_issuer.private_key, algorithm="RS256")  # no kid
    refused(call(client, f"Bearer {token}"), "unknown_key")
    head = unsigned({"alg": "RS256", "typ": "JWT", "kid": 7}, admin_claims(dev_issuer))
    rs256 = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256)
    token = f"{head}.{b64(rs256.sign(head.encode(), dev_issuer.private_key))}"
    refused(call(client, f"Bearer {token}"), "malformed_token")  # a kid must be a string


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"custom:unit": None}, "no_unit"),
        ({"custom:unit": ""}, "no_unit"),
        ({"custom:unit": ["city"]}, "no_unit"),
        ({"cognito:groups": None}, "unknown_role"),
        ({"cognito:groups": []}, "unknown_role"),
        ({"cognito:groups": ["janitor"]}, "unknown_role"),
        ({"cognito:groups": "Admin"}, "unknown_role"),
        ({"cognito:groups": ["admin", "operator"]}, "ambiguous_role"),
        ({"custom:unit": "kel:99.99.99.9999"}, "unit_not_allowed"),
        ({"cognito:groups": ["operator"], "custom:unit": "city"}, "unit_not_allowed"),
        ({"cognito:groups": ["supervisor"], "custom:unit": "kel:36.73.05.1002"}, "unit_not_allowed"),
        ({"cognito:groups": ["callcenter"], "custom:unit": "rabeg"}, "unit_not_allowed"),
        ({"cognito:username": None, "sub": None}, "no_user"),
    ],
)
def test_claims_that_name_no_role_unit_or_user(
    client: Any, dev_issuer: DevIssuer, changes: dict[str, Any], reason: str
) -> None:
    refused(call(client, f"Bearer {dev_issuer.sign(admin_claims(dev_issuer, **changes))}"), reason)


def test_a_non_admin_role_is_forbidden_on_admin_routes(client: Any) -> None:
    for role, unit in (
        ("operator", "kel:36.73.05.1002"),
        ("supervisor", "kec:36.73.05"),
        ("callcenter", "call112"),
        ("operator", "opd:dpupr"),
    ):
        refused(client.http.get(ROUTE, headers=bearer(role, unit)), "role_not_allowed", status=403)


def test_user_in_group_with_other_non_role_groups_keeps_its_role(client: Any, dev_issuer: DevIssuer) -> None:
    token = dev_issuer.sign(admin_claims(dev_issuer, **{"cognito:groups": ["admin", "ap-southeast-3_x_Google"]}))
    assert call(client, f"Bearer {token}").status_code == 200


def test_issuer_unreachable_is_a_503_and_lets_nobody_in(
    client: Any, dev_issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap
    from tests.support.stack import free_port

    monkeypatch.setenv("AUTH_ISSUER", f"http://127.0.0.1:{free_port()}/nobody-listens")
    bootstrap.reset()
    token = dev_issuer.mint("admin", "city", iss=f"http://127.0.0.1:{free_port()}/nobody-listens")
    resp = call(client, f"Bearer {token}")
    assert resp.status_code == 503, resp.body
    assert resp.json_body["error"] == "signin_unavailable" and resp.headers["Retry-After"]
    assert call(client, None).status_code == 401  # no token: still a 401, never a pass


def test_keys_are_cached_and_rotation_is_picked_up_at_most_once_per_interval(dev_issuer: DevIssuer) -> None:
    """Against the test issuer over HTTP, with the adapter's clock in our hands."""
    from chalicelib.adapters.jwks import JwksKeys, jwks_url

    now = [1000.0]
    keys = JwksKeys(jwks_url(dev_issuer.issuer), max_age_s=3600, refetch_s=60, clock=lambda: now[0])
    assert keys.key(dev_issuer.kid) is not None and keys.fetches == 1
    for _ in range(50):  # a flood of made-up kids right after a fetch: no call to the issuer
        assert keys.key(uuid.uuid4().hex) is None
    assert keys.fetches == 1
    now[0] += 61
    for _ in range(50):  # later: one refetch for the first unknown kid, then none within the interval
        assert keys.key(uuid.uuid4().hex) is None
    assert keys.fetches == 2
    assert keys.key(dev_issuer.kid) is not None and keys.fetches == 2  # cached
    rotated = dev_issuer.add_key(new_key())
    try:
        assert keys.key(rotated) is None and keys.fetches == 2  # still inside the interval
        now[0] += 61
        assert keys.key(rotated) is not None and keys.fetches == 3  # the new key, after one fetch
        now[0] += 3600  # older than max age: fetched again on the next use
        assert keys.key(rotated) is not None and keys.fetches == 4
    finally:
        dev_issuer.retire(rotated)


def test_a_rotated_key_is_accepted_by_the_app(client: Any, dev_issuer: DevIssuer) -> None:
    rotated = dev_issuer.add_key(new_key())  # the app's keys are fetched fresh per test (bootstrap.reset)
    try:
        resp = call(client, f"Bearer {token_for('admin', 'city')}")
        assert resp.status_code == 200, resp.body
    finally:
        dev_issuer.retire(rotated)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=300),
        st.builds(lambda s: "Bearer " + s, st.text(alphabet=st.characters(codec="ascii"), max_size=400)),
        st.builds(lambda a, b, c: f"Bearer {a}.{b}.{c}", *[st.text("ABCDEFabcdef0123456789-_", max_size=80)] * 3),
    )
)
def test_generated_authorization_headers_never_get_in_nor_crash(client: Any, authorization: str) -> None:
    resp = call(client, authorization)
    assert resp.status_code == 401, (authorization, resp.status_code, resp.body)
    assert len(resp.body) < 1000


def test_tokens_never_reach_the_logs_and_refusals_say_why(client: Any, dev_issuer: DevIssuer) -> None:
    from tests.integration.test_log_privacy import captured_logs

    good = token_for("admin", "city", user="koordinator")
    expired = dev_issuer.sign(admin_claims(dev_issuer, exp=1, iat=0))
    with captured_logs() as buffer:
        assert call(client, f"Bearer {good}").status_code == 200
        assert call(client, f"Bearer {expired}").status_code == 401
    out = buffer.getvalue()
    for token in (good, expired):
        assert token not in out and token.split(".")[1] not in out and token.split(".")[2] not in out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(e.get("message") == "sign-in refused" and e.get("reason") == "token_expired" for e in lines)
