"""Models of the uploads: what a photo's presigned form is asked with, and the form itself."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AttachmentRequest(BaseModel):
    """`POST /v1/complaints/{tracking_id}/attachments` body (the file name is never kept)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(max_length=200)


class UploadRequest(BaseModel):
    """`POST /v1/uploads` body: a photo taken before the complaint is sent."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    content_type: str = Field(max_length=200)


class UploadTarget(BaseModel):
    model_config = ConfigDict(defer_build=True)
    url: str
    fields: dict[str, str]


class UploadForm(BaseModel):
    """A presigned S3 POST: send the file as multipart/form-data with `fields`, then the file."""

    model_config = ConfigDict(defer_build=True)

    upload: UploadTarget
    key: str
    expires_in: int
