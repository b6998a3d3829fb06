"""Lead work done in the worker: CSV imports."""

from __future__ import annotations

from reos.api.imports import import_job
from reos.events.catalog import LeadsImported
from reos.leads.service import import_leads_csv

IMPORT_LEADS = import_job(
    "leads.import_csv",
    import_leads_csv,
    "Import leads from an uploaded CSV (the columns of POST /leads); started by "
    "POST /leads/import.",
    LeadsImported,
)
