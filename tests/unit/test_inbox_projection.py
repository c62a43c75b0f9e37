"""The inbox indexes carry everything an inbox row shows and scope reads, so a page is one Query."""

import json
from pathlib import Path

from chalicelib.services.inbox import ROW_EXTRAS

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.json"


def _inbox_indexes() -> list[dict]:
    resources = json.loads(TEMPLATE.read_text())["Resources"]
    found = []
    for r in resources.values():
        for g in r.get("Properties", {}).get("GlobalSecondaryIndexes", []):
            if g["IndexName"].startswith("inbox"):
                found.append(g)
    return found


def test_every_inbox_index_projects_the_reporters_words_and_what_scope_reads() -> None:
    indexes = _inbox_indexes()
    assert len(indexes) == 4
    for g in indexes:
        projected = set(g["Projection"].get("NonKeyAttributes", []))
        assert g["Projection"]["ProjectionType"] == "INCLUDE"
        assert set(ROW_EXTRAS) <= projected, g["IndexName"]


def test_the_tables_projected_attributes_stay_within_dynamodbs_limit_of_100() -> None:
    resources = json.loads(TEMPLATE.read_text())["Resources"]
    total = 0
    for r in resources.values():
        props = r.get("Properties", {})
        for g in props.get("GlobalSecondaryIndexes", []) + props.get("LocalSecondaryIndexes", []):
            total += len(g["Projection"].get("NonKeyAttributes", []))
    assert total <= 100
