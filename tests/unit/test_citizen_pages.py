"""The citizens' pages' security policy: photos may go to the upload origin the deployment names, nowhere else."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from chalicelib.routes import web
from chalicelib.settings import settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_local_stack_uploads_go_to_its_s3_endpoint(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5005/")
    assert web.upload_origin() == "http://127.0.0.1:5005"
    assert "connect-src 'self' http://127.0.0.1:5005;" in web.citizen_csp()


def test_in_aws_uploads_go_to_the_attachments_bucket(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("ATTACHMENTS_BUCKET", "aduan-prod-attachments")
    assert web.upload_origin() == "https://aduan-prod-attachments.s3.amazonaws.com"


def test_policy_refuses_inline_code_frames_and_plugins(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("ATTACHMENTS_BUCKET", raising=False)
    csp = dict(d.strip().split(" ", 1) for d in web.citizen_csp().split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"


def test_every_page_asset_exists_and_no_page_has_inline_code() -> None:
    for name in web._ASSETS:
        assert (web.WEB / name).is_file(), name
    for page in ("lapor.html", "lacak.html"):
        html = (web.WEB / page).read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    for script in ("warga.js", "lapor.js", "lacak.js"):
        assert "innerHTML" not in (web.WEB / script).read_text(encoding="utf-8")


def test_a_point_tapped_on_the_form_map_is_where_the_api_places_it() -> None:
    """The report form turns a tap on the map back into lat/lon with the map file's projection: every
    kelurahan's drawn corners, turned back, lie on that kelurahan's boundary as the API knows it."""
    from chalicelib.domain import geo, reference

    shapes = json.loads(reference.map_file().read_text(encoding="utf-8"))
    pr = shapes["projection"]
    for kel in shapes["kelurahan"]:
        corners = re.findall(r"(-?[\d.]+),(-?[\d.]+)", kel["path"])
        for x, y in corners[:: max(1, len(corners) // 5)]:
            lat, lon = pr["north"] - float(y) / pr["y_per_deg"], pr["west"] + float(x) / pr["x_per_deg"]
            distance = geo.distance_to_kelurahan_m(lat, lon, kel["code"])
            assert distance is not None and distance <= 100, (kel["name"], lat, lon, distance)
