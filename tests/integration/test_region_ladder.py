"""A complaint of an onboarded kabupaten climbs its own region's ladder, to its own leaders.

Kabupaten Serang is onboarded beside the default region (as `make run` does). One of its desa's
complaints is left unanswered: each sweep past a deadline tells the next rung of the kabupaten's
default ladder (the desa, its kecamatan, the Inspektorat, the Wakil Bupati) in the kabupaten's own
words, never a unit or leader of the default region.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine

from chalicelib.domain.models import Status
from infra.jurisdictions.wilayah import Wilayah, shared_dir, wilayah_csv
from tests.conftest import poll
from tests.integration.test_escalation import Inbox, attr, put_in_stage, raw, submit
from tests.integration.test_escalation import inbox as inbox  # noqa: F401 - the topic's subscriber (fixture)
from tests.integration.test_lapor_accounts import KAB_SERANG
from tests.integration.test_regions_side_by_side import complaint
from tests.integration.test_regions_side_by_side import regions as regions  # noqa: F401 - the regions (fixture)
from tests.integration.test_regions_side_by_side import wilayah as wilayah  # noqa: F401 - the module-scoped fixture

pytestmark = pytest.mark.skipif(
    not wilayah_csv().is_file(), reason=f"the shared data folder is absent ({shared_dir()}; set ADUAN_SHARED_DIR)"
)

WIB = dt.timezone(dt.timedelta(hours=7))


def test_a_kabupatens_complaint_climbs_the_kabupatens_ladder_to_its_own_leaders(
    client: Any, pump: Any, inbox: Inbox, regions: dict[str, Any], wilayah: Wilayah
) -> None:
    desa = next(v for v in wilayah.desa_kelurahan_of(KAB_SERANG) if v.kind == "desa")
    kec = desa.code.rsplit(".", 1)[0]
    start = dt.datetime(2027, 6, 7, 10, tzinfo=WIB)  # a Monday
    tid = submit(client, complaint("pelayanan-kelurahan", {"kelurahan_code": desa.code}), at=start)
    assert tid.startswith("SRN-")
    deadline = put_in_stage(tid, Status.IN_PROGRESS, start)

    for _rung in range(6):
        with time_machine.travel(deadline + dt.timedelta(minutes=1), tick=False):
            pump.fire("escalate_overdue")
            item = raw(tid)
            inbox.read()
        if not item.get("deadline") or dt.datetime.fromisoformat(item["deadline"]) <= deadline:
            break  # the top of the ladder: no rung left to tell
        deadline = dt.datetime.fromisoformat(item["deadline"])

    told = poll(lambda: (m := inbox.about(tid)) and len(m) >= 4 and m)
    units = [attr(m, "unit_code") for m in told]
    # rung by rung, then once more at the top: still overdue there
    assert units == [f"kec:{kec}", f"{KAB_SERANG}/opd:inspektorat", *[f"{KAB_SERANG}/pimpinan:wakil-bupati"] * 2]
    assert [attr(m, "notification_id") for m in told][:3] == [f"{tid}/1", f"{tid}/2", f"{tid}/3"]
    assert raw(tid)["escalation_level"] == 3
    assert not any(u in ("opd:inspektorat", "pimpinan:wakil-walikota", "pimpinan:walikota") for u in units)
    top = told[-1]["Message"]
    assert "Wakil Bupati" in top and "Wali Kota" not in top, top
    assert json.dumps(told).count("Kota Serang") == 0  # nothing of the default region's words
