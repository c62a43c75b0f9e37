"""Escalation ladder: who is next when a unit misses its deadline.

The ladder is data (``data/escalation_ladder.json``) so that the city can
reshape it without a deploy of new logic.  Defaults per unit kind:

- kelurahan: Lurah -> Camat -> head of the responsible OPD (if any) -> Inspektur
  -> Wakil Wali Kota
- kecamatan: Camat -> head of the responsible OPD (if any) -> Inspektur -> Wakil
  Wali Kota
- OPD: complaint desk -> Kepala Dinas -> Inspektur -> Wakil Wali Kota

with overrides per unit (e.g. Inspektorat) and per category (e.g.
``pungli-asn`` goes straight to the Inspektur).  Everything here is pure: the
caller supplies deadlines and "now", and keeps the current level.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.overdue import is_overdue

__all__ = [
    "EscalationDecision",
    "EscalationLadderFile",
    "Rung",
    "decide",
    "ladder_for",
    "load_ladder_file",
    "next_rung",
]

_DATA_FILE = Path(__file__).parent.parent / "data" / "escalation_ladder.json"

UnitKind = Literal["kelurahan", "kecamatan", "opd", "pimpinan"]
_KIND_BY_PREFIX: dict[str, UnitKind] = {
    "kel": "kelurahan",
    "kec": "kecamatan",
    "opd": "opd",
    "pimpinan": "pimpinan",
}
_SYMBOLIC_STEPS = frozenset({"self", "kecamatan", "opd_head"})
_KELURAHAN_CODE_PARTS = 4  # NN.NN.NN.NNNN


# --- file format -------------------------------------------------------------


class _Model(BaseModel):
    """Strict model that tolerates ``_comment`` keys (documentation in the JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_comments(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not str(k).startswith("_")}
        return data


def _check_steps(steps: list[str]) -> list[str]:
    if not steps or steps[0] != "self":
        raise ValueError("a ladder must start with 'self' (rung 0 is the handling unit)")
    for step in steps:
        if step not in _SYMBOLIC_STEPS and _kind_of(step) is None:
            raise ValueError(f"unknown ladder step {step!r}")
    return steps


class Post(_Model):
    """A post (desk or head) with its Indonesian role title and contact templates."""

    role: str = Field(min_length=1)
    contacts: list[str] = Field(default_factory=list)


class PostOverride(_Model):
    """Per-unit change to a post; unset fields keep the kind's default."""

    role: str | None = None
    contacts: list[str] | None = None


class KindConfig(_Model):
    """Default ladder and posts for one unit kind."""

    ladder: list[str]
    desk: Post
    head: Post

    @field_validator("ladder")
    @classmethod
    def _steps(cls, v: list[str]) -> list[str]:
        return _check_steps(v)


class UnitConfig(_Model):
    """Per-unit overrides of the ladder and of post roles/contacts."""

    ladder: list[str] | None = None
    desk: PostOverride | None = None
    head: PostOverride | None = None

    @field_validator("ladder")
    @classmethod
    def _steps(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_steps(v)


class CategoryConfig(_Model):
    """Per-category ladder; wins over unit and kind ladders."""

    ladder: list[str]

    @field_validator("ladder")
    @classmethod
    def _steps(cls, v: list[str]) -> list[str]:
        return _check_steps(v)


class EscalationLadderFile(_Model):
    """The whole ``escalation_ladder.json``."""

    kinds: dict[UnitKind, KindConfig]
    units: dict[str, UnitConfig] = Field(default_factory=dict)
    categories: dict[str, CategoryConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _all_kinds(self) -> EscalationLadderFile:
        missing = set(_KIND_BY_PREFIX.values()) - set(self.kinds)
        if missing:
            raise ValueError(f"kinds missing from the ladder file: {sorted(missing)}")
        return self


@lru_cache(maxsize=1)
def load_ladder_file() -> EscalationLadderFile:
    """The parsed ``data/escalation_ladder.json`` (loaded once, on first use)."""
    with _DATA_FILE.open(encoding="utf-8") as fh:
        return EscalationLadderFile.model_validate(json.load(fh))


# --- pure API ----------------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    """One step of a ladder. ``level`` 0 is the handling unit itself."""

    level: int
    unit_code: str
    role: str
    contacts: tuple[str, ...]


@dataclass(frozen=True)
class EscalationDecision:
    """Climb from ``from_level`` to ``to`` (always exactly one rung)."""

    from_level: int
    to: Rung
    deadline: dt.datetime


def _kind_of(unit_code: str) -> UnitKind | None:
    prefix, sep, rest = unit_code.partition(":")
    if not sep or not rest:
        return None
    return _KIND_BY_PREFIX.get(prefix)


def _post(cfg: EscalationLadderFile, unit_code: str, which: Literal["desk", "head"]) -> Post:
    kind = _kind_of(unit_code)
    if kind is None:
        raise ValueError(f"not a unit code: {unit_code!r}")
    base: Post = getattr(cfg.kinds[kind], which)
    unit_cfg = cfg.units.get(unit_code)
    override: PostOverride | None = getattr(unit_cfg, which) if unit_cfg else None
    role = override.role if override and override.role is not None else base.role
    templates = override.contacts if override and override.contacts is not None else base.contacts
    ident = unit_code.partition(":")[2]
    fields = {"code": unit_code, "id": ident, "slug": ident.replace(".", "-")}
    return Post(role=role, contacts=[t.format_map(fields) for t in templates])


def _kecamatan_unit(unit_code: str, kecamatan_code: str | None) -> str | None:
    """``kec:<code>`` from the argument, or derived from a kelurahan unit code."""
    if kecamatan_code:
        return kecamatan_code if kecamatan_code.startswith("kec:") else f"kec:{kecamatan_code}"
    if unit_code.startswith("kel:"):
        parts = unit_code[4:].split(".")
        if len(parts) == _KELURAHAN_CODE_PARTS:
            return "kec:" + ".".join(parts[:3])
    if unit_code.startswith("kec:"):
        return unit_code
    return None


def _steps_for(cfg: EscalationLadderFile, kind: UnitKind, unit_code: str, category: str) -> list[str]:
    """Category ladder, else unit ladder, else the kind's default ladder."""
    category_cfg = cfg.categories.get(category)
    if category_cfg is not None:
        return category_cfg.ladder
    unit_cfg = cfg.units.get(unit_code)
    if unit_cfg is not None and unit_cfg.ladder is not None:
        return unit_cfg.ladder
    return cfg.kinds[kind].ladder


def ladder_for(
    unit_code: str,
    category: str,
    kecamatan_code: str | None,
    opd_code: str | None,
    cfg: EscalationLadderFile | None = None,
) -> list[Rung]:
    """The escalation ladder for a complaint; rung 0 is the handling unit (``cfg``: the region's
    ladder, ``jurisdiction.escalation_ladder``; the package's when not given).

    ``kecamatan_code`` ("NN.NN.NN" or "kec:NN.NN.NN") may be None for a
    kelurahan unit (it is derived from the kelurahan code).  ``opd_code`` is
    the OPD responsible for the category (None for kelurahan/kecamatan
    categories); for an OPD unit it defaults to the unit itself.
    """
    cfg = cfg or load_ladder_file()
    kind = _kind_of(unit_code)
    if kind is None:
        raise ValueError(f"not a unit code: {unit_code!r}")
    if opd_code is None and kind == "opd":
        opd_code = unit_code
    if opd_code is not None and _kind_of(opd_code) != "opd":
        raise ValueError(f"not an OPD code: {opd_code!r}")

    rungs: list[Rung] = []
    seen: set[tuple[str, str]] = set()
    for step in _steps_for(cfg, kind, unit_code, category):
        if step == "self":
            target: str | None = unit_code
            post_kind: Literal["desk", "head"] = "desk"
        elif step == "kecamatan":
            target, post_kind = _kecamatan_unit(unit_code, kecamatan_code), "head"
        elif step == "opd_head":
            target, post_kind = opd_code, "head"
        else:
            target, post_kind = step, "head"
        if target is None:
            continue  # e.g. no responsible OPD for a kelurahan category
        post = _post(cfg, target, post_kind)
        key = (target, post.role)
        if key in seen:
            continue
        seen.add(key)
        rungs.append(Rung(len(rungs), target, post.role, tuple(post.contacts)))
    return rungs


def next_rung(ladder: list[Rung], current_level: int) -> Rung | None:
    """The rung above ``current_level``, or None at the top of the ladder."""
    if current_level < 0:
        raise ValueError(f"current_level must be >= 0, got {current_level}")
    nxt = current_level + 1
    return ladder[nxt] if nxt < len(ladder) else None


def decide(
    current_level: int,
    deadline: dt.datetime | None,
    now: dt.datetime,
    ladder: list[Rung],
) -> EscalationDecision | None:
    """One sweep's decision: climb one rung if overdue, else None.

    Also None when already at the top (the caller may still report the
    complaint as overdue).  The caller should set a fresh deadline for the new
    rung, so a later sweep climbs again only if that one is missed too.
    """
    if not is_overdue(deadline, now):
        return None
    rung = next_rung(ladder, current_level)
    if rung is None:
        return None
    assert deadline is not None
    return EscalationDecision(from_level=current_level, to=rung, deadline=deadline)
