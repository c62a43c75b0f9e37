"""Composition root: the one place where real adapters meet the services.

Built lazily, once per Lambda container, and each piece imported only when
first used, so a function loads just what its own path needs (the API handler
never imports the LAPOR! sweep, the forwarder never imports the channel models):
short cold starts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.settings import settings

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from chalicelib.adapters.boundaries import BoundaryFiles
    from chalicelib.adapters.jwks import JwksKeys
    from chalicelib.adapters.lapor import LaporClient
    from chalicelib.adapters.notifications import Notifier, Subscriptions
    from chalicelib.adapters.s3 import AttachmentStore
    from chalicelib.adapters.sqs import Queues
    from chalicelib.adapters.storage.api_keys import ApiKeyStore
    from chalicelib.adapters.storage.channel_settings import ChannelSettingsStore
    from chalicelib.adapters.storage.complaints import ComplaintStore
    from chalicelib.adapters.storage.counters import CounterStore
    from chalicelib.adapters.storage.figures import FigureStore
    from chalicelib.adapters.storage.gateway import TableGateway
    from chalicelib.adapters.storage.handoffs import HandoffStore
    from chalicelib.adapters.storage.jurisdictions import JurisdictionStore
    from chalicelib.adapters.storage.outboxes import OutboxStore
    from chalicelib.adapters.storage.people import PeopleStore
    from chalicelib.adapters.storage.proofs import ProofStore
    from chalicelib.adapters.storage.timelines import TimelineStore
    from chalicelib.adapters.storage.unit_of_work import UnitsOfWork
    from chalicelib.domain.sync_policy import SyncSchedule
    from chalicelib.domain.sync_priority import SyncNeedPolicy
    from chalicelib.services.actions import ActionService
    from chalicelib.services.admin import AdminService
    from chalicelib.services.api_keys import ApiKeys
    from chalicelib.services.attachment_followups import AttachmentFollowups
    from chalicelib.services.attachments import AttachmentService
    from chalicelib.services.callbacks import CallbackService
    from chalicelib.services.channels import ChannelService
    from chalicelib.services.closing import ClosingService
    from chalicelib.services.conversation import ConversationService
    from chalicelib.services.deadlines import Deadlines
    from chalicelib.services.digest import DigestService
    from chalicelib.services.escalation import EscalationService
    from chalicelib.services.forwarding import ForwardingService
    from chalicelib.services.inbox import InboxService
    from chalicelib.services.intake import IntakeService
    from chalicelib.services.jurisdictions import JurisdictionService
    from chalicelib.services.lapor_accounts import LaporAccounts
    from chalicelib.services.lapor_followups import LaporFollowups
    from chalicelib.services.nearby import NearbyService
    from chalicelib.services.open311 import Open311Service
    from chalicelib.services.operator_photos import OperatorPhotos
    from chalicelib.services.people import PeopleService
    from chalicelib.services.photo_checks import PhotoChecks
    from chalicelib.services.public_photos import PublicPhotos
    from chalicelib.services.rate_limits import RateLimiter
    from chalicelib.services.reconciler import Reconciler
    from chalicelib.services.signin import SignIn
    from chalicelib.services.statistics import StatisticsService
    from chalicelib.services.status_events import StatusEvents
    from chalicelib.services.status_sync import StatusSync
    from chalicelib.services.templates import TemplateService


@lru_cache(maxsize=1)
def repository() -> TableGateway:
    """The table itself (its boto3 client): the stores' gateway."""
    from chalicelib.adapters.storage.gateway import TableGateway

    return TableGateway()


@lru_cache(maxsize=1)
def complaints() -> ComplaintStore:
    from chalicelib.adapters.storage.complaints import ComplaintStore

    return ComplaintStore(repository())


@lru_cache(maxsize=1)
def counters() -> CounterStore:
    from chalicelib.adapters.storage.counters import CounterStore

    return CounterStore(repository())


@lru_cache(maxsize=1)
def api_key_register() -> ApiKeyStore:
    from chalicelib.adapters.storage.api_keys import ApiKeyStore

    return ApiKeyStore(repository())


@lru_cache(maxsize=1)
def channel_settings() -> ChannelSettingsStore:
    from chalicelib.adapters.storage.channel_settings import ChannelSettingsStore

    return ChannelSettingsStore(repository())


@lru_cache(maxsize=1)
def people_register() -> PeopleStore:
    from chalicelib.adapters.storage.people import PeopleStore

    return PeopleStore(repository())


@lru_cache(maxsize=1)
def proofs() -> ProofStore:
    from chalicelib.adapters.storage.proofs import ProofStore

    return ProofStore(repository())


