"""A property-data provider that invents a plausible, reproducible US market from a seed."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from faker import Faker

from providers.base import ProviderHealth, TransientProviderError
from providers.data import mock_world as world
from providers.data.port import (
    COMPARABLES,
    ENRICH_LEAD,
    GEOCODE,
    MARKET_STATS,
    PROPERTY_DETAILS,
    Comparable,
    Comparables,
    ComparablesQuery,
    DataNotFound,
    DataProvider,
    GeocodeResult,
    LeadEnrichment,
    LeadQuery,
    MarketStats,
    PropertyDetails,
    PropertyHint,
    PropertyQuery,
    one_line,
)
from providers.geo import haversine_km

# Each operation is priced as the real provider that would answer it (ATTOM for property data,
# Regrid for owner lookups, OpenAddresses for geocoding), so demo budgets behave like real ones.
MOCK_PRICES_USD = {
    PROPERTY_DETAILS: 0.08,
    COMPARABLES: 0.08,
    MARKET_STATS: 0.08,
    GEOCODE: 0.0,
    ENRICH_LEAD: 0.02,
}
# Magic inputs (see providers/README.md).
NOT_FOUND_APN = "000-000-000"
NOT_FOUND_ZIP = "00000"
RATE_LIMITED_ZIP = "00429"
UNAVAILABLE_ZIP = "00503"
NOT_FOUND_EMAIL_LOCAL = "unknown"
RATE_LIMIT_RETRY_AFTER_S = 30.0


def call_seed(seed: int, operation: str, inputs: dict[str, Any]) -> int:
    """Stable across processes and Python versions, unlike hash()."""
    canonical = json.dumps([seed, operation, inputs], sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big")


class MockDataProvider(DataProvider):
    name = "mock-data"
    mode = "mock"

    def __init__(
        self,
        seed: int = 42,
        *,
        latency_ms: float = 0.0,
        failure_rate: float = 0.0,
        as_of: date = date(2025, 6, 30),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate must be within [0, 1]")
        self.seed = seed
        self.latency_ms = latency_ms
        self.failure_rate = failure_rate
        self.as_of = as_of  # a fixed "today", so results do not drift with the calendar
        self.sleep = sleep
        self._fake = Faker("en_US")
        self._lock = threading.RLock()  # the Faker instance is shared; calls take turns
        # Failures follow the call sequence, not the inputs: a retry may succeed, as in life,
        # yet a run with the same seed fails at the same calls.
        self._failures = random.Random(seed)  # noqa: S311 - simulation, not security

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        return self._health(True, f"seed {self.seed}")

    def price_usd(self, operation: str) -> float:
        return MOCK_PRICES_USD[operation]

    def _begin(self, operation: str, inputs: dict[str, Any], zip_code: str = "") -> random.Random:
        """Simulate the network (latency, failures, magic ZIPs) and seed this call's dice."""
        if self.latency_ms:
            self.sleep(self.latency_ms / 1000)
        with self._lock:
            failing = self.failure_rate > 0 and self._failures.random() < self.failure_rate
        if failing:
            raise TransientProviderError(f"mock {operation} failed (simulated outage)")
        if zip_code == RATE_LIMITED_ZIP:
            raise TransientProviderError("mock rate limit", RATE_LIMIT_RETRY_AFTER_S, code="429")
        if zip_code == UNAVAILABLE_ZIP:
            raise TransientProviderError("mock service unavailable", code="503")
        seed = call_seed(self.seed, operation, inputs)
        self._fake.seed_instance(seed)
        return random.Random(seed)  # noqa: S311 - simulation, not security

    def property_details(self, query: PropertyQuery) -> PropertyDetails:
        parsed = world.parse_address(query.address) if query.address else None
        inputs = {"address": query.address, "apn": query.apn, "fips": query.county_fips}
        with self._lock:
            rng = self._begin(PROPERTY_DETAILS, inputs, parsed.zip_code if parsed else "")
            if query.apn == NOT_FOUND_APN or (query.address or "").strip().startswith("0 "):
                raise DataNotFound(f"no property for {query.address or query.apn}")
            metro = world.metro_for(
                rng, parsed.city if parsed else "", parsed.zip_code if parsed else ""
            )
            street = parsed.street if parsed else world.street_address(self._fake)
            zip_code = (parsed.zip_code if parsed else "") or world.zip_in(rng, metro)
            city = parsed.city if parsed else metro.city
            state = parsed.state if parsed else metro.state
            lat, lon = world.point_near(rng, metro.latitude, metro.longitude, 15.0)
            facts = world.parcel(rng, metro, self.as_of)
            owner = self._fake.name()
            return PropertyDetails(
                provider=self.name,
                cost_usd=MOCK_PRICES_USD[PROPERTY_DETAILS],
                apn=query.apn or world.apn(rng),
                address=one_line(street, city, state, zip_code),
                street=street,
                city=city,
                state=state,
                zip_code=zip_code,
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                beds=facts.beds,
                baths=facts.baths,
                sqft=facts.sqft,
                year_built=facts.year_built,
                last_sale_price=facts.last_sale_price,
                last_sale_date=facts.last_sale_date,
                assessed_value=facts.assessed_value,
                owner_name=owner,
            )

    def comparables(self, query: ComparablesQuery) -> Comparables:
        inputs = {
            "lat": query.latitude,
            "lon": query.longitude,
            "r": query.radius_km,
            "n": query.limit,
        }
        with self._lock:
            rng = self._begin(COMPARABLES, inputs)
            if query.latitude == 0 and query.longitude == 0:
                raise DataNotFound("no properties at Null Island")
            metro = world.nearest_metro(query.latitude, query.longitude)
            items = []
            for _ in range(query.limit):
                lat, lon = world.point_near(rng, query.latitude, query.longitude, query.radius_km)
                lat, lon = round(lat, 6), round(lon, 6)
                facts = world.parcel(rng, metro, self.as_of)
                street = world.street_address(self._fake)
                distance = haversine_km(query.latitude, query.longitude, lat, lon)
                items.append(
                    Comparable(
                        apn=world.apn(rng),
                        address=one_line(street, metro.city, metro.state, world.zip_in(rng, metro)),
                        latitude=lat,
                        longitude=lon,
                        # Capped, so rounding never puts a comparable past the radius.
                        distance_km=min(round(distance, 3), query.radius_km),
                        beds=facts.beds,
                        baths=facts.baths,
                        sqft=facts.sqft,
                        year_built=facts.year_built,
                        last_sale_price=facts.last_sale_price,
                        last_sale_date=facts.last_sale_date,
                    )
                )
            items.sort(key=lambda c: (c.distance_km, c.apn))
            return Comparables(
                self.name,
                MOCK_PRICES_USD[COMPARABLES],
                query.latitude,
                query.longitude,
                query.radius_km,
                tuple(items),
            )

    def market_stats(self, zip_code: str) -> MarketStats:
        with self._lock:
            rng = self._begin(MARKET_STATS, {"zip": zip_code}, zip_code)
            if zip_code == NOT_FOUND_ZIP or not (zip_code.isdigit() and len(zip_code) == 5):
                raise DataNotFound(f"no market data for ZIP {zip_code!r}")
            metro = world.metro_for(rng, zip_code=zip_code)
            ppsf = metro.price_per_sqft * rng.uniform(0.8, 1.2)
            return MarketStats(
                provider=self.name,
                cost_usd=MOCK_PRICES_USD[MARKET_STATS],
                zip_code=zip_code,
                period=str(self.as_of.year),
                median_sale_price=int(round(ppsf * rng.uniform(1500, 2200), -3)),
                sales_count=rng.randint(40, 650),
                median_price_per_sqft=round(ppsf, 2),
                median_days_on_market=float(rng.randint(12, 75)),
                price_change_yoy_pct=round(rng.uniform(-6.0, 9.0), 1),
            )

    def geocode(self, address: str) -> GeocodeResult:
        parsed = world.parse_address(address)
        with self._lock:
            rng = self._begin(GEOCODE, {"address": address}, parsed.zip_code if parsed else "")
            if (
                parsed is None
                or address.strip().startswith("0 ")
                or parsed.zip_code == NOT_FOUND_ZIP
            ):
                raise DataNotFound(f"cannot geocode {address!r}")
            metro = world.metro_for(rng, parsed.city, parsed.zip_code)
            zip_code = parsed.zip_code or world.zip_in(rng, metro)
            lat, lon = world.point_near(rng, metro.latitude, metro.longitude, 15.0)
            return GeocodeResult(
                provider=self.name,
                cost_usd=MOCK_PRICES_USD[GEOCODE],
                query=address,
                address=one_line(parsed.street, parsed.city, parsed.state, zip_code),
                street=parsed.street,
                city=parsed.city,
                state=parsed.state,
                zip_code=zip_code,
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                confidence=1.0 if parsed.zip_code else 0.8,
            )

    def enrich_lead(self, query: LeadQuery) -> LeadEnrichment:
        inputs = {"name": query.name, "email": query.email.lower(), "phone": query.phone}
        with self._lock:
            rng = self._begin(ENRICH_LEAD, inputs)
            local = query.email.lower().rpartition("@")[0]
            if local == NOT_FOUND_EMAIL_LOCAL or not (query.name or query.email or query.phone):
                raise DataNotFound("no owner record matches that lead")
            metro = rng.choice(world.METROS)
            hints = tuple(
                PropertyHint(
                    apn=world.apn(rng),
                    address=one_line(
                        world.street_address(self._fake),
                        metro.city,
                        metro.state,
                        world.zip_in(rng, metro),
                    ),
                )
                for _ in range(rng.randint(1, 3))
            )
            mailing = one_line(
                world.street_address(self._fake), metro.city, metro.state, world.zip_in(rng, metro)
            )
            return LeadEnrichment(
                provider=self.name,
                cost_usd=MOCK_PRICES_USD[ENRICH_LEAD],
                owner_name=query.name or self._fake.name(),
                mailing_address=mailing,
                properties=hints,
                phone_line_type=rng.choice(("mobile", "landline", "voip")) if query.phone else None,
                confidence=round(rng.uniform(0.6, 0.95), 2),
            )
