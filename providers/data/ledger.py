"""What data calls cost: a ledger of paid calls and the monthly budget that reads it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from providers.base import BudgetExceededError

# Money is summed in floats of at most cents' fractions; this absorbs their rounding.
_EPSILON = 1e-9


@dataclass(frozen=True)
class CostEntry:
    provider: str
    operation: str
    cost_usd: float
    at: datetime


class CostLedger(Protocol):
    def record(self, entry: CostEntry) -> None: ...

    def total_since(self, start: datetime) -> float: ...


class InMemoryCostLedger:
    def __init__(self) -> None:
        self._entries: list[CostEntry] = []
        self._lock = threading.Lock()

    def record(self, entry: CostEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def total_since(self, start: datetime) -> float:
        with self._lock:
            return sum(e.cost_usd for e in self._entries if e.at >= start)

    def entries(self) -> list[CostEntry]:
        with self._lock:
            return list(self._entries)


def month_start(now: datetime) -> datetime:
    """Budgets reset at midnight UTC on the first of the month."""
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


class MonthlyBudget:
    def __init__(
        self,
        limit_usd: float,
        ledger: CostLedger,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.limit_usd = limit_usd
        self.ledger = ledger
        self.clock = clock

    def spent(self) -> float:
        return self.ledger.total_since(month_start(self.clock()))

    def remaining(self) -> float:
        return max(0.0, self.limit_usd - self.spent())

    def authorize(self, provider: str, operation: str, price_usd: float) -> None:
        """Free calls always pass; a paid one must fit in what is left of the month."""
        if price_usd <= 0:
            return
        spent = self.spent()
        if spent + price_usd > self.limit_usd + _EPSILON:
            raise BudgetExceededError(
                f"{provider} {operation} costs ${price_usd:.4f}; ${spent:.2f} of the "
                f"${self.limit_usd:.2f} monthly data budget is spent"
            )

    def charge(self, provider: str, operation: str, cost_usd: float) -> None:
        if cost_usd > 0:
            self.ledger.record(CostEntry(provider, operation, cost_usd, self.clock()))
