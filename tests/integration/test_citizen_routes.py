"""The citizens' pages as the deployment serves them: one document per page for every path under it,
the strict security policy naming the stack's own upload origin, the service worker at the root."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("path", "script"),
    [("/lapor", "lapor.js"), ("/lapor/", "lapor.js"), ("/lacak", "lacak.js"), ("/lacak/SRG-ABCD-EFGH", "lacak.js")],
)
def test_pages_are_served_with_their_policy(client: Any, path: str, script: str) -> None:
    page = client.http.get(path)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f'src="/static/{script}"'.encode() in page.body
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    # photos go where POST /v1/uploads tells the browser to send them, and nowhere else
    form = client.http.post(
        "/v1/uploads", headers={"Content-Type": "application/json"}, body='{"content_type": "image/jpeg"}'
    )
    assert form.status_code == 201, form.body
    target = form.json_body["upload"]["url"]
    connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src")).split()[1:]
    assert connect[0] == "'self'" and len(connect) == 2 and target.startswith(connect[1] + "/")


def test_assets_and_service_worker(client: Any) -> None:
    for name in ("warga.js", "lapor.js", "lacak.js", "warga.css", "manifest.webmanifest", "icon.svg"):
        assert client.http.get(f"/static/{name}").status_code == 200, name
    worker = client.http.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["Content-Type"].startswith("application/javascript")
    assert client.http.get("/static/sw.js").status_code == 404  # its scope would be /static/ only
