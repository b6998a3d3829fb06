"""The composition root: what the API and the worker are both assembled from.

The one module below the entry points that knows every feature, so neither `reos.main` nor
`reos.worker` lists them twice, and features stay unaware of each other. `build_container`
and `build_api_container` build every long-lived service of a process once, typed
(`reos.container`).
"""

from __future__ import annotations

import redis
from celery import Celery

from providers.callbacks import CallbackDeliverer, InMemoryCallbackSink
from providers.factory import ProviderSet
from reos.container import ApiContainer, Container
from reos.core.celery_app import make_celery
from reos.core.db import Database
from reos.core.http.ratelimit import RateLimiter
from reos.core.inflight import MemoryInFlight, RedisInFlight
from reos.core.login_failures import MemoryFailureCounter, RedisFailureCounter
from reos.core.metrics import ApiMetrics
from reos.core.providers import build_provider_set
from reos.core.security.tokens import TokenService
from reos.core.settings import Settings
from reos.jobs import Dispatcher, JobCatalog, catalog, send_enqueued
from reos.jobs.maintenance import MAINTENANCE_JOBS
from reos.leads.jobs import IMPORT_LEADS
from reos.outreach.jobs import DELIVER_WEBHOOK, SEND_EMAIL, SEND_SMS
from reos.outreach.outbox import DatabaseOutbox
from reos.properties.cost_ledger import DatabaseCostLedger
from reos.properties.jobs import IMPORT_PROPERTIES, VALUE_PROPERTY

JOBS: JobCatalog = catalog(
    DELIVER_WEBHOOK,
    SEND_EMAIL,
    SEND_SMS,
    IMPORT_LEADS,
    IMPORT_PROPERTIES,
    VALUE_PROPERTY,
    *MAINTENANCE_JOBS,
)


def build_container(
    settings: Settings,
    *,
    database: Database | None = None,
    jobs: JobCatalog | None = None,
    celery: Celery | None = None,
) -> Container:
    """Every long-lived service a worker process needs. `database` may be handed in (tests
    share one engine across apps); the container gets its own view of it with this process's
    commit listeners, and disposing the engine stays the caller's business."""
    celery = celery or make_celery(settings)
    dispatcher = Dispatcher(celery)
    base = database or Database(settings)
    db = base.with_listeners(send_enqueued(dispatcher))
    client = (
        redis.Redis.from_url(settings.redis_url, socket_timeout=2) if settings.redis_url else None
    )
    return Container(
        settings=settings,
        database=db,
        providers=process_providers(settings, db),
        celery=celery,
        dispatcher=dispatcher,
        jobs=jobs or JOBS,
        redis=client,
        owns_engine=database is None,
    )


def build_api_container(
    settings: Settings, *, database: Database | None = None, jobs: JobCatalog | None = None
) -> ApiContainer:
    """The worker's services plus what the API adds (tokens, metrics, limits, guards)."""
    base = build_container(settings, database=database, jobs=jobs)
    client = base.redis
    return ApiContainer(
        settings=base.settings,
        database=base.database,
        providers=base.providers,
        celery=base.celery,
        dispatcher=base.dispatcher,
        jobs=base.jobs,
        redis=client,
        owns_engine=base.owns_engine,
        tokens=TokenService(settings),
        metrics=ApiMetrics(),
        limiter=RateLimiter(settings.redis_url),
        inflight=RedisInFlight(client) if client else MemoryInFlight(),
        login_failures=RedisFailureCounter(client) if client else MemoryFailureCounter(),
    )


def process_providers(settings: Settings, database: Database) -> ProviderSet:
    """The providers of one process. Refuses a production start with gaps. The mock outbox and
    the data cost ledger live in the database, so every process sees the same messages and
    spends the same budget."""
    return build_provider_set(
        settings, outbox=DatabaseOutbox(database), cost_ledger=DatabaseCostLedger(database)
    )


CALLBACK_PATH = "/api/v1/outreach/webhooks/{channel}"


def callback_delivery(settings: Settings, providers: ProviderSet) -> CallbackDeliverer | None:
    """In mock mode the worker also plays the vendors' webhook dispatcher: the callbacks its
    mock sends produce (bounces, STOP replies, receipts) are POSTed to the API's receiver at
    PUBLIC_BASE_URL. Real vendors call the receiver themselves."""
    if not isinstance(providers.callback_sink, InMemoryCallbackSink):
        return None
    base = settings.public_base_url.rstrip("/")
    return CallbackDeliverer(
        providers.callback_sink, lambda channel: base + CALLBACK_PATH.format(channel=channel)
    )
