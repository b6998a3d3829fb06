"""Property search: relevance, filters, sorts, the geo radius, and the input it refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from providers.geo import haversine_km
from reos.core.db import Database
from tests.builders import add_property
from tests.conftest import Account
from tests.search.conftest import AUSTIN, SEARCH, field_errors, found, search

# --- properties: text and relevance -------------------------------------------------------------


def test_both_words_rank_above_one_and_all_words_are_required_by_default(
    client: TestClient, admin: Account, database: Database
) -> None:
    both = add_property(database, admin, "1 Oak St", description="A heated pool and a garden")
    one = add_property(database, admin, "2 Elm St", description="A quiet garden by the river")
    add_property(database, admin, "3 Ash St", description="Loft downtown")

    result = search(client, admin, "properties", q="pool or garden")
    assert [item["id"] for item in result["items"]] == [both, one]
    assert result["total"] == 2
    first, second = result["items"]
    assert first["score"] > second["score"] > 0
    assert first["distance_km"] is None

    # Bare words must all be there; a stop word does not count; stems match.
    assert found(client, admin, "properties", "id", q="pool garden") == [both]
    assert found(client, admin, "properties", "id", q="the pool with a garden") == [both]
    assert found(client, admin, "properties", "id", q="garden -pool") == [one]
    assert found(client, admin, "properties", "id", q='"quiet garden"') == [one]
    assert found(client, admin, "properties", "id", q='"garden quiet"') == []


def test_address_city_and_description_are_searched_address_weighing_most(
    client: TestClient, admin: Account, database: Database
) -> None:
    in_address = add_property(database, admin, "9 Lakeview Dr", city="Dallas")
    in_city = add_property(database, admin, "4 Pine St", city="Lakeview")
    in_text = add_property(
        database, admin, "5 Birch St", city="Waco", description="Walk to the lakeview park"
    )
    assert found(client, admin, "properties", "id", q="lakeview") == [in_address, in_city, in_text]
    assert found(client, admin, "properties", "id", q="LAKEVIEW waco") == [in_text]


def test_without_q_every_property_is_listed_newest_first_and_paged(
    client: TestClient, admin: Account, database: Database
) -> None:
    now = datetime.now(UTC)
    ids = [
        add_property(database, admin, f"{n} Main St", created_at=now - timedelta(minutes=n))
        for n in range(5)
    ]
    result = search(client, admin, "properties", page=2, page_size=2)
    assert (result["total"], result["page"], result["page_size"]) == (5, 2, 2)
    assert [item["id"] for item in result["items"]] == ids[2:4]
    assert all(item["score"] is None for item in result["items"])
    assert found(client, admin, "properties", "id", sort="created_at") == ids[::-1]
    assert search(client, admin, "properties", q="main", page=3, page_size=2)["total"] == 5
    assert found(client, admin, "properties", "id", q="main", page=4, page_size=2) == []


# --- properties: filters ------------------------------------------------------------------------


@pytest.fixture
def listing_mix(client: TestClient, admin: Account, database: Database) -> dict[str, str]:
    return {
        "cheap": add_property(
            database,
            admin,
            "1 Small St",
            price=Decimal("150000"),
            bedrooms=1,
            bathrooms=Decimal("1.0"),
            square_feet=600,
            property_type="condo",
            status="pending",
            zip_code="78702-1234",
        ),
        "mid": add_property(
            database,
            admin,
            "2 Middle St",
            city="Round Rock",
            price=Decimal("400000"),
            bedrooms=3,
            bathrooms=Decimal("2.5"),
            square_feet=1800,
        ),
        "big": add_property(
            database,
            admin,
            "3 Large Ln",
            state="CA",
            city="Fresno",
            zip_code="93650",
            price=Decimal("950000"),
            bedrooms=5,
            bathrooms=Decimal("4.0"),
            square_feet=4200,
            property_type="multi_family",
        ),
        "unpriced": add_property(database, admin, "4 Unknown Rd"),
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"city": "round rock"}, {"mid"}),
        ({"state": "ca"}, {"big"}),
        ({"zip_code": "78702"}, {"cheap"}),
        ({"zip_code": "787021234"}, {"cheap"}),
        ({"property_type": "condo"}, {"cheap"}),
        ({"status": "pending"}, {"cheap"}),
        ({"min_price": 300000}, {"mid", "big"}),
        ({"max_price": "400000"}, {"cheap", "mid"}),
        ({"min_price": 200000, "max_price": 500000}, {"mid"}),
        ({"min_bedrooms": 3}, {"mid", "big"}),
        ({"min_bathrooms": 2.5}, {"mid", "big"}),
        ({"min_sqft": 1000}, {"mid", "big"}),
        ({"max_sqft": 2000}, {"cheap", "mid"}),
        ({"q": "st", "min_bedrooms": 3}, {"mid"}),
        ({"state": "TX", "min_price": 1}, {"cheap", "mid"}),
    ],
)
def test_each_filter_narrows_the_results(
    client: TestClient,
    admin: Account,
    listing_mix: dict[str, str],
    body: dict[str, Any],
    expected: set[str],
) -> None:
    names = {value: key for key, value in listing_mix.items()}
    assert {names[i] for i in found(client, admin, "properties", "id", **body)} == expected


def test_price_sorts_put_unpriced_properties_last(
    client: TestClient, admin: Account, listing_mix: dict[str, str]
) -> None:
    by = {value: key for key, value in listing_mix.items()}
    ascending = [by[i] for i in found(client, admin, "properties", "id", sort="price")]
    descending = [by[i] for i in found(client, admin, "properties", "id", sort="-price")]
    assert ascending == ["cheap", "mid", "big", "unpriced"]
    assert descending == ["big", "mid", "cheap", "unpriced"]


# --- properties: radius -------------------------------------------------------------------------


def test_geo_radius_keeps_points_inside_and_sorts_by_distance(
    client: TestClient, admin: Account, database: Database
) -> None:
    lat, lon = AUSTIN
    near = add_property(database, admin, "1 Near St", latitude=lat + 0.02, longitude=lon)  # 2.2 km
    nearer = add_property(database, admin, "2 Close St", latitude=lat, longitude=lon + 0.005)
    edge = add_property(database, admin, "3 Edge St", latitude=lat + 0.085, longitude=lon)  # 9.5
    add_property(database, admin, "4 Far St", latitude=lat + 0.5, longitude=lon)  # 55 km
    add_property(database, admin, "5 Nowhere St")  # no coordinates

    geo = {"lat": lat, "lon": lon, "radius_km": 10}
    result = search(client, admin, "properties", geo=geo, sort="distance")
    assert [item["id"] for item in result["items"]] == [nearer, near, edge]
    for item in result["items"]:
        expected = haversine_km(lat, lon, item["latitude"], item["longitude"])
        assert item["distance_km"] == pytest.approx(expected, abs=1e-6)
    assert result["items"][2]["distance_km"] == pytest.approx(9.45, abs=0.05)

    narrow = {"lat": lat, "lon": lon, "radius_km": 2}
    assert found(client, admin, "properties", "id", geo=narrow) == [nearer]
    # Text and radius together; relevance stays the default with q.
    assert found(client, admin, "properties", "id", q="near", geo=geo) == [near]


def test_geo_radius_across_the_antimeridian_and_near_a_pole(
    client: TestClient, admin: Account, database: Database
) -> None:
    east = add_property(database, admin, "1 Date Line Rd", latitude=-16.5, longitude=179.95)
    west = add_property(database, admin, "2 Date Line Rd", latitude=-16.5, longitude=-179.95)
    add_property(database, admin, "3 Far Rd", latitude=-16.5, longitude=178.0)
    geo = {"lat": -16.5, "lon": 179.99, "radius_km": 20}
    assert set(found(client, admin, "properties", "id", geo=geo)) == {east, west}

    polar = add_property(database, admin, "Station", latitude=89.9, longitude=-120.0)
    geo = {"lat": 89.95, "lon": 60.0, "radius_km": 50}
    assert found(client, admin, "properties", "id", geo=geo) == [polar]


def test_geo_radius_centred_west_of_the_antimeridian_finds_both_sides(
    client: TestClient, admin: Account, database: Database
) -> None:
    # Taveuni (Fiji) straddles 180 degrees: a search from its western-hemisphere side.
    east = add_property(database, admin, "1 Waiyevo Rd", latitude=-16.79, longitude=179.97)
    west = add_property(database, admin, "2 Somosomo Rd", latitude=-16.77, longitude=-179.98)
    add_property(database, admin, "3 Savusavu Rd", latitude=-16.78, longitude=179.33)  # 66 km
    geo = {"lat": -16.78, "lon": -179.9, "radius_km": 25}
    result = search(client, admin, "properties", geo=geo, sort="distance")
    assert [item["id"] for item in result["items"]] == [west, east]
    assert result["total"] == 2
    for item in result["items"]:
        expected = haversine_km(-16.78, -179.9, item["latitude"], item["longitude"])
        assert item["distance_km"] == pytest.approx(expected, abs=1e-6) and expected < 25


# --- bad and odd input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"geo": {"lat": 30, "lon": -97, "radius_km": 0}}, "body.geo.radius_km"),
        ({"geo": {"lat": 30, "lon": -97, "radius_km": 500.1}}, "body.geo.radius_km"),
        ({"geo": {"lat": 30, "lon": -97}}, "body.geo.radius_km"),
        ({"geo": {"lat": 90.5, "lon": -97, "radius_km": 1}}, "body.geo.lat"),
        ({"geo": {"lat": 30, "lon": 180.5, "radius_km": 1}}, "body.geo.lon"),
        ({"geo": {"lat": 30, "lon": 1, "radius_km": 1, "unit": "mi"}}, "body.geo.unit"),
        ({"geo": "austin"}, "body.geo"),
        ({"page_size": 101}, "body.page_size"),
        ({"page": 0}, "body.page"),
        ({"organization_id": str(uuid.uuid4())}, "body.organization_id"),
        ({"sort": "relevance"}, "body.sort"),
        ({"sort": "distance"}, "body.sort"),
        ({"sort": "owner_name"}, "body.sort"),
        ({"min_price": 500, "max_price": 100}, "body.max_price"),
        ({"min_sqft": 500, "max_sqft": 100}, "body.max_sqft"),
        ({"min_price": -1}, "body.min_price"),
        ({"min_bedrooms": 10**30}, "body.min_bedrooms"),
        ({"q": "x" * 201}, "body.q"),
        ({"q": "nul\x00byte"}, "body.q"),
        ({"q": 42}, "body.q"),
        ({"city": "Aus\x00tin"}, "body.city"),
        ({"state": "Texas"}, "body.state"),
        ({"zip_code": "7870"}, "body.zip_code"),
        ({"property_type": "castle"}, "body.property_type"),
    ],
)
def test_bad_property_search_input_is_a_422_naming_the_field(
    client: TestClient, admin: Account, body: dict[str, Any], field: str
) -> None:
    response = client.post(f"{SEARCH}/properties", headers=admin.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in field_errors(response)
