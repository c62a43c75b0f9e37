"""Each region's complaints reach LAPOR! on that region's own agency account, and never on another's.

Kabupaten Serang and Kota Cilegon are onboarded (as `make jurisdiction` does, through the module)
with credential pairs of two different agencies of the LAPOR! simulator; Kota Tangerang is
onboarded without credentials. Intake places a complaint by its location in the default region
only, so the complaints of these regions are stored here through the complaint store, under their
region's tracking-id prefix: one with the stored `jurisdiction` attribute, one known by its prefix
alone (as complaints stored before regions were recorded are). The table is a fresh in-memory one
per test; the secrets are on moto's server, under a name prefix of this test's own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.models import Status, TimelineEntry, utcnow
from chalicelib.domain.tracking import new_tracking_id
from chalicelib.services.ports import Placement
from infra.jurisdictions.onboard import Request, SecretWriter, onboard, secret_name
from infra.jurisdictions.wilayah import Wilayah, load, shared_dir, wilayah_csv
from tests.integration.test_forwarding import sqs_record, submit
from tests.integration.test_metrics import emitted, named
from tests.support.auth import admin_headers

pytestmark = pytest.mark.skipif(
    not wilayah_csv().is_file(), reason=f"the shared data folder is absent ({shared_dir()}; set ADUAN_SHARED_DIR)"
)

KAB_SERANG, CILEGON, TANGERANG = "36.04", "36.72", "36.71"
AGENCY = {KAB_SERANG: ("kab-serang-auth", "kab-serang-token"), CILEGON: ("cilegon-auth", "cilegon-token")}


@pytest.fixture(scope="module")
def wilayah() -> Wilayah:
    return load()


def agencies(lapor_sim: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, SecretWriter]:
    """Secrets under a name prefix of the test's own, the settings read again on the same in-memory
    table, and one agency per region at the simulator: (name prefix, secret writer)."""
    from chalicelib import bootstrap

    name_prefix = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JURISDICTION_SECRETS_PREFIX", f"{name_prefix}/jurisdictions/")
    bootstrap.reset()
    for code, (auth, token) in AGENCY.items():
        lapor_sim.add_agency(auth, token, code)
    return name_prefix, SecretWriter(boto3.client("secretsmanager"))


@pytest.fixture()
def regions(hub: Any, lapor_sim: Any, wilayah: Wilayah, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Three regions onboarded into the hub's table; two agencies at the simulator."""
    from chalicelib import bootstrap

    name_prefix, secrets = agencies(lapor_sim, monkeypatch)

    def onboard_region(code: str, prefix: str, credentials: bool) -> None:
        auth, token = AGENCY[code] if credentials else (None, None)
        onboard(
            Request(code, prefix=prefix, lapor_auth=auth, lapor_token=token),
            store=bootstrap.jurisdiction_store(),
            files=None,
            secrets=secrets,
            name_prefix=name_prefix,
            wilayah=wilayah,
        )

    onboard_region(KAB_SERANG, "SRN", True)
    onboard_region(CILEGON, "CLG", True)
    onboard_region(TANGERANG, "TNG", False)
    yield {"onboard": onboard_region, "secrets": secrets, "name_prefix": name_prefix}


def stored_in(client: Any, prefix: str, jurisdiction: str | None) -> str:
    """A complaint of another region, stored through the complaint store under its prefix (intake
    places a location in the default region only), waiting for LAPOR! as intake leaves one."""
    from chalicelib import bootstrap

    template = bootstrap.complaints().get(submit(client))
    assert template is not None
    tracking_id = prefix + new_tracking_id()[3:]
    now = utcnow()
    complaint = template.model_copy(
        update={"tracking_id": tracking_id, "created_at": now, "updated_at": now, "jurisdiction": jurisdiction}
    )
    entry = TimelineEntry(at=now, kind="received", status=Status.RECEIVED, message="Diterima", ref="received")
    bootstrap.complaints().create(complaint, entry, {}, Placement(waiting_since=now))
    return tracking_id


def forward(hub: Any, tracking_id: str) -> None:
    body = json.dumps({"tracking_id": tracking_id})
    assert hub.forward_to_lapor({"Records": [sqs_record(f"m-{tracking_id}", body)]}, None) == {"batchItemFailures": []}


