"""The operators' console (/operator/) in a real headless Chromium at 360x780, on the session's local stack.

Everyone signs in through the development issuer's form (authorization code with PKCE). The
operator's day: a complaint arrives and appears in the kelurahan's inbox without a reload (and
never in another kelurahan's), is acknowledged, answered (LAPOR! gets the answer once), a second
operator acting at the same time gets the stale-version screen with the text kept, an answer
written offline goes once when the signal returns, the kelurahan says not-ours, the coordinator
reassigns it, the OPD resolves it with a proof photo. A call centre confirms and dismisses calls
with the keyboard alone. axe-core finds no serious or critical violation on the pages shown.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.adapters.lapor_wire import marker_of
from chalicelib.channels.signature import HEADER_NAME, sign
from infra.local.run import DEV_CHANNEL_SECRETS
from tests.conftest import poll
from tests.e2e.test_public_page import CHROMIUM, FLAGS
from tests.support.stack import ROOT, LocalStack

pytestmark = pytest.mark.e2e

AXE = ROOT / "build" / "axe" / "axe.min.js"
KEL = "36.73.04.1004"  # no other end-to-end test files complaints here
OTHER_KEL = "36.73.04.1005"
OPD = "opd:dispusip"

Browser = Callable[..., Any]


@pytest.fixture(scope="module")
def pw() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make browser` installs Debian's chromium package"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(pw: Any, tmp_path: Path) -> Iterator[Browser]:
    """A fresh phone-sized browser (its own profile: storage, service worker) per person."""
    opened: list[Any] = []

    def open_page() -> Any:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(opened)}"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 360, "height": 780},
        )
        opened.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield open_page
    for context in opened:
        context.close()


def sign_in(page: Any, api: str, role: str, unit: str, user: str) -> Any:
    """Through the development issuer's form, as a person would; the code never stays in the address."""
    page.goto(f"{api}/operator/")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/authorize?**")
    page.get_by_label("Peran").select_option(role)
    page.get_by_label("Unit").fill(unit)
    page.get_by_label("Pengguna").fill(user)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{api}/operator/#/**")
    page.wait_for_selector("body[data-ready='true']")
    assert "code=" not in page.url and "state=" not in page.url
    stored = page.evaluate("JSON.stringify([Object.keys(localStorage), sessionStorage.getItem('op.session') !== null])")
    assert json.loads(stored) == [[], True]  # the token in this tab's sessionStorage, never localStorage
    page.get_by_text(f"{user} · {role} · {unit}").wait_for()
    return page


def press(page: Any, button: str, done: str) -> None:
    """Click an action's button until the console says it is saved, as a person would press again.

    LAPOR!'s own news (the status sync) may move the complaint's version between opening and acting:
    the console then shows the stale-version screen with the text kept. A status change may also be
    refused for a moment while the forwarder posts a follow-up to LAPOR! (409 being_forwarded)."""
    deadline = time.monotonic() + 90
    said = ""
    while time.monotonic() < deadline:
        page.evaluate(
            "document.querySelector('#stale').hidden = true; document.querySelector('#act-result').textContent = ''"
        )
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_function(
            "() => { const said = document.querySelector('#act-result').textContent;"
            " return (said !== '' && !said.endsWith('…')) || !document.querySelector('#stale').hidden; }"
        )
        said = page.locator("#act-result").inner_text()
        if done in said:
            return
        time.sleep(1)
    raise AssertionError(f"{button}: never saved (last: {said!r})")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as shown (WCAG 2.x A/AA and best practice)."""
    assert AXE.exists(), f"{AXE} is missing: `make axe` fetches axe-core (npm pack)"
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")  # by the driver: the CSP refuses inline scripts
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def hub_followups(stack: LocalStack, lapor_id: int) -> list[str]:
    """The first line of each of the hub's follow-ups at the LAPOR! simulator for the ticket."""
    rows = requests.get(f"http://127.0.0.1:{stack.env['LAPOR_SIM_PORT']}/_sim/complaints", timeout=10).json()
    [row] = [r for r in rows["results"]["data"] if r["complaint_id"] == lapor_id]
    return [f["content"].split("\n")[0] for f in row["followups"] if marker_of(f["content"]) is not None]


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 160)).save(out, "JPEG", quality=80)
    return out.getvalue()


