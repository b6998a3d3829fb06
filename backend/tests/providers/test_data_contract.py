"""One contract for every DataProvider: mock, ATTOM, Regrid, OpenAddresses, and a chain."""

# An operation is either answered with the port's types or refused as not supported.

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from providers.base import TransientProviderError
from providers.data.attom import AttomDataProvider
from providers.data.chain import DataProviderChain
from providers.data.ledger import InMemoryCostLedger, MonthlyBudget
from providers.data.mock import MockDataProvider
from providers.data.openaddresses import OpenAddressesDataProvider
from providers.data.port import (
    COMPARABLES,
    ENRICH_LEAD,
    GEOCODE,
    MARKET_STATS,
    PROPERTY_DETAILS,
    Comparables,
    DataNotFound,
    DataProvider,
    GeocodeResult,
    LeadEnrichment,
    MarketStats,
    OperationNotSupported,
    PropertyDetails,
    PropertyQuery,
)
from providers.data.regrid import RegridDataProvider
from providers.geo import haversine_km
from tests.providers import data_vendors as v


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"a 30 s Retry-After must not be slept through (asked {seconds})")


@pytest.fixture(params=["mock", "attom", "regrid", "openaddresses", "chain"])
def data(request: pytest.FixtureRequest) -> Iterator[DataProvider]:
    with respx.mock(assert_all_called=False) as router:
        v.install(router)
        provider: DataProvider = {
            "mock": lambda: MockDataProvider(seed=7),
            "attom": lambda: AttomDataProvider(v.ATTOM_KEY, sleep=no_sleep),
            "regrid": lambda: RegridDataProvider(v.REGRID_KEY, sleep=no_sleep),
            "openaddresses": lambda: OpenAddressesDataProvider(v.GEOCODER_URL, sleep=no_sleep),
            "chain": lambda: DataProviderChain(
                [MockDataProvider(seed=7)], MonthlyBudget(100.0, InMemoryCostLedger())
            ),
        }[request.param]()
        provider.initialize()
        yield provider
        provider.shutdown()


CALLS: dict[str, tuple[Callable[[DataProvider], Any], type[Any]]] = {
    PROPERTY_DETAILS: (
        lambda p: p.property_details(PropertyQuery(address=v.KNOWN_ADDRESS)),
        PropertyDetails,
    ),
    COMPARABLES: (lambda p: p.comparables(v.NEAR_MAIN_ST), Comparables),
    MARKET_STATS: (lambda p: p.market_stats("78701"), MarketStats),
    GEOCODE: (lambda p: p.geocode(v.KNOWN_ADDRESS), GeocodeResult),
    ENRICH_LEAD: (lambda p: p.enrich_lead(v.LEAD), LeadEnrichment),
}
MISSING: dict[str, Callable[[DataProvider], Any]] = {
    PROPERTY_DETAILS: lambda p: p.property_details(PropertyQuery(address=v.MISSING_ADDRESS)),
    COMPARABLES: lambda p: p.comparables(v.NULL_ISLAND),
    MARKET_STATS: lambda p: p.market_stats("00000"),
    GEOCODE: lambda p: p.geocode(v.MISSING_ADDRESS),
    ENRICH_LEAD: lambda p: p.enrich_lead(v.UNKNOWN_LEAD),
}
THROTTLED: dict[str, Callable[[DataProvider], Any]] = {
    PROPERTY_DETAILS: lambda p: p.property_details(PropertyQuery(address=v.THROTTLED_ADDRESS)),
    MARKET_STATS: lambda p: p.market_stats("00429"),
    GEOCODE: lambda p: p.geocode(v.THROTTLED_ADDRESS),
}


def member_names(provider: DataProvider) -> set[str]:
    if isinstance(provider, DataProviderChain):
        return {p.name for p in provider.providers}
    return {provider.name}


@pytest.mark.parametrize("operation", list(CALLS))
def test_operation_answers_with_the_port_types(data: DataProvider, operation: str) -> None:
    call, result_type = CALLS[operation]
    if operation not in data.supported_operations:
        with pytest.raises(OperationNotSupported):
            call(data)
        return

    result: Any = call(data)

    assert isinstance(result, result_type)
    assert result.provider in member_names(data)
    assert result.cost_usd == pytest.approx(data.price_usd(operation))


@pytest.mark.parametrize("operation", list(MISSING))
def test_nothing_found_is_data_not_found(data: DataProvider, operation: str) -> None:
    expected = DataNotFound if operation in data.supported_operations else OperationNotSupported
    with pytest.raises(expected):
        MISSING[operation](data)


@pytest.mark.parametrize("operation", list(THROTTLED))
def test_rate_limit_is_transient_with_retry_after(data: DataProvider, operation: str) -> None:
    if operation not in data.supported_operations:
        with pytest.raises(OperationNotSupported):
            THROTTLED[operation](data)
        return
    with pytest.raises(TransientProviderError) as caught:
        THROTTLED[operation](data)
    assert caught.value.retry_after == 30


def test_property_details_are_the_asked_property(data: DataProvider) -> None:
    if PROPERTY_DETAILS not in data.supported_operations:
        return  # refusal is covered by test_operation_answers_with_the_port_types
    found = data.property_details(PropertyQuery(address=v.KNOWN_ADDRESS))

    assert found.zip_code == "78701"
    assert found.state == "TX"
    assert found.apn
    assert found.latitude is not None and found.longitude is not None


def test_comparables_lie_within_the_radius_nearest_first(data: DataProvider) -> None:
    if COMPARABLES not in data.supported_operations:
        return  # refusal is covered by test_operation_answers_with_the_port_types
    found = data.comparables(v.NEAR_MAIN_ST)

    assert 0 < len(found.items) <= v.NEAR_MAIN_ST.limit
    q = v.NEAR_MAIN_ST
    for item in found.items:
        distance = haversine_km(q.latitude, q.longitude, item.latitude, item.longitude)
        assert item.distance_km == pytest.approx(distance, abs=0.001)
        assert item.distance_km <= q.radius_km
    assert [c.distance_km for c in found.items] == sorted(c.distance_km for c in found.items)


def test_geocode_normalizes(data: DataProvider) -> None:
    found = data.geocode(v.KNOWN_ADDRESS)
    assert found.zip_code == "78701"
    assert found.state == "TX"
    assert 29 < found.latitude < 32 and -99 < found.longitude < -96  # around Austin
    assert 0 < found.confidence <= 1


def test_health(data: DataProvider) -> None:
    health = data.health()
    assert (health.kind, health.healthy) == ("data", True)