def agency_of(lapor_sim: Any, tracking_id: str) -> list[str | None]:
    return [c.agency for c in lapor_sim.backend.find_by_tag(tracking_id)]


def test_each_region_reaches_lapor_under_its_own_agency(
    client: Any, hub: Any, lapor_sim: Any, regions: dict[str, Any]
) -> None:
    from chalicelib import bootstrap

    kab = stored_in(client, "SRN", KAB_SERANG)  # with the stored jurisdiction
    kota = stored_in(client, "CLG", None)  # by its prefix alone
    for tid in (kab, kota):
        forward(hub, tid)
    assert agency_of(lapor_sim, kab) == [KAB_SERANG]
    assert agency_of(lapor_sim, kota) == [CILEGON]
    assert sorted(bootstrap.lapor_accounts().held()) == [KAB_SERANG, CILEGON]
    # the status sync reads each ticket with its own account (another agency would get a 404)
    for tid in (kab, kota):
        assert bootstrap.complaints().item(tid)["status"] == Status.FORWARDED.value
        assert bootstrap.status_sync().refresh(tid, utcnow()) is True
    # and an operator's follow-up goes out on it too
    lapor_id = int(bootstrap.complaints().item(kota)["lapor_id"])
    bootstrap.lapor(bootstrap.complaints().item(kota) or {}).add_followup(lapor_id, "Sedang ditangani", False)
    [ticket] = lapor_sim.backend.find_by_tag(kota, CILEGON)
    assert [f.content for f in ticket.followups] == ["Sedang ditangani"]


