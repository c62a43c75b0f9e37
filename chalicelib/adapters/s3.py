"""S3: the attachments bucket (presigned browser uploads, reads for LAPOR!).

The bucket is private and encrypted; citizens' apps upload straight to S3 with
a presigned POST whose policy S3 itself enforces (type and size), so no file
ever passes through a Lambda on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.domain.public_view import FileCheck
from chalicelib.settings import settings

#: the object's metadata the hub writes once it has checked the file: "clean" or "refused:<reason>".
#: A presigned POST cannot set it (S3 refuses a form field its policy does not name).
CHECK_META = "hub-check"
#: when the hub checked it (UTC, ISO 8601): the time of the timeline entry of a refusal
CHECKED_AT_META = "hub-checked-at"


@dataclass(frozen=True)
class StoredFile:
    key: str
    data: bytes
    content_type: str
    check: str = ""  # "" (as uploaded, not checked yet), "clean" or "refused:<reason>"
    checked_at: str = ""


class AttachmentStore:
    def __init__(self, bucket: str | None = None) -> None:
        self.bucket = bucket or settings().attachments_bucket
        self.s3 = client("s3")

    def presigned_post(self, key: str, content_type: str, max_bytes: int, expires_s: int) -> dict[str, Any]:
        """A browser form upload that S3 accepts only with this type and size."""
        return dict(
            self.s3.generate_presigned_post(
                Bucket=self.bucket,
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
                ExpiresIn=expires_s,
            )
        )

    def get(self, key: str) -> StoredFile | None:
        """The file, or None when nothing was ever uploaded under the key."""
        try:
            out = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        meta = out.get("Metadata") or {}
        return StoredFile(
            key,
            out["Body"].read(),
            out.get("ContentType") or "application/octet-stream",
            str(meta.get(CHECK_META, "")),
            str(meta.get(CHECKED_AT_META, "")),
        )

    def checked(self, key: str) -> FileCheck | None:
        """The check's verdict and the content type of a file, without its bytes; None when
        nothing is stored under the key."""
        try:
            out = self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        meta = out.get("Metadata") or {}
        return FileCheck(str(meta.get(CHECK_META, "")), str(out.get("ContentType") or ""))

    def replace(self, key: str, data: bytes, content_type: str, check: str, checked_at: str) -> None:
        """The checked file in place of what was uploaded (a PUT: the bucket's event is for POSTs only)."""
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            Metadata={CHECK_META: check, CHECKED_AT_META: checked_at},
        )
