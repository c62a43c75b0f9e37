"""`make smoke STAGE=<stage>`: is a deployed stage working, end to end?

Files ONE test complaint (anonymous, marked UJI COBA / test in its title and text)
through the public API and follows it until it has a LAPOR! ticket number:

    python -m infra.smoke --stage prod                      # API address from the stack's outputs
    python -m infra.smoke --api-url http://127.0.0.1:8000   # any API, e.g. `make run`

Exit 0 with the tracking id and the ticket, 1 when the complaint is parked, refused or
not forwarded in time (the line says which, and where to look). It talks to the stack
only through the API (and CloudFormation, to find the API), so it needs no rights to the
table or queues. The test complaint is real at LAPOR!: tell the LAPOR! admins, or point
the stage's `lapor` secret at LAPOR!'s test account while checking (docs/deployment.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]


def api_url_of(stage: str) -> str:
    """The stack's EndpointURL output (Chalice's), e.g. https://abc.execute-api.ap-southeast-3.amazonaws.com/v1/"""
    import boto3

    data = json.loads((ROOT / "infra" / "stages" / f"{stage}.json").read_text())
    cfn = boto3.client("cloudformation", region_name=data["region"])
    stack = cfn.describe_stacks(StackName=data["stack_name"])["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return outputs["EndpointURL"]


def test_complaint(api: str, http: requests.Session) -> dict[str, Any]:
    """The first category and kelurahan the hub offers: the complaint is routed like any other."""
    from chalicelib.domain import reference

    cats = http.get(f"{api}/v1/categories", timeout=15)
    cats.raise_for_status()
    category = cats.json()["categories"][0]["code"]
    kelurahan = sorted(reference.areas().kelurahan)[0]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    return {
        "category": category,
        "title": "UJI COBA SISTEM - mohon diabaikan",
        "description": f"Pengaduan uji coba otomatis aduan-hub ({stamp}) untuk memeriksa penerusan ke SP4N-LAPOR!. "
        "Mohon diabaikan. / Automated aduan-hub smoke test, please ignore.",
        "location": {"kelurahan_code": kelurahan, "address": "Uji coba sistem"},
        "anonymous": True,
    }


def smoke(api: str, timeout_s: float = 300, every_s: float = 5, out: Any = sys.stdout) -> int:
    api = api.rstrip("/")
    http = requests.Session()
    started = time.monotonic()
    body = test_complaint(api, http)
    resp = http.post(
        f"{api}/v1/complaints", json=body, timeout=30, headers={"Idempotency-Key": f"smoke-{uuid.uuid4()}"}
    )
    if resp.status_code != 201:
        print(f"FAIL: POST /v1/complaints answered {resp.status_code}: {resp.text[:500]}", file=out)
        return 1
    tracking_id = resp.json()["tracking_id"]
    print(f"filed {tracking_id} (category {body['category']}); waiting for its LAPOR! ticket...", file=out)
    last = None
    while time.monotonic() - started < timeout_s:
        got = http.get(f"{api}/v1/complaints/{tracking_id}", timeout=15)
        if got.status_code == 200:
            view = got.json()
            if view.get("status") != last:
                last = view.get("status")
                print(f"  {time.monotonic() - started:5.1f}s  status {last}", file=out)
            if view.get("lapor_id"):
                print(
                    f"OK: {tracking_id} is LAPOR! ticket #{view['lapor_id']} after {time.monotonic() - started:.1f}s",
                    file=out,
                )
                return 0
            if view.get("status") in ("needs_attention", "rejected", "closed"):
                print(
                    f"FAIL: {tracking_id} is {view['status']} without a LAPOR! ticket; see the saved query "
                    "'parked complaints' and docs/console.md#complaints-parked",
                    file=out,
                )
                return 1
        time.sleep(every_s)
    print(
        f"FAIL: {tracking_id} has no LAPOR! ticket after {timeout_s:.0f}s (status {last}); see the dashboard's "
        "queue and LAPOR! graphs and the saved query 'forwarding failures'",
        file=out,
    )
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stage", help="a stage of infra/stages/ (the API address comes from its stack)")
    where.add_argument("--api-url", help="the API's base address")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the LAPOR! ticket")
    args = parser.parse_args(argv)
    api = args.api_url or api_url_of(args.stage)
    print(f"smoke test against {api}")
    return smoke(api, timeout_s=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
