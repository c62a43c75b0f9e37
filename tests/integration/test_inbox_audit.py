"""Every open complaint is in exactly one inbox: the seed writes as intake does, and
`make check-inboxes` reports a complaint no inbox holds and a badge that differs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SINCE = "2020-01"


def test_the_seed_puts_every_open_complaint_in_its_holders_inbox(hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.access import Principal, Role
    from chalicelib.services.inbox import InboxQuery, holder_of
    from infra.local.check_inboxes import check
    from infra.local.seed import generate, store

    made = generate(60, datetime.now(UTC), seed=7)
    store(made)
    report = check(SINCE)
    assert report["unheld"] == [] and report["misplaced"] == []
    opened = [c for c, _, _ in made if c.is_open]
    assert report["open"] == len(opened) and len(opened) >= 10
    for c in opened[:8]:  # each in its holder's inbox, as an operator lists it
        holder = holder_of(c)
        role = Role.CALLCENTER if holder in ("call112", "psc119") else Role.ADMIN if holder == "city" else Role.OPERATOR
        who = Principal(user="t", role=role, unit=holder)
        rows = bootstrap.inbox().page(who, InboxQuery(limit=100)).items
        assert c.tracking_id in [r["tracking_id"] for r in rows], (c.tracking_id, holder)


def test_the_check_reports_an_open_complaint_no_inbox_holds(hub: Any) -> None:
    from chalicelib import bootstrap
    from infra.local.check_inboxes import check
    from infra.local.seed import generate

    made = generate(30, datetime.now(UTC), seed=11)
    for complaint, entry, extra in made:  # the old seed: no inbox keys
        bootstrap.repository().create(complaint, entry, extra)
    report = check(SINCE)
    opened = sorted(c.tracking_id for c, _, _ in made if c.is_open)
    assert sorted(report["unheld"]) == opened and opened and report["ok"] is False


def test_the_check_reports_a_badge_that_differs(hub: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.services.inbox import audit_inboxes
    from chalicelib.settings import settings
    from infra.local.seed import generate, store

    store(generate(40, datetime.now(UTC), seed=5))
    items = list(bootstrap.statistics().complaints_since(SINCE, settings().shards))
    truth: dict[str, dict[str, int]] = {}
    for i in items:
        h = str(i["inbox_pk"]).removesuffix("#done")
        truth.setdefault(h, {})[i["status"]] = truth.get(h, {}).get(i["status"], 0) + 1

    def right(holders: list[str]) -> list[dict[str, int]]:
        return [dict(truth[h]) for h in holders if h in truth]

    assert audit_inboxes(items, right)["ok"] is True
    wrong_holder = sorted(truth)[0]
    wrong_status = sorted(truth[wrong_holder])[0]

    def off_by_one(holders: list[str]) -> list[dict[str, int]]:
        out = right(holders)
        if holders == [wrong_holder]:
            out[0][wrong_status] += 1
        return out

    report = audit_inboxes(items, off_by_one)
    assert (
        report["ok"] is False
        and report["unheld"] == []
        and report["count_differences"]
        == [
            {
                "inbox": wrong_holder,
                "status": wrong_status,
                "badge": truth[wrong_holder][wrong_status] + 1,
                "held": truth[wrong_holder][wrong_status],
            }
        ]
    )


def test_a_misplaced_complaint_is_reported(hub: Any, client: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.storage.codec import values
    from infra.local.check_inboxes import check
    from tests.integration.operator_support import submit

    tid, _ = submit(client)
    bootstrap.repository().update_raw(f"C#{tid}", "C", "SET inbox_pk = :p", vals=values(p="opd:dpupr"))
    report = check(SINCE)
    assert report["misplaced"] and report["misplaced"][0]["tracking_id"] == tid
