"""Which LAPOR! account a complaint's calls go out on: its own jurisdiction's, never another's.

Each pemda has its own agency account at LAPOR!. A complaint's jurisdiction is the one it was
stored with (`jurisdiction`), else the region that holds its tracking id's prefix (complaints
stored before regions were recorded keep working through the prefix). Each region's
credentials are read from its own secret the first time a container needs them and kept for
``ttl_s`` (so credentials given or rotated by onboarding are used within that time), at most
``capacity`` regions, the least recently used forgotten. A region without credentials gets no
client: `NoLaporCredentials`, which the forwarder turns into a parked complaint. A deployment
with no region onboarded at all keeps its one deployment-wide account (LAPOR_SECRET_ARN).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.adapters.lapor import LaporClient, LaporConfig, LaporError
from chalicelib.services.jurisdictions import JurisdictionService
from chalicelib.services.lapor_budget import DEFAULT_ACCOUNT

__all__ = ["NO_LAPOR_CREDENTIALS", "LaporAccounts", "NoLaporCredentials", "prefix_of"]

#: the park reason of a complaint whose jurisdiction has no LAPOR! credentials
NO_LAPOR_CREDENTIALS = "no_lapor_credentials"


class NoLaporCredentials(LaporError):
    """The complaint's jurisdiction has no LAPOR! credentials (or no onboarded region holds its
    prefix): nothing may be sent for it. Nothing was sent, so every caller may retry later."""

    def __init__(self, tracking_id: str, jurisdiction: str | None) -> None:
        where = f"jurisdiction {jurisdiction}" if jurisdiction else "no onboarded jurisdiction"
        super().__init__(
            f"{NO_LAPOR_CREDENTIALS}: {where} has no LAPOR! credentials", "not_sent", kind="no_credentials"
        )
        self.tracking_id = tracking_id
        self.jurisdiction = jurisdiction


def prefix_of(tracking_id: str) -> str:
    """The letters before a tracking id's first dash (`ABC-2345-6789` -> `ABC`)."""
    return tracking_id.split("-", 1)[0].strip().upper()


class LaporAccounts:
    def __init__(
        self,
        regions: JurisdictionService,
        credentials: Callable[[str], LaporConfig | None],
        deployment: Callable[[], LaporClient],
        capacity: int = 32,
        ttl_s: float = 300,
        clock: Callable[[], float] = time.monotonic,
        client: Callable[[LaporConfig], LaporClient] = LaporClient,
    ) -> None:
        """``credentials``: a region's account read from its secret (None: none given);
        ``deployment``: the deployment-wide client, only for a deployment with no region."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.regions = regions
        self._credentials = credentials
        self._deployment = deployment
        self._client = client
        self.capacity = capacity
        self.ttl_s = ttl_s
        self.clock = clock
        self._held: OrderedDict[str, tuple[float, LaporClient]] = OrderedDict()
        self._lock = threading.Lock()

    def jurisdiction_of(self, complaint: Mapping[str, Any]) -> str | None:
        """The complaint's jurisdiction code; None when no onboarded region holds its prefix."""
        stored = complaint.get("jurisdiction")
        if isinstance(stored, str) and stored:
            return stored
        return self.regions.code_for_prefix(prefix_of(str(complaint.get("tracking_id") or "")))

    def account_of(self, complaint: Mapping[str, Any]) -> str:
        """The name of the LAPOR! account the complaint's calls go out on (its call budget and
        back-off): its jurisdiction code; DEFAULT_ACCOUNT for the deployment-wide account (and for
        a complaint no region holds: nothing is sent for it, see `client_for`)."""
        if self._on_deployment_account(complaint):
            return DEFAULT_ACCOUNT
        return self.jurisdiction_of(complaint) or DEFAULT_ACCOUNT

    def _on_deployment_account(self, complaint: Mapping[str, Any]) -> bool:
        """A deployment with no region onboarded has its one account; once regions are onboarded,
        each complaint goes out on its own region's, and the deployment-wide one serves none."""
        return not self.regions.summaries()

    def client_for(self, complaint: Mapping[str, Any]) -> LaporClient:
        """The client carrying the credentials of the complaint's own jurisdiction."""
        tracking_id = str(complaint.get("tracking_id") or "")
        if self._on_deployment_account(complaint):
            return self._deployment()
        code = self.jurisdiction_of(complaint)
        if code is None:
            raise NoLaporCredentials(tracking_id, None)
        now = self.clock()
        with self._lock:
            held = self._held.get(code)
            if held is not None and now - held[0] < self.ttl_s:
                self._held.move_to_end(code)
                return held[1]
        config = self._credentials(code)  # outside the lock: a slow read never holds up the others
        if config is None:  # never kept: credentials given later are used at the next attempt
            with self._lock:
                self._held.pop(code, None)
            raise NoLaporCredentials(tracking_id, code)
        client = self._client(config)
        with self._lock:
            self._held[code] = (now, client)
            self._held.move_to_end(code)
            while len(self._held) > self.capacity:
                self._held.popitem(last=False)
        return client

    def held(self) -> list[str]:
        """The regions whose clients this container holds, least recently used first."""
        return list(self._held)
