"""Response templates: answers operators start from, per unit and category.

`data/response_templates.json` is the starting set (the category's own templates, then
the general ones); the coordinator adds and edits templates in the table
(`PUT /v1/operator/templates/{template_id}`: per category, optionally per unit), each
change kept in the template's history (who, when, what:
`GET /v1/operator/templates/{template_id}/history`). A stored template replaces the data
file's one of the same id.

An action may name a template (`template_id`) instead of, or beside, its text; the text may
hold placeholders the hub fills: {tracking_id}, {unit} (the handling unit's name) and
{deadline} (the current deadline, WIB). Served by `GET /v1/operator/templates?category=<code>`.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from chalicelib.domain import reference
from chalicelib.domain.access import Principal, Role
from chalicelib.domain.calendar import local_tz
from chalicelib.domain.errors import FieldProblem, InvalidInput, NotFound
from chalicelib.domain.models import Complaint, utcnow
from chalicelib.domain.reference import load_json
from chalicelib.schemas import ResponseTemplate, TemplateList
from chalicelib.services.ports import Templates

PLACEHOLDERS = ("tracking_id", "unit", "deadline")
TEMPLATE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_FIELDS = ("title", "text", "category", "unit")


def _bad(field_name: str, reason: str, message_id: str, message_en: str) -> InvalidInput:
    return InvalidInput([FieldProblem(field_name, reason, message_id, message_en)])


@lru_cache(maxsize=1)
def _starting_set() -> tuple[ResponseTemplate, ...]:
    raw = load_json("response_templates.json")
    own = [ResponseTemplate(**t, category=code) for code, items in raw["categories"].items() for t in items]
    return (*own, *(ResponseTemplate(**t) for t in raw["general"]))


def templates_for(category: str | None) -> TemplateList:
    """The data file's templates alone: the category's own, then the general ones (an unknown category is a 400)."""
    if category is not None:
        reference.category(category)
    starting = _starting_set()
    own = [t for t in starting if category is not None and t.category == category]
    return TemplateList(category=category, templates=[*own, *(t for t in starting if t.category is None)])


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m for m in _PLACEHOLDER.findall(text) if m not in PLACEHOLDERS})


def fill(text: str, c: Complaint) -> str:
    """The text with the hub's placeholders filled for complaint `c` (other braces stay as written)."""
    unit = c.unit.name if c.unit else "-"
    deadline = c.deadline.astimezone(local_tz()).strftime("%d-%m-%Y %H:%M WIB") if c.deadline else "-"
    values = {"tracking_id": c.tracking_id, "unit": unit, "deadline": deadline}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


class TemplateService:
    def __init__(self, store: Templates) -> None:
        self.store = store

    def _every(self) -> dict[str, ResponseTemplate]:
        """Every template by id: the starting set, replaced by the coordinator's of the same id."""
        out = {t.id: t for t in _starting_set()}
        for item in self.store.all():
            out[str(item["sk"])] = ResponseTemplate(
                id=str(item["sk"]),
                title=str(item.get("title") or ""),
                text=str(item.get("text") or ""),
                category=item.get("category"),
                unit=item.get("unit"),
                updated_at=item.get("updated_at"),
                updated_by=item.get("updated_by"),
            )
        return out

    def listing(self, p: Principal, category: str | None) -> TemplateList:
        """The category's own templates (the caller's unit's first), then the general ones; the coordinator sees
        every unit's."""
        if category is not None:
            reference.category(category)
        mine = [t for t in self._every().values() if _for_unit(t, p)]
        own = [t for t in mine if category is not None and t.category == category]
        own.sort(key=lambda t: t.unit is None)  # the unit's own first
        general = [t for t in mine if t.category is None]
        general.sort(key=lambda t: t.unit is None)
        return TemplateList(category=category, templates=[*own, *general])

    def for_action(self, p: Principal, template_id: str, c: Complaint) -> ResponseTemplate:
        """The template an action names, when it fits the complaint (category, unit); a 400 naming `template_id`."""
        t = self._every().get(template_id)
        unit = c.unit.code if c.unit else None
        if t is None or (t.category is not None and t.category != c.category) or (t.unit not in (None, unit)):
            raise _bad(
                "template_id",
                "unknown_template",
                "template_id bukan templat untuk kategori dan unit pengaduan ini",
                "template_id is not a template for this complaint's category and unit",
            )
        return t

    def put(self, by: Principal, template_id: str, body: dict[str, Any]) -> ResponseTemplate:
        """The coordinator adds or edits a template; its history gains who, when and what."""
        assert by.role == Role.ADMIN
        problems: list[FieldProblem] = []
        if not TEMPLATE_ID.match(template_id):
            problems.append(
                FieldProblem(
                    "template_id", "invalid", "template_id: huruf kecil, angka, '-'", "template_id: a-z, 0-9, '-'"
                )
            )
        category, unit = body.get("category"), body.get("unit")
        if category is not None and category not in reference.categories():
            problems.append(FieldProblem("category", "unknown_category", "kategori tidak dikenal", "unknown category"))
        known = reference.units().get(unit or "")
        if unit is not None and (known is None or known.kind not in ("opd", "kecamatan", "kelurahan")):
            problems.append(FieldProblem("unit", "unknown_unit", "unit tidak dikenal", "unit is not a handling unit"))
        for name in ("title", "text"):
            if bad := unknown_placeholders(str(body.get(name) or "")):
                allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                problems.append(
                    FieldProblem(
                        name,
                        "unknown_placeholder",
                        f"{name}: isian tidak dikenal {bad}; yang dikenal: {allowed}",
                        f"{name}: unknown placeholders {bad}; known: {allowed}",
                    )
                )
        if problems:
            raise InvalidInput(problems)
        before = self._every().get(template_id)
        now = utcnow()
        at = now.isoformat()
        template = {
            "id": template_id,
            "title": body["title"],
            "text": body["text"],
            "category": category,
            "unit": unit,
            "updated_at": at,
            "updated_by": by.user,
        }
        change = {
            "at": at,
            "by": by.user,
            "action": "edited" if before is not None else "created",
            "before": {k: getattr(before, k) for k in _FIELDS} if before is not None else None,
            "after": {k: template[k] for k in _FIELDS},
        }
        self.store.save(template, _instant(now), change)
        return ResponseTemplate(**template)

    def history(self, template_id: str) -> list[dict[str, Any]]:
        """Who changed the template, when, and what (before and after), oldest first."""
        if template_id not in self._every():
            raise NotFound(template_id)
        return [
            {k: item.get(k) for k in ("at", "by", "action", "before", "after")}
            for item in self.store.history(template_id)
        ]


def _for_unit(t: ResponseTemplate, p: Principal) -> bool:
    return t.unit is None or p.role == Role.ADMIN or t.unit == p.unit


def _instant(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
