"""The data providers' cost ledger in the database, so the monthly budget holds across
processes and restarts (the in-memory ledger would give each process a budget of its own)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from providers.data.ledger import CostEntry
from reos.core.db import Database
from reos.models import DataProviderCall


class DatabaseCostLedger:
    """Implements `providers.data.ledger.CostLedger` on the `data_provider_calls` table."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, entry: CostEntry) -> None:
        # Its own transaction: a call was paid for even if the caller's work rolls back.
        with self.database.unit_of_work() as session:
            session.add(
                DataProviderCall(
                    provider=entry.provider,
                    operation=entry.operation,
                    cost_usd=Decimal(str(entry.cost_usd)),
                    called_at=entry.at,
                )
            )

    def total_since(self, start: datetime) -> float:
        with self.database.unit_of_work() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(DataProviderCall.cost_usd), 0)).where(
                    DataProviderCall.called_at >= start
                )
            )
        return float(total or 0)
