"""What is public about a complaint (chalicelib/domain/public_view.py): the same facts from the
model and from a stored item, never the reporter, the address line or the point."""

from __future__ import annotations

import pytest

from chalicelib.domain import public_view
from chalicelib.domain.models import Complaint, Location, Reporter, Status, Unit

KEL = "36.73.01.1002"


def complaint(**over: object) -> Complaint:
    base: dict[str, object] = {
        "tracking_id": "SRG-AAAA-BBBB",
        "channel": "rabeg",
        "channel_ref": "RBG-1",
        "category": "jalan-rusak",
        "title": "Jalan berlubang",
        "description": "Jalan di depan rumah Bpk. Rahmat berlubang.",
        "location": Location(kelurahan_code=KEL, lat=-6.1255588, lon=106.1636663, address="Jl. Melati No. 5"),
        "kecamatan_code": "36.73.01",
        "unit": Unit(code="opd:dpupr", kind="opd", name="DPUPR"),
        "reporter": Reporter(name="Rahmat", phone="0812", email="r@example.org", nik="3673"),
        "media_url": "https://media.example.org/a.jpg",
    }
    return Complaint.model_validate({**base, **over})


@pytest.mark.parametrize("confidential", [False, True])
def test_the_model_and_the_stored_item_give_the_same_facts(confidential: bool) -> None:
    c = complaint(confidential=confidential)
    assert public_view.of_complaint(c) == public_view.of_item(c.model_dump(mode="python"))


def test_a_public_complaint_shows_its_kelurahan_and_content_never_the_reporter_or_point() -> None:
    facts = public_view.of_complaint(complaint())
    assert (facts.title, facts.kelurahan_code, facts.point) == ("Jalan berlubang", KEL, None)
    assert facts.place_text == "Kel. Cipare, Kec. Serang, Kota Serang"
    text = repr(facts)
    for secret in ("Melati", "Rahmat@", "0812", "r@example.org", '3673"', "6.1255588", "106.1636663", "RBG-1"):
        assert secret not in text


def test_a_confidential_complaint_keeps_its_content() -> None:
    facts = public_view.of_complaint(complaint(confidential=True))
    assert facts.title is None and facts.description is None and facts.media_url is None
    assert facts.kelurahan_code == KEL and facts.unit_code == "opd:dpupr" and facts.status == "received"


def test_an_emergency_shows_its_status_and_dates_only() -> None:
    facts = public_view.of_complaint(complaint(status=Status.EMERGENCY, channel="psc119"))
    assert facts.times_only and facts.confidential and facts.status == "emergency"
    shown = {k for k, v in vars(facts).items() if v not in (None, False)}
    assert shown == {"tracking_id", "status", "confidential", "times_only", "created_at", "updated_at"}