@lru_cache(maxsize=1)
def handoffs() -> HandoffStore:
    from chalicelib.adapters.storage.handoffs import HandoffStore

    return HandoffStore(repository())


@lru_cache(maxsize=1)
def templates() -> TemplateService:
    from chalicelib.adapters.storage.templates import TemplateStore
    from chalicelib.services.templates import TemplateService

    return TemplateService(TemplateStore(repository()))


@lru_cache(maxsize=1)
def people() -> PeopleService:
    from chalicelib.services.people import PeopleService

    return PeopleService(people_register(), subscriptions)


@lru_cache(maxsize=1)
def figures() -> FigureStore:
    from chalicelib.adapters.storage.figures import FigureStore

    return FigureStore(repository())


@lru_cache(maxsize=1)
def outboxes() -> OutboxStore:
    from chalicelib.adapters.storage.outboxes import OutboxStore

    return OutboxStore(repository())


@lru_cache(maxsize=1)
def timelines() -> TimelineStore:
    from chalicelib.adapters.storage.timelines import TimelineStore

    return TimelineStore(repository())


@lru_cache(maxsize=1)
def units_of_work() -> UnitsOfWork:
    from chalicelib.adapters.storage.unit_of_work import UnitsOfWork

    return UnitsOfWork(repository())


@lru_cache(maxsize=1)
def queues() -> Queues:
    from chalicelib.adapters.sqs import Queues

    return Queues()


@lru_cache(maxsize=1)
def deployment_lapor() -> LaporClient:
    """The deployment-wide LAPOR! account (LAPOR_SECRET_ARN): only while no region is onboarded."""
    from chalicelib.adapters.lapor import LaporClient

    return LaporClient()


@lru_cache(maxsize=1)
def lapor_accounts() -> LaporAccounts:
    """Each region's own LAPOR! account, read from its secret on first use (a bounded number kept)."""
    from chalicelib.adapters.lapor import jurisdiction_config
    from chalicelib.services.lapor_accounts import LaporAccounts

    s = settings()
    return LaporAccounts(
        jurisdictions(),
        jurisdiction_config,
        deployment_lapor,
        capacity=s.jurisdiction_cache_size,
        ttl_s=s.lapor_credentials_ttl_s,
    )


def lapor(complaint: Mapping[str, Any]) -> LaporClient:
    """The LAPOR! client of the complaint's own jurisdiction (NoLaporCredentials when it has none)."""
    return lapor_accounts().client_for(complaint)


@lru_cache(maxsize=1)
def server_secret() -> bytes:
    """Read once per container (Secrets Manager), on the first request that needs it."""
    from chalicelib.adapters.secrets import server_secret as read

    return read(settings().server_secret_arn)


@lru_cache(maxsize=1)
def intake() -> IntakeService:
    from chalicelib.services.intake import IntakeService

    return IntakeService(complaints(), queues(), server_secret, jurisdictions())


@lru_cache(maxsize=1)
def rate_limiter() -> RateLimiter:
    from chalicelib.domain.limits import limits
    from chalicelib.services.rate_limits import RateLimiter

    return RateLimiter(counters().add_to_rate, limits().rate_limits, server_secret, scale=settings().rate_limit_scale)


@lru_cache(maxsize=1)
def forwarding() -> ForwardingService:
    from chalicelib.adapters.storage.codec import iso
    from chalicelib.domain.attachments import rules
    from chalicelib.domain.models import utcnow
    from chalicelib.services.attachment_followups import AttachmentFollowups
    from chalicelib.services.attachments import LaporAttachments
    from chalicelib.services.forwarding import ForwardingService, RetryLater

    def after_forward(tracking_id: str, read: dict[str, Any]) -> None:
        # files the create did not carry (not arrived in time, or an earlier ticket was found) follow it
        if AttachmentFollowups.needs_follow_up(read):
            queues().send_attachment_job(tracking_id, iso(utcnow()), delay_s=rules().upload_check_every_s)

    return ForwardingService(
        complaints(),
        lapor,
        status_events(),
        attachment_ids=LaporAttachments(complaints(), photo_checks(), RetryLater),
        before_create=nearby().mark_possible_duplicate,
        lease_s=settings().forward_lease_s,
        after_forward=after_forward,
        sync_schedule=sync_schedule(),
        deadlines=deadlines(),
    )


@lru_cache(maxsize=1)
def notifier() -> Notifier:
    from chalicelib.adapters.notifications import Notifier

    return Notifier()


@lru_cache(maxsize=1)
def subscriptions() -> Subscriptions:
    from chalicelib.adapters.notifications import Subscriptions

    return Subscriptions()


@lru_cache(maxsize=1)
def digest() -> DigestService:
    from chalicelib.services.digest import DigestService

    return DigestService(outboxes(), people_register(), notifier, jurisdictions())


