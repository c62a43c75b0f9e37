"""`make jurisdiction CODE=<code> [BOUNDARIES=...] [UNITS=...] [PREFIX=...] [LAPOR_AUTH=... LAPOR_TOKEN=...]`:
onboard a kabupaten/kota, or update it, with no deploy.

Against the running `make run` (found by itself), or with AWS credentials and `--stage <stage>`
(`STAGE=<stage>`) against that stage's stack. Everything is checked first, and every problem is
printed at once (unknown code, not a kabupaten/kota, boundary features that are not the region's
desa/kelurahan or are missing, duplicated or invalid, a prefix already taken, credentials half
given); then nothing is written and the exit status is 2. Otherwise the writes run in an order
that never shows half a region: the boundaries to a new object of their own (named by content),
the LAPOR! credentials and channel secrets to the region's secret, and last one table
transaction with the profile, the units, the overrides and the prefix's reservation.

Running it again updates the region: what is not given again (boundaries, units, prefix,
credentials) stays as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.domain.changes import ConditionFailed
from chalicelib.domain.jurisdiction import is_prefix
from chalicelib.domain.jurisdiction_record import JurisdictionRecord
from infra.jurisdictions.build import InvalidJurisdiction, build, prefix_candidates
from infra.jurisdictions.validate import Problem, check_document, errors
from infra.jurisdictions.wilayah import Wilayah, load, wilayah_csv

__all__ = ["Onboarded", "Request", "Target", "onboard", "main", "secret_name", "stage_target"]

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 25  # problems printed; the count says how many more


@dataclass(frozen=True)
class Request:
    """What to onboard. Files are paths; credentials may be absent (then kept as they are)."""

    code: str
    boundaries: Path | None = None
    units: Path | None = None
    prefix: str | None = None
    lapor_auth: str | None = None
    lapor_token: str | None = None
    lapor_base_url: str | None = None
    channel_secrets: Mapping[str, str] = field(default_factory=dict)
    public_base_url: str | None = None
    #: JSON with any of `categories`, `sla_policy`, `escalation_ladder`, `holidays` (docs/jurisdictions.md)
    overrides: Path | None = None


@dataclass(frozen=True)
class Onboarded:
    record: JurisdictionRecord
    created: bool
    items_written: int
    warnings: list[Problem]
    secret_written: bool


@dataclass(frozen=True)
class Target:
    """Where a region goes: the table (and its gateway's client), the bucket, the secrets' prefix."""

    table: str
    bucket: str
    name_prefix: str
    where: str


def secret_name(name_prefix: str, code: str) -> str:
    """One secret per region: its LAPOR! credentials and its channels' signing secrets."""
    return f"{name_prefix}/jurisdictions/{code}"


class Refused(Exception):
    """The inputs have errors: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.message for p in errors(problems)))
        self.problems = problems


def _problem(where: str, reason: str, msg_id: str, msg_en: str) -> Problem:
    return Problem(where, reason, msg_id, msg_en)


def _read_json(path: Path, where: str, problems: list[Problem]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        problems.append(
            _problem(where, "unreadable", f"berkas {path} tidak bisa dibaca ({err})", f"cannot read {path} ({err})")
        )
    except ValueError as err:
        problems.append(
            _problem(
                where, "not_json", f"berkas {path} bukan JSON yang sah ({err})", f"{path} is not valid JSON ({err})"
            )
        )
    return None


OVERRIDABLE = ("categories", "sla_policy", "escalation_ladder", "holidays")


def _overrides(raw: Any, problems: list[Problem]) -> dict[str, Any]:
    """The OVERRIDES file: an object with any of the overridable sections, each an object."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            _problem(
                "overrides", "bad_override", "OVERRIDES harus berupa objek JSON", "OVERRIDES must be a JSON object"
            )
        )
        return {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            continue  # a comment
        if key not in OVERRIDABLE or not isinstance(value, dict):
            problems.append(
                _problem(
                    f"overrides.{key}",
                    "bad_override",
                    f"bagian tidak dikenal atau bukan objek (boleh: {', '.join(OVERRIDABLE)})",
                    f"unknown section or not an object (allowed: {', '.join(OVERRIDABLE)})",
                )
            )
            continue
        out[key] = value
    return out


def _units_list(raw: Any) -> Any:
    """The UNITS format is a list; an object whose `opd` is that list (the hub's units.json) is read as it."""
    if isinstance(raw, dict) and isinstance(raw.get("opd"), list):
        return raw["opd"]
    return raw


class SecretWriter:
    """Secrets Manager, create-or-update of one JSON secret (infra only: the app never writes secrets)."""

    def __init__(self, client: Any) -> None:
        self.sm = client

    def read(self, name: str) -> dict[str, Any] | None:
        try:
            value: dict[str, Any] = json.loads(self.sm.get_secret_value(SecretId=name)["SecretString"])
        except self.sm.exceptions.ResourceNotFoundException:
            return None
        return value

    def write(self, name: str, value: dict[str, Any], description: str) -> bool:
        """Store ``value``; False when the secret already held exactly it (nothing written)."""
        text = json.dumps(value, sort_keys=True)
        try:
            self.sm.create_secret(Name=name, SecretString=text, Description=description)
            return True
        except self.sm.exceptions.ResourceExistsException:
            pass
        if self.read(name) == value:
            return False
        self.sm.put_secret_value(SecretId=name, SecretString=text)
        return True


def _secret_value(request: Request, old: dict[str, Any] | None) -> dict[str, Any] | None:
    """The region's secret after this request (None: nothing to store)."""
    given = request.lapor_auth is not None or request.channel_secrets
    if not given:
        return None
    value: dict[str, Any] = {
        "lapor": dict((old or {}).get("lapor") or {}),
        "channels": dict((old or {}).get("channels") or {}),
    }
    if request.lapor_auth is not None:
        value["lapor"].update(auth=request.lapor_auth, token=request.lapor_token)
        if request.lapor_base_url:
            value["lapor"]["base_url"] = request.lapor_base_url
    value["channels"].update(request.channel_secrets)
    return value


def free_prefix(store: Any, code: str, name: str) -> str:
    """The first prefix derived from the name that no other region holds: one read of its
    reservation per candidate (the first is usually free), never the whole list of regions."""
    for candidate in prefix_candidates(name):
        if is_prefix(candidate) and store.code_for_prefix(candidate) in (None, code):
            return candidate
    raise ValueError("every three-letter prefix is taken")


def check_request(request: Request) -> list[Problem]:
    """What can be refused before anything is read from the deployment."""
    problems: list[Problem] = []
    if (request.lapor_auth is None) != (request.lapor_token is None) or "" in (request.lapor_auth, request.lapor_token):
        problems.append(
            _problem(
                "lapor",
                "half_credentials",
                "LAPOR_AUTH dan LAPOR_TOKEN harus diberikan berdua (keduanya tidak kosong)",
                "LAPOR_AUTH and LAPOR_TOKEN go together (both non-empty)",
            )
        )
    for name, value in request.channel_secrets.items():
        if not name or not value:
            problems.append(
                _problem(
                    "channel_secrets",
                    "bad_channel_secret",
                    f"rahasia kanal {name!r} harus berbentuk NAMA=NILAI, keduanya tidak kosong",
                    f"channel secret {name!r} must be NAME=VALUE, both non-empty",
                )
            )
    return problems


def onboard(
    request: Request,
    *,
    store: Any,
    files: Any,
    secrets: SecretWriter,
    name_prefix: str,
    wilayah: Wilayah | None = None,
) -> Onboarded:
    """Check everything, then write. Refused (nothing written) when the inputs have errors;
    ConditionFailed when another onboarding took the prefix or changed the region meanwhile."""
    problems = check_request(request)
    boundaries = _read_json(request.boundaries, "boundaries", problems) if request.boundaries else None
    units = _units_list(_read_json(request.units, "units", problems)) if request.units else None
    bad_overrides: list[Problem] = []  # listed with the document's own problems, all at once
    overrides: dict[str, Any] = {}
    if request.overrides:
        overrides = _overrides(_read_json(request.overrides, "overrides", problems), bad_overrides)
    if errors(problems):
        raise Refused(problems + bad_overrides)
    wilayah = wilayah or load()
    area = wilayah.get(request.code)
    previous: JurisdictionRecord | None = None
    if area is not None and area.level == "kabupaten_kota":
        previous = store.load(request.code)
    prefix = request.prefix or (previous.jurisdiction.prefix if previous else None)
    taken: set[str] = set()
    if prefix is not None:
        if store.code_for_prefix(prefix) not in (None, request.code):
            taken.add(prefix)
    elif area is not None and area.level == "kabupaten_kota":
        prefix = free_prefix(store, request.code, wilayah.bare_name(request.code))
    if units is None and previous is not None:
        units = [o.model_dump() for o in previous.jurisdiction.opd]
    public_base_url = request.public_base_url or (previous.jurisdiction.public_base_url if previous else None)
    try:
        built = build(
            wilayah,
            request.code,
            boundaries=boundaries,
            units=units,
            prefix=prefix,
            taken_prefixes=taken,
            public_base_url=public_base_url,
        )
    except InvalidJurisdiction as err:
        raise Refused(problems + err.problems) from None
    jurisdiction = built.jurisdiction
    if previous is not None:  # what the region has and this run does not change stays
        keep: dict[str, Any] = {
            k: getattr(previous.jurisdiction, k)
            for k in ("categories", "sla_policy", "escalation_ladder", "holidays")
            if getattr(previous.jurisdiction, k) is not None
        }
        if boundaries is None and previous.boundaries_key:
            keep["has_boundaries"] = True
        jurisdiction = jurisdiction.model_copy(update=keep)
    if overrides or bad_overrides:  # given ones replace the region's; the others stay
        jurisdiction = jurisdiction.model_copy(update=overrides)
        problems = bad_overrides + check_document(jurisdiction)
        if errors(problems):
            raise Refused(problems)
    boundaries_key = previous.boundaries_key if previous else None
    if built.boundaries is not None:
        boundaries_key = files.write(request.code, built.boundaries)
    name = secret_name(name_prefix, request.code)
    secret_written = False
    value = _secret_value(request, secrets.read(name) if (request.lapor_auth or request.channel_secrets) else None)
    if value is not None:
        secret_written = secrets.write(
            name,
            value,
            f"LAPOR! credentials and channel secrets of jurisdiction {request.code}: JSON {{lapor, channels}}",
        )
    has_secret = value is not None or (previous is not None and previous.secret_name is not None)
    record = JurisdictionRecord(
        jurisdiction=jurisdiction,
        boundaries_key=boundaries_key,
        secret_name=name if has_secret else None,
        version=(previous.version if previous else 0) + 1,
    )
    written = store.save(record, previous)
    if built.boundaries is not None:
        try:
            files.remove_others(request.code, boundaries_key)
        except Exception:  # noqa: BLE001 - an earlier version left behind is harmless; the profile names the new one
            pass
    return Onboarded(
        record, previous is None, written, [p for p in built.warnings if p.severity == "warning"], secret_written
    )


# -- where to -------------------------------------------------------------------------------


def local_target() -> Target:
    """The running `make run` (infra/local/running.py); its boto3 clients are set up here."""
    from infra.local.running import connect

    state = connect()
    env = state["env"]
    where = f"the running `make run` ({state['moto']})"
    return Target(env["TABLE_NAME"], env["ATTACHMENTS_BUCKET"], state.get("name_prefix") or "aduan-hub", where)


def stage_target(stage: str) -> Target:
    """A deployed stage: its stack's outputs (infra/stages/<stage>.json names the stack and region)."""
    import boto3

    path = ROOT / "infra" / "stages" / f"{stage}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.json")))
        raise SystemExit(f"unknown stage {stage!r} (infra/stages/: {known})")
    data = json.loads(path.read_text())
    os.environ.setdefault("AWS_DEFAULT_REGION", data["region"])
    cfn = boto3.client("cloudformation", region_name=data["region"])
    stack = cfn.describe_stacks(StackName=data["stack_name"])["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    os.environ["TABLE_NAME"] = outputs["TableName"]
    os.environ["ATTACHMENTS_BUCKET"] = outputs["AttachmentsBucketName"]
    return Target(
        outputs["TableName"],
        outputs["AttachmentsBucketName"],
        data["parameters"]["NamePrefix"],
        f"stage {stage} ({data['stack_name']}, {data['region']})",
    )


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(
    request: Request,
    target: Target,
    out: Callable[[str], None] = print,
    err: Callable[[str], None] = _stderr,
) -> int:
    """Onboard into ``target`` (its clients already pointed there) and report (problems on
    ``err``); the exit status: 0 done, 2 refused, 1 lost a race."""
    from chalicelib.adapters.aws import client
    from chalicelib.adapters.boundaries import BoundaryFiles
    from chalicelib.adapters.storage.gateway import TableGateway
    from chalicelib.adapters.storage.jurisdictions import JurisdictionStore

    if not wilayah_csv().is_file():
        err(f"the national area list is missing: {wilayah_csv()} (set ADUAN_SHARED_DIR to the shared data folder)")
        return 2
    started = time.monotonic()
    try:
        done = onboard(
            request,
            store=JurisdictionStore(TableGateway(table_name=target.table)),
            files=BoundaryFiles(target.bucket),
            secrets=SecretWriter(client("secretsmanager")),
            name_prefix=target.name_prefix,
        )
    except Refused as refused:
        found = errors(refused.problems)
        err(f"{request.code}: not onboarded, nothing written ({len(found)} problem(s)):")
        for p in found[:MAX_LINES]:
            err(f"  {p.message}")
        if len(found) > MAX_LINES:
            err(f"  ... and {len(found) - MAX_LINES} more")
        return 2
    except ConditionFailed:
        err(
            f"{request.code}: not onboarded: another onboarding took its prefix or changed the region "
            "at the same moment; nothing of this run is in effect: run it again"
        )
        return 1
    j = done.record.jurisdiction
    villages = len(j.desa_kelurahan)
    out(
        f"{j.code} {j.words.region}: {'onboarded' if done.created else 'updated'} in {target.where}"
        f" (prefix {j.prefix}; {len(j.kecamatan)} kecamatan, {villages} desa/kelurahan, {len(j.opd)} OPD; "
        f"boundaries: {done.record.boundaries_key or 'none'}; "
        f"LAPOR! credentials: {'in ' + done.record.secret_name if done.record.secret_name else 'not given yet'}; "
        f"{done.items_written} table items in {time.monotonic() - started:.2f} s)"
    )
    for w in done.warnings[:MAX_LINES]:
        out(f"  warning: {w.message}")
    if len(done.warnings) > MAX_LINES:
        out(f"  ... and {len(done.warnings) - MAX_LINES} more warnings")
    return 0


def _channel_secret(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name.strip(), value


def request_from(args: argparse.Namespace, env: Mapping[str, str]) -> Request:
    auth = args.lapor_auth if args.lapor_auth is not None else env.get("LAPOR_AUTH") or None
    token = args.lapor_token if args.lapor_token is not None else env.get("LAPOR_TOKEN") or None
    return Request(
        code=args.code.strip(),
        boundaries=Path(args.boundaries) if args.boundaries else None,
        units=Path(args.units) if args.units else None,
        prefix=args.prefix.strip() if args.prefix else None,
        lapor_auth=auth,
        lapor_token=token,
        lapor_base_url=args.lapor_base_url,
        channel_secrets=dict(_channel_secret(c) for c in args.channel_secret),
        public_base_url=args.public_base_url,
        overrides=Path(args.overrides) if args.overrides else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", required=True, help="Kemendagri code of the kabupaten/kota, NN.NN")
    parser.add_argument("--boundaries", help="GeoJSON of its desa/kelurahan (properties.kode)")
    parser.add_argument("--units", help="its OPD list (docs/jurisdictions.md, the UNITS file)")
    parser.add_argument("--prefix", help="three capital letters for its tracking ids (default: from its name)")
    parser.add_argument("--lapor-auth", help="its LAPOR! agency credentials (default: $LAPOR_AUTH)")
    parser.add_argument("--lapor-token", help="(default: $LAPOR_TOKEN)")
    parser.add_argument("--lapor-base-url", help="its LAPOR! address, when not the deployment's")
    parser.add_argument(
        "--channel-secret", action="append", default=[], metavar="NAME=VALUE", help="a channel's signing secret"
    )
    parser.add_argument("--public-base-url", help="its public address (https://...)")
    parser.add_argument(
        "--overrides", help="its own categories, SLA policy, escalation ladder, holidays (docs/jurisdictions.md)"
    )
    parser.add_argument("--stage", help="a deployed stage (AWS credentials); default: the running `make run`")
    args = parser.parse_args(argv)
    request = request_from(args, os.environ)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    target = stage_target(args.stage) if args.stage else local_target()
    return run(request, target, out=lambda line: print(line, flush=True))


if __name__ == "__main__":
    sys.exit(main())