def point_in(code: str) -> tuple[float, float]:
    """A point well inside a kelurahan, from the map's own shapes and projection (as a tap would give it)."""
    from chalicelib.domain import reference

    shapes = json.loads(reference.map_file().read_text(encoding="utf-8"))  # served as /static/kelurahan.json
    [k] = [k for k in shapes["kelurahan"] if k["code"] == code]
    ring = [(float(a), float(b)) for a, b in re.findall(r"(-?[\d.]+),(-?[\d.]+)", k["path"])]

    def inside(x: float, y: float) -> bool:
        hit = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
        return hit

    cx, cy = sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    grid = [
        (x / 2, y / 2)
        for x in range(int(min(xs)) * 2, int(max(xs)) * 2)
        for y in range(int(min(ys)) * 2, int(max(ys)) * 2)
    ]
    grid.sort(key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)
    x, y = next(p for p in grid if all(inside(p[0] + dx, p[1] + dy) for dx in (-6, 0, 6) for dy in (-6, 0, 6)))
    pr = shapes["projection"]
    return round(pr["north"] - y / pr["y_per_deg"], 6), round(pr["west"] + x / pr["x_per_deg"], 6)


def reporter_photo(api: str) -> str:
    """A reporter's photo up through the hub's presigned form, before the complaint: its key."""
    form = requests.post(f"{api}/v1/uploads", json={"content_type": "image/jpeg"}, timeout=10)
    assert form.status_code == 201, form.text
    up = form.json()["upload"]
    sent = requests.post(up["url"], data=up["fields"], files={"file": ("x", jpeg(), "image/jpeg")}, timeout=10)
    assert sent.status_code < 300, sent.text
    return str(form.json()["key"])


