"""Data providers tried in order: fall through on failure, record costs, keep to the budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from providers.base import (
    BudgetExceededError,
    PermanentProviderError,
    ProviderError,
    ProviderHealth,
    TransientProviderError,
)
from providers.data.ledger import MonthlyBudget
from providers.data.port import (
    COMPARABLES,
    ENRICH_LEAD,
    GEOCODE,
    MARKET_STATS,
    OPERATIONS,
    PROPERTY_DETAILS,
    Comparables,
    ComparablesQuery,
    DataNotFound,
    DataProvider,
    GeocodeResult,
    LeadEnrichment,
    LeadQuery,
    MarketStats,
    OperationNotSupported,
    PropertyDetails,
    PropertyQuery,
)


class _Costed(Protocol):
    @property
    def provider(self) -> str: ...

    @property
    def cost_usd(self) -> float: ...


R = TypeVar("R", bound=_Costed)

# When every provider failed, the error raised is the most actionable one: a transient failure
# may pass on retry, a spent budget needs money, "not found" is an answer, the rest are bugs.
_PRECEDENCE: tuple[type[ProviderError], ...] = (
    TransientProviderError,
    BudgetExceededError,
    DataNotFound,
    OperationNotSupported,
    PermanentProviderError,
    ProviderError,
)


def _summary(failures: list[tuple[str, ProviderError]]) -> ProviderError:
    detail = "; ".join(f"{name}: {error}" for name, error in failures)
    for kind in _PRECEDENCE:
        for _, error in failures:
            if isinstance(error, kind):
                summary: ProviderError
                if isinstance(error, TransientProviderError):
                    # The soonest any provider said it would answer again.
                    waits = [
                        e.retry_after
                        for _, e in failures
                        if isinstance(e, TransientProviderError) and e.retry_after is not None
                    ]
                    summary = TransientProviderError(detail, min(waits, default=None))
                else:
                    summary = kind(detail, code=error.code)
                summary.__cause__ = error
                return summary
    return OperationNotSupported("no data provider offers this")


class DataProviderChain(DataProvider):
    name = "data-chain"

    def __init__(self, providers: Sequence[DataProvider], budget: MonthlyBudget) -> None:
        if not providers:
            raise ValueError("a chain needs at least one provider")
        self.providers = list(providers)
        self.budget = budget
        self.mode = providers[0].mode
        self.supported_operations = frozenset(
            op for op in OPERATIONS if any(op in p.supported_operations for p in providers)
        )

    def initialize(self) -> None:
        for provider in self.providers:
            provider.initialize()

    def shutdown(self) -> None:
        for provider in reversed(self.providers):
            provider.shutdown()

    def health(self) -> ProviderHealth:
        parts = [p.health() for p in self.providers]
        detail = ", ".join(f"{h.name}={'ok' if h.healthy else 'down'}" for h in parts)
        detail += f"; ${self.budget.remaining():.2f} of ${self.budget.limit_usd:.2f} budget left"
        return self._health(any(h.healthy for h in parts), detail)

    def price_usd(self, operation: str) -> float:
        """The price of the first provider that offers it: what a call costs if all is well."""
        for provider in self.providers:
            if operation in provider.supported_operations:
                return provider.price_usd(operation)
        return 0.0

    def _first(self, operation: str, call: Callable[[DataProvider], R]) -> R:
        failures: list[tuple[str, ProviderError]] = []
        for provider in self.providers:
            if operation not in provider.supported_operations:
                continue
            try:
                self.budget.authorize(provider.name, operation, provider.price_usd(operation))
                result = call(provider)
            except ProviderError as exc:
                failures.append((provider.name, exc))
                continue
            self.budget.charge(result.provider, operation, result.cost_usd)
            return result
        raise _summary(failures)

    def property_details(self, query: PropertyQuery) -> PropertyDetails:
        return self._first(PROPERTY_DETAILS, lambda p: p.property_details(query))

    def comparables(self, query: ComparablesQuery) -> Comparables:
        return self._first(COMPARABLES, lambda p: p.comparables(query))

    def market_stats(self, zip_code: str) -> MarketStats:
        return self._first(MARKET_STATS, lambda p: p.market_stats(zip_code))

    def geocode(self, address: str) -> GeocodeResult:
        return self._first(GEOCODE, lambda p: p.geocode(address))

    def enrich_lead(self, query: LeadQuery) -> LeadEnrichment:
        return self._first(ENRICH_LEAD, lambda p: p.enrich_lead(query))
