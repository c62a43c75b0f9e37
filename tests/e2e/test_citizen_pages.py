"""The citizens' pages in a real headless Chromium: /lapor/ (report) and /lacak/ (follow).

A complaint typed into /lapor/ with a photo reaches the LAPOR! simulator with that
photo, downscaled, exactly once, though the button is pressed twice and the first
answer is lost on the way back; a place tapped on the kelurahan map gives the
point and its kelurahan; offline, it waits in the browser and goes once
when the signal returns; a field the API refuses keeps what was typed; the form
is completed with the keyboard alone. /lacak/<id> shows a unit's answer and the photos
the hub checked (of a confidential complaint, status and dates only), and the reporter's controls only
with the reporter token. axe-core (`make axe`) finds no
serious or critical violation on either page. Chromium is Debian's (`make browser`).
"""

from __future__ import annotations

import hashlib
import json
import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.jurisdictions.wilayah import shared_dir
from tests.conftest import VALID, poll
from tests.e2e.test_public_page import CHROMIUM, FLAGS
from tests.support.stack import ROOT, LocalStack

pytestmark = pytest.mark.e2e

AXE = ROOT / "build" / "axe" / "axe.min.js"
CATEGORY = "jalan-rusak"
KELURAHAN = "36.73.01.1002"
#: a point in the city no other end-to-end test reports at
POINT = {"latitude": -6.1189, "longitude": 106.1497}
#: a point well inside KELURAHAN (about 800 m from its boundary), tapped on the form's map
MAP_POINT = (-6.1250, 106.1640)

Browser = Callable[..., Any]


