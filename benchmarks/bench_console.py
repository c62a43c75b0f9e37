"""The operators' console on a slow phone link, in Chromium: bytes of the first load of /operator/,
seconds to a usable inbox under DevTools' network emulation (400 ms latency, 400 kbit/s each way),
and the same with the service worker warm (a reload). Its own local stack (as `make run`), a
kelurahan inbox of 20 complaints, a kelurahan operator signed in through the development issuer.

    python -m benchmarks.bench_console                (~2 minutes; free ports, its own stack)
    python -m benchmarks.bench_console --screenshots  (also docs/console-inbox.png, docs/console-complaint.png)
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.schema import emit, figure, result  # noqa: E402

KEL = "36.73.04.1006"
ROWS = 20
LATENCY_MS = 400
KBIT_S = 400
RUNS = 3
SLOW = {
    "offline": False,
    "latency": LATENCY_MS,
    "downloadThroughput": KBIT_S * 1000 / 8,
    "uploadThroughput": KBIT_S * 1000 / 8,
}
WHAT = [  # what a kelurahan handles itself (other categories go to an OPD's inbox)
    "Surat pengantar domisili belum selesai sejak dua minggu lalu.",
    "Petugas loket kelurahan tidak ada di tempat pada jam kerja.",
    "Permohonan surat keterangan usaha belum diproses, berkas sudah lengkap.",
    "Antrean pelayanan di kantor kelurahan sangat panjang, tidak ada nomor antrean.",
    "Surat keterangan tidak mampu ditolak tanpa penjelasan.",
]


def seed(api: str) -> list[str]:
    out = []
    for i in range(ROWS):
        text = WHAT[i % len(WHAT)]
        resp = requests.post(
            f"{api}/v1/complaints",
            json={
                "category": "pelayanan-kelurahan",
                "description": f"{text} (RT 0{i % 9 + 1})",
                "location": {"kelurahan_code": KEL},
            },
            timeout=10,
        )
        resp.raise_for_status()
        out.append(resp.json()["tracking_id"])
    return out


def signed_in_session(pw: Any, chromium: str, flags: list[str], api: str, profile: Path) -> str:
    """The console's session (sessionStorage) after signing in through the issuer's form, at full speed."""
    from tests.e2e.test_operator_console import sign_in

    context = pw.chromium.launch_persistent_context(
        str(profile), executable_path=chromium, headless=True, args=flags, service_workers="block"
    )
    try:
        page = sign_in(context.pages[0], api, "operator", f"kel:{KEL}", "budi")
        return str(page.evaluate("sessionStorage.getItem('op.session')"))
    finally:
        context.close()


def one_run(pw: Any, chromium: str, flags: list[str], api: str, session: str, profile: Path) -> dict[str, Any]:
    """A fresh phone (no cache, no service worker): the first load, then a reload with the worker warm."""
    context = pw.chromium.launch_persistent_context(
        str(profile), executable_path=chromium, headless=True, args=flags, viewport={"width": 360, "height": 780}
    )
    try:
        # the session as the sign-in left it in this tab (the driver's init script: the page's CSP stays strict)
        context.add_init_script(f"sessionStorage.setItem('op.session', {session!r});")
        page = context.pages[0]
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        transferred: dict[str, int] = {}
        urls: dict[str, str] = {}
        cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
        cdp.on(
            "Network.loadingFinished",
            lambda e: transferred.__setitem__(e["requestId"], int(e["encodedDataLength"])),
        )
        cdp.send("Network.emulateNetworkConditions", SLOW)
        t0 = time.monotonic()
        page.goto(f"{api}/operator/#/")
        page.wait_for_selector("#inbox-rows tr", timeout=60_000)
        first_s = time.monotonic() - t0
        page.wait_for_load_state("networkidle")
        loaded = {urls[r]: n for r, n in transferred.items() if r in urls}
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
        page.reload()  # the worker's first own start (it took the page over while installing)
        page.wait_for_selector("#inbox-rows tr", timeout=60_000)
        page.wait_for_load_state("networkidle")
        t0 = time.monotonic()
        page.reload()
        page.wait_for_selector("#inbox-rows tr", timeout=60_000)
        warm_s = time.monotonic() - t0
        return {"first_s": first_s, "warm_s": warm_s, "first_load": loaded}
    finally:
        context.close()


def weigh(urls: list[str], token: str) -> tuple[int, int]:
    """The answers' bodies as sent (uncompressed) and gzip-compressed (level 6), as a compressing front would."""
    raw = packed = 0
    for url in urls:
        headers = {"Authorization": f"Bearer {token}"} if "/v1/operator/" in url else {}
        body = requests.get(url, headers=headers, timeout=10).content
        raw += len(body)
        packed += len(gzip.compress(body, 6))
    return raw, packed


