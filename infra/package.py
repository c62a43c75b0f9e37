"""`make package STAGE=<stage>`: the deployable template and package for one stage.

1. `chalice package --stage <stage> --merge-template infra/template.json build/package/<stage>`
   (Chalice's SAM template + deployment.zip, merged with the hub's resources);
2. the stage's data (infra/stages/<stage>.json) written into the template as the
   parameters' defaults, so the template deploys as that stage without overrides;
3. the photo layer, `photo-layer.zip` (Pillow and pillow-heif, requirements-photo.txt, under
   `python/`): attached only to forward_to_lapor, the one function that checks and re-encodes
   photos (`PhotoLayer` in infra/template.json), so the deployment package stays within 12 MB;
4. `cfn-lint` on the result (no error allowed).

The output folder also gets `stage.json` (stack name, region) for the deploy and smoke
commands in docs/deployment.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STAGES = ROOT / "infra" / "stages"
PHOTO_REQUIREMENTS = ROOT / "requirements-photo.txt"
PHOTO_LAYER = "photo-layer.zip"  # the template's PhotoLayer ContentUri, next to sam.json
#: Lambda's platform: the layer's compiled parts (Pillow's codecs, libheif) must be built for it
LAMBDA_PLATFORM = ("Linux", "x86_64", (3, 11))


class StageError(Exception):
    pass


def stage_data(stage: str) -> dict[str, Any]:
    path = STAGES / f"{stage}.json"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in STAGES.glob("*.json")))
        raise StageError(f"no stage {stage!r} (infra/stages/ has: {known})")
    return json.loads(path.read_text())


def apply_stage(template: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The stage's values as the parameters' defaults; every parameter must end with a value."""
    params = template.setdefault("Parameters", {})
    unknown = set(data["parameters"]) - set(params)
    if unknown:
        raise StageError(f"the stage sets parameters the template does not have: {sorted(unknown)}")
    for name, value in data["parameters"].items():
        params[name]["Default"] = value
    missing = [k for k, v in params.items() if "Default" not in v]
    if missing:
        raise StageError(f"parameters without a value for the stage: {missing}")
    return template


def chalice_package(stage: str, out: Path, region: str) -> None:
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": region}
    result = subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", "infra/template.json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise StageError(f"chalice package failed:\n{result.stdout}{result.stderr}")


def pinned(path: Path = PHOTO_REQUIREMENTS) -> dict[str, str]:
    """`name==version` lines (comments aside)."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip()] = version.strip()
    return pins


def photo_layer(out: Path) -> Path:
    """`photo-layer.zip`: the distributions of requirements-photo.txt, as this environment has them
    installed (make's venv: the pinned versions), under `python/` as a Lambda layer wants them."""
    here = (platform.system(), platform.machine(), sys.version_info[:2])
    if here != LAMBDA_PLATFORM:
        raise StageError(f"the photo layer is built on Lambda's platform {LAMBDA_PLATFORM}, not {here}")
    path = out / PHOTO_LAYER
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, version in pinned().items():
            dist = importlib.metadata.distribution(name)
            if dist.version != version:
                raise StageError(f"{name} {dist.version} is installed, requirements-photo.txt pins {version}")
            for f in sorted(dist.files or [], key=str):
                src = Path(str(f.locate()))
                if src.is_file() and "__pycache__" not in f.parts and ".." not in f.parts:
                    z.write(src, f"python/{f}")
    return path


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True)


def package(stage: str, out: Path | None = None, run_lint: bool = True) -> Path:
    data = stage_data(stage)
    out = out or ROOT / "build" / "package" / stage
    if out.exists():
        shutil.rmtree(out)
    chalice_package(stage, out, data["region"])
    photo_layer(out)
    sam = out / "sam.json"
    template = apply_stage(json.loads(sam.read_text()), data)
    sam.write_text(json.dumps(template, indent=2) + "\n")
    (out / "stage.json").write_text(
        json.dumps({"stage": stage, "stack_name": data["stack_name"], "region": data["region"]}, indent=1) + "\n"
    )
    if run_lint:
        result = lint(sam)
        if result.returncode != 0:
            raise StageError(f"cfn-lint found problems in {sam}:\n{result.stdout}{result.stderr}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-lint", action="store_true")
    args = parser.parse_args(argv)
    try:
        out = package(args.stage, args.out, run_lint=not args.no_lint)
    except StageError as err:
        print(f"make package: {err}", file=sys.stderr)
        return 1
    data = stage_data(args.stage)
    rel = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(
        f"{rel}/sam.json, {rel}/deployment.zip and {rel}/{PHOTO_LAYER}: stage {args.stage}, stack {data['stack_name']} "
        f"in {data['region']} (cfn-lint: {'skipped' if args.no_lint else 'no errors'}). "
        "Deploy: docs/deployment.md"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
