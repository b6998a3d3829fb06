"""The typed container of one process's long-lived services.

`reos.composition.build_container` is the only place that builds one; `create_app` and the
worker both start from it, and routers reach it through `reos.api.deps.ContainerDep`. Nothing
else reads process state: no untyped bag of attributes, no service built on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from celery import Celery

from providers.factory import ProviderSet
from reos.core.db import Database
from reos.core.http.ratelimit import RateLimiter
from reos.core.inflight import InFlightRegistry
from reos.core.login_failures import FailureCounter
from reos.core.metrics import ApiMetrics
from reos.core.security.tokens import TokenService
from reos.core.settings import Settings
from reos.jobs import Dispatcher, JobCatalog


@dataclass(frozen=True, kw_only=True)
class Container:
    """What the API and the worker both run on."""

    settings: Settings
    # Its commit listeners send what a unit of work enqueued (and publish what it recorded).
    database: Database
    providers: ProviderSet
    celery: Celery
    dispatcher: Dispatcher
    jobs: JobCatalog
    redis: redis.Redis | None
    # False when the engine was handed in: disposing it is then its owner's business.
    owns_engine: bool = True

    def close(self) -> None:
        """Release what the process holds, once, at shutdown."""
        self.providers.shutdown_all()
        if self.redis is not None:
            self.redis.close()
        self.celery.close()
        if self.owns_engine:
            self.database.dispose()


@dataclass(frozen=True, kw_only=True)
class ApiContainer(Container):
    """The API's services on top: it verifies tokens, limits rates and guards idempotency."""

    tokens: TokenService
    metrics: ApiMetrics
    limiter: RateLimiter
    # Shared across API processes when REDIS_URL is set, in-process otherwise.
    inflight: InFlightRegistry
    login_failures: FailureCounter
