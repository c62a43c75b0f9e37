"""Open311 lists of requests are one region's each: `jurisdiction_id` names it, the default region otherwise.

Kabupaten Serang and Kota Cilegon are onboarded beside the default region (the fixture of
test_regions_side_by_side.py); requests are filed in each through Open311 itself. A list by date
window reads only the named region's partitions of the `created` index; a list by ids leaves
another region's id out exactly as an unknown id; a region not served here is the spec's 404.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from infra.jurisdictions.wilayah import Wilayah, shared_dir, wilayah_csv
from tests.integration.open311_support import BASE, REQUEST, parse_xml, post, spec_errors
from tests.integration.test_lapor_accounts import CILEGON, KAB_SERANG
from tests.integration.test_regions_side_by_side import regions as regions  # noqa: F401 - the fixture
from tests.integration.test_regions_side_by_side import wilayah as wilayah  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(
    not wilayah_csv().is_file(), reason=f"the shared data folder is absent ({shared_dir()}; set ADUAN_SHARED_DIR)"
)

LIST = "requests.json?page_size=1000"


def filed(client: Any, key: str, **fields: Any) -> str:
    resp = post(client, {**REQUEST, "api_key": key, **fields})
    assert resp.status_code == 200, resp.body
    [answer] = json.loads(resp.body)
    return str(answer["service_request_id"])


def listed(client: Any, path: str) -> list[str]:
    resp = client.http.get(f"{BASE}/{path}")
    assert resp.status_code == 200, resp.body
    return [str(r["service_request_id"]) for r in json.loads(resp.body)]


@pytest.fixture()
def three(client: Any, regions: dict[str, Any], api_key: str, wilayah: Wilayah) -> dict[str, list[str]]:
    """Requests filed in the default region, in Kota Cilegon and in Kabupaten Serang."""
    cilegon_kel = sorted(f["properties"]["kode"] for f in regions["cilegon_map"]["features"])[0]
    kab_desa = next(v for v in wilayah.desa_kelurahan_of(KAB_SERANG) if v.kind == "desa")
    made = {
        "home": [filed(client, api_key), filed(client, api_key, service_code="lampu-jalan")],
        CILEGON: [
            filed(client, api_key, address_id=cilegon_kel, jurisdiction_id=CILEGON),
            filed(client, api_key, address_id=cilegon_kel, service_code="lampu-jalan"),
        ],
        KAB_SERANG: [filed(client, api_key, address_id=kab_desa.code, jurisdiction_id=KAB_SERANG)],
    }
    assert {t[:4] for t in made["home"]} == {"SRG-"} and {t[:4] for t in made[CILEGON]} == {"CLG-"}
    assert made[KAB_SERANG][0].startswith("SRN-")
    return made


def test_each_regions_list_holds_its_own_requests_only(client: Any, three: dict[str, list[str]]) -> None:
    home, cilegon, kab = three["home"], three[CILEGON], three[KAB_SERANG]
    assert sorted(listed(client, LIST)) == sorted(home)
    assert sorted(listed(client, f"{LIST}&jurisdiction_id=serangkota.go.id")) == sorted(home)
    assert sorted(listed(client, f"{LIST}&jurisdiction_id={CILEGON}")) == sorted(cilegon)
    assert listed(client, f"{LIST}&jurisdiction_id={KAB_SERANG}") == kab
    # the filters and the paging work within the region
    assert listed(client, f"{LIST}&jurisdiction_id={CILEGON}&service_code=lampu-jalan") == [cilegon[1]]
    assert listed(client, f"requests.json?jurisdiction_id={CILEGON}&page_size=1&page=2") == [cilegon[0]]
    xml = parse_xml(client.http.get(f"{BASE}/requests.xml?jurisdiction_id={CILEGON}").body)
    assert sorted(r["service_request_id"] for r in xml["service_requests"]["request"]) == sorted(cilegon)


def test_an_id_list_never_returns_another_regions_request(client: Any, three: dict[str, list[str]]) -> None:
    home, cilegon, kab = three["home"], three[CILEGON], three[KAB_SERANG]
    unknown = "CLG-" + cilegon[0][4:-1] + ("2" if cilegon[0][-1] != "2" else "3")  # a check character off
    ids = quote(",".join([cilegon[0], home[0], kab[0], unknown, home[1]]))
    assert listed(client, f"requests.json?service_request_id={ids}") == [home[0], home[1]]
    assert listed(client, f"requests.json?service_request_id={ids}&jurisdiction_id={CILEGON}") == [cilegon[0]]
    assert listed(client, f"requests.json?service_request_id={ids}&jurisdiction_id={KAB_SERANG}") == kab
    # another region's id alone answers as an unknown id alone does: an empty list
    assert listed(client, f"requests.json?service_request_id={cilegon[1]}") == []
    assert listed(client, f"requests.json?service_request_id={unknown}") == []


def test_a_region_not_served_here_is_refused(client: Any, three: dict[str, list[str]]) -> None:
    for fmt in ("json", "xml"):
        [refused] = spec_errors(client.http.get(f"{BASE}/requests.{fmt}?jurisdiction_id=99.99"), 404, fmt)
        assert "jurisdiction_id" in refused["description"]
    ids = quote(",".join(three["home"]))
    by_ids = client.http.get(f"{BASE}/requests.json?service_request_id={ids}&jurisdiction_id=sfgov.org")
    [refused] = spec_errors(by_ids, 404)
    assert "jurisdiction_id" in refused["description"]
    # the same refusal as a new request naming it
    [posted] = spec_errors(post(client, {**REQUEST, "api_key": "x", "jurisdiction_id": "99.99"}), 404)
    assert posted["description"] == refused["description"]


def test_another_regions_request_stored_in_the_default_partitions_stays_out_of_its_list(
    client: Any, three: dict[str, list[str]]
) -> None:
    """A request of another region written before each region had its own partitions."""
    import os

    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import complaint_item
    from chalicelib.adapters.storage.keys import created_attributes
    from chalicelib.domain.models import Complaint
    from chalicelib.domain.tracking import tracking_id_from

    item = bootstrap.complaints().item(three[CILEGON][0]) or {}
    old = Complaint.model_validate(item).model_copy(update={"tracking_id": tracking_id_from(os.urandom(16), "CLG")})
    assert old.jurisdiction == CILEGON
    bootstrap.repository().db.put_item(
        TableName=bootstrap.repository().table,
        Item=complaint_item(old, created_attributes(old.tracking_id, old.created_at)),  # the default's keys
    )
    assert sorted(listed(client, LIST)) == sorted(three["home"])
    assert sorted(listed(client, f"{LIST}&jurisdiction_id={CILEGON}")) == sorted(three[CILEGON])


def test_each_regions_figures_and_the_inbox_check_read_its_own_partitions(three: dict[str, list[str]]) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.models import utcnow
    from infra.local.check_inboxes import check

    month = utcnow().strftime("%Y-%m")
    shards = bootstrap.settings().shards
    stats = bootstrap.statistics()
    for region, made in ((None, three["home"]), (CILEGON, three[CILEGON]), (KAB_SERANG, three[KAB_SERANG])):
        read = [str(i["tracking_id"]) for i in stats.in_region(region).complaints_since(month, shards)]
        assert sorted(read) == sorted(made), region
    report = check(month)
    assert report["open"] == sum(len(v) for v in three.values()) and report["unheld"] == []
