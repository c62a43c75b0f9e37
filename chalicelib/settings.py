"""Configuration from the environment, read once per Lambda container.

The same names work in AWS (set by the merged CloudFormation template) and in the
local stack (set by infra/local/run.py from the moto stack's outputs).
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, model_validator


class Settings(BaseModel):
    model_config = ConfigDict(defer_build=True)
    table_name: str = "aduan-hub"
    forward_queue_url: str = ""
    callback_queue_url: str = ""
    attachments_bucket: str = ""
    notify_topic_arn: str = ""
    lapor_secret_arn: str = ""  # Secrets Manager: {"base_url", "auth", "token"}
    lapor_base_url: str = ""  # local / override: wins over the secret when set
    lapor_auth: str = ""
    lapor_token: str = ""
    lapor_timeout_s: float = 10.0
    #: each region's secret is <this><code> (its LAPOR! account, {"lapor": {"auth", "token"}, ...})
    jurisdiction_secrets_prefix: str = "aduan-hub/jurisdictions/"
    lapor_credentials_ttl_s: float = 300  # how long a container keeps a region's LAPOR! credentials
    channel_secret_arn: str = ""  # Secrets Manager: {"rabeg": ..., "call112": ..., "psc119": ...}
    server_secret_arn: str = ""  # Secrets Manager: {"key": ...} (idempotent ids, reporter tokens, rate limits)
    rate_limit_scale: float = 1.0  # multiplies every rate limit (tests and benchmarks raise it)
    #: the region served when a request names none (Kemendagri code); default: the data index's
    default_jurisdiction: str = ""
    public_base_url: str = ""  # default: the default region's address, from its data
    open311_base_url: str = ""  # the Open311 endpoint named in discovery; default <public_base_url>/open311/v2
    shards: int = 8
    forward_lease_s: int = 120
    forward_backoff_base_s: float = 10  # SQS retry backoff (0 in tests: no waiting)
    forward_backoff_cap_s: float = 900
    lapor_fresh_s: float = 600  # the escalation sweep re-reads LAPOR! when its last check is older
    sync_schedule_scale: float = 1  # local demos: multiplies data/sync_schedule.json (make run: 0.01)
    lapor_budget_scale: float = 1  # multiplies the LAPOR! call budget (data/sync_priority.json; tests raise it)
    callbacks_local_dev: bool = False  # http and loopback callback URLs: make run and tests only
    auth_issuer: str = ""  # the token issuer (Cognito user pool URL); its keys at <issuer>/.well-known/jwks.json
    auth_audience: str = ""  # the app client id the ID tokens are for
    auth_leeway_s: float = 30  # clock skew tolerated on exp / nbf / iat
    auth_keys_max_age_s: float = 3600  # keys are fetched again after this long
    auth_keys_refetch_s: float = 60  # an unknown kid fetches the keys again at most this often
    jurisdiction_cache_size: int = 32  # regions a container keeps loaded (least recently used forgotten)
    jurisdiction_list_ttl_s: float = 300  # how long a container keeps the list of regions
    # the operators' console signs in here: Cognito's managed login (https://<domain>.auth.<region>.amazoncognito.com);
    # empty: the issuer itself serves /authorize and /token (the development issuer)
    auth_login_url: str = ""

    @model_validator(mode="after")
    def _from_region_data(self) -> Settings:
        """What is not configured comes from the default region's data (data/jurisdictions.json).

        Imported here, not at the top: the region data and its models are for the first request,
        not for every container's import of the app."""
        from chalicelib.domain import reference

        if not self.default_jurisdiction:
            self.default_jurisdiction = reference.default_code()
        if not self.public_base_url:
            try:
                self.public_base_url = reference.region(self.default_jurisdiction).public_base_url
            except LookupError:  # a region onboarded into the table only: PUBLIC_BASE_URL names it
                pass
        return self


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    raw = {
        "table_name": env.get("TABLE_NAME"),
        "forward_queue_url": env.get("FORWARD_QUEUE_URL"),
        "callback_queue_url": env.get("CALLBACK_QUEUE_URL"),
        "attachments_bucket": env.get("ATTACHMENTS_BUCKET"),
        "notify_topic_arn": env.get("NOTIFY_TOPIC_ARN"),
        "lapor_secret_arn": env.get("LAPOR_SECRET_ARN"),
        "lapor_base_url": env.get("LAPOR_BASE_URL"),
        "lapor_auth": env.get("LAPOR_AUTH"),
        "lapor_token": env.get("LAPOR_TOKEN"),
        "lapor_timeout_s": env.get("LAPOR_TIMEOUT_S"),
        "jurisdiction_secrets_prefix": env.get("JURISDICTION_SECRETS_PREFIX"),
        "lapor_credentials_ttl_s": env.get("LAPOR_CREDENTIALS_TTL_S"),
        "channel_secret_arn": env.get("CHANNEL_SECRET_ARN"),
        "server_secret_arn": env.get("SERVER_SECRET_ARN"),
        "rate_limit_scale": env.get("RATE_LIMIT_SCALE"),
        "default_jurisdiction": env.get("DEFAULT_JURISDICTION"),
        "public_base_url": env.get("PUBLIC_BASE_URL"),
        "open311_base_url": env.get("OPEN311_BASE_URL"),
        "shards": env.get("INDEX_SHARDS"),
        "forward_lease_s": env.get("FORWARD_LEASE_S"),
        "forward_backoff_base_s": env.get("FORWARD_BACKOFF_BASE_S"),
        "forward_backoff_cap_s": env.get("FORWARD_BACKOFF_CAP_S"),
        "lapor_fresh_s": env.get("LAPOR_FRESH_S"),
        "sync_schedule_scale": env.get("SYNC_SCHEDULE_SCALE"),
        "lapor_budget_scale": env.get("LAPOR_BUDGET_SCALE"),
        "callbacks_local_dev": env.get("CALLBACKS_LOCAL_DEV"),
        "auth_issuer": env.get("AUTH_ISSUER"),
        "auth_audience": env.get("AUTH_AUDIENCE"),
        "auth_leeway_s": env.get("AUTH_LEEWAY_S"),
        "auth_keys_max_age_s": env.get("AUTH_KEYS_MAX_AGE_S"),
        "auth_keys_refetch_s": env.get("AUTH_KEYS_REFETCH_S"),
        "jurisdiction_cache_size": env.get("JURISDICTION_CACHE_SIZE"),
        "jurisdiction_list_ttl_s": env.get("JURISDICTION_LIST_TTL_S"),
        "auth_login_url": env.get("AUTH_LOGIN_URL"),
    }
    return Settings(**{k: v for k, v in raw.items() if v})
