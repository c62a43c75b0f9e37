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


# -- photos: the hub's checked copies only, of a complaint whose content is public ---------------

CHECKED = public_view.FileCheck("clean", "image/jpeg")


@pytest.mark.parametrize(
    ("found", "shown"),
    [
        (CHECKED, True),
        (None, False),  # not uploaded (yet)
        (public_view.FileCheck("", "image/jpeg"), False),  # uploaded, not checked yet
        (public_view.FileCheck("refused:not_a_photo", "application/octet-stream"), False),
        (public_view.FileCheck("refused:unreadable_photo", "image/jpeg"), False),
        (public_view.FileCheck("clean", "application/pdf"), False),  # a document: not a photo
        (public_view.FileCheck("CLEAN", "image/jpeg"), False),
    ],
)
def test_only_a_photo_the_hub_checked_and_reencoded_is_public(found: public_view.FileCheck | None, shown: bool) -> None:
    assert public_view.is_public_photo(found) is shown


def test_photos_are_numbered_in_the_complaints_order_and_never_of_a_confidential_one() -> None:
    found = [CHECKED, None, public_view.FileCheck("refused:not_a_photo", ""), CHECKED]
    assert public_view.public_photo_numbers(False, Status.RECEIVED, found) == [1, 4]
    assert public_view.public_photo_numbers(True, Status.RECEIVED, found) == []
    assert public_view.public_photo_numbers(False, Status.EMERGENCY, found) == []
    assert public_view.photo_path("SRG-AAAA-BBBB", 4) == "/v1/complaints/SRG-AAAA-BBBB/photos/4"


@pytest.mark.parametrize(
    "raw", ["0", "6", "01", "-1", "+1", "1.0", "1e0", " 1", "1 ", "..", "%2e%2e", "../1", "１", "", "9999", "a"]
)
def test_a_forged_photo_number_names_no_attachment(raw: str) -> None:
    assert public_view.photo_number(raw, 5) is None


def test_a_photo_number_names_one_of_the_attachments() -> None:
    assert [public_view.photo_number(str(n), 5) for n in (1, 5)] == [1, 5]
