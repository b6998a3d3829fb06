"""Regrid Parcel API v2 ($0.02 a call): parcels by address, APN, point, and owner name."""

# Answers are GeoJSON: `parcels.features[].properties.fields` holds Regrid's standard schema.

from __future__ import annotations

from typing import Any

from providers.data.port import (
    COMPARABLES,
    ENRICH_LEAD,
    GEOCODE,
    PROPERTY_DETAILS,
    Comparable,
    Comparables,
    ComparablesQuery,
    DataNotFound,
    GeocodeResult,
    LeadEnrichment,
    LeadQuery,
    MarketStats,
    PropertyDetails,
    PropertyHint,
    PropertyQuery,
    one_line,
)
from providers.data.vendor import (
    VendorDataProvider,
    dig,
    geocode_from_details,
    integer,
    number,
    parse_date,
)
from providers.geo import haversine_km
from providers.vendor_http import Sleep, VendorClient

REGRID_API = "https://app.regrid.com/api/v2"
REGRID_PRICE_USD = 0.02


def parcel_fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    features = dig(data, "parcels", "features") or []
    return [dict(dig(f, "properties", "fields") or {}) for f in features if isinstance(f, dict)]


def map_parcel(fields: dict[str, Any], provider: str, cost_usd: float) -> PropertyDetails:
    street = str(fields.get("address") or "")
    city = str(fields.get("scity") or "")
    state = str(fields.get("state2") or "")
    zip_code = str(fields.get("szip") or "")[:5]
    return PropertyDetails(
        provider=provider,
        cost_usd=cost_usd,
        apn=str(fields.get("parcelnumb") or ""),
        address=one_line(street, city, state, zip_code),
        street=street,
        city=city,
        state=state,
        zip_code=zip_code,
        latitude=number(fields.get("lat")),
        longitude=number(fields.get("lon")),
        year_built=integer(fields.get("yearbuilt")),
        last_sale_price=integer(fields.get("saleprice")),
        last_sale_date=parse_date(fields.get("saledate")),
        assessed_value=integer(fields.get("parval")),
        owner_name=str(fields["owner"]) if fields.get("owner") else None,
    )


def mailing_address(fields: dict[str, Any]) -> str | None:
    parts = [fields.get(k) for k in ("mailadd", "mail_city", "mail_state2", "mail_zip")]
    if not parts[0]:
        return None
    return one_line(*(str(p or "") for p in parts))


class RegridDataProvider(VendorDataProvider):
    name = "regrid"
    price_per_call_usd = REGRID_PRICE_USD
    supported_operations = frozenset({PROPERTY_DETAILS, COMPARABLES, GEOCODE, ENRICH_LEAD})

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = REGRID_API,
        timeout_s: float = 10.0,
        max_attempts: int = 3,
        sleep: Sleep | None = None,
    ) -> None:
        self.api_key = api_key
        super().__init__(
            VendorClient(
                "Regrid", base_url, timeout_s=timeout_s, max_attempts=max_attempts, sleep=sleep
            )
        )

    def _parcels(self, path: str, params: dict[str, Any], what: str) -> list[dict[str, Any]]:
        response = self.client.request(
            "GET", path, params={**params, "token": self.api_key}, allow_status=(404,)
        )
        found = parcel_fields(response.json()) if response.status_code != 404 else []
        if not found:
            raise DataNotFound(f"Regrid has no parcel for {what}")
        return found

    def _lookup(self, query: PropertyQuery) -> dict[str, Any]:
        if query.apn:
            params: dict[str, Any] = {"parcelnumb": query.apn, "limit": 1}
            return self._parcels("/parcels/apn", params, query.apn)[0]
        address = query.address or ""
        return self._parcels("/parcels/address", {"query": address, "limit": 1}, address)[0]

    def property_details(self, query: PropertyQuery) -> PropertyDetails:
        return map_parcel(self._lookup(query), self.name, self.price_per_call_usd)

    def geocode(self, address: str) -> GeocodeResult:
        found = map_parcel(self._lookup(PropertyQuery(address=address)), self.name, 0.0)
        return geocode_from_details(
            found,
            provider=self.name,
            cost_usd=self.price_per_call_usd,
            query=address,
            confidence=0.9,
        )

    def comparables(self, query: ComparablesQuery) -> Comparables:
        params = {
            "lat": query.latitude,
            "lon": query.longitude,
            "radius": int(query.radius_km * 1000),  # metres
            "limit": query.limit,
        }
        items = []
        for fields in self._parcels(
            "/parcels/point", params, f"{query.latitude},{query.longitude}"
        ):
            found = map_parcel(fields, self.name, 0.0)
            if found.latitude is None or found.longitude is None:
                continue
            distance = haversine_km(
                query.latitude, query.longitude, found.latitude, found.longitude
            )
            if distance <= query.radius_km:
                items.append(
                    Comparable(
                        found.apn,
                        found.address,
                        found.latitude,
                        found.longitude,
                        round(distance, 3),
                        year_built=found.year_built,
                        last_sale_price=found.last_sale_price,
                        last_sale_date=found.last_sale_date,
                    )
                )
        items.sort(key=lambda c: c.distance_km)
        return Comparables(
            self.name,
            self.price_per_call_usd,
            query.latitude,
            query.longitude,
            query.radius_km,
            tuple(items[: query.limit]),
        )

    def market_stats(self, zip_code: str) -> MarketStats:
        self._unsupported("market_stats")

    def enrich_lead(self, query: LeadQuery) -> LeadEnrichment:
        """Regrid knows owners by name only; email and phone do not help it."""
        if not query.name.strip():
            raise DataNotFound("Regrid can only match a lead by owner name")
        parcels = self._parcels("/parcels/owner", {"owner": query.name, "limit": 5}, query.name)
        hints = tuple(
            PropertyHint(str(f.get("parcelnumb") or ""), map_parcel(f, self.name, 0.0).address)
            for f in parcels
        )
        return LeadEnrichment(
            provider=self.name,
            cost_usd=self.price_per_call_usd,
            owner_name=str(parcels[0].get("owner") or query.name),
            mailing_address=mailing_address(parcels[0]),
            properties=hints,
            confidence=0.7 if len(parcels) == 1 else 0.5,
        )
