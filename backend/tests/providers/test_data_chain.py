"""The data chain (fallback, cost ledger, monthly budget) and the vendors' retry behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import respx

from providers.base import BudgetExceededError, PermanentProviderError, TransientProviderError
from providers.data.attom import AttomDataProvider
from providers.data.chain import DataProviderChain
from providers.data.ledger import CostEntry, InMemoryCostLedger, MonthlyBudget
from providers.data.mock import MockDataProvider
from providers.data.openaddresses import OpenAddressesDataProvider
from providers.data.port import DataNotFound, OperationNotSupported, PropertyQuery
from providers.data.regrid import RegridDataProvider
from providers.vendor_http import retry_after_seconds
from tests.providers import data_vendors as v
from tests.providers.conftest import fixture_json

NOW = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def chain(
    limit_usd: float = 10.0, clock: Clock | None = None, waits: list[float] | None = None
) -> tuple[DataProviderChain, InMemoryCostLedger]:
    sleep = (waits if waits is not None else []).append
    ledger = InMemoryCostLedger()
    budget = MonthlyBudget(limit_usd, ledger, clock or Clock(NOW))
    providers = [
        AttomDataProvider(v.ATTOM_KEY, sleep=sleep),
        RegridDataProvider(v.REGRID_KEY, sleep=sleep),
        OpenAddressesDataProvider(v.GEOCODER_URL, sleep=sleep),
    ]
    return DataProviderChain(providers, budget), ledger


def test_first_provider_answers_and_its_cost_is_recorded(router: respx.MockRouter) -> None:
    routes = v.install(router)
    data, ledger = chain()

    found = data.property_details(PropertyQuery(address=v.KNOWN_ADDRESS))

    assert (found.provider, found.cost_usd) == ("attom", 0.08)
    assert ledger.entries() == [CostEntry("attom", "property_details", 0.08, NOW)]
    assert routes["regrid"].call_count == 0


def test_outage_falls_through_after_retries(router: respx.MockRouter) -> None:
    routes = v.install(router, attom=lambda request: httpx.Response(503))
    waits: list[float] = []
    data, ledger = chain(waits=waits)

    found = data.property_details(PropertyQuery(address=v.KNOWN_ADDRESS))

    assert found.provider == "regrid"
    assert routes["attom"].call_count == 3
    assert waits == [0.5, 1.0]  # exponential backoff between the three attempts
    assert [(e.provider, e.cost_usd) for e in ledger.entries()] == [("regrid", 0.02)]


def test_not_found_falls_through(router: respx.MockRouter) -> None:
    no_result = httpx.Response(400, json={"status": {"code": 1, "msg": "SuccessWithoutResult"}})
    v.install(router, attom=lambda request: no_result)
    data, _ = chain()
    assert data.geocode(v.KNOWN_ADDRESS).provider == "regrid"


def test_unsupported_operations_skip_without_a_call(router: respx.MockRouter) -> None:
    routes = v.install(router)
    data, ledger = chain()

    assert data.market_stats("78701").provider == "attom"
    assert data.enrich_lead(v.LEAD).provider == "regrid"
    assert routes["attom"].call_count == 1  # ATTOM is never asked for lead enrichment
    assert sum(e.cost_usd for e in ledger.entries()) == pytest.approx(0.10)


def test_every_provider_failing_raises_the_most_useful_error(router: respx.MockRouter) -> None:
    v.install(
        router,
        attom=lambda request: httpx.Response(500),
        regrid=lambda request: v.throttled(),
        pelias=lambda request: httpx.Response(200, json={"features": []}),
    )
    data, ledger = chain()

    with pytest.raises(TransientProviderError) as caught:
        data.geocode(v.KNOWN_ADDRESS)
    assert caught.value.retry_after == 30
    assert "attom" in str(caught.value) and "openaddresses" in str(caught.value)
    assert ledger.entries() == []


def test_nothing_found_anywhere_is_data_not_found(router: respx.MockRouter) -> None:
    v.install(router)
    data, _ = chain()
    with pytest.raises(DataNotFound):
        data.geocode(v.MISSING_ADDRESS)


def test_budget_refuses_paid_calls_but_free_providers_still_answer(
    router: respx.MockRouter,
) -> None:
    routes = v.install(router)
    clock = Clock(NOW)
    data, ledger = chain(limit_usd=0.09, clock=clock)

    assert data.property_details(PropertyQuery(address=v.KNOWN_ADDRESS)).provider == "attom"
    # $0.08 spent: ATTOM ($0.08) and Regrid ($0.02) no longer fit in $0.09.
    with pytest.raises(BudgetExceededError):
        data.property_details(PropertyQuery(address=v.KNOWN_ADDRESS))
    assert data.geocode(v.KNOWN_ADDRESS).provider == "openaddresses"
    assert (routes["attom"].call_count, routes["regrid"].call_count) == (1, 0)
    assert data.budget.spent() == pytest.approx(0.08)

    clock.now = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)  # a new month, a new budget
    assert data.property_details(PropertyQuery(address=v.KNOWN_ADDRESS)).provider == "attom"
    assert len(ledger.entries()) == 2


def test_budget_counts_only_this_month() -> None:
    ledger = InMemoryCostLedger()
    ledger.record(
        CostEntry("attom", "property_details", 5.0, datetime(2025, 2, 28, 23, 59, tzinfo=UTC))
    )
    ledger.record(
        CostEntry("attom", "property_details", 1.0, datetime(2025, 3, 1, 0, 0, tzinfo=UTC))
    )
    budget = MonthlyBudget(2.0, ledger, Clock(NOW))

    assert budget.spent() == 1.0
    assert budget.remaining() == 1.0
    budget.authorize("attom", "property_details", 1.0)
    with pytest.raises(BudgetExceededError):
        budget.authorize("attom", "property_details", 1.01)
    budget.authorize("openaddresses", "geocode", 0.0)


def test_mock_in_a_chain_spends_the_budget_like_a_paid_provider() -> None:
    ledger = InMemoryCostLedger()
    data = DataProviderChain([MockDataProvider()], MonthlyBudget(0.16, ledger, Clock(NOW)))
    data.market_stats("78701")
    data.market_stats("78702")
    with pytest.raises(BudgetExceededError):
        data.market_stats("78703")
    assert data.geocode(v.KNOWN_ADDRESS).cost_usd == 0.0  # geocoding is priced as free


def test_an_operation_no_member_offers_is_not_supported() -> None:
    data = DataProviderChain(
        [OpenAddressesDataProvider(v.GEOCODER_URL)], MonthlyBudget(1.0, InMemoryCostLedger())
    )
    with pytest.raises(OperationNotSupported):
        data.market_stats("78701")


def test_retry_honours_retry_after_then_succeeds(router: respx.MockRouter) -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(503),
            httpx.Response(200, json=fixture_json("pelias_search.json")),
        ]
    )
    v.install(router, pelias=lambda request: next(answers))
    waits: list[float] = []
    geocoder = OpenAddressesDataProvider(v.GEOCODER_URL, sleep=waits.append)

    assert geocoder.geocode(v.KNOWN_ADDRESS).latitude == pytest.approx(30.2672)
    assert waits == [2.0, 1.0]


def test_timeouts_are_transient(router: respx.MockRouter) -> None:
    v.install(router, regrid=lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("slow")))
    waits: list[float] = []
    with pytest.raises(TransientProviderError):
        RegridDataProvider(v.REGRID_KEY, sleep=waits.append).geocode(v.KNOWN_ADDRESS)
    assert len(waits) == 2


def test_bad_credentials_are_permanent_and_not_retried(router: respx.MockRouter) -> None:
    routes = v.install(router)
    with pytest.raises(PermanentProviderError) as caught:
        AttomDataProvider("wrong-key").property_details(PropertyQuery(address=v.KNOWN_ADDRESS))
    assert "Invalid API key" in str(caught.value)
    assert routes["attom"].call_count == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Sat, 15 Mar 2025 12:00:30 GMT", 30.0), ("", None), ("soon", None)],
)
def test_retry_after_parsing(header: str, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds
