"""Rabeg (Reaksi Atas Berita Warga, the region's Diskominfo): its record and its mapping.

The columns are those of Rabeg's table `rbg_aduan` seen in public
(`ID_ADUAN, PELAPOR, TGL_ADUAN, KD_MEDIA, KD_KAT, JUDUL_ADUAN, ISI_ADUAN, LOKASI`),
plus what a webhook needs and the table may hold: coordinates (`LAT`, `LNG`), the
reporter's phone and e-mail (`NO_HP`, `EMAIL`), a kelurahan code (`KD_KEL`) and the
anonymous / confidential flags (`ANONIM`, `RAHASIA`). Unknown columns are ignored:
it is a database row, and Rabeg may add columns without telling us.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.channels.common import ChannelTime, Normalised, category_for, channel_attributes, location_of
from chalicelib.domain.commands import NewComplaint
from chalicelib.domain.links import Email
from chalicelib.domain.numbers import Latitude, Longitude
from chalicelib.schemas.public import ComplaintSubmission, ReporterContact

CHANNEL = "rabeg"

FIELD_NAMES = {
    "location": "LAT/LNG/KD_KEL",
    "location.kelurahan_code": "KD_KEL",
    "location.lat": "LAT",
    "location.lon": "LNG",
    "description": "ISI_ADUAN",
    "title": "JUDUL_ADUAN",
    "category": "KD_KAT",
    "reporter.email": "EMAIL",
}


class RabegRecord(BaseModel):
    """One row of `rbg_aduan`, as Rabeg's webhook sends it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    ID_ADUAN: str = Field(min_length=1, max_length=64)
    TGL_ADUAN: ChannelTime  # local time (WIB) when no zone is given
    KD_KAT: str = Field(min_length=1, max_length=32)
    ISI_ADUAN: str = Field(min_length=10, max_length=5000)
    JUDUL_ADUAN: str | None = Field(default=None, max_length=200)
    KD_MEDIA: str | None = Field(default=None, max_length=32)  # WEB, ANDROID, SOSMED, KOTAK, ...
    LOKASI: str | None = Field(default=None, max_length=500)
    PELAPOR: str | None = Field(default=None, max_length=120)
    NO_HP: str | None = Field(default=None, max_length=32)
    EMAIL: Email | None = Field(default=None, max_length=254)
    LAT: Latitude | None = None
    LNG: Longitude | None = None
    KD_KEL: str | None = Field(default=None, max_length=16)
    ANONIM: bool = False
    RAHASIA: bool = False


def normalise(record: RabegRecord) -> Normalised:
    category, note = category_for(CHANNEL, record.KD_KAT)
    has_reporter = any((record.PELAPOR, record.NO_HP, record.EMAIL))
    submission = ComplaintSubmission(
        category=category,
        title=record.JUDUL_ADUAN or None,
        description=record.ISI_ADUAN,
        location=location_of(record.LAT, record.LNG, record.KD_KEL, record.LOKASI, "LAT", "LNG"),
        reporter=ReporterContact(name=record.PELAPOR, phone=record.NO_HP, email=record.EMAIL) if has_reporter else None,
        anonymous=record.ANONIM,
        confidential=record.RAHASIA,
    )
    attrs = channel_attributes(record.TGL_ADUAN, note, channel_media=record.KD_MEDIA, channel_code=record.KD_KAT)
    new = NewComplaint(submission=submission, channel=CHANNEL, channel_ref=record.ID_ADUAN, attributes=attrs)
    return Normalised(new=new, native_id=record.ID_ADUAN, field_names=FIELD_NAMES, native_id_field="ID_ADUAN")
