"""What the HTTP data adapters share: a retrying client, a flat price, and "not offered"."""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

from providers.base import ProviderHealth
from providers.data.port import (
    DataNotFound,
    DataProvider,
    GeocodeResult,
    OperationNotSupported,
    PropertyDetails,
)
from providers.vendor_http import VendorClient


def number(value: Any) -> float | None:
    """Vendors send numbers as numbers, strings, or empty strings."""
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def geocode_from_details(
    found: PropertyDetails, *, provider: str, cost_usd: float, query: str, confidence: float
) -> GeocodeResult:
    """Vendors without a geocoding endpoint geocode through their property record."""
    if found.latitude is None or found.longitude is None:
        raise DataNotFound(f"{provider} has no location for {query!r}")
    return GeocodeResult(
        provider,
        cost_usd,
        query,
        found.address,
        found.street,
        found.city,
        found.state,
        found.zip_code,
        found.latitude,
        found.longitude,
        confidence,
    )


def integer(value: Any) -> int | None:
    found = number(value)
    return None if found is None else int(found)


def parse_date(value: Any) -> date | None:
    """The date part of "2019-05-01" or "2019-05-01T00:00:00"; None otherwise."""
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def dig(data: Any, *path: str) -> Any:
    """data[a][b]… or None when any step is missing."""
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


class VendorDataProvider(DataProvider):
    mode = "production"
    price_per_call_usd: float = 0.0

    def __init__(self, client: VendorClient) -> None:
        self.client = client

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        self.client.close()

    def health(self) -> ProviderHealth:
        # A probe would be a billed call; readiness reports configuration only.
        return self._health(True, "configured")

    def price_usd(self, operation: str) -> float:
        return self.price_per_call_usd if operation in self.supported_operations else 0.0

    def _unsupported(self, operation: str) -> NoReturn:
        raise OperationNotSupported(f"{self.name} does not offer {operation}")
