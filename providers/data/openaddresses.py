"""Free geocoding over OpenAddresses data, through a Pelias-compatible `/v1/search` endpoint."""

# OpenAddresses publishes data, not an API: `openaddresses_url` points at a geocoder that serves
# it (Pelias indexes OpenAddresses). It can only geocode and normalize addresses.

from __future__ import annotations

from typing import Any

from providers.data.port import (
    GEOCODE,
    Comparables,
    ComparablesQuery,
    DataNotFound,
    GeocodeResult,
    LeadEnrichment,
    LeadQuery,
    MarketStats,
    PropertyDetails,
    PropertyQuery,
    one_line,
)
from providers.data.vendor import VendorDataProvider, dig, number
from providers.vendor_http import Sleep, VendorClient


def map_feature(feature: dict[str, Any], query: str, provider: str) -> GeocodeResult:
    """A GeoJSON feature: geometry.coordinates is [lon, lat]; properties carry the parts."""
    props = feature.get("properties") or {}
    coordinates = dig(feature, "geometry", "coordinates") or []
    if len(coordinates) < 2:
        raise DataNotFound(f"no coordinates for {query!r}")
    street = " ".join(str(props.get(k) or "") for k in ("housenumber", "street")).strip()
    city = str(props.get("locality") or props.get("localadmin") or "")
    state = str(props.get("region_a") or "")
    zip_code = str(props.get("postalcode") or "")
    return GeocodeResult(
        provider=provider,
        cost_usd=0.0,
        query=query,
        address=one_line(street, city, state, zip_code) if street else str(props.get("label", "")),
        street=street,
        city=city,
        state=state,
        zip_code=zip_code,
        latitude=float(coordinates[1]),
        longitude=float(coordinates[0]),
        confidence=number(props.get("confidence")) or 0.0,
    )


class OpenAddressesDataProvider(VendorDataProvider):
    name = "openaddresses"
    price_per_call_usd = 0.0
    supported_operations = frozenset({GEOCODE})

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 3,
        sleep: Sleep | None = None,
    ) -> None:
        super().__init__(
            VendorClient(
                "OpenAddresses",
                base_url,
                timeout_s=timeout_s,
                max_attempts=max_attempts,
                sleep=sleep,
            )
        )

    def geocode(self, address: str) -> GeocodeResult:
        response = self.client.request("GET", "/v1/search", params={"text": address, "size": 1})
        features = response.json().get("features") or []
        if not features:
            raise DataNotFound(f"OpenAddresses cannot geocode {address!r}")
        return map_feature(features[0], address, self.name)

    def property_details(self, query: PropertyQuery) -> PropertyDetails:
        self._unsupported("property_details")

    def comparables(self, query: ComparablesQuery) -> Comparables:
        self._unsupported("comparables")

    def market_stats(self, zip_code: str) -> MarketStats:
        self._unsupported("market_stats")

    def enrich_lead(self, query: LeadQuery) -> LeadEnrichment:
        self._unsupported("enrich_lead")
