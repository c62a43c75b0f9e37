"""Problems a caller can fix, worded for a citizen: Indonesian first, English alongside."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str  # machine code, e.g. "missing", "unknown_category"
    message_id: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "reason": self.reason,
            "message": f"{self.message_id} / {self.message_en}",
            "message_id": self.message_id,
            "message_en": self.message_en,
        }


class InvalidInput(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))
        self.problems = problems


class NotFound(Exception):
    pass


class Conflict(Exception):
    def __init__(self, reason: str, message_id: str, message_en: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id
        self.message_en = message_en


class WrongState(Conflict):
    """The complaint's current status does not allow this action (HTTP 409)."""


class StaleVersion(WrongState):
    """If-Match named a version that is no longer the complaint's (HTTP 409; nothing changed)."""

    def __init__(self, current: int) -> None:
        super().__init__(
            "stale_version",
            f"Pengaduan sudah berubah (versi sekarang {current}); muat ulang lalu coba lagi",
            f"The complaint has changed (current version {current}); reload it and try again",
        )
        self.current = current


class Unauthenticated(Exception):
    """No valid sign-in (HTTP 401): no token, or a token we refuse; `reason` names which check failed."""

    def __init__(self, reason: str, message_id: str, message_en: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id
        self.message_en = message_en


class Forbidden(Unauthenticated):
    """Signed in, but the caller's role may not use this route (HTTP 403)."""


class SignInUnavailable(Exception):
    """The issuer's keys cannot be had right now (HTTP 503): nobody can be verified, nobody is let in."""