@lru_cache(maxsize=1)
def closing() -> ClosingService:
    from chalicelib.services.closing import ClosingService

    return ClosingService(complaints(), status_events(), lapor_followups(), deadlines())


@lru_cache(maxsize=1)
def escalation() -> EscalationService:
    from chalicelib.services.escalation import EscalationService

    return EscalationService(
        complaints(),
        outboxes(),
        notifier,
        closing(),
        status_events(),
        refresh=lambda tid, now: status_sync().refresh(tid, now),
        lapor_fresh_s=settings().lapor_fresh_s,
        digest=digest(),
        regions=jurisdictions(),
        deadlines=deadlines(),
    )


@lru_cache(maxsize=1)
def attachment_store() -> AttachmentStore:
    from chalicelib.adapters.s3 import AttachmentStore

    return AttachmentStore()


@lru_cache(maxsize=1)
def attachments() -> AttachmentService:
    from chalicelib.adapters.storage.codec import iso
    from chalicelib.domain.attachments import rules
    from chalicelib.services.attachments import AttachmentService

    def follow_up(tracking_id: str, asked_at: datetime) -> None:
        queues().send_attachment_job(tracking_id, iso(asked_at), delay_s=rules().upload_check_every_s)

    return AttachmentService(complaints(), attachment_store(), follow_up)


@lru_cache(maxsize=1)
def attachment_followups() -> AttachmentFollowups:
    from chalicelib.services.attachment_followups import AttachmentFollowups
    from chalicelib.services.forwarding import RetryLater

    return AttachmentFollowups(
        complaints(), timelines(), photo_checks(), lapor, RetryLater, lease_s=settings().forward_lease_s
    )


@lru_cache(maxsize=1)
def photo_checks() -> PhotoChecks:
    from chalicelib.services.photo_checks import PhotoChecks

    return PhotoChecks(attachment_store(), complaints(), timelines())


@lru_cache(maxsize=1)
def public_photos() -> PublicPhotos:
    from chalicelib.services.public_photos import PublicPhotos

    return PublicPhotos(attachment_store())


@lru_cache(maxsize=1)
def admin() -> AdminService:
    from chalicelib.services.admin import AdminService

    return AdminService(complaints(), queues(), status_events())


@lru_cache(maxsize=1)
def reconciler() -> Reconciler:
    from chalicelib.services.reconciler import Reconciler

    return Reconciler(
        complaints(), queues(), shards=settings().shards, events=status_events(), followups=lapor_followups()
    )


@lru_cache(maxsize=1)
def status_sync() -> StatusSync:
    from chalicelib.services.lapor_budget import LaporBudget
    from chalicelib.services.status_sync import StatusSync

    return StatusSync(
        complaints(),
        timelines(),
        outboxes(),
        lapor,
        status_events(),
        shards=settings().shards,
        schedule=sync_schedule(),
        budget=LaporBudget(counters(), sync_need_policy()),
        account_of=lambda complaint: lapor_accounts().account_of(complaint),
        deadlines=deadlines(),
    )


@lru_cache(maxsize=1)
def sync_need_policy() -> SyncNeedPolicy:
    """data/sync_priority.json, its durations times SYNC_SCHEDULE_SCALE and its budget times
    LAPOR_BUDGET_SCALE (both 1 in AWS)."""
    from chalicelib.domain.sync_priority import default_policy

    return default_policy().scaled(settings().sync_schedule_scale, settings().lapor_budget_scale)


@lru_cache(maxsize=1)
def sync_schedule() -> SyncSchedule:
    """data/sync_schedule.json, times SYNC_SCHEDULE_SCALE (1 in AWS; `make run` makes it faster)."""
    from chalicelib.domain.sync_policy import default_schedule

    return default_schedule().scaled(settings().sync_schedule_scale)


@lru_cache(maxsize=1)
def nearby() -> NearbyService:
    from chalicelib.services.nearby import NearbyService

    return NearbyService(complaints())


@lru_cache(maxsize=1)
def channels() -> ChannelService:
    from chalicelib.services.channels import ChannelService

    return ChannelService(complaints(), intake(), queues().send_forward, status_events())


@lru_cache(maxsize=1)
def callbacks() -> CallbackService:
    from chalicelib.services.callbacks import CallbackService
    from chalicelib.services.channels import signing_secret

    return CallbackService(channel_settings(), signing_secret)


@lru_cache(maxsize=1)
def status_events() -> StatusEvents:
    from chalicelib.services.status_events import StatusEvents

    return StatusEvents(complaints(), timelines(), outboxes(), units_of_work(), queues())


