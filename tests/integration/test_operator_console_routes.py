"""The operators' console as the deployment serves it: the page with its strict policy, where to sign in
(the test's development issuer), the service worker under /operator/ and the static files."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("path", ["/operator", "/operator/"])
def test_the_console_is_served_with_its_policy(client: Any, dev_issuer: Any, path: str) -> None:
    page = client.http.get(path)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert b'src="/static/operator.js"' in page.body and b'aria-label="Kotak masuk"' in page.body
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    # the page trades its code at the issuer's token endpoint: the one other origin it may call
    origin = dev_issuer.issuer.split("/aduan-hub-dev")[0]
    connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src")).split()[1:]
    assert connect[0] == "'self'" and origin in connect


def test_config_names_the_issuers_endpoints(client: Any, dev_issuer: Any) -> None:
    config = client.http.get("/operator/config.json")
    assert config.status_code == 200
    assert config.json_body == {
        "issuer": dev_issuer.issuer,
        "client_id": dev_issuer.audience,
        "scope": "openid email profile",
        "authorization_endpoint": f"{dev_issuer.issuer}/authorize",
        "token_endpoint": f"{dev_issuer.issuer}/token",
        "end_session_endpoint": f"{dev_issuer.issuer}/logout",
    }


def test_assets_and_service_worker(client: Any) -> None:
    for name in ("operator.js", "operator.css", "operator.webmanifest"):
        assert client.http.get(f"/static/{name}").status_code == 200, name
    worker = client.http.get("/operator/sw.js")
    assert worker.status_code == 200 and worker.headers["Content-Type"].startswith("application/javascript")
    assert client.http.get("/static/operator-sw.js").status_code == 404  # its scope must be /operator/
