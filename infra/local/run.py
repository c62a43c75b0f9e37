"""`make run`: the whole system on one machine.

moto's server on 127.0.0.1 (provisioned from infra/template.json), the LAPOR!
simulator (unless LAPOR_BASE_URL points elsewhere), `chalice local` for the
API, and the event pump that feeds SQS messages and schedules to the handlers.
Ctrl-C stops everything.

It reads like a console: the application's log lines in a compact form with the
tracking id first (LOG_FORMAT=json: as written), moto's access log off
(MOTO_ACCESS_LOG=1: on), and local timings that show a complaint move through
LAPOR!'s statuses in about two minutes: the status sync runs every 5 s and its
intervals (data/sync_schedule.json, data/sync_priority.json) are scaled by
SYNC_SCHEDULE_SCALE=0.01. The deployed stages keep the real rates and scale 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
#: the region `make run` serves by default, onboarded at start
DEFAULT_JURISDICTION = Path(__file__).resolve().parent / "default_jurisdiction.json"

#: what the local stack changes by default, all through settings the app and the pump already read
LOCAL_DEFAULTS = {
    "SYNC_SCHEDULE_SCALE": "0.01",  # first LAPOR! check 3 s after forwarding, then by need every 2 s-15 min
    # the LAPOR! call budget is per minute: with the schedule 100 times faster, a local minute holds
    # 100 times the checks, so the budget follows (else a seeded table starves the sync for hours)
    "LAPOR_BUDGET_SCALE": "100",
    "PUMP_SCHEDULE_SECONDS": "sync_lapor_status=5,reconcile_outbox=30,escalate_overdue=30",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "PYTHONUNBUFFERED": "1",  # chalice local's lines as they come
}

DEV_CHANNEL_SECRETS = {
    "CHANNEL_SECRET_RABEG": "dev-rabeg-secret",
    "CHANNEL_SECRET_CALL112": "dev-call112-secret",
    "CHANNEL_SECRET_PSC119": "dev-psc119-secret",
}


def wait_http(url: str, deadline_s: float = 30) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {deadline_s}s")


def register_dev_api_key(key: str | None) -> str:
    """OPEN311_DEV_API_KEY, when set, becomes an ordinary API key item (client app `dev`):
    the app reads it like any other key, with no development path in its code."""
    if not key:
        return "api keys: make apikey NAME=<app> (or set OPEN311_DEV_API_KEY)"
    from chalicelib.adapters.storage.api_keys import ApiKeyStore
    from chalicelib.adapters.storage.gateway import TableGateway
    from chalicelib.services.api_keys import ApiKeys

    ApiKeys(ApiKeyStore(TableGateway())).create("dev", key=key)
    return "api_key: OPEN311_DEV_API_KEY (client app 'dev')"


def local_name_prefix() -> str:
    """The template's NamePrefix default: the local stack's secrets are named like a stage's."""
    from infra.local.provision import TEMPLATE

    return str(json.loads(TEMPLATE.read_text())["Parameters"]["NamePrefix"]["Default"])


def onboard_default(env: dict[str, str]) -> str:
    """The default region, from its files (infra/local/default_jurisdiction.json), onboarded as
    `make jurisdiction` would; with the simulator's LAPOR! credentials and the channel secrets."""
    from infra.jurisdictions.onboard import Request, Target, run

    spec = json.loads(DEFAULT_JURISDICTION.read_text())
    request = Request(
        code=spec["code"],
        prefix=spec.get("prefix"),
        units=ROOT / spec["units"] if spec.get("units") else None,
        boundaries=ROOT / spec["boundaries"] if spec.get("boundaries") else None,
        lapor_auth=os.environ.get("LAPOR_AUTH") or None,
        lapor_token=os.environ.get("LAPOR_TOKEN") or None,
        channel_secrets={k.removeprefix("CHANNEL_SECRET_").lower(): os.environ[k] for k in DEV_CHANNEL_SECRETS},
    )
    lines: list[str] = []
    target = Target(env["TABLE_NAME"], env["ATTACHMENTS_BUCKET"], local_name_prefix(), "the local stack")
    status = run(request, target, out=lines.append, err=lines.append)
    if status != 0:
        print("\n".join(lines), file=sys.stderr, flush=True)
        return f"{spec['code']} NOT onboarded (see above)"
    return lines[0] if lines else spec["code"]


