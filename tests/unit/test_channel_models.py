"""Each channel's native record, normalised into the one complaint model (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chalicelib.adapters.storage.keys import geo_attributes
from chalicelib.channels import call112, psc119, rabeg
from chalicelib.channels.common import category_for
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.models import Complaint, Location, Status, TimelineEntry
from chalicelib.services.callbacks import check_url, event_for, event_id, retry_delay

RABEG = {
    "ID_ADUAN": 12345,
    "PELAPOR": "Ani",
    "TGL_ADUAN": "2025-01-02 08:00:00",
    "KD_MEDIA": "WEB",
    "KD_KAT": "sampah",
    "JUDUL_ADUAN": "Sampah",
    "ISI_ADUAN": "Sampah menumpuk di pasar lama.",
    "LOKASI": "Pasar Lama",
    "NO_HP": "0812",
    "KD_KEL": "36.73.01.1002",
    "STATUS": "menunggu",
}
CALL = {
    "call_id": "C1",
    "received_at": "2025-01-02T08:00:00+07:00",
    "incident_type": "PJU_MATI",
    "description": "Lampu jalan mati sepanjang satu kilometer.",
}
PSC = {
    "call_id": "P1",
    "received_at": "2025-01-02T08:00:00",
    "case_code": "LAYANAN_RSUD",
    "description": "Pasien menunggu di IGD lebih dari enam jam.",
}


def test_rabeg_row_is_normalised() -> None:
    n = rabeg.normalise(rabeg.RabegRecord.model_validate(RABEG))
    assert n.native_id == "12345"  # numeric ids from the database become text
    sub = n.new.submission
    assert (n.new.channel, n.new.channel_ref, sub.category) == ("rabeg", "12345", "sampah")  # codes are case-blind
    assert sub.reporter is not None and (sub.reporter.name, sub.reporter.phone) == ("Ani", "0812")
    assert sub.location.kelurahan_code == "36.73.01.1002" and sub.location.address == "Pasar Lama"
    assert n.new.initial_status == Status.RECEIVED
    assert n.new.attributes is not None
    assert n.new.attributes["channel_received_at"] == "2025-01-02T01:00:00.000000Z"  # WIB -> UTC
    assert "channel_note" not in n.new.attributes


def test_rabeg_ignores_unknown_columns_but_needs_its_own() -> None:
    with pytest.raises(ValidationError) as err:
        rabeg.RabegRecord.model_validate({k: v for k, v in RABEG.items() if k != "ISI_ADUAN"})
    assert [e["loc"] for e in err.value.errors()] == [("ISI_ADUAN",)]


def test_unknown_code_goes_to_lainnya_with_a_note() -> None:
    assert category_for("rabeg", "jalan") == ("jalan-rusak", None)
    category, note = category_for("call112", "UFO")
    assert category == "lainnya" and note is not None and "UFO" in note


def test_half_a_coordinate_pair_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as err:
        rabeg.normalise(rabeg.RabegRecord.model_validate({**RABEG, "LAT": -6.1}))
    assert [p.field for p in err.value.problems] == ["LNG"]


@pytest.mark.parametrize(
    ("over", "status"),
    [
        ({}, Status.AWAITING_CONFIRMATION),
        ({"confirmed": True}, Status.RECEIVED),
        ({"emergency": True}, Status.EMERGENCY),
        ({"emergency": True, "confirmed": True}, Status.EMERGENCY),
    ],
)
def test_112_initial_status(over: dict, status: Status) -> None:
    n = call112.normalise(call112.Call112Record.model_validate({**CALL, **over}))
    assert n.new.initial_status == status and n.new.submission.category == "lampu-jalan"


@pytest.mark.parametrize("cls", ["prank", "ghost"])
def test_noise_calls_are_not_complaints(cls: str) -> None:
    with pytest.raises(Conflict) as err:
        call112.normalise(call112.Call112Record.model_validate({**CALL, "call_class": cls}))
    assert err.value.reason == "not_a_complaint"
    with pytest.raises(Conflict):
        psc119.normalise(psc119.Psc119Record.model_validate({**PSC, "call_class": cls}))


def test_112_format_is_strict() -> None:
    with pytest.raises(ValidationError):
        call112.Call112Record.model_validate({**CALL, "emergncy": True})


@pytest.mark.parametrize(
    ("triage", "emergency", "status"),
    [
        (None, False, Status.RECEIVED),
        ("hijau", False, Status.RECEIVED),
        ("kuning", False, Status.EMERGENCY),
        ("merah", False, Status.EMERGENCY),
        ("hitam", False, Status.EMERGENCY),
        ("hijau", True, Status.EMERGENCY),
    ],
)
def test_119_triage_decides_emergency(triage: str | None, emergency: bool, status: Status) -> None:
    n = psc119.normalise(psc119.Psc119Record.model_validate({**PSC, "triage": triage, "emergency": emergency}))
    assert n.new.initial_status == status and n.new.submission.category == "kesehatan"


def _complaint(**over: object) -> Complaint:
    base = dict(
        tracking_id="SRG-AAAA-BBBB",
        channel="rabeg",
        channel_ref="R1",
        category="sampah",
        description="Sampah menumpuk di pasar lama.",
        location=Location(lat=-6.12, lon=106.15),
        created_at=datetime(2025, 1, 2, tzinfo=UTC),
    )
    base.update(over)
    return Complaint.model_validate(base)


def test_geo_attributes_only_for_listed_complaints() -> None:
    attrs = geo_attributes(_complaint())
    # a 25 m stripe of longitude (106.15 deg east), sorted by latitude (-6.12 deg) then arrival
    assert attrs["geo_pk"] == "GEO#sampah#s1271777"
    assert attrs["geo_sk"] == "083.8800000#2025-01-02T00:00:00.000000Z"
    for hidden in (
        _complaint(confidential=True),
        _complaint(status=Status.CLOSED),
        _complaint(status=Status.AWAITING_CONFIRMATION),
        _complaint(status=Status.EMERGENCY),
        _complaint(location=Location(kelurahan_code="36.73.01.1002")),
    ):
        assert geo_attributes(hidden) == {"geo_pk": None, "geo_sk": None}


def test_event_ids_are_deterministic_per_timeline_entry() -> None:
    at = datetime(2025, 1, 3, tzinfo=UTC)
    e1 = TimelineEntry(at=at, kind="status", status=Status.VERIFIED, ref="lapor:verified")
    same = TimelineEntry(at=at, kind="status", status=Status.VERIFIED, ref="lapor:verified", message="x")
    # the same status reached again later (after a reopen) is a new entry, so a new event
    again = TimelineEntry(
        at=datetime(2025, 1, 4, tzinfo=UTC), kind="status", status=Status.VERIFIED, ref="lapor:verified"
    )
    other = TimelineEntry(at=at, kind="status", status=Status.IN_PROGRESS, ref="lapor:in_progress")
    assert event_id("SRG-AAAA-BBBB", e1) == event_id("SRG-AAAA-BBBB", same)
    assert event_id("SRG-AAAA-BBBB", e1) != event_id("SRG-AAAA-BBBB", again)
    assert event_id("SRG-AAAA-BBBB", e1) != event_id("SRG-AAAA-BBBB", other)
    assert event_id("SRG-AAAA-BBBB", e1) != event_id("SRG-CCCC-DDDD", e1)
    ev = event_for(_complaint(), e1)
    assert (ev.status, ev.channel_ref) == (Status.VERIFIED, "R1")
    assert ev.status_label == "Terverifikasi, menunggu tindak lanjut"


def test_retry_delay_grows_and_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLBACK_RETRY_BASE_S", raising=False)
    assert [retry_delay(n) for n in (1, 2, 3, 9, 10)] == [10, 20, 40, 900, 900]


@pytest.mark.parametrize(
    ("url", "local_dev", "ok"),
    [
        ("https://rabeg.serangkota.go.id/hook", False, True),
        ("http://127.0.0.1:8080/x", True, True),
        ("http://localhost/x", True, True),
        ("http://127.0.0.1:8080/x", False, False),
        ("https://localhost/x", False, False),
        ("http://rabeg.serangkota.go.id/hook", True, False),
        ("ftp://127.0.0.1/x", True, False),
        ("https:///x", True, False),
    ],
)
def test_callback_urls(url: str, local_dev: bool, ok: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """http and loopback only with the local-development setting (rules: tests/unit/test_callback_urls.py)."""
    import ipaddress

    from chalicelib.adapters import webhooks
    from chalicelib.settings import settings

    real = webhooks.resolve
    monkeypatch.setattr(
        webhooks,
        "resolve",
        lambda host, port: (
            [ipaddress.ip_address("93.184.216.34")] if host == "rabeg.serangkota.go.id" else real(host, port)
        ),
    )  # no DNS in unit tests
    monkeypatch.setenv("CALLBACKS_LOCAL_DEV", "1" if local_dev else "")
    settings.cache_clear()
    try:
        if ok:
            assert check_url(url) == url
        else:
            with pytest.raises(InvalidInput):
                check_url(url)
    finally:
        settings.cache_clear()
