"""Size of the `chalice package` deployment zip (`zip_mb`: MiB; target <= 12 MB) and of the photo
layer infra/package.py builds beside it (`photo_layer_mb`: Pillow and pillow-heif, attached to
forward_to_lapor only; its unzipped size counts against Lambda's 250 MB with the function's)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.schema import emit, figure, result
from infra.package import photo_layer

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
        layer = photo_layer(Path(out))
        layer_size = layer.stat().st_size
        with zipfile.ZipFile(layer) as z:
            layer_unzipped = sum(i.file_size for i in z.infolist())
    return {
        "zip_bytes": size,
        "zip_mb": round(size / 1024 / 1024, 2),
        "photo_layer_bytes": layer_size,
        "photo_layer_mb": round(layer_size / 1024 / 1024, 2),
        "photo_layer_unzipped_mb": round(layer_unzipped / 1024 / 1024, 2),
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    figures = [figure("zip_mb", "`chalice package` deployment zip", raw["zip_mb"], "MB", ("<=", 12))]
    notes = ["What is shipped: the runtime packages of requirements.txt; boto3 is not (the Lambda runtime has it)."]
    if "photo_layer_mb" in raw:
        figures.append(
            figure("photo_layer_mb", "photo layer zip (forward_to_lapor)", raw["photo_layer_mb"], "MB", ("<=", 50))
        )
        notes.append(
            "The photo layer (requirements-photo.txt) is a layer of its own, attached to the one function that "
            f"re-encodes photos; unzipped {raw['photo_layer_unzipped_mb']} MB. "
            "50 MB is Lambda's limit for a zipped layer."
        )
    command = "python -m benchmarks.bench_package"
    return result("package", "Deployment package", command, figures, {"builds": 1}, notes, raw)


if __name__ == "__main__":
    emit(report(main()))
