"""Proof uploads the hub issued (pk PROOF#<upload key>, sk PROOF): a resolve names only these."""

from __future__ import annotations

from datetime import datetime

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso
from chalicelib.adapters.storage.gateway import TableGateway


class ProofStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def issued(self, key: str, tracking_id: str, user: str, at: datetime, expires_at: int) -> None:
        self.gateway.put_raw(
            {
                "pk": keys.proof_pk(key),
                "sk": keys.PROOF_SK,
                "type": "proof_upload",
                "tracking_id": tracking_id,
                "issued_to": user,
                "issued_at": iso(at),
                keys.TTL_ATTRIBUTE: expires_at,
            }
        )

    def issued_for(self, key: str) -> str | None:
        """The complaint a proof upload was issued for; None when the hub never issued it."""
        item = self.gateway.get_raw(keys.proof_pk(key), keys.PROOF_SK)
        return str(item["tracking_id"]) if item and item.get("tracking_id") else None
