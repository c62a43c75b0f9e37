"""Open311 API keys: one item per key (pk APIKEY#<sha256 of the key>, sk APIKEY), never the key itself."""

from __future__ import annotations

from datetime import datetime

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso
from chalicelib.adapters.storage.gateway import TableGateway


class ApiKeyStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def register(self, key_hash: str, client_app: str, at: datetime) -> None:
        self.gateway.put_raw(
            {
                "pk": keys.apikey_pk(key_hash),
                "sk": keys.APIKEY_SK,
                "type": "apikey",
                "client_app": client_app,
                "created_at": iso(at),
            }
        )

    def client_app(self, key_hash: str) -> str | None:
        item = self.gateway.get_raw(keys.apikey_pk(key_hash), keys.APIKEY_SK)
        return str(item["client_app"]) if item and item.get("client_app") else None
