"""Fault injection: the ways LAPOR! and the network fail, drawn per request.

At most one fault per LAPOR! call (never on /_sim/ admin calls), drawn from a
seeded RNG so a seed gives a reproducible run.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = ("5xx", "429", "slow", "reset", "lose", "reject", "garble")
LOSE_MODES = ("mixed", "drop", "504")
GARBLE_MODES = ("mixed", "html", "shape")


@dataclass(frozen=True)
class FaultConfig:
    """Per-request fault probabilities; at most one fault is drawn per non-admin call.

    `lose` applies to write calls only (create, file upload, follow-up add) and
    `reject` to creates only; a draw of either on another call means "no fault".
    `garble` does the work, then answers 200 with a body the client cannot read:
    an HTML page, or JSON without the documented fields. The
    rates must sum to <= 1. External keys are the short names ("5xx", "429", "slow",
    ...), as in `LAPOR_SIM_FAULTS`.
    """

    rate_5xx: float = 0.0
    rate_429: float = 0.0
    rate_slow: float = 0.0
    rate_reset: float = 0.0
    rate_lose: float = 0.0
    rate_reject: float = 0.0
    rate_garble: float = 0.0
    #: How long a `slow` answer is held back (the work is done first).
    slow_s: float = 5.0
    #: The Retry-After (seconds) a `429` answer carries (tests of the status sync's back-off).
    retry_after_s: float = 1.0
    #: How a `lose` answer is lost: "drop" the connection, answer "504", or "mixed"
    #: (seeded coin).
    lose_mode: str = "mixed"
    #: How a `garble` answer is unreadable: "html" (not JSON), "shape" (JSON without
    #: the documented fields) or "mixed" (seeded coin).
    garble_mode: str = "mixed"

    def __post_init__(self) -> None:
        for kind in FAULT_KINDS:
            rate = self.rate(kind)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {kind}={rate} must be within 0..1")
        if sum(self.rate(k) for k in FAULT_KINDS) > 1.0 + 1e-9:
            raise ValueError("fault rates must sum to at most 1")
        if self.slow_s < 0:
            raise ValueError("slow_s must be >= 0")
        if self.retry_after_s < 0:
            raise ValueError("retry_after_s must be >= 0")
        if self.lose_mode not in LOSE_MODES:
            raise ValueError(f"lose_mode must be one of {LOSE_MODES}")
        if self.garble_mode not in GARBLE_MODES:
            raise ValueError(f"garble_mode must be one of {GARBLE_MODES}")

    def rate(self, kind: str) -> float:
        """The probability of one fault kind ("5xx", "429", ...)."""
        return float(getattr(self, f"rate_{kind}"))

    @property
    def active(self) -> bool:
        """Whether any fault can be drawn at all (lets the fast path skip the RNG)."""
        return any(self.rate(k) > 0 for k in FAULT_KINDS)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FaultConfig:
        """Build from {"5xx": 0.1, "slow_s": 2, ...}; "rate_5xx" etc. work too."""
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).strip()
            if name in FAULT_KINDS:
                name = f"rate_{name}"
            if name in {f"rate_{k}" for k in FAULT_KINDS} or name in ("slow_s", "retry_after_s"):
                try:
                    kwargs[name] = float(value)
                except (TypeError, ValueError):
                    raise ValueError(f"fault {key!r} needs a number, got {value!r}") from None
            elif name in ("lose_mode", "garble_mode"):
                kwargs[name] = str(value)
            else:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(FAULT_KINDS)}")
        return cls(**kwargs)

    @classmethod
    def parse(cls, text: str | None) -> FaultConfig:
        """Parse the env form "5xx=0.1,429=0.1,slow=0.05,reset=0.05,lose=0.05"."""
        pairs: dict[str, str] = {}
        for item in (text or "").replace(";", ",").split(","):
            if not item.strip():
                continue
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"fault {item!r} must look like name=value")
            pairs[key.strip()] = value.strip()
        return cls.from_mapping(pairs)

    def to_dict(self) -> dict[str, Any]:
        """The external (short-key) form, as accepted by PUT /_sim/faults."""
        out: dict[str, Any] = {k: self.rate(k) for k in FAULT_KINDS}
        out["slow_s"] = self.slow_s
        out["retry_after_s"] = self.retry_after_s
        out["lose_mode"] = self.lose_mode
        out["garble_mode"] = self.garble_mode
        return out

    def draw(self, rng: random.Random, applicable: Iterable[str]) -> str | None:
        """Pick at most one fault with one draw, so a seed gives a reproducible run."""
        r = rng.random()
        cumulative = 0.0
        for kind in FAULT_KINDS:
            cumulative += self.rate(kind)
            if r < cumulative:
                return kind if kind in applicable else None
        return None
