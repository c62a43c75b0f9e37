"""Composition root: the one place where real adapters meet the services.

Built lazily, once per Lambda container, so importing `app` stays cheap.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.adapters.dynamodb import Repository
from chalicelib.adapters.lapor import LaporClient
from chalicelib.adapters.sqs import Queues
from chalicelib.services.forwarding import ForwardingService
from chalicelib.services.intake import IntakeService
from chalicelib.settings import settings


@lru_cache(maxsize=1)
def repository() -> Repository:
    return Repository()


@lru_cache(maxsize=1)
def queues() -> Queues:
    return Queues()


@lru_cache(maxsize=1)
def lapor() -> LaporClient:
    return LaporClient()


@lru_cache(maxsize=1)
def intake() -> IntakeService:
    return IntakeService(repository(), queues())


@lru_cache(maxsize=1)
def forwarding() -> ForwardingService:
    return ForwardingService(repository(), lapor, lease_s=settings().forward_lease_s)


def reset() -> None:
    """Forget every built adapter (tests change the environment between runs)."""
    from chalicelib.adapters.aws import client
    from chalicelib.settings import settings as s

    for f in (repository, queues, lapor, intake, forwarding, client, s):
        f.cache_clear()
