"""The operators' console's sign-in settings and security policy, read from the code (nothing started)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from chalicelib.routes import web
from chalicelib.settings import settings

POOL = "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_AbCdEf"


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "ATTACHMENTS_BUCKET", "AUTH_LOGIN_URL"):
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_in_aws_the_console_signs_in_at_cognitos_managed_login(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("AUTH_ISSUER", POOL)
    monkeypatch.setenv("AUTH_AUDIENCE", "3n4b5client")
    monkeypatch.setenv("AUTH_LOGIN_URL", "https://aduan-prod.auth.ap-southeast-3.amazoncognito.com/")
    config = web.operator_signin()
    assert config == {
        "issuer": POOL,
        "client_id": "3n4b5client",
        "scope": "openid email profile",
        "authorization_endpoint": "https://aduan-prod.auth.ap-southeast-3.amazoncognito.com/oauth2/authorize",
        "token_endpoint": "https://aduan-prod.auth.ap-southeast-3.amazoncognito.com/oauth2/token",
        "end_session_endpoint": "https://aduan-prod.auth.ap-southeast-3.amazoncognito.com/logout",
    }
    csp = dict(d.strip().split(" ", 1) for d in web.operator_csp().split(";"))
    assert csp["connect-src"] == "'self' https://aduan-prod.auth.ap-southeast-3.amazoncognito.com"


def test_locally_the_development_issuer_serves_the_endpoints(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("AUTH_ISSUER", "http://127.0.0.1:8200/aduan-hub-dev")
    monkeypatch.setenv("AUTH_AUDIENCE", "aduan-hub-dev-client")
    config = web.operator_signin()
    assert config["authorization_endpoint"] == "http://127.0.0.1:8200/aduan-hub-dev/authorize"
    assert config["token_endpoint"] == "http://127.0.0.1:8200/aduan-hub-dev/token"
    assert "connect-src 'self' http://127.0.0.1:8200;" in web.operator_csp()


def test_policy_refuses_inline_code_eval_and_frames(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    monkeypatch.setenv("AUTH_ISSUER", POOL)
    csp = dict(d.strip().split(" ", 1) for d in web.operator_csp().split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert "unsafe" not in web.operator_csp()
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"


def test_the_console_has_no_inline_code_and_writes_no_html_nor_local_storage() -> None:
    html = (web.WEB / "operator.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    for script in ("operator.js", "operator-sw.js"):
        code = (web.WEB / script).read_text(encoding="utf-8")
        assert "innerHTML" not in code and "insertAdjacentHTML" not in code and "eval(" not in code
        assert "localStorage" not in code  # the token and drafts: this tab's sessionStorage only
