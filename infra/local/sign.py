"""Print a signed curl command for a channel webhook (local testing and channel developers).

    python -m infra.local.sign rabeg                  # a built-in example record, fresh id
    python -m infra.local.sign call112 record.json    # your own record
    python -m infra.local.sign psc119 --url https://api.example.org --secret "$SECRET"

The secret defaults to CHANNEL_SECRET_<CHANNEL>, then to the development default that
`make run` uses. The signature is valid for five minutes: run the printed command soon.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.channels.signature import HEADER_NAME, sign  # noqa: E402
from chalicelib.domain.calendar import WIB  # noqa: E402
from infra.local.run import DEV_CHANNEL_SECRETS  # noqa: E402


def example(channel: str) -> dict[str, Any]:
    ref = uuid.uuid4().hex[:8].upper()
    now = datetime.now(WIB)
    if channel == "rabeg":
        return {
            "ID_ADUAN": f"RBG-{ref}",
            "PELAPOR": "Warga Serang",
            "TGL_ADUAN": now.strftime("%Y-%m-%d %H:%M:%S"),
            "KD_MEDIA": "WEB",
            "KD_KAT": "SAMPAH",
            "JUDUL_ADUAN": "Sampah menumpuk",
            "ISI_ADUAN": "Sampah menumpuk di depan pasar sejak tiga hari.",
            "LOKASI": "Pasar Rau",
            "NO_HP": "081200000000",
            "LAT": -6.1215,
            "LNG": 106.1537,
        }
    if channel == "call112":
        return {
            "call_id": f"112-{ref}",
            "received_at": now.isoformat(timespec="seconds"),
            "incident_type": "POHON_TUMBANG",
            "description": "Pohon tumbang menutup jalan, perlu dibersihkan.",
            "caller_phone": "081300000000",
            "location_text": "Jl. Ahmad Yani",
            "lat": -6.1190,
            "lon": 106.1600,
            "emergency": False,
            "confirmed": False,
        }
    if channel == "psc119":
        return {
            "call_id": f"119-{ref}",
            "received_at": now.isoformat(timespec="seconds"),
            "case_code": "LAYANAN_PUSKESMAS",
            "triage": "hijau",
            "description": "Antrean puskesmas sangat lama, loket pendaftaran kosong.",
            "caller_phone": "081400000000",
            "kelurahan_code": "36.73.01.1002",
        }
    raise SystemExit(f"unknown channel {channel!r}: rabeg, call112 or psc119")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("channel", choices=["rabeg", "call112", "psc119"])
    parser.add_argument("record", nargs="?", help="JSON file with the native record (default: an example)")
    default_url = os.environ.get("API_URL", f"http://127.0.0.1:{os.environ.get('API_PORT', '8000')}")
    parser.add_argument("--url", default=default_url)
    parser.add_argument("--secret", help="signing secret (default: CHANNEL_SECRET_<CHANNEL> or the dev default)")
    args = parser.parse_args(argv)

    env_name = f"CHANNEL_SECRET_{args.channel.upper()}"
    secret = args.secret or os.environ.get(env_name) or DEV_CHANNEL_SECRETS[env_name]
    record = json.loads(Path(args.record).read_text(encoding="utf-8")) if args.record else example(args.channel)
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    header = sign(secret, body.encode(), int(time.time()))
    print(
        " ".join(
            [
                "curl",
                "-sS",
                "-X",
                "POST",
                shlex.quote(f"{args.url}/v1/channels/{args.channel}/complaints"),
                "-H",
                shlex.quote("Content-Type: application/json"),
                "-H",
                shlex.quote(f"{HEADER_NAME}: {header}"),
                "--data-binary",
                shlex.quote(body),
            ]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
