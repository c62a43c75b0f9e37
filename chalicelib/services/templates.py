"""Response templates: answers operators start from, per category, kept as data.

`data/response_templates.json`: the category's own templates first, then the general
ones for every category. Served by `GET /v1/operator/templates?category=<code>`; the
operator edits the text before a `respond` or `resolve`.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.domain import reference
from chalicelib.domain.reference import load_json
from chalicelib.schemas import ResponseTemplate, TemplateList


@lru_cache(maxsize=1)
def _templates() -> tuple[tuple[ResponseTemplate, ...], dict[str, tuple[ResponseTemplate, ...]]]:
    raw = load_json("response_templates.json")
    general = tuple(ResponseTemplate(**t) for t in raw["general"])
    per_category = {code: tuple(ResponseTemplate(**t) for t in items) for code, items in raw["categories"].items()}
    return general, per_category


def templates_for(category: str | None) -> TemplateList:
    """The category's own templates, then the general ones (an unknown category is a 400)."""
    general, per_category = _templates()
    if category is not None:
        reference.category(category)
    own = per_category.get(category or "", ())
    return TemplateList(category=category, templates=[*own, *general])
