"""The public transparency page in a real headless Chromium (Debian's package, driven by Playwright).

The local stack starts as `make run` starts it, `make seed` fills it, and the
page is used as a person would: it loads without a console error, the ranking
shows the figures of `GET /v1/stats`, a unit's page opens, the map draws the 67
kelurahan, and the tracking-id box finds a complaint. Chromium is installed by
`make test` (apt); without it this test fails, it never skips.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import VALID, poll
from tests.support.stack import ROOT, LocalStack, local_stack

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def page_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A local stack of its own, started as `make run` starts it: `make seed` reads the table's
    stream from its start to bring the figures up to date, and the session's stack has by now a
    stream of thousands of records from the other end-to-end tests (minutes to read again)."""
    with local_stack(tmp_path_factory.mktemp("page-stack"), RATE_LIMIT_SCALE="1000") as stack:
        yield stack


@pytest.fixture(scope="module")
def seeded(page_stack: LocalStack) -> dict[str, Any]:
    """Its local stack, filled by `make seed` (its own command), plus one complaint to look up."""
    seed = subprocess.run(
        [sys.executable, "-m", "infra.local.seed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**page_stack.env, "SEED_COMPLAINTS": "150"},
        timeout=300,
    )
    assert seed.returncode == 0, seed.stdout + seed.stderr
    api = page_stack.url
    resp = requests.post(f"{api}/v1/complaints", json=VALID, timeout=10)
    assert resp.status_code == 201, resp.text
    return {"api": api, "tracking_id": resp.json()["tracking_id"]}


@pytest.fixture(scope="module")
def browser_page(seeded: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        page = context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
        page.on("requestfailed", lambda r: page.errors.append(f"request failed: {r.url}"))  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()


def _rows(page: Any) -> dict[str, dict[str, str]]:
    return page.eval_on_selector_all(
        "#rank-table tbody tr",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.unit, Object.fromEntries("
        "Array.from(r.querySelectorAll('td[data-field]')).map(td => [td.dataset.field, td.dataset.value]))]))",
    )


def _same(page_row: dict[str, str], api_row: dict[str, Any]) -> None:
    for field, shown in page_row.items():
        want = api_row[field]
        assert (shown == "" and want is None) or float(shown) == float(want), (api_row["unit_code"], field)


def test_page_ranking_unit_map_and_tracking(browser_page: Any, seeded: dict[str, Any]) -> None:
    page, api = browser_page, seeded["api"]
    page.goto(f"{api}/")
    page.wait_for_selector("#rank-table tbody tr[data-unit]")
    assert page.locator("h1").first.inner_text().startswith("Kinerja")
    home_contrast = page.evaluate(_CONTRAST_JS)
    assert home_contrast["ratio"] >= 4.5, home_contrast

    # the ranking shows the API's figures, for OPD and (by keyboard) for kecamatan
    expected = {
        r["unit_code"]: r
        for r in requests.get(f"{api}/v1/stats?level=opd&window=30d&view=unit", timeout=10).json()["units"]
    }
    shown = _rows(page)
    assert set(shown) == set(expected)
    assert sum(int(r["received"]) for r in shown.values()) > 0
    for code, row in shown.items():
        _same(row, expected[code])
    page.focus("#tab-opd")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#tab-kecamatan[aria-selected='true']")
    page.wait_for_selector("#rank-table tbody tr[data-unit^='kec:']")
    kec = {
        r["unit_code"]: r
        for r in requests.get(f"{api}/v1/stats?level=kecamatan&window=30d&view=unit", timeout=10).json()["units"]
    }
    shown = _rows(page)
    assert set(shown) == set(kec) and len(kec) == 6
    for code, row in shown.items():
        _same(row, kec[code])

    # sorting by a figure: the column's values come out in order (ranked units first)
    page.click("#rank-table thead button[data-field='received']")
    values = page.eval_on_selector_all(
        "#rank-table tbody tr:not(.unranked) td[data-field='received']",
        "tds => tds.map(td => Number(td.dataset.value))",
    )
    assert values == sorted(values, reverse=True) or values == sorted(values)

    # a unit's own page: figures, the 12-month chart, its overdue list
    first = page.locator("#rank-table tbody tr[data-unit] td.text a").first
    name = first.inner_text()
    first.click()
    poll(lambda: page.locator("#h-unit").inner_text() == name, deadline_s=15)
    assert page.locator("#chart rect").count() == 24  # 12 months x (received, resolved)
    assert page.locator("#unit-table tbody tr").count() > 10
    unit_contrast = page.evaluate(_CONTRAST_JS)
    assert unit_contrast["ratio"] >= 4.5, unit_contrast

    # the map: 67 kelurahan, each a link to its page
    page.goto(f"{api}/#/peta")
    page.wait_for_selector("#map path")
    assert page.locator("#map a path").count() == 67
    overdue = sum(int(v) for v in page.eval_on_selector_all("#map path", "ps => ps.map(p => p.dataset.overdue)"))
    place = requests.get(f"{api}/v1/stats?level=kelurahan&window=30d&view=place", timeout=10).json()["units"]
    assert overdue == sum(r["overdue"] for r in place)

    # the tracking-id box shows the public timeline
    page.goto(f"{api}/#/lacak")
    page.fill("#track-id", seeded["tracking_id"].lower())
    page.press("#track-id", "Enter")
    page.wait_for_selector("#track-result .timeline li")
    text = page.locator("#track-result").inner_text()
    assert seeded["tracking_id"] in text and "Siti" not in text

    # WCAG AA contrast of the text actually shown (4.5:1; 3:1 for large text)
    worst = page.evaluate(_CONTRAST_JS)
    assert worst["ratio"] >= 4.5, worst
    assert page.errors == []  # type: ignore[attr-defined]


def test_csv_download_link(browser_page: Any, seeded: dict[str, Any]) -> None:
    page, api = browser_page, seeded["api"]
    page.goto(f"{api}/#/data")
    href = page.get_attribute("#csv-link", "href")
    resp = requests.get(f"{api}{href}", timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    header = resp.content.decode("utf-8").splitlines()[0].split(",")
    assert header[:3] == ["window", "unit_code", "unit_name"]
    assert page.errors == []  # type: ignore[attr-defined]


_CONTRAST_JS = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 :
    Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); } return [255, 255, 255]; };
  let worst = { ratio: 99, text: "" };
  for (const el of document.querySelectorAll("body *")) {
    if (!el.offsetParent || el.closest("svg")) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(parse(getComputedStyle(el).color).slice(0, 3)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst.ratio) worst = { ratio: Math.round(ratio * 100) / 100, text: el.textContent.slice(0, 60) };
  }
  return worst;
}"""


def test_downloads_follow_what_the_page_shows(browser_page: Any, seeded: dict[str, Any]) -> None:
    page, api = browser_page, seeded["api"]
    page.goto(f"{api}/#/")
    page.click("#tab-kecamatan")
    page.select_option("#window", "90d")
    page.check('input[name="view"][value="place"]')
    page.goto(f"{api}/#/data")
    href = page.get_attribute("#csv-link", "href")
    assert href == "/v1/stats.csv?window=90d&level=kecamatan&view=place", href
    resp = requests.get(f"{api}{href}", timeout=10)
    assert resp.status_code == 200
    rows = resp.content.decode("utf-8").splitlines()
    assert rows[1:] and all(r.startswith("90d,kec:") and ",kecamatan,place," in r for r in rows[1:])
    for link in ("#list-csv-link", "#list-json-link", "#geojson-link"):
        target = page.get_attribute(link, "href")
        assert "window=90d" in target, (link, target)
        assert requests.get(f"{api}{target}", timeout=10).status_code == 200, target
    assert page.errors == []  # type: ignore[attr-defined]
