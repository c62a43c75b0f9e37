"""Photos for tests, made with Pillow.

`clean_jpeg(n)`: a small JPEG the hub's re-encoding gives back byte for byte (a solid
colour, already at the hub's quality, no metadata), so a test can follow the very bytes
it uploaded to LAPOR!. `camera_jpeg()`: a photo as a phone camera writes it, with EXIF
GPS, the owner's name, the camera's serial number, an XMP packet, an ICC profile
and a comment, none of which may reach anyone.
"""

from __future__ import annotations

import io
from functools import lru_cache

OWNER = "Bpk. Rahmat Hidayat"
SERIAL = "SN-4417-88231"
CAMERA = "KameraKu X9"
XMP_SECRET = "rumah-pelapor-jl-melati-5"
COMMENT = "foto milik Rahmat, HP pribadi"
#: 6.1214 S, 106.1503 E as EXIF writes it (degrees, minutes, seconds)
GPS = {1: "S", 2: (6.0, 7.0, 17.04), 3: "E", 4: (106.0, 9.0, 1.08)}


@lru_cache(maxsize=256)
def clean_jpeg(n: int = 0) -> bytes:
    """A JPEG that is already what the hub makes of it (checked: it re-encodes to itself)."""
    from PIL import Image

    from chalicelib.adapters.photos import PhotoEncoder
    from chalicelib.domain.attachments import rules

    colour = (n * 37 % 256, 90 + n * 11 % 120, 200 - n * 7 % 150)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG", quality=85)
    encoder = PhotoEncoder(rules().photo_max_side_px, rules().photo_jpeg_quality)
    data = out.getvalue()
    for _ in range(4):
        again = encoder.reencode(data)
        if again == data:
            return data
        data = again
    raise AssertionError(f"clean_jpeg({n}) does not settle")


def camera_jpeg(width: int = 4000, height: int = 3000, orientation: int = 6) -> bytes:
    """A camera's JPEG: sideways (EXIF orientation 6), larger than the cap, full of metadata."""
    from PIL import Image, ImageCms

    img = Image.new("RGB", (width, height), (150, 110, 60))
    img.paste((20, 20, 20), (0, 0, width // 4, height // 4))  # a dark corner, to see the rotation
    exif = Image.Exif()
    exif[0x010F] = "KameraKu"  # Make
    exif[0x0110] = CAMERA  # Model
    exif[0x013B] = OWNER  # Artist
    exif[0x8298] = f"(c) {OWNER}"  # Copyright
    exif[0x0112] = orientation
    exif.get_ifd(0x8769).update({0xA430: OWNER, 0xA431: SERIAL})  # CameraOwnerName, BodySerialNumber
    exif.get_ifd(0x8825).update(GPS)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{OWNER}" '
        f'dc:description="{XMP_SECRET}"/></rdf:RDF></x:xmpmeta>'
    ).encode()
    out = io.BytesIO()
    icc = profile.tobytes()
    img.save(out, format="JPEG", quality=90, exif=exif.tobytes(), icc_profile=icc, xmp=xmp, comment=COMMENT)
    return out.getvalue()


def secrets_in(data: bytes) -> list[str]:
    """Which of the camera's secrets the bytes still carry (by their text)."""
    found = [s for s in (OWNER, SERIAL, CAMERA, XMP_SECRET, COMMENT, "Rahmat") if s.encode() in data]
    if b"Exif\x00\x00" in data:
        found.append("EXIF block")
    if b"http://ns.adobe.com/xap/1.0/" in data or b"xmpmeta" in data:
        found.append("XMP packet")
    if b"ICC_PROFILE" in data:
        found.append("ICC profile")
    return found
