"""The property-data port: lookups, comparables, market stats, geocoding, lead enrichment."""

from __future__ import annotations

import dataclasses
import json
from abc import abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import Any

from providers.base import BaseProvider, PermanentProviderError

PROPERTY_DETAILS = "property_details"
COMPARABLES = "comparables"
MARKET_STATS = "market_stats"
GEOCODE = "geocode"
ENRICH_LEAD = "enrich_lead"
OPERATIONS = (PROPERTY_DETAILS, COMPARABLES, MARKET_STATS, GEOCODE, ENRICH_LEAD)


class DataNotFound(PermanentProviderError):
    """The provider has nothing for that input; another provider may."""


class OperationNotSupported(PermanentProviderError):
    """This provider does not offer that operation; a chain falls through to the next one."""


@dataclass(frozen=True)
class PropertyQuery:
    """By street address ("123 Main St, Austin, TX 78701"), or by APN (plus county FIPS, since
    an APN is only unique within its county)."""

    address: str | None = None
    apn: str | None = None
    county_fips: str | None = None

    def __post_init__(self) -> None:
        if bool(self.address) == bool(self.apn):
            raise ValueError("give exactly one of address or apn")


@dataclass(frozen=True)
class ComparablesQuery:
    latitude: float
    longitude: float
    radius_km: float = 1.0
    limit: int = 10

    def __post_init__(self) -> None:
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValueError("latitude/longitude out of range")
        if not (0 < self.radius_km <= 50 and 0 < self.limit <= 100):
            raise ValueError("radius_km must be in (0, 50] and limit in (0, 100]")


@dataclass(frozen=True)
class LeadQuery:
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class PropertyDetails:
    provider: str
    cost_usd: float
    apn: str
    address: str  # one line: "123 Main St, Austin, TX 78701"
    street: str
    city: str
    state: str
    zip_code: str
    latitude: float | None
    longitude: float | None
    beds: int | None = None
    baths: float | None = None
    sqft: int | None = None
    year_built: int | None = None
    last_sale_price: int | None = None
    last_sale_date: date | None = None
    assessed_value: int | None = None
    owner_name: str | None = None


@dataclass(frozen=True)
class Comparable:
    apn: str
    address: str
    latitude: float
    longitude: float
    distance_km: float
    beds: int | None = None
    baths: float | None = None
    sqft: int | None = None
    year_built: int | None = None
    last_sale_price: int | None = None
    last_sale_date: date | None = None


@dataclass(frozen=True)
class Comparables:
    provider: str
    cost_usd: float
    latitude: float
    longitude: float
    radius_km: float
    items: tuple[Comparable, ...]


@dataclass(frozen=True)
class MarketStats:
    provider: str
    cost_usd: float
    zip_code: str
    period: str  # e.g. "2025": the window the figures cover
    median_sale_price: int | None
    sales_count: int | None
    median_price_per_sqft: float | None = None
    median_days_on_market: float | None = None
    price_change_yoy_pct: float | None = None


@dataclass(frozen=True)
class GeocodeResult:
    provider: str
    cost_usd: float
    query: str
    address: str  # normalized, one line
    street: str
    city: str
    state: str
    zip_code: str
    latitude: float
    longitude: float
    confidence: float  # 0..1


@dataclass(frozen=True)
class PropertyHint:
    apn: str
    address: str


@dataclass(frozen=True)
class LeadEnrichment:
    provider: str
    cost_usd: float
    owner_name: str | None
    mailing_address: str | None
    properties: tuple[PropertyHint, ...] = ()
    phone_line_type: str | None = None  # "mobile", "landline", "voip"
    confidence: float = 0.0


def one_line(street: str, city: str, state: str, zip_code: str) -> str:
    return f"{street}, {city}, {state} {zip_code}".strip().rstrip(",")


def to_json(result: Any) -> str:
    """Canonical JSON of a result (sorted keys, ISO dates): what determinism is judged on."""

    def default(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"not serializable: {type(value).__name__}")

    return json.dumps(dataclasses.asdict(result), sort_keys=True, default=default)


class DataProvider(BaseProvider):
    kind = "data"
    # Declared up front so a chain skips a provider without a (possibly billed) call.
    supported_operations: frozenset[str] = frozenset(OPERATIONS)

    @abstractmethod
    def price_usd(self, operation: str) -> float:
        """What one call of `operation` costs, known before making it (for budgets)."""

    @abstractmethod
    def property_details(self, query: PropertyQuery) -> PropertyDetails: ...

    @abstractmethod
    def comparables(self, query: ComparablesQuery) -> Comparables: ...

    @abstractmethod
    def market_stats(self, zip_code: str) -> MarketStats: ...

    @abstractmethod
    def geocode(self, address: str) -> GeocodeResult: ...

    @abstractmethod
    def enrich_lead(self, query: LeadQuery) -> LeadEnrichment: ...
