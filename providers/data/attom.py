"""ATTOM Property API ($0.08 a call): property details, comparables and ZIP sales trends."""

# Field paths follow ATTOM's published property/expandedprofile, property/snapshot and
# salestrend/snapshot shapes; keys are compared case-insensitively because ATTOM mixes cases.

from __future__ import annotations

from typing import Any

import httpx

from providers.data.port import (
    COMPARABLES,
    GEOCODE,
    MARKET_STATS,
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
from providers.vendor_http import Sleep, VendorClient, raise_for_vendor_status

ATTOM_API = "https://api.gateway.attomdata.com/propertyapi/v1.0.0"
ATTOM_PRICE_USD = 0.08
KM_PER_MILE = 1.609344


def lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


def attom_error(response: httpx.Response) -> tuple[str, str | None]:
    try:
        status = lower_keys(response.json()).get("status") or {}
    except (ValueError, AttributeError):
        return response.text[:500], None
    code = status.get("code")
    return str(status.get("msg") or response.text[:500]), (None if code is None else str(code))


def map_property(record: dict[str, Any], provider: str, cost_usd: float) -> PropertyDetails:
    """One `property[]` item (keys lower-cased) as PropertyDetails."""
    street = str(dig(record, "address", "line1") or "")
    city = str(dig(record, "address", "locality") or "")
    state = str(dig(record, "address", "countrysubd") or "")
    zip_code = str(dig(record, "address", "postal1") or "")
    owner = dig(record, "assessment", "owner", "owner1", "fullname") or dig(
        record, "owner", "owner1", "fullname"
    )
    return PropertyDetails(
        provider=provider,
        cost_usd=cost_usd,
        apn=str(dig(record, "identifier", "apn") or ""),
        address=str(dig(record, "address", "oneline") or one_line(street, city, state, zip_code)),
        street=street,
        city=city,
        state=state,
        zip_code=zip_code,
        latitude=number(dig(record, "location", "latitude")),
        longitude=number(dig(record, "location", "longitude")),
        beds=integer(dig(record, "building", "rooms", "beds")),
        baths=number(dig(record, "building", "rooms", "bathstotal")),
        sqft=integer(
            dig(record, "building", "size", "livingsize")
            or dig(record, "building", "size", "universalsize")
        ),
        year_built=integer(dig(record, "summary", "yearbuilt")),
        last_sale_price=integer(dig(record, "sale", "amount", "saleamt")),
        last_sale_date=parse_date(
            dig(record, "sale", "amount", "salerecdate") or dig(record, "sale", "saletransdate")
        ),
        assessed_value=integer(dig(record, "assessment", "assessed", "assdttlvalue")),
        owner_name=str(owner) if owner else None,
    )


def map_sales_trend(data: dict[str, Any], zip_code: str, provider: str, cost: float) -> MarketStats:
    """The latest period of a salestrend/snapshot answer (keys lower-cased)."""
    trends = data.get("salestrends") or []
    if not trends:
        raise DataNotFound(f"ATTOM has no sales trend for ZIP {zip_code}")
    latest = trends[-1]
    trend = latest.get("salestrend") or {}
    period = dig(latest, "daterange", "start") or dig(latest, "daterange", "interval") or ""
    return MarketStats(
        provider=provider,
        cost_usd=cost,
        zip_code=zip_code,
        period=str(period),
        median_sale_price=integer(trend.get("medsaleprice")),
        sales_count=integer(trend.get("homesalecount")),
    )


class AttomDataProvider(VendorDataProvider):
    name = "attom"
    price_per_call_usd = ATTOM_PRICE_USD
    supported_operations = frozenset({PROPERTY_DETAILS, COMPARABLES, MARKET_STATS, GEOCODE})

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = ATTOM_API,
        timeout_s: float = 10.0,
        max_attempts: int = 3,
        sleep: Sleep | None = None,
    ) -> None:
        super().__init__(
            VendorClient(
                "ATTOM",
                base_url,
                timeout_s=timeout_s,
                max_attempts=max_attempts,
                headers={"apikey": api_key, "accept": "application/json"},
                error_detail=attom_error,
                sleep=sleep,
            )
        )

    def _get(self, path: str, params: dict[str, Any], what: str) -> dict[str, Any]:
        # ATTOM answers "nothing found" with status.msg SuccessWithoutResult (on a 400 as well).
        response = self.client.request("GET", path, params=params, allow_status=(400, 404))
        try:
            data = lower_keys(response.json())
        except ValueError:
            data = {}
        if response.status_code == 404 or dig(data, "status", "msg") == "SuccessWithoutResult":
            raise DataNotFound(f"ATTOM has nothing for {what}")
        raise_for_vendor_status("ATTOM", response, attom_error)
        return data if isinstance(data, dict) else {}

    def _profile(self, query: PropertyQuery) -> dict[str, Any]:
        if query.apn:
            params = {
                "apn": query.apn,
                **({"fips": query.county_fips} if query.county_fips else {}),
            }
        else:
            street, _, rest = (query.address or "").partition(",")
            params = {"address1": street.strip(), "address2": rest.strip()}
        data = self._get("/property/expandedprofile", params, query.address or query.apn or "")
        records = data.get("property") or []
        if not records:
            raise DataNotFound(f"ATTOM has no property for {query.address or query.apn}")
        return dict(records[0])

    def property_details(self, query: PropertyQuery) -> PropertyDetails:
        return map_property(self._profile(query), self.name, self.price_per_call_usd)

    def geocode(self, address: str) -> GeocodeResult:
        found = map_property(self._profile(PropertyQuery(address=address)), self.name, 0.0)
        return geocode_from_details(
            found,
            provider=self.name,
            cost_usd=self.price_per_call_usd,
            query=address,
            confidence=1.0,
        )

    def comparables(self, query: ComparablesQuery) -> Comparables:
        params = {
            "latitude": query.latitude,
            "longitude": query.longitude,
            "radius": round(query.radius_km / KM_PER_MILE, 3),
            "pagesize": query.limit,
        }
        data = self._get("/property/snapshot", params, f"{query.latitude},{query.longitude}")
        items = []
        for record in data.get("property") or []:
            found = map_property(record, self.name, 0.0)
            if found.latitude is None or found.longitude is None:
                continue
            distance = haversine_km(
                query.latitude, query.longitude, found.latitude, found.longitude
            )
            if distance > query.radius_km:
                continue
            items.append(
                Comparable(
                    found.apn,
                    found.address,
                    found.latitude,
                    found.longitude,
                    round(distance, 3),
                    found.beds,
                    found.baths,
                    found.sqft,
                    found.year_built,
                    found.last_sale_price,
                    found.last_sale_date,
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
        params = {"geoid": f"ZI{zip_code}", "interval": "yearly"}
        data = self._get("/salestrend/snapshot", params, f"ZIP {zip_code}")
        return map_sales_trend(data, zip_code, self.name, self.price_per_call_usd)

    def enrich_lead(self, query: LeadQuery) -> LeadEnrichment:
        self._unsupported("enrich_lead")