@pytest.fixture(scope="module")
def pw() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make browser` installs Debian's chromium package"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(pw: Any, tmp_path: Path) -> Iterator[Browser]:
    """A fresh phone-sized browser profile per call (its own storage), closed after the test."""
    opened: list[Any] = []

    def open_page(**options: Any) -> Any:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(opened)}"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 360, "height": 780},
            **options,
        )
        opened.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        return page

    yield open_page
    for context in opened:
        context.close()


def _lapor(stack: LocalStack) -> str:
    return f"http://127.0.0.1:{stack.env['LAPOR_SIM_PORT']}"


def _at_lapor(stack: LocalStack, marker: str) -> list[dict[str, Any]]:
    """The simulator's tickets whose text carries the marker."""
    rows = requests.get(f"{_lapor(stack)}/_sim/complaints", timeout=10).json()["results"]["data"]
    return [r for r in rows if marker in (r.get("content") or "")]


def _one_at_lapor(stack: LocalStack, marker: str) -> dict[str, Any]:
    [row] = poll(lambda: _at_lapor(stack, marker), deadline_s=90, every_s=0.5)
    return dict(row)


def _fill(page: Any, description: str, kelurahan: bool = True) -> None:
    page.wait_for_selector("body[data-ready='true']")
    page.get_by_label("Kategori").select_option(CATEGORY)
    page.get_by_label("Apa yang terjadi?").fill(description)
    if kelurahan:
        page.get_by_label("atau pilih kelurahan").select_option(KELURAHAN)


def _tap_map(page: Any, api: str, lat: float, lon: float) -> None:
    """Tap the report form's kelurahan map where the point is drawn (the map file's own projection)."""
    pr = requests.get(f"{api}/static/kelurahan.json", timeout=10).json()["projection"]
    drawn = [(lon - pr["west"]) * pr["x_per_deg"], (pr["north"] - lat) * pr["y_per_deg"]]
    page.locator("#map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        "([x, y]) => { const p = new DOMPoint(x, y).matrixTransform(document.querySelector('#map').getScreenCTM());"
        " return [p.x, p.y]; }",
        drawn,
    )
    page.mouse.click(x, y)


def _png(width: int, height: int) -> bytes:
    """A gradient PNG (no imaging library needed), larger than the page lets go up."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(_png_row(width, height, y) for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def _png_row(width: int, height: int, y: int) -> bytes:
    g = y * 255 // height
    return b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, g, 128))


def hub_copy(photo: bytes) -> bytes:
    """What the hub makes of an uploaded photo (the same encoder, the same rules)."""
    from chalicelib.adapters.photos import PhotoEncoder
    from chalicelib.domain.attachments import rules

    return PhotoEncoder(rules().photo_max_side_px, rules().photo_jpeg_quality).reencode(photo)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's frame header."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("no JPEG frame header")


def _multipart_file(body: bytes) -> bytes:
    """The bytes of the `file` part of a multipart/form-data body."""
    boundary = body.split(b"\r\n", 1)[0]
    for part in body.split(boundary):
        head, _, rest = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return rest[: -len(b"\r\n")] if rest.endswith(b"\r\n") else rest
    raise AssertionError("no file part")


def _axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is shown."""
    assert AXE.exists(), f"{AXE} is missing: `make axe` fetches axe-core (npm pack)"
    # evaluated by the test's driver, not as a script element: the page's CSP refuses inline scripts
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_report_with_photo_sent_twice_and_answer_lost_files_once(
    running_stack: LocalStack, browser: Browser, tmp_path: Path
) -> None:
    api = running_stack.url
    # someone reported the same thing here before: the form shows it, with a link to follow it
    earlier = requests.post(
        f"{api}/v1/complaints",
        json={
            "category": CATEGORY,
            "description": "Lubang besar di tikungan, sudah seminggu belum ditambal.",
            "location": {"lat": POINT["latitude"], "lon": POINT["longitude"]},
            "anonymous": True,
        },
        timeout=10,
    )
    assert earlier.status_code == 201, earlier.text
    earlier_id = earlier.json()["tracking_id"]

    page = browser(
        permissions=["geolocation"], geolocation=POINT, service_workers="block"
    )  # page.route sees every request only without a service worker
    page.goto(f"{api}/lapor/")
    marker = f"uji-{uuid.uuid4().hex[:10]}"
    _fill(page, f"Jalan berlubang dalam di depan sekolah, membahayakan anak-anak ({marker}).", kelurahan=False)
    description = f"Jalan berlubang dalam di depan sekolah, membahayakan anak-anak ({marker})."

    def earlier_shown() -> bool:
        # the nearby index follows the table's stream: ask again (the draft is kept) until it is there
        page.get_by_role("button", name="Gunakan lokasi saya").click()
        link = page.locator(f"#nearby-list a[href='/lacak/{earlier_id}']")
        try:
            link.wait_for(timeout=3000)
        except Exception:
            return False
        return True

    poll(earlier_shown, deadline_s=90, every_s=0.5)
    assert page.get_by_label("Apa yang terjadi?").input_value() == description
    photo = tmp_path / "foto.png"
    photo.write_bytes(_png(2400, 1800))
    page.get_by_label("Foto").set_input_files(str(photo))
    page.wait_for_selector("#photo-list img")
    page.get_by_label("Nomor HP atau e-mail (tidak wajib)").fill("081234500000")

    uploaded: list[bytes] = []

    def photo_to_s3(request: Any) -> None:  # the presigned POST: not this site's API
        if request.method == "POST" and not request.url.startswith(api):
            uploaded.append(_multipart_file(request.post_data_buffer))

    page.on("request", photo_to_s3)
    sent: list[str] = []

    def lose_first_answer(route: Any) -> None:
        sent.append(route.request.headers.get("idempotency-key", ""))
        if len(sent) == 1:
            route.fetch()  # the hub files it...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()

    page.route("**/v1/complaints", lose_first_answer)
    page.get_by_role("button", name="Kirim aduan").dblclick()
    page.wait_for_selector("#done:not([hidden])", timeout=60_000)
    tracking_id = page.locator("#done-id").inner_text()
    assert len(sent) == 2 and sent[0] == sent[1] and len(sent[0]) >= 16, sent
    assert page.locator("#done-token").inner_text().strip()
    assert page.get_by_role("link", name="Ikuti aduan ini").get_attribute("href") == f"/lacak/{tracking_id}"
    # a reload after sending files nothing more
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.get_by_label("Apa yang terjadi?").input_value() == ""

    row = _one_at_lapor(running_stack, marker)
    assert requests.get(f"{api}/v1/complaints/{tracking_id}", timeout=10).json()["lapor_id"] == row["complaint_id"]
    [doc] = poll(lambda: _one_at_lapor(running_stack, marker)["attachments"], deadline_s=90, every_s=0.5)
    assert doc["content_type"] == "image/jpeg" and len(uploaded) == 1
    # the photo the browser sent, as the hub re-encodes every photo before LAPOR! sees it (services/photo_checks.py)
    assert doc["sha256"] == hashlib.sha256(hub_copy(uploaded[0])).hexdigest()
    assert max(_jpeg_size(uploaded[0])) == 1600
    assert len(_at_lapor(running_stack, marker)) == 1

    # followed on /lacak/: the photo shows, as the hub's clean copy, from this site only
    page.goto(f"{api}/lacak/{tracking_id}")
    page.wait_for_selector("#record:not([hidden])")
    img = page.get_by_role("img", name="Foto 1 dari 1 yang dilampirkan pada aduan ini")
    img.wait_for()
    assert img.get_attribute("loading") == "lazy"
    img.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#r-photos img').naturalWidth > 0")
    src = img.get_attribute("src")
    assert src == f"/v1/complaints/{tracking_id}/photos/1"
    served = requests.get(f"{api}{src}", headers={"Accept": "image/avif,image/webp,*/*"}, timeout=10)
    assert served.headers["Content-Type"] == "image/jpeg"
    assert hashlib.sha256(served.content).hexdigest() == doc["sha256"]
    assert [e for e in page.errors if "ERR_CONNECTION_RESET" not in e] == [], page.errors  # the lost answer


def test_place_tapped_on_the_map_offline_then_online_files_once_and_the_page_opens_offline(
    running_stack: LocalStack, browser: Browser
) -> None:
    api = running_stack.url
    page = browser()
    page.goto(f"{api}/lapor/")
    page.wait_for_selector("body[data-ready='true']")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []  # manifest and worker: installable
    marker = f"uji-{uuid.uuid4().hex[:10]}"
    _fill(page, f"Sampah menumpuk di saluran air dekat pasar ({marker}).", kelurahan=False)
    # the place from the map: a first tap chooses the kelurahan and zooms in, a second one the spot
    _tap_map(page, api, *MAP_POINT)
    assert page.get_by_label("atau pilih kelurahan").input_value() == KELURAHAN
    assert page.get_by_role("button", name="Tampilkan seluruh peta").is_visible()
    _tap_map(page, api, *MAP_POINT)
    sent: list[dict[str, Any]] = []
    page.on(
        "request", lambda r: r.method == "POST" and r.url.endswith("/v1/complaints") and sent.append(r.post_data_json)
    )
    page.context.set_offline(True)
    page.get_by_role("button", name="Kirim aduan").click()
    note = page.locator("#queued")
    note.wait_for(state="visible")
    assert "menunggu sinyal" in note.inner_text()
    page.context.set_offline(False)
    page.wait_for_selector("#done:not([hidden])", timeout=60_000)
    tracking_id = page.locator("#done-id").inner_text()
    row = _one_at_lapor(running_stack, marker)
    shown = requests.get(f"{api}/v1/complaints/{tracking_id}", timeout=10).json()
    assert shown["lapor_id"] == row["complaint_id"] and shown["kelurahan_code"] == KELURAHAN
    where = sent[-1]["location"]
    assert where["kelurahan_code"] == KELURAHAN
    assert abs(where["lat"] - MAP_POINT[0]) < 0.0005 and abs(where["lon"] - MAP_POINT[1]) < 0.0005  # ~50 m

    # the shell opens without a signal (the service worker's cache)
    page.context.set_offline(True)
    page.goto(f"{api}/lacak/{tracking_id}")
    assert page.get_by_label("Nomor pelacakan").is_visible()
    page.context.set_offline(False)
    assert len(_at_lapor(running_stack, marker)) == 1


def test_field_error_keeps_the_text_and_keyboard_alone_completes_the_form(
    running_stack: LocalStack, browser: Browser
) -> None:
    api = running_stack.url
    page = browser()
    page.goto(f"{api}/lapor/")
    _fill(page, "Bocor")
    page.get_by_role("button", name="Kirim aduan").click()
    error = page.locator("#err-description")
    error.wait_for(state="visible")
    assert error.inner_text() == "Apa yang terjadi? terlalu pendek."
    assert page.get_by_label("Apa yang terjadi?").input_value() == "Bocor"
    assert page.get_by_label("Kategori").input_value() == CATEGORY
    assert page.get_by_label("Apa yang terjadi?").get_attribute("aria-invalid") == "true"
    assert _axe(page) == []

    # the keyboard only: Tab to move, arrows to choose, Space to tick, Enter to send
    page = browser()
    page.goto(f"{api}/lapor/")
    page.wait_for_selector("body[data-ready='true']")
    marker = f"uji-{uuid.uuid4().hex[:10]}"

    def tab_to(element_id: str) -> None:
        for _ in range(30):
            if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached #{element_id}")

    form = page.get_by_role("form", name="Buat aduan")
    assert form.get_by_role("group", name="Lokasi").is_visible()
    assert form.get_by_role("button", name="Gunakan lokasi saya").is_visible()
    tab_to("category")
    page.keyboard.press("ArrowDown")
    tab_to("description")
    page.keyboard.type(f"Lampu jalan padam sepanjang gang ({marker}).")
    tab_to("kelurahan")
    page.keyboard.press("ArrowDown")
    tab_to("confidential")
    page.keyboard.press("Space")
    tab_to("send")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])", timeout=60_000)
    assert page.evaluate("() => document.activeElement.id") == "done"
    assert _at_lapor(running_stack, marker) or _one_at_lapor(running_stack, marker)
    assert _axe(page) == []

    # filed confidential: its tracking page shows status and dates only, and the reporter's controls
    # with the token this browser kept
    page.get_by_role("link", name="Ikuti aduan ini").click()
    page.wait_for_selector("#record:not([hidden])")
    assert page.locator("#r-status").is_visible() and page.locator("#r-created").is_visible()
    assert not page.locator("#r-unit").is_visible() and not page.locator("#r-category").is_visible()
    assert marker not in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Kirim tanggapan").is_visible()
    assert page.errors == []


def _act(stack: LocalStack, token: str, tid: str, action: str, **fields: Any) -> dict[str, Any]:
    """An operator's action as a console takes it (read, act with the ETag, again on a stale version)."""
    bearer = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        shown = requests.get(f"{stack.url}/v1/operator/complaints/{tid}", headers=bearer, timeout=10)
        assert shown.status_code == 200, shown.text
        done = requests.post(
            f"{stack.url}/v1/operator/complaints/{tid}/actions",
            json={"action": action, **fields},
            headers={**bearer, "If-Match": shown.headers["ETag"]},
            timeout=10,
        )
        if done.status_code != 409 or done.json().get("error") != "stale_version":
            break
    assert done.status_code == 200, done.text
    return dict(done.json())


def test_follow_page_shows_the_answer_and_rating_needs_the_token(running_stack: LocalStack, browser: Browser) -> None:
    api = running_stack.url
    filed = requests.post(f"{api}/v1/complaints", json=VALID, timeout=10)
    assert filed.status_code == 201, filed.text
    tid, reporter_token = filed.json()["tracking_id"], filed.json()["reporter_token"]
    poll(lambda: requests.get(f"{api}/v1/complaints/{tid}", timeout=10).json().get("lapor_id"), deadline_s=90)
    unit = requests.get(f"{api}/v1/complaints/{tid}", timeout=10).json()["unit"]["code"]
    operator = running_stack.make_token("operator", unit, user="warga-e2e")
    answer = "Lubang akan ditambal tim UPT Jalan pada Kamis pagi."
    _act(running_stack, operator, tid, "acknowledge")
    _act(running_stack, operator, tid, "respond", message=answer)

    # anyone: the record and the unit's answer, no reporter data, no reporter controls
    page = browser()
    page.goto(f"{api}/lacak/")
    page.get_by_label("Nomor pelacakan").fill(tid.lower())
    page.get_by_role("button", name="Lacak").click()
    page.wait_for_selector("#record:not([hidden])")
    assert answer in page.locator("#r-timeline").inner_text()
    assert page.url.endswith(f"/lacak/{tid}")
    text = page.locator("main").inner_text()
    assert "Siti" not in text and VALID["reporter"]["phone"] not in text  # type: ignore[index]
    assert page.get_by_role("button", name="Kirim nilai").count() == 0 or not page.locator("#actions").is_visible()
    assert not page.get_by_role("button", name="Kirim tanggapan").is_visible()
    assert _axe(page) == []

    _act(running_stack, operator, tid, "resolve", message="Lubang sudah ditambal.")
    refused = requests.post(f"{api}/v1/complaints/{tid}/rating", json={"stars": 4}, timeout=10)
    assert refused.status_code in (401, 403), refused.text

    # the reporter, with the code written down: the rating goes once
    page.goto(f"{api}/lacak/{tid}")
    page.wait_for_selector("#record:not([hidden])")
    assert not page.get_by_role("button", name="Kirim nilai").is_visible()
    page.get_by_label("Kode rahasia (dari saat aduan dikirim)").fill(reporter_token)
    page.get_by_role("button", name="Pakai kode").click()
    page.get_by_text("4", exact=True).click()
    page.get_by_label("Komentar (tidak wajib)").fill("Cepat, terima kasih.")
    page.get_by_role("button", name="Kirim nilai").click()
    page.wait_for_selector("#action-message:text('Terkirim')")
    again = requests.post(
        f"{api}/v1/complaints/{tid}/rating", json={"stars": 4}, headers={"X-Reporter-Token": reporter_token}, timeout=10
    )
    assert again.status_code == 409, again.text  # rated once: the page's rating was accepted
    assert _axe(page) == []
    assert page.errors == []


def test_each_region_has_its_own_transparency_page(running_stack: LocalStack, browser: Browser) -> None:
    """/j/<code>/ is a region's own page: its name, its figures (every API call names the region),
    its own map (its kelurahan, from its places.geojson); / links to it and keeps its own map.
    axe-core finds nothing serious."""
    regions = requests.get(f"{running_stack.url}/v1/jurisdictions", timeout=10).json()["jurisdictions"]
    other = next((j for j in regions if j["code"] != regions[0]["code"] and j["kind"] == "kota"), None)
    if other is None:
        pytest.skip("make run onboarded no region beside the default one (no shared area list)")
    page = browser()
    asked: list[str] = []  # the figures the region's page reads
    page.on("request", lambda r: asked.append(r.url) if "/v1/stats" in r.url and "/j/" in r.frame.url else None)
    page.goto(f"{running_stack.url}/")
    page.get_by_role("navigation", name="Wilayah lain").get_by_role("link", name=f"Kota {other['name']}").click()
    page.wait_for_url(f"**/j/{other['code']}/")
    assert page.title().endswith(f"Kota {other['name']}")
    page.wait_for_function("() => document.querySelectorAll('#city-cards > *').length > 0")
    page.wait_for_function("() => document.querySelectorAll('#rank-table tbody tr').length > 0")
    assert _axe(page) == []
    # its own map: each of its kelurahan (islands too) and none of another region's
    places = requests.get(
        f"{running_stack.url}/v1/stats/places.geojson?jurisdiction={other['code']}", timeout=10
    ).json()["features"]
    batas = json.loads((shared_dir() / "data" / "wilayah" / f"batas-{other['code']}.geojson").read_text())
    page.get_by_role("link", name="Peta", exact=True).click()
    page.wait_for_selector("#map a path")
    drawn = page.eval_on_selector_all("#map a", "as => as.map(a => a.dataset.kelurahan)")
    assert sorted(drawn) == sorted(f["properties"]["kode"] for f in batas["features"]) and len(drawn) == len(places)
    name = places[0]["properties"]["kelurahan_name"]
    assert page.locator(f'#map a[aria-label^="Kelurahan {name}:"]').count() == 1
    assert any("/v1/stats/places.geojson" in u for u in asked)
    assert asked and all(f"jurisdiction={other['code']}" in u for u in asked), asked
    assert _axe(page) == []
    assert page.errors == []  # nothing refused by the page's CSP
    # the default region's page still draws its own
    page.goto(f"{running_stack.url}/#/peta")
    page.wait_for_selector("#map a path")
    home = page.eval_on_selector_all("#map a", "as => as.map(a => a.dataset.kelurahan)")
    assert len(home) == 67 and not set(home) & set(drawn)
    assert requests.get(f"{running_stack.url}/j/99.99/", timeout=10).status_code == 404