MORE_JURISDICTIONS = Path(__file__).resolve().parent / "more_jurisdictions.json"


def onboard_more(env: dict[str, str], sim: Any) -> list[str]:
    """The regions of infra/local/more_jurisdictions.json, each on its own agency at the simulator
    (only with the simulator, and only when the shared area list is on this machine)."""
    from infra.jurisdictions.onboard import Request, Target, run
    from infra.jurisdictions.wilayah import shared_dir, wilayah_csv

    if sim is None or not wilayah_csv().is_file():
        return []
    done: list[str] = []
    target = Target(env["TABLE_NAME"], env["ATTACHMENTS_BUCKET"], local_name_prefix(), "the local stack")
    for spec in json.loads(MORE_JURISDICTIONS.read_text())["regions"]:
        code = spec["code"]
        auth, token = f"dev-{code}-auth", f"dev-{code}-token"
        sim.add_agency(auth, token, code)
        boundaries = shared_dir() / spec["boundaries"] if spec.get("boundaries") else None
        request = Request(
            code=code,
            prefix=spec["prefix"],
            boundaries=boundaries if boundaries and boundaries.is_file() else None,
            lapor_auth=auth,
            lapor_token=token,
            channel_secrets={k.removeprefix("CHANNEL_SECRET_").lower(): os.environ[k] for k in DEV_CHANNEL_SECRETS},
        )
        lines: list[str] = []
        if run(request, target, out=lines.append, err=lines.append) == 0:
            done.append(f"{code} ({spec['prefix']})")
        else:
            print("\n".join(lines), file=sys.stderr, flush=True)
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT", "8000")))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "5005")))
    parser.add_argument("--lapor-port", type=int, default=int(os.environ.get("LAPOR_SIM_PORT", "8100")))
    parser.add_argument("--issuer-port", type=int, default=int(os.environ.get("DEV_ISSUER_PORT", "8200")))
    parser.add_argument(
        "--log-format",
        choices=("compact", "json"),
        default=None,
        help="compact human lines (default) or the JSON lines as written (LOG_FORMAT)",
    )
    parser.add_argument("--moto-access-log", action="store_true", help="show moto's access log (MOTO_ACCESS_LOG=1)")
    args = parser.parse_args()
    if args.log_format:
        os.environ["LOG_FORMAT"] = args.log_format
    for k, v in LOCAL_DEFAULTS.items():
        os.environ.setdefault(k, v)
    # the region served when a request names none: the one make run onboards at start
    os.environ.setdefault("DEFAULT_JURISDICTION", json.loads(DEFAULT_JURISDICTION.read_text())["code"])

    from infra.local.console import install, pump_lines, truthy

    console = install(os.environ)  # before the app is imported: its logger writes to this stdout

    from infra.local.provision import provision, start_moto

    moto, endpoint = start_moto(
        args.host, args.moto_port, access_log=args.moto_access_log or truthy(os.environ.get("MOTO_ACCESS_LOG"))
    )
    env = provision(endpoint)
    os.environ.update(env)
    # each region's secret is named as in a stage (`make jurisdiction` writes it there)
    os.environ.setdefault("JURISDICTION_SECRETS_PREFIX", f"{local_name_prefix()}/jurisdictions/")

    sim = None
    if os.environ.get("LAPOR_BASE_URL"):
        lapor_where = f"{os.environ['LAPOR_BASE_URL']} (from LAPOR_BASE_URL)"
    else:
        from infra.local.lapor_simulator import simulator_from_env

        sim = simulator_from_env(os.environ)
        sim.log_stream = console
        url = sim.start(args.host, args.lapor_port)
        os.environ.update(LAPOR_BASE_URL=url, LAPOR_AUTH=sim.auth, LAPOR_TOKEN=sim.token)
        lapor_where = f"{url} (simulator; faults: {os.environ.get('LAPOR_SIM_FAULTS', 'none')})"
    for k, v in DEV_CHANNEL_SECRETS.items():
        os.environ.setdefault(k, v)
    os.environ.setdefault("CALLBACKS_LOCAL_DEV", "1")  # callbacks to http://127.0.0.1 (never set in AWS)
    api_url = f"http://{args.host}:{args.api_port}"
    os.environ.setdefault("OPEN311_BASE_URL", f"{api_url}/open311/v2")  # what discovery names
    open311_key = register_dev_api_key(os.environ.get("OPEN311_DEV_API_KEY"))
    jurisdiction = onboard_default(env)
    beside = onboard_more(env, sim)

    issuer = None
    if os.environ.get("AUTH_ISSUER"):
        issuer_where = f"{os.environ['AUTH_ISSUER']} (from AUTH_ISSUER)"
    else:
        from infra.local.dev_issuer import start_for_run

        issuer = start_for_run(args.host, args.issuer_port)
        os.environ.update(issuer.env())
        issuer_where = f"{issuer.issuer} (development issuer; `make token ROLE=admin UNIT=city`)"

    sys.path.insert(0, str(ROOT))
    app_module = importlib.import_module("app")
    from infra.local.pump import EventPump, parse_schedule_overrides

    every, per = parse_schedule_overrides(os.environ.get("PUMP_SCHEDULE_SECONDS"))
    pump = EventPump(app_module, endpoint_url=endpoint, schedule_override_s=every, schedule_overrides=per)
    pump.start()

    # `chalice local`, with its emulator faults worked around (infra/local/emulator_faults.py)
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local.chalice_local",
            "--host",
            args.host,
            "--port",
            str(args.api_port),
            "--stage",
            "dev",
            "--no-autoreload",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert api.stdout is not None
    pump_lines(api.stdout, console, "api")
    wait_http(f"{api_url}/v1/categories")
    from infra.local import running

    running.remember(endpoint, api_url, env, local_name_prefix())  # for the helper commands

    print(
        "\n".join(
            [
                "",
                "aduan-hub is running locally:",
                f"  API (chalice local)  {api_url}/v1/categories",
                f"  AWS (moto server)    {endpoint}   table {env['TABLE_NAME']}",
                f"  LAPOR!               {lapor_where}",
                f"  sign-in              {issuer_where}",
                f"  event pump           queues: {', '.join(s.name for s in pump.sqs_sources())}; schedules: "
                + (", ".join(f"{s.name} every {pump.interval(s):g}s" for s in pump.schedules()) or "none")
                + f"; table stream: {', '.join(s.name for s in pump.stream_sources()) or 'none'}",
                f"  status sync          schedule x{os.environ['SYNC_SCHEDULE_SCALE']} (SYNC_SCHEDULE_SCALE); "
                f"LAPOR! simulator moves a ticket after "
                f"{os.environ.get('LAPOR_SIM_VERIFY_AFTER_S', '20')}/"
                f"{os.environ.get('LAPOR_SIM_FOLLOWUP_AFTER_S', '40')}/"
                f"{os.environ.get('LAPOR_SIM_FINISH_AFTER_S', '90')} s",
                f"  logs                 {os.environ.get('LOG_FORMAT', 'compact')} (LOG_FORMAT=json for raw lines; "
                "LOG_METRICS=1 shows metrics; MOTO_ACCESS_LOG=1 moto's requests)",
                f"  public page          {api_url}/  (fill it: make seed)",
                f"  operators' console   {api_url}/operator/  (Masuk: role, unit, user on the issuer's form)",
                "  channel secrets      " + ", ".join(f"{k}={os.environ[k]}" for k in DEV_CHANNEL_SECRETS),
                f"  Open311              {os.environ['OPEN311_BASE_URL']}/discovery.json   {open311_key}",
                f"  jurisdiction         {jurisdiction} (more: make jurisdiction CODE=<NN.NN>)",
                f"  beside it            {', '.join(beside) or 'none (no shared area list)'}",
                "Press Ctrl-C to stop.",
                "",
            ]
        ),
        flush=True,
    )

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set() and api.poll() is None:
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    print("stopping...", flush=True)
    running.forget()
    api.terminate()
    try:
        api.wait(timeout=10)
    except subprocess.TimeoutExpired:
        api.kill()
    pump.stop()
    if sim is not None:
        sim.stop()
    if issuer is not None:
        issuer.stop()
    moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
