"""The data budget is the deployment's: every process reads and charges one ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from providers.base import BudgetExceededError
from providers.data.ledger import CostEntry
from providers.data.port import PropertyQuery
from reos.core.db import Database
from reos.core.providers import build_provider_set
from reos.core.settings import Settings
from reos.properties.cost_ledger import DatabaseCostLedger


def test_ledger_sums_costs_since_a_moment(database: Database, owner_engine: Any) -> None:
    ledger = DatabaseCostLedger(database)
    now = datetime.now(UTC)
    ledger.record(CostEntry("attom", "property_details", 0.08, now - timedelta(days=40)))
    ledger.record(CostEntry("attom", "property_details", 0.08, now))
    ledger.record(CostEntry("regrid", "comparables", 0.02, now))
    assert ledger.total_since(now - timedelta(days=1)) == pytest.approx(0.10)
    assert ledger.total_since(now - timedelta(days=60)) == pytest.approx(0.18)


def test_two_processes_share_one_monthly_budget(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    # The mock data provider is priced like the paid chain, so three calls cost $0.24.
    tight = settings.model_copy(
        update={"data_monthly_budget_usd": 0.20, "storage_signing_key": SecretStr("k" * 32)}
    )
    api = build_provider_set(tight, cost_ledger=DatabaseCostLedger(database))
    worker = build_provider_set(tight, cost_ledger=DatabaseCostLedger(database))
    query = PropertyQuery(address="100 Congress Ave, Austin, TX 78701")
    spent_by_api = 0
    with pytest.raises(BudgetExceededError):
        for _ in range(10):  # bounded: a free provider would never exhaust the budget
            api.data.property_details(query)
            spent_by_api += 1
    assert 1 <= spent_by_api < 10
    with pytest.raises(BudgetExceededError):
        worker.data.property_details(query)