def screenshots(pw: Any, chromium: str, flags: list[str], api: str, session: str, tids: list[str], where: Path) -> None:
    context = pw.chromium.launch_persistent_context(
        str(where / "shots"),
        executable_path=chromium,
        headless=True,
        args=flags,
        viewport={"width": 360, "height": 780},
    )
    try:
        context.add_init_script(f"sessionStorage.setItem('op.session', {session!r});")
        page = context.pages[0]
        page.goto(f"{api}/operator/#/")
        page.wait_for_selector("#inbox-rows tr")
        page.screenshot(path=str(ROOT / "docs" / "console-inbox.png"))
        page.goto(f"{api}/operator/#/c/{tids[-1]}")
        page.get_by_role("button", name="Terima").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ROOT / "docs" / "console-complaint.png"))
    finally:
        context.close()


def main() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--screenshots", action="store_true", help="also docs/console-inbox.png, -complaint.png")
    shots = parser.parse_args().screenshots

    from tests.e2e.test_public_page import CHROMIUM, FLAGS
    from tests.support.stack import local_stack

    with tempfile.TemporaryDirectory() as tmp, local_stack(Path(tmp), RATE_LIMIT_SCALE="1000") as stack:
        api = stack.url
        tids = seed(api)
        token = stack.make_token("operator", f"kel:{KEL}", user="budi")
        with sync_playwright() as pw:
            session = signed_in_session(pw, CHROMIUM, FLAGS, api, Path(tmp) / "signin")
            runs = [one_run(pw, CHROMIUM, FLAGS, api, session, Path(tmp) / f"run-{i}") for i in range(RUNS)]
            if shots:
                screenshots(pw, CHROMIUM, FLAGS, api, session, tids, Path(tmp))
        first = runs[-1]["first_load"]
        raw, packed = weigh(list(first), token)
        return {
            "first_load_bytes": raw,
            "first_load_gzip_bytes": packed,
            "first_load_requests": len(first),
            "usable_inbox_first_s": round(statistics.median(r["first_s"] for r in runs), 2),
            "usable_inbox_warm_s": round(statistics.median(r["warm_s"] for r in runs), 2),
            "runs_first_s": [round(r["first_s"], 2) for r in runs],
            "runs_warm_s": [round(r["warm_s"], 2) for r in runs],
            "first_load": {u.replace(api, ""): n for u, n in first.items()},
        }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "console",
        "The operators' console on a slow phone link (Chromium)",
        "python -m benchmarks.bench_console",
        [
            figure(
                "first_load_gzip_bytes",
                "first load of /operator/ to a usable inbox: bytes, each answer gzip-compressed",
                raw["first_load_gzip_bytes"],
                "B",
                ("<=", 150_000),
            ),
            figure(
                "first_load_bytes",
                "the same as sent by `chalice local` (uncompressed)",
                raw["first_load_bytes"],
                "B",
            ),
            figure(
                "usable_inbox_first_s",
                f"seconds to a usable inbox ({ROWS} rows), first load, {LATENCY_MS} ms, {KBIT_S} kbit/s, median",
                raw["usable_inbox_first_s"],
                "s",
                ("<=", 5),
            ),
            figure(
                "usable_inbox_warm_s",
                "the same, a reload with the service worker warm, median",
                raw["usable_inbox_warm_s"],
                "s",
                ("<=", 1),
            ),
        ],
        {"runs": RUNS, "inbox_rows": ROWS, "first_load_requests": raw["first_load_requests"]},
        [
            "DevTools network emulation (Network.emulateNetworkConditions) on the page; a fresh profile per run "
            "(no HTTP cache, no service worker), signed in beforehand (the session in sessionStorage).",
            "Bytes: the bodies of every request the page made to a usable inbox (shell, script, style, config, "
            "categories, the map's kelurahan list, the inbox page), uncompressed as `chalice local` sends them and "
            "each gzip-compressed at level 6, as a compressing front (API Gateway's minimum compression size, "
            "CloudFront) sends them. The service worker's install then reads the shell again (mostly from the "
            "HTTP cache; /operator/ and its config.json are no-cache: about 7 KB more).",
            "A usable inbox: its rows shown. On the warm reload they come from the service worker's copy at once "
            "and are replaced when the network answers; the reload measured is the second after the worker took "
            "the page over (the first is its first own start). DevTools' emulation throttles the page's requests; "
            "those the worker makes for it (the inbox's network refresh) are not throttled.",
        ],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