def test_a_region_without_credentials_parks_visibly_and_never_borrows_another_account(
    client: Any, hub: Any, lapor_sim: Any, regions: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib import bootstrap

    tid = stored_in(client, "TNG", None)
    before = lapor_sim.stats()["calls"].get("POST /complaints/complaint", 0)
    capsys.readouterr()
    forward(hub, tid)
    assert named(emitted(capsys.readouterr().out), "ComplaintsParked")  # the parked alarm's metric
    assert agency_of(lapor_sim, tid) == []  # nothing sent, on no account
    assert lapor_sim.stats()["calls"].get("POST /complaints/complaint", 0) == before
    item = bootstrap.complaints().item(tid) or {}
    assert item["status"] == Status.NEEDS_ATTENTION.value
    assert item["park_reason"].startswith("no_lapor_credentials")
    _, timeline = bootstrap.complaints().with_timeline(tid, consistent=True)
    assert [e.message for e in timeline if e.kind == "parked"] == [
        "Perlu tindakan admin: akun SP4N-LAPOR! wilayah pengaduan ini belum tersedia"
    ]
    parked = client.http.get("/v1/admin/complaints?status=needs_attention", headers=admin_headers()).json_body
    assert [c["park_reason"][:20] for c in parked["complaints"] if c["tracking_id"] == tid] == ["no_lapor_credentials"]

    # the region's credentials are given (make jurisdiction again); the retry route sends it
    lapor_sim.add_agency("tangerang-auth", "tangerang-token", TANGERANG)
    onboard(
        Request(TANGERANG, lapor_auth="tangerang-auth", lapor_token="tangerang-token"),
        store=bootstrap.jurisdiction_store(),
        files=None,
        secrets=regions["secrets"],
        name_prefix=regions["name_prefix"],
        wilayah=load(),
    )
    assert regions["secrets"].read(secret_name(regions["name_prefix"], TANGERANG))["lapor"]["auth"] == "tangerang-auth"
    # the admin's retry (POST /v1/admin/complaints/{id}/retry calls this; the route reads tracking
    # ids of the default region's prefix only until tracking ids carry every region's prefix)
    assert bootstrap.admin().retry(tid).status == Status.RECEIVED
    forward(hub, tid)
    assert agency_of(lapor_sim, tid) == [TANGERANG]


def test_a_prefix_no_region_holds_is_never_sent_on_any_account(
    client: Any, hub: Any, lapor_sim: Any, regions: dict[str, Any]
) -> None:
    """With regions onboarded, the deployment-wide account serves none of them: a complaint whose
    prefix no region holds (here the default region's, not onboarded in this test) is parked."""
    from chalicelib import bootstrap

    tid = submit(client)
    forward(hub, tid)
    assert agency_of(lapor_sim, tid) == []
    assert (bootstrap.complaints().item(tid) or {})["park_reason"].startswith("no_lapor_credentials")


def test_credentials_are_kept_for_a_while_and_a_bounded_number_of_regions(regions: dict[str, Any]) -> None:
    from chalicelib import bootstrap
    from chalicelib.services.lapor_accounts import LaporAccounts, NoLaporCredentials

    now = [0.0]
    reads: list[str] = []

    def credentials(code: str) -> Any:
        from chalicelib.adapters.lapor import jurisdiction_config

        reads.append(code)
        return jurisdiction_config(code)

    accounts = LaporAccounts(
        bootstrap.jurisdictions(), credentials, bootstrap.deployment_lapor, capacity=1, ttl_s=60, clock=lambda: now[0]
    )
    kab = {"tracking_id": "SRN-AAAA-AAAA"}
    kota = {"tracking_id": "CLG-AAAA-AAAA"}
    assert accounts.client_for(kab).config.auth == AGENCY[KAB_SERANG][0]
    assert accounts.client_for(kab) is accounts.client_for(kab) and reads == [KAB_SERANG]
    assert accounts.client_for(kota).config.auth == AGENCY[CILEGON][0]
    assert accounts.held() == [CILEGON]  # capacity 1: the least recently used is forgotten
    now[0] += timedelta(minutes=2).total_seconds()
    accounts.client_for(kota)
    assert reads == [KAB_SERANG, CILEGON, CILEGON]  # read again after ttl_s
    with pytest.raises(NoLaporCredentials):
        accounts.client_for({"tracking_id": "TNG-AAAA-AAAA"})
    with pytest.raises(NoLaporCredentials):
        accounts.client_for({"tracking_id": "SRN-AAAA-AAAA", "jurisdiction": TANGERANG})  # the stored one wins


def test_each_regions_account_has_its_own_call_budget_and_back_off(
    client: Any, hub: Any, lapor_sim: Any, regions: dict[str, Any]
) -> None:
    """LAPOR! limits each agency account on its own: one region's 429 or spent minute leaves its own
    complaints due and never holds up another region's in the same sweep."""
    from chalicelib import bootstrap
    from chalicelib.services.lapor_budget import LaporBudget

    kab = stored_in(client, "SRN", KAB_SERANG)
    kota = stored_in(client, "CLG", None)  # its account known by its prefix alone
    for tid in (kab, kota):
        forward(hub, tid)
    sync = bootstrap.status_sync()
    assert sync.budget is not None
    budget_of = {code: sync.budget.for_account(code) for code in (KAB_SERANG, CILEGON)}

    def checked(tid: str) -> Any:
        return (bootstrap.complaints().item(tid, consistent=True) or {}).get("sync_checked_at")

    # Kabupaten Serang's account is over its limit at LAPOR!: only its complaint waits
    now = utcnow() + timedelta(minutes=50)  # both due again, whatever their tier
    lapor_sim.throttle(KAB_SERANG, 120)
    try:
        report = bootstrap.status_sync().sweep(now)
    finally:
        lapor_sim.throttle(KAB_SERANG, None)
    assert report.throttled and report.throttled_accounts == {KAB_SERANG}
    assert checked(kota) and not checked(kab)
    assert budget_of[KAB_SERANG].blocked_until(now) is not None
    assert budget_of[CILEGON].blocked_until(now) is None

    # after its Retry-After, Kabupaten Serang's minute is spent (by other sweeps): Kota Cilegon's is not
    later = now + timedelta(minutes=50)
    full = budget_of[KAB_SERANG].per_minute
    assert LaporBudget(bootstrap.counters(), sync.policy, KAB_SERANG).take(later, full)
    assert budget_of[CILEGON].spent(later) == 0
    kota_checked = checked(kota)
    report = bootstrap.status_sync().sweep(later)
    assert not checked(kab) and report.waiting >= 1  # still due: asked once its account has room
    assert checked(kota) != kota_checked
    assert budget_of[KAB_SERANG].spent(later) == full
    assert budget_of[CILEGON].spent(later) == sync.policy.cost(Status.FORWARDED)
