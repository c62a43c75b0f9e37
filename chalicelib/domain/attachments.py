"""Attachment rules: which files, how many, how long to wait for them, and their S3 keys.

Pure: the numbers are data (data/attachments.json). A key never carries the app's
file name (people name files after what is in them: KTP_<NIK>.jpg): it is a random
id plus the extension of the content type.

Two kinds of key:
- `uploads/<32 hex><ext>`: a photo asked for before the complaint exists (`POST
  /v1/uploads`), named by the complaint in `attachments`; S3 expires what is left
  under `uploads/` (the bucket's lifecycle rule, `uploads_expire_days`);
- `attachments/<tracking_id>/<32 hex><ext>`: a file added to an existing complaint.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain.reference import load_json

_SAFE_EXT = re.compile(r"\.[a-z0-9]{1,5}")
UPLOAD_PREFIX = "uploads/"


class AttachmentRules(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    allowed_content_types: tuple[str, ...]
    extensions: dict[str, str]  # content type -> ".ext"
    max_bytes: int = Field(gt=0)
    max_per_complaint: int = Field(gt=0)
    url_expires_s: int = Field(gt=0)
    upload_wait_s: int = Field(ge=0)
    upload_check_every_s: int = Field(gt=0)
    uploads_expire_days: int = Field(gt=0)
    photo_max_side_px: int = Field(default=1600, gt=0)
    photo_jpeg_quality: int = Field(default=85, ge=1, le=95)

    @model_validator(mode="after")
    def _every_type_has_a_safe_extension(self) -> AttachmentRules:
        missing = set(self.allowed_content_types) - set(self.extensions)
        if missing or not all(_SAFE_EXT.fullmatch(e) for e in self.extensions.values()):
            raise ValueError(f"attachments.json: extensions must give a safe one for every allowed type {missing}")
        return self


@lru_cache(maxsize=1)
def rules() -> AttachmentRules:
    return AttachmentRules.model_validate(load_json("attachments.json"))


def normal_content_type(content_type: str) -> str:
    return content_type.strip().lower()


def extension_for(content_type: str) -> str:
    """ ".jpg" for image/jpeg, ...; "" for a type outside the allow-list."""
    return rules().extensions.get(normal_content_type(content_type), "")


def new_upload_key(content_type: str) -> str:
    return f"{UPLOAD_PREFIX}{uuid.uuid4().hex}{extension_for(content_type)}"


def new_complaint_key(tracking_id: str, content_type: str) -> str:
    return f"attachments/{tracking_id}/{uuid.uuid4().hex}{extension_for(content_type)}"


@lru_cache(maxsize=1)
def _upload_key_shape() -> re.Pattern[str]:
    exts = "|".join(sorted(re.escape(e) for e in set(rules().extensions.values())))
    return re.compile(rf"{re.escape(UPLOAD_PREFIX)}[0-9a-f]{{32}}(?:{exts})")


def is_upload_key(key: str) -> bool:
    """A key `POST /v1/uploads` could have given (the shape only: not that it was given)."""
    return bool(_upload_key_shape().fullmatch(key))
