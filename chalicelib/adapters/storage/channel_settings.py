"""Channel settings: each channel's callback registration, per region (pk CHANNEL#<channel>, or
CHANNEL#<code>/<channel> for another region than the default; sk CALLBACK)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso, values
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.domain.changes import ConditionFailed


class ChannelSettingsStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def save_callback(self, channel: str, url: str, at: datetime, region: str | None = None) -> None:
        self.gateway.put_raw(
            {
                "pk": keys.channel_pk(channel, keys.region_part(region)),
                "sk": keys.CALLBACK_SK,
                "type": "channel_callback",
                "channel": channel,
                "url": url,
                "updated_at": iso(at),
            }
        )

    def remove_callback(self, channel: str, at: datetime, region: str | None = None) -> None:
        """No callback any more (nothing when none was registered)."""
        try:
            self.gateway.update_raw(
                keys.channel_pk(channel, keys.region_part(region)),
                keys.CALLBACK_SK,
                "REMOVE #u SET updated_at = :now",
                condition="attribute_exists(pk)",
                names={"#u": "url"},
                vals=values(now=iso(at)),
            )
        except ConditionFailed:
            pass

    def callback(self, channel: str, region: str | None = None) -> dict[str, Any] | None:
        """The registration (`url`, `updated_at`), None when the channel has no callback in the region."""
        item = self.gateway.get_raw(keys.channel_pk(channel, keys.region_part(region)), keys.CALLBACK_SK)
        if not item or not item.get("url"):
            return None
        return {"url": item["url"], "updated_at": item.get("updated_at")}
