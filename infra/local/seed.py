"""`make seed`: fill the running local stack with realistic complaints to look at the public page.

A few hundred complaints (SEED_COMPLAINTS, default 400) spread over the last 13
months, every kecamatan and kelurahan, the OPD categories, every channel and
every lifecycle outcome: open (some past their deadline), answered, resolved
on time and late, reopened, rated, moved between units, rejected, duplicates
and emergencies (the last two are not counted, by the rules). They are written
as intake writes them (`store()`: intake's placement, so each is in its holder's inbox
and the `created` index), so the running event
pump counts them from the table's stream like any other complaint; this
command then reads the stream once itself and refreshes the figures, so the
page shows them at once.

`generate()` is also used by the benchmark and the browser test.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

TITLES = {
    "sampah": ["Sampah menumpuk di pinggir jalan", "Tempat sampah penuh belum diangkut", "Pembuangan sampah liar"],
    "jalan-rusak": ["Jalan berlubang membahayakan pengendara", "Aspal mengelupas setelah hujan", "Jalan rusak parah"],
    "drainase-banjir": ["Saluran air tersumbat", "Genangan setiap hujan", "Gorong-gorong ambrol"],
    "lampu-jalan": ["Lampu penerangan jalan mati", "Lampu jalan berkedip", "Tiang lampu miring"],
    "lalu-lintas": ["Rambu lalu lintas hilang", "Lampu lalu lintas tidak menyala", "Parkir liar menutup jalan"],
    "kesehatan": ["Antrean puskesmas terlalu lama", "Obat di puskesmas kosong", "Fogging belum dilakukan"],
    "pendidikan": ["Atap kelas bocor", "Pungutan di sekolah", "Guru sering tidak hadir"],
    "adminduk": ["KTP elektronik belum jadi", "Antrean kartu keluarga", "Akta kelahiran salah nama"],
    "bansos": ["Bantuan sosial tidak tepat sasaran", "Nama hilang dari daftar penerima", "Bantuan terlambat cair"],
    "ketertiban": ["Pedagang menutup trotoar", "Keributan malam hari", "Bangunan liar di bantaran"],
    "perizinan": ["Izin usaha lama diproses", "Persyaratan izin tidak jelas", "Layanan perizinan daring error"],
    "bencana": ["Pohon tumbang menutup jalan", "Tanah longsor dekat rumah warga", "Tanggul retak"],
    "air-bersih": ["Air PDAM tidak mengalir", "Air keruh dan berbau", "Pipa bocor di jalan"],
    "pelayanan-kelurahan": [
        "Surat pengantar lama diproses",
        "Kantor kelurahan tutup saat jam kerja",
        "Pelayanan kurang ramah",
    ],
    "pelayanan-kecamatan": ["Antrean layanan kecamatan", "Petugas kecamatan tidak ada", "Berkas hilang di kecamatan"],
    "lingkungan-rt-rw": ["Fasilitas umum RT rusak", "Pos ronda tidak terawat", "Jalan lingkungan becek"],
    "pungli-asn": ["Dugaan pungutan liar", "Permintaan uang di luar ketentuan", "Oknum meminta imbalan"],
    "lainnya": ["Informasi layanan tidak jelas", "Website pemerintah tidak bisa dibuka", "Usulan perbaikan layanan"],
}
CATEGORY_WEIGHTS = {
    "sampah": 12,
    "jalan-rusak": 12,
    "drainase-banjir": 9,
    "lampu-jalan": 6,
    "lalu-lintas": 4,
    "kesehatan": 4,
    "pendidikan": 3,
    "adminduk": 6,
    "bansos": 5,
    "ketertiban": 3,
    "perizinan": 2,
    "bencana": 2,
    "air-bersih": 5,
    "pelayanan-kelurahan": 8,
    "pelayanan-kecamatan": 3,
    "lingkungan-rt-rw": 6,
    "pungli-asn": 1,
    "lainnya": 3,
}
CHANNELS = {"app": 45, "rabeg": 35, "call112": 8, "psc119": 4, "open311": 8}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate(n: int, now: datetime, seed: int = 10) -> list[tuple[Any, Any, dict[str, Any]]]:
    """n complaints as (Complaint, first TimelineEntry, extra item attributes), reproducible by seed."""
    from chalicelib.adapters.storage.codec import iso
    from chalicelib.adapters.storage.keys import created_attributes as created_keys
    from chalicelib.adapters.storage.keys import due_attributes
    from chalicelib.domain import reference, routing
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.models import Complaint, Location, Status, TimelineEntry
    from chalicelib.domain.tracking import new_tracking_id

    rng = random.Random(seed)
    cal = default_calendar()
    kelurahan = sorted(reference.areas().kelurahan)
    busy = {k: (3 if k.startswith(("36.73.01", "36.73.06")) else 1) for k in kelurahan}  # denser in the centre
    units = reference.units()
    out = []
    for _ in range(n):
        age_days = min(395.0, rng.expovariate(1 / 90))
        created = now - timedelta(days=age_days, minutes=rng.randint(0, 600))
        category = _pick(rng, CATEGORY_WEIGHTS)
        kel = _pick(rng, busy)
        loc = Location(kelurahan_code=kel, address="Jl. Contoh")
        place = routing.place_of(loc)
        unit = routing.unit_for(category, place)
        channel = _pick(rng, CHANNELS)
        severity = reference.categories()[category].severity
        c = Complaint(
            tracking_id=new_tracking_id(),
            channel=channel,
            category=category,
            title=rng.choice(TITLES[category]),
            description="Mohon segera ditindaklanjuti. " * 2,
            location=loc,
            kecamatan_code=place.kecamatan_code,
            unit=unit,
            severity=severity,
            anonymous=rng.random() < 0.3,
            confidential=rng.random() < 0.05,
            status=Status.FORWARDED,
            created_at=created,
            updated_at=created,
            lapor_id=None,
        )
        extra: dict[str, Any] = dict(created_keys(c.tracking_id, created))
        roll = rng.random()
        answered = created + timedelta(hours=rng.choice([2, 6, 20, 30, 50, 80, 120, 200]))
        if channel in ("call112", "psc119") and roll < 0.12:
            c.status = Status.EMERGENCY
        elif roll < 0.15:
            c.status = Status.DUPLICATE if hasattr(Status, "DUPLICATE") else Status.CLOSED
            extra["duplicate_of"] = new_tracking_id()
        elif age_days < 20 or roll < 0.27:
            c.status = rng.choice([Status.FORWARDED, Status.VERIFIED, Status.IN_PROGRESS])
            if c.status == Status.IN_PROGRESS and answered < now:
                extra["first_response_at"] = iso(answered)
            days = rng.choice([1, 3, 5, 5, 10])
            deadline = cal.add_working_days(created, days)
            c.deadline = deadline
            extra.update(due_attributes(c.tracking_id, deadline))
        elif roll < 0.32:
            c.status = Status.REJECTED
            extra["first_response_at"] = iso(answered)
        else:
            resolved = answered + timedelta(days=rng.choice([0.5, 1, 2, 4, 7, 12, 20, 40]))
            if resolved >= now:
                resolved = now - timedelta(hours=1)
            extra.update(first_response_at=iso(min(answered, resolved)), resolved_at=iso(resolved))
            c.status = Status.CLOSED if (now - resolved).days > 14 else Status.RESOLVED
            if c.status == Status.CLOSED:
                extra["closed_how"] = rng.choice(["auto", "confirmed"])
            if rng.random() < 0.06:
                extra["reopen_count"] = 1
            if rng.random() < 0.5:
                extra.update(rating_stars=rng.choice([1, 2, 3, 4, 4, 5, 5, 5]), rated_at=iso(resolved))
        if rng.random() < 0.07 and c.status not in (Status.EMERGENCY,):
            other = rng.choice([u for u in units if u.startswith("kel:") and u != unit.code] or [unit.code])
            extra["moved_from"] = [other]
        entry = TimelineEntry(
            at=created, kind="received", status=Status.RECEIVED, message=f"Diterima melalui {channel}", ref="received"
        )
        out.append((c, entry, extra))
    return out


def store(made: list[tuple[Any, Any, dict[str, Any]]]) -> None:
    """Write the complaints through intake's own path (the complaint store, intake's placement):
    each is in its holder's inbox, its `created` and `due` index, listed nearby when it may be."""
    from chalicelib import bootstrap
    from chalicelib.services.intake import placement_of

    complaints = bootstrap.complaints()
    for complaint, entry, extra in made:
        if extra.get("closed_how"):
            complaint.closed_how = extra["closed_how"]
        placement = placement_of(complaint)
        complaints.create(complaint, entry, extra, placement)


def main() -> int:
    from infra.local.running import NoRunningStack, connect

    n = int(os.environ.get("SEED_COMPLAINTS", "400"))
    os.environ.update({"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"})
    try:
        state = connect()
    except NoRunningStack as err:
        print(err.message, file=sys.stderr)
        return 1
    endpoint = state["moto"]
    from chalicelib import bootstrap

    now = datetime.now(UTC)
    made = generate(n, now, seed=int(os.environ.get("SEED", "10")))
    store(made)
    import app as app_module
    from infra.local.pump import EventPump

    pump = EventPump(app_module, endpoint_url=endpoint, wait_s=0, log=lambda _m: None)
    pump.drain_streams()
    report = bootstrap.statistics().refresh()
    print(
        f"seeded {len(made)} complaints; figures refreshed ({report['snapshots_written']} snapshots). "
        f"Open {state['api']}/ (or /transparansi)"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
