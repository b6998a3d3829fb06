"""Lead work done in the worker: CSV imports."""

from __future__ import annotations

from reos.events.catalog import LeadsImported
from reos.imports.jobs import import_job
from reos.leads.importing import LEAD_IMPORT

IMPORT_LEADS = import_job(
    "leads.import_csv",
    LEAD_IMPORT,
    "Import leads from an uploaded CSV (the columns of POST /leads); started by "
    "POST /leads/import.",
    LeadsImported,
)
