"""Size of the `chalice package` deployment zip (`zip_mb`: MiB). Target <= 12 MB."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.schema import emit, figure, result

ROOT = Path(__file__).resolve().parents[1]


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        chalice = Path(sys.executable).with_name("chalice")
        subprocess.run(
            [str(chalice), "package", "--stage", "prod", "--merge-template", "infra/template.json", out],
            cwd=ROOT,
            check=True,
            capture_output=True,
            env={**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-3"},
        )
        size = (Path(out) / "deployment.zip").stat().st_size
    return {"zip_bytes": size, "zip_mb": round(size / 1024 / 1024, 2)}


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "package",
        "Deployment package",
        "python -m benchmarks.bench_package",
        [figure("zip_mb", "`chalice package` deployment zip", raw["zip_mb"], "MB", ("<=", 10))],
        {"builds": 1},
        ["What is shipped: the runtime packages of requirements.txt; boto3 is not (the Lambda runtime has it)."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))
