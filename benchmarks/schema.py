"""The one shape every benchmark reports in, so `make bench` can store runs and write the README's
figures from them (benchmarks/table.py) instead of anyone copying numbers by hand.

A benchmark prints one JSON line (`emit`): its name, a title, the command that runs it, its
figures (each with a unit and, where the product has one, a target), its sample counts, free-text
notes and the raw output it was built from (`details`). `run_all` adds where and when it ran.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from typing import Any

SCHEMA = 1
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}


def figure(
    key: str,
    label: str,
    value: float | int | None,
    unit: str,
    target: tuple[str, float] | None = None,
) -> dict[str, Any]:
    """One measured number: `key` is stable across runs, `label` says what it is in words."""
    out: dict[str, Any] = {"key": key, "label": label, "value": value, "unit": unit}
    if target is not None:
        out["target"] = {"op": target[0], "value": target[1]}
    return out


def result(
    benchmark: str,
    title: str,
    command: str,
    figures: Iterable[dict[str, Any]],
    samples: dict[str, int],
    notes: Iterable[str] = (),
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A benchmark's whole answer; `benchmark` is its name in `BENCH=` and in results/<name>.json."""
    return {
        "schema": SCHEMA,
        "benchmark": benchmark,
        "title": title,
        "command": command,
        "figures": list(figures),
        "samples": samples,
        "notes": list(notes),
        "details": details or {},
    }


def emit(res: dict[str, Any]) -> None:
    """The line `run_all` reads: the last stdout line that starts with `{"benchmark"`."""
    print(json.dumps({"benchmark": res["benchmark"], **res}), flush=True)


def met(fig: dict[str, Any]) -> bool | None:
    """Whether a figure meets its target (None: no target, or no value to compare)."""
    target, value = fig.get("target"), fig.get("value")
    if target is None or value is None:
        return None
    return OPS[target["op"]](value, target["value"])


def problems(res: dict[str, Any]) -> list[str]:
    """What keeps a result from being stored or rendered; empty when it is well formed."""
    out: list[str] = []
    for key, kind in (
        ("benchmark", str),
        ("title", str),
        ("command", str),
        ("figures", list),
        ("samples", dict),
        ("notes", list),
    ):
        if not isinstance(res.get(key), kind):
            out.append(f"{key}: expected {kind.__name__}")
    if out:
        return out
    if res.get("schema") != SCHEMA:
        out.append(f"schema: expected {SCHEMA}")
    if not res["figures"]:
        out.append("figures: none")
    keys = [f.get("key") for f in res["figures"]]
    if len(set(keys)) != len(keys):
        out.append("figures: duplicate keys")
    for fig in res["figures"]:
        name = fig.get("key", "?")
        if not isinstance(fig.get("key"), str) or not isinstance(fig.get("label"), str):
            out.append(f"figure {name}: key and label must be text")
        if not isinstance(fig.get("unit"), str) or not fig.get("unit"):
            out.append(f"figure {name}: no unit")
        value, span = fig.get("value"), fig.get("range")
        if value is None and span is None:
            out.append(f"figure {name}: neither a value nor a range")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            out.append(f"figure {name}: value must be a number")
        if span is not None and not (isinstance(span, list) and len(span) == 2):
            out.append(f"figure {name}: range must be [low, high]")
        target = fig.get("target")
        if target is not None and (target.get("op") not in OPS or not isinstance(target.get("value"), int | float)):
            out.append(f"figure {name}: target must be {{op, value}} with op in {sorted(OPS)}")
    for key, count in res["samples"].items():
        if not isinstance(count, int) or isinstance(count, bool):
            out.append(f"samples {key}: must be a whole number")
    if not all(isinstance(n, str) for n in res["notes"]):
        out.append("notes: must be text")
    return out
