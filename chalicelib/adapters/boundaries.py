"""S3: each jurisdiction's desa/kelurahan boundaries, one object per version, in the hub's bucket.

The key names the region and the content (``jurisdictions/<code>/boundaries-<sha256>.geojson``):
an onboarding writes the new object first and then switches the region's profile to it in the
table, so a reader never meets a region whose boundaries are half-replaced.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.settings import settings

__all__ = ["BOUNDARIES_PREFIX", "BoundaryFiles", "boundaries_key"]

BOUNDARIES_PREFIX = "jurisdictions/"


def _body(geojson: dict[str, Any]) -> bytes:
    return json.dumps(geojson, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def boundaries_key(code: str, geojson: dict[str, Any]) -> str:
    """Where a region's boundaries of this content are kept."""
    digest = hashlib.sha256(_body(geojson)).hexdigest()[:16]
    return f"{BOUNDARIES_PREFIX}{code}/boundaries-{digest}.geojson"


class BoundaryFiles:
    def __init__(self, bucket: str | None = None) -> None:
        self.bucket = bucket or settings().attachments_bucket
        self.s3 = client("s3")

    def read(self, key: str) -> dict[str, Any] | None:
        """The boundaries under ``key``, or None when there is no such object."""
        try:
            out = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        data: dict[str, Any] = json.loads(out["Body"].read())
        return data

    def write(self, code: str, geojson: dict[str, Any]) -> str:
        """Store the boundaries (the same content: the same key, written again) and return the key."""
        key = boundaries_key(code, geojson)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=_body(geojson), ContentType="application/geo+json")
        return key

    def remove_others(self, code: str, keep: str | None) -> int:
        """Delete the region's earlier versions (after its profile moved to ``keep``)."""
        removed = 0
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{BOUNDARIES_PREFIX}{code}/"
        )
        for page in pages:
            for obj in page.get("Contents", []):
                if obj["Key"] != keep:
                    self.s3.delete_object(Bucket=self.bucket, Key=obj["Key"])
                    removed += 1
        return removed
