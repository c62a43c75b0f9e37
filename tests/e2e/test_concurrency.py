"""The local stack under concurrent load: 8 clients x 50 submissions with Idempotency-Keys
through `make run` (chalice local, moto, the event pump forwarding meanwhile). Nothing
answers 5xx, every answer is its own request's complaint, every complaint reaches
LAPOR! exactly once."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.conftest import VALID, poll
from tests.support.stack import LocalStack

THREADS, EACH = 8, 50


def test_concurrent_keyed_submissions_reach_lapor_exactly_once(running_stack: LocalStack) -> None:
    api, lapor = running_stack.url, f"http://127.0.0.1:{running_stack.env['LAPOR_SIM_PORT']}"
    run = uuid.uuid4().hex[:8]

    def client(worker: int) -> list[dict[str, Any]]:
        session = requests.Session()
        install = f"e2e-{run}-{worker}"
        out = []
        for i in range(EACH):
            body = {**VALID, "description": f"Uji serentak {run}: pekerja {worker}, pengaduan {i}, jalan rusak."}
            headers = {"Idempotency-Key": f"{run}-{worker}-{i}-{uuid.uuid4()}", "X-Client-Id": install}
            sent = [session.post(f"{api}/v1/complaints", json=body, headers=headers, timeout=60)]
            if i % 5 == 0:  # a retry after a lost answer: the same request again
                sent.append(session.post(f"{api}/v1/complaints", json=body, headers=headers, timeout=60))
            out.append({"description": body["description"], "answers": sent})
        return out

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [r for rs in pool.map(client, range(THREADS)) for r in rs]

    statuses = Counter(a.status_code for r in results for a in r["answers"])
    assert statuses == {201: THREADS * EACH + THREADS * EACH // 5}, statuses
    tids = {}
    for r in results:
        first, *again = [a.json() for a in r["answers"]]
        assert all(a == first for a in again), (first, again)  # a replay is the first answer
        tids[first["tracking_id"]] = r["description"]
    assert len(tids) == THREADS * EACH

    def at_lapor() -> Counter[str] | None:
        rows = requests.get(f"{lapor}/_sim/complaints", timeout=30).json()["results"]["data"]
        seen = Counter(tid for row in rows for tid in tids if tid in str(row.get("tags_raw", "")))
        return seen if len(seen) == len(tids) else None

    seen = poll(at_lapor, deadline_s=600, every_s=2)
    assert set(seen.values()) == {1}, [t for t, n in seen.items() if n != 1][:10]
    for tid, description in tids.items():  # each answer named its own request's complaint, now forwarded
        body = requests.get(f"{api}/v1/complaints/{tid}", timeout=30).json()
        assert body["description"] == description and body["lapor_id"], body
