"""Update and condition expressions, built from attribute values and expectations.

Services say what a complaint becomes (attributes, None removes one) and what it
must hold for the write to apply (`services.ports.Expect`); this module writes the
DynamoDB expressions for it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.storage.codec import text, to_item, values
from chalicelib.adapters.storage.keys import VERSION
from chalicelib.domain.changes import ABSENT, PRESENT, After, Append, Before, IfAbsent, Version

_SET_CLAUSE = re.compile(r"\bSET\s+", re.IGNORECASE)

__all__ = ["Append", "IfAbsent", "condition", "set_remove", "with_version"]


def set_remove(attrs: Mapping[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An UpdateExpression that sets the non-None attributes and removes the None ones
    (instants are written as key text: `codec.iso`)."""
    names: dict[str, str] = {}
    vals: dict[str, Any] = {}
    sets: list[str] = []
    removes: list[str] = []
    for i, (k, v) in enumerate(attrs.items()):
        names[f"#a{i}"] = k
        if v is None:
            removes.append(f"#a{i}")
        elif isinstance(v, IfAbsent):
            sets.append(f"#a{i} = if_not_exists(#a{i}, :a{i})")
            vals.update(to_item({f":a{i}": text(v.value)}))
        elif isinstance(v, Append):
            sets.append(f"#a{i} = list_append(if_not_exists(#a{i}, :a{i}e), :a{i})")
            vals.update(to_item({f":a{i}": [text(x) for x in v.items], f":a{i}e": []}))
        else:
            sets.append(f"#a{i} = :a{i}")
            vals.update(to_item({f":a{i}": text(v)}))
    expr = ""
    if sets:
        expr += "SET " + ", ".join(sets)
    if removes:
        expr += " REMOVE " + ", ".join(removes)
    return expr.strip(), names, vals


def with_version(
    update: str, names: dict[str, str] | None, vals: dict[str, Any] | None
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The update plus `version = version + 1` (every write of a complaint counts)."""
    bump = "#vrsn = if_not_exists(#vrsn, :vrsn_zero) + :vrsn_one"
    match = _SET_CLAUSE.search(update)
    expr = (update[: match.end()] + bump + ", " + update[match.end() :]) if match else f"SET {bump} {update}".strip()
    out_vals = dict(vals or {})
    out_vals.update(values(vrsn_zero=0, vrsn_one=1))
    return expr, {**(names or {}), "#vrsn": VERSION}, out_vals


def condition(expect: Mapping[str, Any] | None) -> tuple[str | None, dict[str, str], dict[str, Any]]:
    """A ConditionExpression for an expectation: attribute -> value, ABSENT, PRESENT,
    Before / After (absent or earlier / later), Version; a list of them for one
    attribute means all of them."""
    if not expect:
        return None, {}, {}
    parts: list[str] = []
    names: dict[str, str] = {}
    vals: dict[str, Any] = {}
    for i, (attr, wanted) in enumerate(expect.items()):
        name = f"#c{i}"
        names[name] = attr
        for j, w in enumerate(wanted if isinstance(wanted, list) else [wanted]):
            v = f":c{i}_{j}"
            if w is ABSENT:
                parts.append(f"attribute_not_exists({name})")
            elif w is PRESENT:
                parts.append(f"attribute_exists({name})")
            elif isinstance(w, Before):
                parts.append(f"(attribute_not_exists({name}) OR {name} < {v})")
                vals[v] = text(w.value)
            elif isinstance(w, After):
                parts.append(f"(attribute_not_exists({name}) OR {name} > {v})")
                vals[v] = text(w.value)
            elif isinstance(w, Version):
                # an item written before versions existed has none and reads as version 1
                if w.number == 1:
                    parts.append(f"({name} = {v} OR attribute_not_exists({name}))")
                else:
                    parts.append(f"{name} = {v}")
                vals[v] = w.number
            else:
                parts.append(f"{name} = {v}")
                vals[v] = text(w)
    return " AND ".join(parts), names, to_item(vals)
