"""The one place a photo is decoded and re-encoded (Pillow, pillow-heif).

Pillow lives in the photo layer (requirements-photo.txt), attached only to the function
that checks photos, never in the deployment package: it is imported here, inside the
call, so `import app` and every other function never load it.

What comes out is a new JPEG drawn from the pixels alone: the EXIF orientation applied,
the longest side capped, and nothing else carried over (no EXIF: GPS, camera serial,
owner name; no XMP, no ICC profile or comment, no thumbnail).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

MAX_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded


class UnreadablePhoto(Exception):
    """The bytes start like a photo but do not decode as one."""


class PhotoEncoder:
    def __init__(self, max_side: int, quality: int) -> None:
        self.max_side = max_side
        self.quality = quality

    def reencode(self, data: bytes) -> bytes:
        """A clean JPEG of the photo; raises UnreadablePhoto."""
        from PIL import Image, ImageOps

        _register_heif()
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.draft("RGB", (self.max_side, self.max_side))  # a JPEG decodes at 1/2..1/8 scale: less memory
                img.load()
                upright = ImageOps.exif_transpose(img)
                upright.thumbnail((self.max_side, self.max_side), Image.Resampling.LANCZOS)
                pixels = _rgb(upright)
        except Exception as err:  # noqa: BLE001 - whatever a hostile file makes the decoder raise: not a photo
            raise UnreadablePhoto(f"{type(err).__name__}: {err}") from err
        out = io.BytesIO()
        pixels.save(out, format="JPEG", quality=self.quality, optimize=True)
        return out.getvalue()


def _rgb(img: Picture) -> Picture:
    """The pixels alone, as RGB on white (transparency flattened), in a fresh image."""
    from PIL import Image

    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    fresh = Image.new("RGB", img.size)
    fresh.paste(img.convert("RGB"))
    return fresh


_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener  # type: ignore[import-untyped]

        register_heif_opener()
        _heif_registered = True