def new_complaint(api: str, text: str, **location: Any) -> str:
    sent = requests.post(
        f"{api}/v1/complaints",
        json={"category": "pelayanan-kelurahan", "description": text, "location": {"kelurahan_code": KEL, **location}},
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    return str(sent.json()["tracking_id"])


def test_the_operators_day_in_the_console(running_stack: LocalStack, browser: Browser, tmp_path: Path) -> None:
    api = running_stack.url
    lurah = sign_in(browser(), api, "operator", f"kel:{KEL}", "budi")
    inbox = lurah.get_by_role("table", name="Kotak masuk")
    assert axe_violations(lurah) == []

    # a complaint arrives while the inbox is open: it appears without a reload
    marker = uuid.uuid4().hex[:8]
    lat, lon = point_in(KEL)
    sent = requests.post(
        f"{api}/v1/complaints",
        json={
            "category": "pelayanan-kelurahan",
            "description": f"Surat pengantar belum selesai dua minggu ({marker}).",
            "location": {"kelurahan_code": KEL, "lat": lat, "lon": lon},
            "attachments": [reporter_photo(api)],
        },
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    tid = sent.json()["tracking_id"]
    inbox.get_by_role("link", name=tid).wait_for(timeout=45_000)
    assert lurah.get_by_text("aduan baru masuk").is_visible()
    row = inbox.locator(f"tr[data-id='{tid}']")
    assert "hari kerja lagi" in row.inner_text() and "Aplikasi/web" in row.inner_text()
    lapor_id = poll(
        lambda: requests.get(f"{api}/v1/complaints/{tid}", timeout=10).json().get("lapor_id"), deadline_s=60
    )
    # LAPOR!'s side holds still (the simulator would otherwise finish the ticket itself after 90 s)
    held = requests.post(
        f"http://127.0.0.1:{running_stack.env['LAPOR_SIM_PORT']}/_sim/complaints/{lapor_id}/status",
        json={"status_code": 1},
        timeout=10,
    )
    assert held.status_code == 200, held.text

    # another kelurahan's operator never sees it, not even by its address
    tetangga = sign_in(browser(), api, "operator", f"kel:{OTHER_KEL}", "tono")
    assert tetangga.get_by_role("link", name=tid).count() == 0
    tetangga.goto(f"{api}/operator/#/c/{tid}")
    tetangga.get_by_text("Aduan tidak ditemukan, atau di luar wilayah Anda.").wait_for()
    assert marker not in tetangga.content()

    # each person chooses their notices
    tetangga.get_by_role("link", name="Pemberitahuan").click()
    tetangga.wait_for_selector("#notify-form[data-ready='true']")
    tetangga.get_by_label("Alamat surel").fill("tono@example.org")
    tetangga.get_by_label("Ada aduan baru untuk unit").uncheck()
    tetangga.get_by_label("Satu ringkasan setiap pagi, bukan surel satu per satu").check()
    tetangga.get_by_role("button", name="Simpan pemberitahuan").click()
    tetangga.get_by_text("Pilihan pemberitahuan tersimpan.").wait_for()
    assert axe_violations(tetangga) == []
    tetangga.reload()
    tetangga.wait_for_function("() => document.querySelector('#notify-email').value === 'tono@example.org'")
    assert not tetangga.get_by_label("Ada aduan baru untuk unit").is_checked()
    assert tetangga.get_by_label("Rekan menyebut saya").is_checked()
    assert tetangga.get_by_label("Satu ringkasan setiap pagi, bukan surel satu per satu").is_checked()

    # acknowledged, then answered
    inbox.get_by_role("link", name=tid).click()
    press(lurah, "Terima", "Tersimpan: Terima.")
    assert lurah.get_by_role("button", name="Terima").count() == 0  # valid once: gone after
    # the reporter's photo (checked, through the API with the bearer) and the point on the kelurahan's map
    lurah.get_by_role("img", name=f"Foto 1 dari pelapor, aduan {tid}").wait_for()
    lurah.wait_for_function(
        "() => { const i = document.querySelector('img[data-photo=\"1\"]');"
        " return Boolean(i && i.complete && i.naturalWidth > 0); }",
        timeout=30_000,
    )
    lurah.wait_for_function(
        "() => { const pin = document.querySelector('svg.map circle.pin');"
        " const here = document.querySelector('svg.map path.here'); if (!pin || !here) return false;"
        " return here.isPointInFill(new DOMPoint(+pin.getAttribute('cx'), +pin.getAttribute('cy'))); }"
    )
    assert axe_violations(lurah) == []

    # a colleague opens the same complaint at the same time
    rekan = sign_in(browser(), api, "operator", f"kel:{KEL}", "sari")
    rekan.goto(f"{api}/operator/#/c/{tid}")
    rekan.get_by_label("Jawaban untuk pelapor").wait_for()

    lurah.get_by_label("Jawaban untuk pelapor").fill("Berkas Bapak sedang kami periksa.")
    press(lurah, "Kirim jawaban", "Tersimpan: Jawaban.")

    rekan.get_by_label("Jawaban untuk pelapor").fill("Mohon ditunggu, sedang diproses.")
    rekan.get_by_role("button", name="Kirim jawaban").click()
    stale = rekan.get_by_role("alert").filter(has_text="Aduan ini sudah diubah orang lain")
    stale.wait_for()
    assert "Berkas Bapak sedang kami periksa." in stale.inner_text()  # what changed
    assert rekan.get_by_label("Jawaban untuk pelapor").input_value() == "Mohon ditunggu, sedang diproses."
    assert axe_violations(rekan) == []
    rekan.context.close()

    # an answer written without a signal waits, visibly, and goes once when the signal returns
    lurah.context.set_offline(True)
    lurah.get_by_label("Jawaban untuk pelapor").fill("Surat dapat diambil besok pagi.")
    lurah.get_by_role("button", name="Kirim jawaban").click()
    waiting = lurah.locator("#outbox")
    waiting.wait_for()
    assert "menunggu sinyal" in waiting.inner_text()
    time.sleep(2)
    lurah.context.set_offline(False)
    waiting.wait_for(state="hidden", timeout=30_000)
    lurah.wait_for_function(
        "() => document.querySelector('#act-result').textContent.startsWith('Terkirim')"
        " || !document.querySelector('#stale').hidden"
    )
    if not lurah.locator("#stale").is_hidden():
        # LAPOR!'s news moved the complaint meanwhile: If-Match refused the waiting answer, its text is back
        assert lurah.get_by_label("Jawaban untuk pelapor").input_value() == "Surat dapat diambil besok pagi."
        press(lurah, "Kirim jawaban", "Tersimpan: Jawaban.")

    # not ours: back to the coordinator
    lurah.get_by_label("Alasan bukan wewenang").fill("Surat ini diterbitkan oleh dinas, bukan kelurahan.")
    press(lurah, "Bukan wewenang", "Tersimpan: Bukan wewenang.")
    # the kelurahan still reads it under "Diteruskan": a row without any action
    lurah.get_by_role("link", name="Diteruskan", exact=True).click()
    shelf = lurah.get_by_role("table", name="Diteruskan")
    shelf.get_by_role("link", name=tid).wait_for(timeout=45_000)
    handed = shelf.locator(f"tr[data-id='{tid}']")
    assert handed.get_by_role("button").count() == 0 and handed.get_by_role("checkbox").count() == 0
    assert "hanya baca" in handed.inner_text()
    shelf.get_by_role("link", name=tid).click()
    lurah.get_by_text("Tidak ada tindakan yang dapat Anda lakukan pada status ini.").wait_for()
    assert lurah.locator("#actions button").count() == 0

    koordinator = sign_in(browser(), api, "admin", "city", "koordinator")
    koordinator.get_by_role("table", name="Kotak masuk").get_by_role("link", name=tid).click()
    koordinator.get_by_label("Unit tujuan").fill(OPD)
    koordinator.get_by_label("Alasan disposisi", exact=True).fill("Arsip surat ada di Dispusip.")
    press(koordinator, "Teruskan", "Tersimpan: Disposisi.")

    # the coordinator adds a template for the category, edits it, and reads its history
    tpl, tpl_title = f"e2e-{marker}", f"Surat siap {marker}"
    koordinator.get_by_role("link", name="Templat", exact=True).click()
    koordinator.get_by_label("Kode templat").fill(tpl)
    koordinator.get_by_label("Judul templat").fill(tpl_title)
    koordinator.get_by_label("Kategori templat").select_option("pelayanan-kelurahan")
    koordinator.get_by_label("Teks templat").fill("Surat untuk aduan {tracking_id} sudah siap.")
    koordinator.get_by_role("button", name="Simpan templat").click()
    history = koordinator.locator("#tpl-history")
    history.get_by_text("dibuat oleh koordinator").wait_for()
    koordinator.get_by_role("button", name=f"Ubah templat {tpl_title}").click()
    koordinator.get_by_label("Teks templat").fill("Surat untuk aduan {tracking_id} sudah dapat diambil.")
    koordinator.get_by_role("button", name="Simpan templat").click()
    history.get_by_text("diubah oleh koordinator").wait_for()
    assert "Sebelum: Surat untuk aduan {tracking_id} sudah siap." in history.inner_text()
    assert axe_violations(koordinator) == []

    # the coordinator manages a kecamatan's addresses (not this complaint's unit: its singles keep going out);
    # a bad one is named next to its field
    koordinator.get_by_role("link", name="Alamat unit", exact=True).click()
    pick = koordinator.get_by_role("form", name="Pilih unit")
    pick.get_by_label("Unit", exact=True).select_option(f"kec:{KEL.rsplit('.', 1)[0]}")
    pick.get_by_role("button", name="Tampilkan").click()
    addresses = koordinator.get_by_label("Surel unit (satu per baris, paling banyak 20)")
    addresses.fill(f"kantor-{marker}@example.org\nbukan alamat")
    koordinator.get_by_role("button", name="Simpan alamat unit").click()
    koordinator.wait_for_function("() => document.querySelector('#unitmail-emails-error').textContent !== ''")
    addresses.fill(f"kantor-{marker}@example.org")
    koordinator.get_by_label("Ringkasan pagi untuk unit, bukan surel satu per satu").check()
    koordinator.get_by_role("button", name="Simpan alamat unit").click()
    koordinator.get_by_text("Alamat unit tersimpan: 1 alamat.").wait_for()
    assert koordinator.locator("#unitmail-emails-error").text_content() == ""
    assert axe_violations(koordinator) == []
    koordinator.reload()
    koordinator.wait_for_function(
        f"() => document.querySelector('#unitmail-emails').value === 'kantor-{marker}@example.org'"
    )
    assert koordinator.get_by_label("Ringkasan pagi untuk unit, bukan surel satu per satu").is_checked()

    # the board of the kelurahan: a number opens the list behind it; two complaints assigned at once
    pair = [new_complaint(api, f"Antrean kartu keluarga {marker} #{n}.") for n in (1, 2)]
    for one in pair:  # forwarded first, so that no hand-over to LAPOR! holds the assignment back
        poll(
            lambda one=one: requests.get(f"{api}/v1/complaints/{one}", timeout=10).json().get("lapor_id"), deadline_s=60
        )
    koordinator.get_by_role("link", name="Papan", exact=True).click()
    koordinator.locator("#board-unit").fill(f"kel:{KEL}")
    koordinator.get_by_role("button", name="Tampilkan").click()
    koordinator.locator("#board div").filter(has_text="Terbuka").locator("a[href*='unit=kel']").click()
    listed = koordinator.get_by_role("table", name="Kotak masuk")
    for one in pair:
        listed.get_by_role("link", name=one).wait_for(timeout=45_000)
    assert f"kel:{KEL}" in koordinator.locator("#inbox-holder").inner_text()
    for one in pair:
        koordinator.get_by_label(f"Pilih {one}").check()
    koordinator.get_by_label("Tugaskan terpilih kepada").fill("budi")
    koordinator.get_by_role("button", name="Tugaskan terpilih").click()
    koordinator.wait_for_function(
        "ids => ids.every(id => document.querySelector('#bulk-result').textContent.includes(id + ': berhasil'))",
        arg=pair,
    )
    boss = {"Authorization": f"Bearer {running_stack.make_token('admin', 'city', user='koordinator')}"}
    for one in pair:
        assert (
            requests.get(f"{api}/v1/operator/complaints/{one}", headers=boss, timeout=10).json()["assigned_to"]
            == "budi"
        )
    koordinator.get_by_role("button", name="Keluar").click()  # signs out at the issuer and comes back
    koordinator.get_by_role("button", name="Masuk").wait_for()
    assert koordinator.evaluate("sessionStorage.length") == 0

    # the OPD resolves it with a proof photo
    dinas = sign_in(browser(), api, "operator", OPD, "dewi")
    dinas.get_by_role("table", name="Kotak masuk").get_by_role("link", name=tid).click()
    dinas.get_by_label("Jawaban penyelesaian").fill("Surat sudah dapat diambil di loket Dispusip.")
    # the session ends while the answer is half done: sign in again, the text is still there
    dinas.evaluate(
        "const s = JSON.parse(sessionStorage.getItem('op.session'));"
        "s.token = s.token.slice(0, -8) + 'AAAAAAAA'; sessionStorage.setItem('op.session', JSON.stringify(s));"
    )
    dinas.reload()  # the API refuses the token: the console asks to sign in again
    dinas.get_by_text("Sesi Anda berakhir.").wait_for()
    dinas.get_by_role("button", name="Masuk").click()
    dinas.get_by_label("Unit").fill(OPD)
    dinas.get_by_label("Pengguna").fill("dewi")
    dinas.get_by_role("button", name="Masuk").click()
    dinas.wait_for_url(f"{api}/operator/#/c/{tid}")
    assert dinas.get_by_label("Jawaban penyelesaian").input_value() == "Surat sudah dapat diambil di loket Dispusip."
    # the answer goes on from the coordinator's template: the action names it
    actions_sent: list[str] = []
    dinas.on(
        "request",
        lambda r: actions_sent.append(r.post_data or "") if r.method == "POST" and r.url.endswith("/actions") else None,
    )
    dinas.locator(f"#tpl-resolve-{tid} option", has_text=tpl_title).wait_for(state="attached")
    dinas.get_by_label("Mulai penyelesaian dari templat").select_option(label=tpl_title)
    photo = tmp_path / "bukti.jpg"
    photo.write_bytes(jpeg())
    dinas.get_by_label("Foto bukti (tidak wajib)").set_input_files(str(photo))
    uploads: list[str] = []
    dinas.on(
        "request",
        lambda r: uploads.append(r.url) if r.method == "POST" and r.url.endswith("/attachments") else None,
    )
    # a colleague writes a note first: the console's version is stale, and the chosen photo must survive the redraw
    colleague = {"Authorization": f"Bearer {running_stack.make_token('operator', OPD, user='sari')}"}
    version = requests.get(f"{api}/v1/operator/complaints/{tid}", headers=colleague, timeout=10).json()["version"]
    noted = requests.post(
        f"{api}/v1/operator/complaints/{tid}/actions",
        json={"action": "note", "message": "Saya cek arsipnya dulu."},
        headers={**colleague, "If-Match": f'"{version}"'},
        timeout=10,
    )
    assert noted.status_code == 200, noted.text
    dinas.get_by_role("button", name="Selesaikan", exact=True).click()
    dinas.locator("#stale").wait_for(state="visible")
    assert dinas.evaluate(f"document.getElementById('proof-{tid}').files.length") == 1
    press(dinas, "Selesaikan", "Tersimpan: Selesaikan.")
    assert len(uploads) == 1  # the photo went up once, and went with the answer sent again

    public = requests.get(f"{api}/v1/complaints/{tid}", timeout=10).json()
    assert public["status"] == "resolved" and public["unit"]["code"] == OPD
    admin = running_stack.make_token("admin", "city", user="koordinator")
    seen = requests.get(
        f"{api}/v1/operator/complaints/{tid}", headers={"Authorization": f"Bearer {admin}"}, timeout=10
    ).json()
    assert len(seen["proof_attachments"]) == 1
    assert any(f'"template_id":"{tpl}"' in body for body in actions_sent)
    resolved = [e for e in seen["timeline"] if e["kind"] == "resolved" and e.get("message")]
    assert f"Surat untuk aduan {tid} sudah dapat diambil." in resolved[-1]["message"]  # the hub filled it
    assert [e["actor"] for e in seen["timeline"] if e["kind"] == "answer" and e.get("actor")][:2] == ["budi", "budi"]

    wanted = [
        "Berkas Bapak sedang kami periksa.",
        "Surat dapat diambil besok pagi.",
        "Surat sudah dapat diambil di loket Dispusip.",
    ]

    def at_lapor() -> list[str]:
        got = hub_followups(running_stack, lapor_id)
        return got if all(w in got for w in wanted) else []

    posted = poll(at_lapor, deadline_s=90, every_s=0.5)
    for line in wanted:
        assert posted.count(line) == 1, posted  # each answer once, the offline one too
    assert "Mohon ditunggu, sedang diproses." not in posted  # the stale one never left
    for page in (lurah, tetangga, koordinator, dinas):
        assert page.errors == []


def _call(record: dict[str, Any], api: str) -> str:
    raw = json.dumps(record).encode()
    signature = sign(DEV_CHANNEL_SECRETS["CHANNEL_SECRET_CALL112"], raw, int(time.time()))
    resp = requests.post(
        f"{api}/v1/channels/call112/complaints",
        data=raw,
        headers={"Content-Type": "application/json", HEADER_NAME: signature},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["tracking_id"])


def test_call_centre_decides_with_the_keyboard_alone(running_stack: LocalStack, browser: Browser) -> None:
    api = running_stack.url
    calls = []
    for what in ("Pohon tumbang menutup separuh jalan.", "Penelepon hanya tertawa lalu menutup telepon."):
        calls.append(
            _call(
                {
                    "call_id": f"112-{uuid.uuid4().hex[:12].upper()}",
                    "received_at": "2025-03-04T21:40:00+07:00",
                    "incident_type": "POHON_TUMBANG",
                    "description": what,
                    "caller_phone": "081311112222",
                    "location_text": "Jl. Ahmad Yani",
                    "kelurahan_code": KEL,
                    "emergency": False,
                    "confirmed": False,
                },
                api,
            )
        )
    real, prank = calls
    page = sign_in(browser(), api, "callcenter", "call112", "agen")
    page.get_by_role("heading", name="Panggilan menunggu keputusan").wait_for()
    page.get_by_role("link", name=prank).wait_for()
    assert axe_violations(page) == []

    def tab_to(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement && document.activeElement.matches({json.dumps(selector)})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    page.locator("body").focus()
    item = f"li[aria-labelledby='call-{real}']"
    tab_to(f"{item} button.primary")
    page.keyboard.press("Enter")
    page.get_by_text(f"{real}: dikonfirmasi sebagai aduan.").wait_for()

    tab_to(f"#why-{prank}")
    page.keyboard.type("Panggilan iseng")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Bukan aduan"
    page.keyboard.press("Enter")
    page.get_by_text(f"{prank}: ditandai bukan aduan.").wait_for()

    admin = {"Authorization": f"Bearer {running_stack.make_token('admin', 'city', user='koordinator')}"}
    status = {
        tid: requests.get(f"{api}/v1/operator/complaints/{tid}", headers=admin, timeout=10).json()["status"]
        for tid in (real, prank)
    }
    assert status[real] in ("received", "forwarded") and status[prank] == "closed"
    assert page.errors == []
