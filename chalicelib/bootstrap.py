"""Composition root: the one place where real adapters meet the services.

Built lazily, once per Lambda container, so importing `app` stays cheap.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.adapters.dynamodb import Repository
from chalicelib.adapters.lapor import LaporClient
from chalicelib.adapters.notifications import Notifier
from chalicelib.adapters.s3 import AttachmentStore
from chalicelib.adapters.sqs import Queues
from chalicelib.services.admin import AdminService
from chalicelib.services.attachments import AttachmentService, LaporAttachments
from chalicelib.services.callbacks import CallbackService
from chalicelib.services.channels import ChannelService, secret_for
from chalicelib.services.closing import ClosingService
from chalicelib.services.escalation import EscalationService
from chalicelib.services.forwarding import ForwardingService
from chalicelib.services.intake import IntakeService
from chalicelib.services.nearby import NearbyService
from chalicelib.services.reconciler import Reconciler
from chalicelib.services.status_sync import StatusSync
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
    return ForwardingService(repository(), lapor, attachment_ids=LaporAttachments(repository(), attachment_store()),
                             before_create=nearby().mark_possible_duplicate, lease_s=settings().forward_lease_s)


@lru_cache(maxsize=1)
def notifier() -> Notifier:
    return Notifier()


@lru_cache(maxsize=1)
def closing() -> ClosingService:
    return ClosingService(repository())


@lru_cache(maxsize=1)
def escalation() -> EscalationService:
    return EscalationService(repository(), notifier, closing())


@lru_cache(maxsize=1)
def attachment_store() -> AttachmentStore:
    return AttachmentStore()


@lru_cache(maxsize=1)
def attachments() -> AttachmentService:
    return AttachmentService(repository(), attachment_store())


@lru_cache(maxsize=1)
def admin() -> AdminService:
    return AdminService(repository(), queues())


@lru_cache(maxsize=1)
def reconciler() -> Reconciler:
    return Reconciler(repository(), queues(), shards=settings().shards)


@lru_cache(maxsize=1)
def status_sync() -> StatusSync:
    return StatusSync(repository(), lapor, shards=settings().shards)


@lru_cache(maxsize=1)
def nearby() -> NearbyService:
    return NearbyService(repository())


@lru_cache(maxsize=1)
def channels() -> ChannelService:
    return ChannelService(repository(), intake(), queues().send_forward)


@lru_cache(maxsize=1)
def callbacks() -> CallbackService:
    return CallbackService(repository(), queues(), secret_for)


def reset() -> None:
    """Forget every built adapter (tests change the environment between runs)."""
    from chalicelib.adapters.aws import client
    from chalicelib.settings import settings as s

    for f in (repository, queues, lapor, intake, forwarding, client, s, notifier, closing, escalation,
              attachment_store, attachments, admin, reconciler, status_sync, nearby, channels, callbacks):
        f.cache_clear()
