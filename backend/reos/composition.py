"""What the API and the worker are both assembled from: the job catalog and the providers.

The one module below the entry points that knows every feature, so neither `reos.main` nor
`reos.worker` lists them twice, and features stay unaware of each other.
"""

from __future__ import annotations

from providers.callbacks import CallbackDeliverer, InMemoryCallbackSink
from providers.factory import ProviderSet
from reos.core.db import Database
from reos.core.providers import build_provider_set
from reos.core.settings import Settings
from reos.jobs import JobCatalog, catalog
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
