"""An onboarded jurisdiction as the hub keeps it: the document and where its other parts are.

The document (:class:`~chalicelib.domain.jurisdiction.Jurisdiction`) is the region's data;
its boundaries (large) are kept in object storage and its LAPOR! credentials and channel
secrets in a secret of its own, both named here. ``version`` counts its onboardings, so an
update applies only over the version it read.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.jurisdiction import Jurisdiction

__all__ = ["JurisdictionRecord"]


@dataclass(frozen=True)
class JurisdictionRecord:
    jurisdiction: Jurisdiction
    #: the object holding its desa/kelurahan boundaries (None: it has none)
    boundaries_key: str | None = None
    #: the secret holding its LAPOR! credentials and channel secrets (None: not given yet)
    secret_name: str | None = None
    version: int = 0