@lru_cache(maxsize=1)
def lapor_followups() -> LaporFollowups:
    from chalicelib.services.lapor_followups import LaporFollowups

    return LaporFollowups(outboxes(), complaints(), lapor, lambda tid: queues().send_followups(tid))


@lru_cache(maxsize=1)
def inbox() -> InboxService:
    from chalicelib.services.inbox import InboxService

    return InboxService(complaints(), counters(), handoffs(), outboxes())


@lru_cache(maxsize=1)
def operator_photos() -> OperatorPhotos:
    from chalicelib.services.operator_photos import OperatorPhotos

    return OperatorPhotos(inbox(), photo_checks())


@lru_cache(maxsize=1)
def actions() -> ActionService:
    from chalicelib.services.actions import ActionService

    return ActionService(
        complaints(),
        status_events(),
        lapor_followups(),
        channels(),
        queues().send_forward,
        attachment_store,
        people=people(),
        proofs=proofs(),
        templates=templates(),
        handoffs=handoffs(),
        notices=outboxes(),
        deadlines=deadlines(),
    )


@lru_cache(maxsize=1)
def deadlines() -> Deadlines:
    """Deadlines by each complaint's own region's SLA policy and calendar."""
    from chalicelib.services.deadlines import Deadlines

    return Deadlines(lambda code: jurisdictions().rules(code))


@lru_cache(maxsize=1)
def conversation() -> ConversationService:
    from chalicelib.services.conversation import ConversationService

    return ConversationService(complaints(), status_events(), lapor_followups())


@lru_cache(maxsize=1)
def issuer_keys() -> JwksKeys:
    from chalicelib.adapters.jwks import JwksKeys, jwks_url

    s = settings()
    return JwksKeys(jwks_url(s.auth_issuer), max_age_s=s.auth_keys_max_age_s, refetch_s=s.auth_keys_refetch_s)


@lru_cache(maxsize=1)
def signin() -> SignIn:
    from chalicelib.services.signin import SignIn

    s = settings()
    return SignIn(
        issuer_keys(),
        issuer=s.auth_issuer,
        audience=s.auth_audience,
        leeway_s=s.auth_leeway_s,
        regions=jurisdictions(),
    )


@lru_cache(maxsize=1)
def api_keys() -> ApiKeys:
    from chalicelib.services.api_keys import ApiKeys

    return ApiKeys(api_key_register())


@lru_cache(maxsize=1)
def open311() -> Open311Service:
    from chalicelib.services.open311 import Open311Service

    return Open311Service(complaints(), intake(), api_keys(), shards=settings().shards)


@lru_cache(maxsize=1)
def statistics() -> StatisticsService:
    from chalicelib.services.statistics import StatisticsService

    return StatisticsService(figures(), complaints(), regions=jurisdictions())


@lru_cache(maxsize=1)
def jurisdiction_store() -> JurisdictionStore:
    from chalicelib.adapters.storage.jurisdictions import JurisdictionStore

    return JurisdictionStore(repository())


@lru_cache(maxsize=1)
def boundary_files() -> BoundaryFiles:
    from chalicelib.adapters.boundaries import BoundaryFiles

    return BoundaryFiles()


@lru_cache(maxsize=1)
def jurisdictions() -> JurisdictionService:
    """The onboarded regions: each loaded on first use, a bounded number kept per container."""
    from chalicelib.services.jurisdictions import JurisdictionService

    s = settings()
    return JurisdictionService(
        jurisdiction_store(),
        boundary_files,
        capacity=s.jurisdiction_cache_size,
        list_ttl_s=s.jurisdiction_list_ttl_s,
    )


def reset() -> None:
    """Forget every built adapter (tests change the environment between runs)."""
    from chalicelib.adapters.aws import client
    from chalicelib.settings import settings as s

    for f in (
        repository,
        complaints,
        counters,
        outboxes,
        figures,
        channel_settings,
        api_key_register,
        people_register,
        proofs,
        people,
        templates,
        handoffs,
        timelines,
        units_of_work,
        queues,
        deployment_lapor,
        lapor_accounts,
        intake,
        forwarding,
        client,
        s,
        notifier,
        subscriptions,
        digest,
        closing,
        escalation,
        attachment_store,
        attachments,
        attachment_followups,
        photo_checks,
        public_photos,
        operator_photos,
        admin,
        reconciler,
        status_sync,
        nearby,
        channels,
        callbacks,
        server_secret,
        rate_limiter,
        sync_schedule,
        sync_need_policy,
        issuer_keys,
        signin,
        api_keys,
        open311,
        statistics,
        status_events,
        lapor_followups,
        inbox,
        actions,
        conversation,
        jurisdiction_store,
        boundary_files,
        jurisdictions,
    ):
        f.cache_clear()
