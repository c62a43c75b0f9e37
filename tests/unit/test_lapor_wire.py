"""LAPOR!'s answers as /work/shared/lapor-api.md documents them: read what is promised, ignore the rest.

The official specification is not public, so the adapter requires only the documented
fields it uses; anything else in an answer is optional and unread, and an answer without
what it needs is an UnexpectedAnswer (never a TypeError or KeyError).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.adapters import lapor_wire as wire
from chalicelib.domain.models import Status

DOCUMENTED_GET = {
    "results": {
        "data": {
            "status_code": 2,
            "status_name": "Dalam Proses",
            "disposition_id": 50010,
            "disposition_name": "Dinas Lingkungan Hidup Kota Serang",
        },
        "data_logs": [
            {
                "institution_from": "Admin SP4N-LAPOR!",
                "institution_to": "Dinas Lingkungan Hidup Kota Serang",
                "content": "Diteruskan",
                "data": {"status_old": {"name": "Belum Terverifikasi"}, "status_new": {"name": "Dalam Proses"}},
            }
        ],
    }
}


def test_the_documented_status_answer_is_enough_and_the_id_is_the_one_asked_for() -> None:
    got = wire.parse_complaint(DOCUMENTED_GET, 1916449)
    assert got.complaint_id == 1916449
    assert (got.status_name, got.status) == ("Dalam Proses", Status.VERIFIED)
    assert (got.disposition_id, got.disposition_name) == (50010, "Dinas Lingkungan Hidup Kota Serang")


def test_fields_beyond_the_evidence_are_ignored_even_a_different_id() -> None:
    richer = {
        "results": {
            "data": {**DOCUMENTED_GET["results"]["data"], "complaint_id": 7, "id": "x", "title": {"nested": True}},
            "extra": [1, 2],
        },
        "meta": None,
    }
    assert wire.parse_complaint(richer, 1916449).complaint_id == 1916449


def test_only_what_the_hub_uses_is_required() -> None:
    minimal = {"results": {"data": {"status_name": "Belum Terverifikasi"}}}
    got = wire.parse_complaint(minimal, 5)
    assert got.status == Status.FORWARDED and got.disposition_id is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "Selesai",
        {"results": None},
        {"results": {}},
        {"results": {"data": None}},
        {"results": {"data": {"status_code": 3}}},  # the name is what we map
        {"results": {"data": {"status_name": ""}}},
        {"results": {"data": {"status_name": 3}}},
        {"results": {"data": {"status_name": "Selesai", "disposition_id": True}}},
        {"results": {"data": {"status_name": "Selesai", "disposition_id": "dlh"}}},
        {"results": {"data": {"status_name": "Selesai"}, "data_logs": "none"}},
    ],
    ids=repr,
)
def test_an_answer_without_what_the_hub_needs_is_unexpected(body: Any) -> None:
    with pytest.raises(wire.UnexpectedAnswer) as err:
        wire.parse_complaint(body, 1)
    assert str(err.value).startswith("unexpected answer to GET /complaints/{id}/complaint")


def test_problems_name_the_path_never_the_values() -> None:
    with pytest.raises(wire.UnexpectedAnswer) as err:
        wire.parse_complaint({"results": {"data": {"status_name": ["Ibu Siti 081234567890"]}}}, 1)
    assert "results.data.status_name" in str(err.value)
    assert "Siti" not in str(err.value) and "0812" not in str(err.value)


def test_documented_followups_without_ids_get_stable_ids_from_time_and_text() -> None:
    body = {
        "results": {
            "data": [
                {"content": "Sudah ditinjau.", "created_at": "10-03-2025 08:02:43"},
                {"content": None, "created_at": "10-03-2025 09:00:00"},
            ]
        }
    }
    first, second = wire.parse_followups(body)
    assert first.at == datetime(2025, 3, 10, 1, 2, 43, tzinfo=UTC)
    assert first.id == wire.parse_followups(body)[0].id != second.id
    assert second.content == ""
    with_id = {"results": {"data": [{"id": 99, "content": "x", "created_at": "10-03-2025 08:02:43"}]}}
    assert wire.parse_followups(with_id)[0].id == "99"
    assert wire.parse_followups({"results": {"data": []}}) == []


@pytest.mark.parametrize(
    "body",
    [
        {"results": {"data": [{"content": "x", "created_at": "2025-03-10T08:02:43"}]}},
        {"results": {"data": [{"content": "x"}]}},
        {"results": {"data": [{"created_at": "10-03-2025 08:02:43"}]}},
        {"results": {"data": {"content": "x"}}},
        {"data": []},
    ],
    ids=repr,
)
def test_unreadable_followups_are_unexpected(body: Any) -> None:
    with pytest.raises(wire.UnexpectedAnswer):
        wire.parse_followups(body)


def test_create_upload_lookup_and_institutions_read_their_documented_field() -> None:
    assert wire.parse_created({"results": {"complaint_id": 1916449, "message": "ok"}}) == 1916449
    assert wire.parse_upload({"results": {"docs": [{"id": 880001}, {"id": 880002, "name": "a.jpg"}]}}) == [
        880001,
        880002,
    ]
    rows = {
        "results": {
            "data": [
                {"complaint_id": 3, "tags_raw": "aduan-hub:SRG-AAAA-AAAA"},
                {"complaint_id": 4, "tags_raw": "aduan-hub:SRG-AAAA-AAAAB"},
                {"complaint_id": 5, "tags_raw": None},
            ]
        }
    }
    assert wire.parse_lookup(rows, "SRG-AAAA-AAAA") == [3]
    assert wire.parse_institutions({"results": {"data": [{"id": 1, "name": "DLH", "x": 2}]}}) == [
        {"id": 1, "name": "DLH"}
    ]


@pytest.mark.parametrize(
    ("parse", "body"),
    [
        (wire.parse_created, {"results": {}}),
        (wire.parse_created, {"results": {"complaint_id": True}}),
        (wire.parse_created, {"results": {"complaint_id": 1.5}}),
        (wire.parse_upload, {"results": {"docs": []}}),
        (wire.parse_upload, {"results": {"docs": [{"name": "a.jpg"}]}}),
        (wire.parse_institutions, {"results": {"data": [{"id": 1}]}}),
    ],
)
def test_other_unreadable_answers_are_unexpected(parse: Any, body: Any) -> None:
    with pytest.raises(wire.UnexpectedAnswer):
        parse(body)
    with pytest.raises(wire.UnexpectedAnswer):
        wire.parse_lookup({"results": {"data": [{"tags_raw": "x"}]}}, "SRG-AAAA-AAAA")


def test_an_added_followups_id_is_read_only_when_there_is_one() -> None:
    assert wire.parse_followup_added({"results": {"id": 7300001}}) == "7300001"
    for body in ({"results": {}}, {}, None, "ok", {"results": {"id": True}}, {"results": []}):
        assert wire.parse_followup_added(body) is None
