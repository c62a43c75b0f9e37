"""A file is what its bytes say; a photo comes out of the hub upright, capped and bare."""

from __future__ import annotations

import io

import pytest

from chalicelib.adapters.photos import PhotoEncoder, UnreadablePhoto
from chalicelib.domain.photos import sniff
from tests.support.photos import camera_jpeg, clean_jpeg, secrets_in


def encoded(fmt: str, mode: str = "RGB", size: tuple[int, int] = (300, 200)) -> bytes:
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 0) if mode == "RGBA" else (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "ctype"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heic")]
)
def test_photos_are_known_by_their_bytes(fmt: str, ctype: str) -> None:
    assert sniff(encoded(fmt)[:64]) == ctype


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"),
        (b"<!doctype html><html><script>", None),
        (b"GIF89a\x01\x00", None),
        (b"MZ\x90\x00", None),
        (b"", None),
        (b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  ", None),
    ],
)
def test_anything_else_is_nothing_the_hub_accepts(head: bytes, found: str | None) -> None:
    assert sniff(head) == found


def test_a_camera_photo_comes_out_upright_capped_and_without_metadata() -> None:
    from PIL import Image

    out = PhotoEncoder(1600, 85).reencode(camera_jpeg())
    assert secrets_in(out) == []
    with Image.open(io.BytesIO(out)) as img:
        assert img.format == "JPEG" and img.size == (1200, 1600)
        assert dict(img.getexif()) == {} and not {"icc_profile", "xmp", "comment", "exif"} & set(img.info)


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "RGBA"), ("WEBP", "RGB"), ("HEIF", "RGB"), ("PNG", "P")])
def test_other_photos_become_plain_jpegs(fmt: str, mode: str) -> None:
    from PIL import Image

    out = PhotoEncoder(100, 85).reencode(encoded(fmt, mode))
    with Image.open(io.BytesIO(out)) as img:
        assert img.format == "JPEG" and img.mode == "RGB" and img.size == (100, 67)


def test_a_clean_photo_is_given_back_byte_for_byte() -> None:
    assert PhotoEncoder(1600, 85).reencode(clean_jpeg(1)) == clean_jpeg(1)


@pytest.mark.parametrize("data", [b"\xff\xd8\xff\xe0" + b"not a jpeg" * 20, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_bytes_that_only_start_like_a_photo_are_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadablePhoto):
        PhotoEncoder(1600, 85).reencode(data)


def test_pillow_is_loaded_only_when_a_photo_is_re_encoded() -> None:
    """Only forward_to_lapor has the photo layer: `import app` (every function's cold start),
    the handlers and the photo service never load PIL; the adapter loads it inside its call."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, app, chalicelib.handlers, chalicelib.services.photo_checks, chalicelib.adapters.photos\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('PIL', 'pillow_heif')], 'PIL at import'\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)  # 900 megapixels, RGB
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    assert sniff(bomb[:64]) == "image/png"
    with pytest.raises(UnreadablePhoto, match="DecompressionBomb"):
        PhotoEncoder(1600, 85).reencode(bomb)
