"""The channels the hub accepts, by the name in `/v1/channels/{channel}/...`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from chalicelib.channels import call112, psc119, rabeg
from chalicelib.channels.common import Normalised


@dataclass(frozen=True)
class ChannelAdapter:
    name: str
    record: type[BaseModel]
    normalise: Callable[[BaseModel], Normalised]


ADAPTERS: dict[str, ChannelAdapter] = {
    rabeg.CHANNEL: ChannelAdapter(rabeg.CHANNEL, rabeg.RabegRecord, rabeg.normalise),  # type: ignore[arg-type]
    call112.CHANNEL: ChannelAdapter(call112.CHANNEL, call112.Call112Record, call112.normalise),  # type: ignore[arg-type]
    psc119.CHANNEL: ChannelAdapter(psc119.CHANNEL, psc119.Psc119Record, psc119.normalise),  # type: ignore[arg-type]
}
