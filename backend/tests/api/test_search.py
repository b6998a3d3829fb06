"""Search: relevance, filters, radius, archived rows, tenancy, roles, suggestions, bad and odd
input on both databases, the SQLite FTS triggers, migrations 0007 and 0009 both ways, and on
PostgreSQL that the text and autocomplete queries use their indexes and that the autocomplete
look-ups answer in tiers (what starts with the text first) within their limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update
from sqlalchemy.engine import make_url

from providers.geo import haversine_km
from reos.core import migrations
from reos.core.db import Database, create_db_engine
from reos.models import Campaign, Lead, Property
from reos.search.backends import fts5_query
from reos.search.service import phone_as_stored
from tests.conftest import Account, add_member, empty_postgres, register
from tests.services import PG_ADMIN_DSN, need_postgres

SEARCH = "/api/v1/search"
AUSTIN = (30.2672, -97.7431)


# --- helpers ------------------------------------------------------------------------------------


def org(account: Account) -> uuid.UUID:
    return uuid.UUID(account.organization_id)


def add_property(database: Database, account: Account, address: str, **fields: Any) -> str:
    values: dict[str, Any] = {
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
        "property_type": "single_family",
        **fields,
    }
    with database.unit_of_work(org(account)) as session:
        home = Property(
            address=address,
            normalized_address=f"{address.lower()} {uuid.uuid4().hex}",
            **values,
        )
        session.add(home)
        session.flush()
        return str(home.id)


def add_lead(database: Database, account: Account, first: str, last: str, **fields: Any) -> str:
    with database.unit_of_work(org(account)) as session:
        lead = Lead(first_name=first, last_name=last, **fields)
        session.add(lead)
        session.flush()
        return str(lead.id)


def add_campaign(database: Database, account: Account, name: str, **fields: Any) -> str:
    with database.unit_of_work(org(account)) as session:
        campaign = Campaign(name=name, channel=fields.pop("channel", "email"), **fields)
        session.add(campaign)
        session.flush()
        return str(campaign.id)


def archive(database: Database, account: Account, model: Any, row_id: str) -> None:
    with database.unit_of_work(org(account)) as session:
        session.execute(
            update(model).where(model.id == uuid.UUID(row_id)).values(deleted_at=datetime.now(UTC))
        )


def search(client: TestClient, account: Account, kind: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{SEARCH}/{kind}", headers=account.headers, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def found(client: TestClient, account: Account, kind: str, key: str, **body: Any) -> list[Any]:
    return [item[key] for item in search(client, account, kind, **body)["items"]]


def suggest(client: TestClient, account: Account, q: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(
        f"{SEARCH}/suggestions", headers=account.headers, params={"q": q, **params}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def field_errors(response: Any) -> set[str]:
    return {error["field"] for error in response.json().get("errors", [])}


def dialect(database: Database) -> str:
    return database.engine.dialect.name


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


# --- archived rows, tenancy, roles --------------------------------------------------------------


def test_archived_rows_are_never_found(
    client: TestClient, admin: Account, database: Database
) -> None:
    live = add_property(database, admin, "1 Willow Way")
    gone = add_property(database, admin, "2 Willow Way")
    archive(database, admin, Property, gone)
    lead = add_lead(database, admin, "Willow", "Archived")
    archive(database, admin, Lead, lead)
    campaign = add_campaign(database, admin, "Willow mailer")
    archive(database, admin, Campaign, campaign)

    assert found(client, admin, "properties", "id", q="willow") == [live]
    assert found(client, admin, "properties", "id") == [live]
    assert search(client, admin, "leads", q="willow")["total"] == 0
    assert search(client, admin, "campaigns", q="willow")["total"] == 0
    assert [item["id"] for item in suggest(client, admin, "willow")] == [live]


def test_another_organizations_rows_never_appear(
    client: TestClient, admin: Account, database: Database
) -> None:
    rival = register(client, "Rival Realty")
    mine = add_property(database, admin, "1 Harbor Rd", city="Harborton", latitude=1, longitude=1)
    theirs = add_property(
        database, rival, "1 Harbor Rd", city="Harborville", latitude=1, longitude=1
    )
    my_lead = add_lead(database, admin, "Harbor", "Mine", email="mine@example.com")
    their_lead = add_lead(database, rival, "Harbor", "Theirs", email="theirs@example.com")
    my_campaign = add_campaign(database, admin, "Harbor launch")
    their_campaign = add_campaign(database, rival, "Harbor launch")

    geo = {"lat": 1, "lon": 1, "radius_km": 1}
    assert found(client, admin, "properties", "id", q="harbor") == [mine]
    assert found(client, admin, "properties", "id", geo=geo) == [mine]
    assert found(client, admin, "properties", "id") == [mine]
    assert found(client, admin, "leads", "id", q="harbor") == [my_lead]
    assert found(client, admin, "leads", "id", q="theirs@example.com") == []
    assert found(client, admin, "campaigns", "id", q="harbor") == [my_campaign]
    assert found(client, admin, "campaigns", "id") == [my_campaign]
    labels = {(item["type"], item["label"]) for item in suggest(client, admin, "harbor")}
    assert labels == {("city", "Harborton"), ("address", "1 Harbor Rd"), ("lead", "Harbor Mine")}
    # And the other way round.
    assert found(client, rival, "properties", "id", q="harbor") == [theirs]
    assert found(client, rival, "leads", "id") == [their_lead]
    assert found(client, rival, "campaigns", "id", q="launch") == [their_campaign]


def test_a_viewer_may_search_and_an_anonymous_caller_may_not(
    client: TestClient, admin: Account, database: Database
) -> None:
    viewer = add_member(client, admin, "viewer")
    home = add_property(database, admin, "7 Cedar Ct")
    lead = add_lead(database, admin, "Cedar", "Lane")
    campaign = add_campaign(database, admin, "Cedar open house")
    assert found(client, viewer, "properties", "id", q="cedar") == [home]
    assert found(client, viewer, "leads", "id", q="cedar") == [lead]
    assert found(client, viewer, "campaigns", "id", q="cedar") == [campaign]
    assert {item["type"] for item in suggest(client, viewer, "cedar")} == {"address", "lead"}
    for kind in ("properties", "leads", "campaigns"):
        response = client.post(f"{SEARCH}/{kind}", json={})
        assert response.status_code == 401
    assert client.get(f"{SEARCH}/suggestions", params={"q": "a"}).status_code == 401
    # Every role holds the three read permissions, so no caller can be refused with a 403 here.


# --- leads and campaigns ------------------------------------------------------------------------


def test_leads_are_found_by_name_email_phone_and_notes_and_filtered(
    client: TestClient, admin: Account, database: Database
) -> None:
    ann = add_lead(
        database,
        admin,
        "Ann",
        "Lee",
        email="ann.lee@example.com",
        phone="+14155550100",
        status="qualified",
        source="Zillow",
        current_score=80,
        notes="Wants a garden and a garage",
    )
    bob = add_lead(
        database,
        admin,
        "Bob",
        "Stone",
        email="bob@example.com",
        source="Referral",
        current_score=40,
        notes="Garden lover",
    )
    assert found(client, admin, "leads", "id", q="ann") == [ann]
    assert found(client, admin, "leads", "id", q="lee") == [ann]
    assert found(client, admin, "leads", "id", q="ann.lee@example.com") == [ann]
    assert found(client, admin, "leads", "id", q="(415) 555-0100") == [ann]
    assert found(client, admin, "leads", "id", q="+1 415 555 0100") == [ann]
    assert found(client, admin, "leads", "id", q="garage") == [ann]
    assert set(found(client, admin, "leads", "id", q="garden")) == {ann, bob}
    # A name match outweighs a notes match.
    stone = add_lead(database, admin, "Garden", "Stone")
    assert found(client, admin, "leads", "id", q="garden")[0] == stone

    assert found(client, admin, "leads", "id", status="qualified") == [ann]
    assert found(client, admin, "leads", "id", source="referral") == [bob]
    assert found(client, admin, "leads", "id", min_score=50) == [ann]
    assert found(client, admin, "leads", "id", q="garden", min_score=30, sort="current_score") == [
        bob,
        ann,
    ]
    assert found(client, admin, "leads", "last_name", sort="last_name") == ["Lee", "Stone", "Stone"]


def test_phone_like_queries_are_normalized_as_leads_store_them() -> None:
    assert phone_as_stored("(415) 555-0100") == "+14155550100"
    assert phone_as_stored("+44 20 7946 0958") == "+442079460958"
    assert phone_as_stored("ann 415") == "ann 415"
    assert phone_as_stored("12") == "12"


def test_campaigns_are_found_by_name_and_filtered(
    client: TestClient, admin: Account, database: Database
) -> None:
    spring = add_campaign(database, admin, "Spring open house", status="running")
    sms = add_campaign(database, admin, "Spring SMS blast", channel="sms")
    add_campaign(database, admin, "Winter newsletter")
    assert set(found(client, admin, "campaigns", "id", q="spring")) == {spring, sms}
    assert found(client, admin, "campaigns", "id", q="open house") == [spring]
    assert found(client, admin, "campaigns", "id", q="spring", status="running") == [spring]
    assert found(client, admin, "campaigns", "id", channel="sms") == [sms]
    assert found(client, admin, "campaigns", "name", sort="name") == [
        "Spring open house",
        "Spring SMS blast",
        "Winter newsletter",
    ]


# --- suggestions --------------------------------------------------------------------------------


def test_suggestions_are_typed_distinct_and_prefix_first(
    client: TestClient, admin: Account, database: Database
) -> None:
    plaza = add_property(database, admin, "Mainland Plaza 1", city="Austin")
    street = add_property(database, admin, "12 Main St", city="Mainville")
    add_property(database, admin, "14 Main St", city="Mainville")
    lead = add_lead(database, admin, "Rita", "Mainz")
    add_property(database, admin, "99 Other Rd", city="Elsewhere")

    items = suggest(client, admin, "main")
    # What starts with "main" (a lead's first or last name counts) comes first, by type ...
    assert items[:3] == [
        {"type": "city", "label": "Mainville", "id": None},
        {"type": "address", "label": "Mainland Plaza 1", "id": plaza},
        {"type": "lead", "label": "Rita Mainz", "id": lead},
    ]
    # ... then what merely has a word starting with it.
    assert [(item["type"], item["label"]) for item in items[3:]] == [
        ("address", "12 Main St"),
        ("address", "14 Main St"),
    ]
    assert [item["label"] for item in items].count("Mainville") == 1
    assert {item["id"] for item in items if item["type"] == "lead"} == {lead}
    assert street in {item["id"] for item in items}

    assert len(suggest(client, admin, "main", limit=2)) == 2
    assert [item["label"] for item in suggest(client, admin, "ma")][:2] == [
        "Mainville",
        "Mainland Plaza 1",
    ]
    assert [item["label"] for item in suggest(client, admin, "rita m")] == ["Rita Mainz"]
    assert suggest(client, admin, "zzz") == []
    assert suggest(client, admin, "  ") == []


def test_suggestions_fill_the_limit_prefix_first_without_duplicates(
    client: TestClient, admin: Account, database: Database
) -> None:
    ids = {
        address: add_property(database, admin, address)
        for address in ("Oak Plaza 1", "Oak Grove 2", "12 Oak St", "14 Oak Ave", "3 Oakley Rd")
    }
    add_property(database, admin, "77 Pine Rd", city="Oakland")
    add_property(database, admin, "8 Elm St")
    expected = [
        ("city", "Oakland"),  # what starts with "oak": cities, then addresses ...
        ("address", "Oak Grove 2"),
        ("address", "Oak Plaza 1"),
        ("address", "12 Oak St"),  # ... then what has a word starting with it
        ("address", "14 Oak Ave"),
        ("address", "3 Oakley Rd"),
    ]
    for limit in range(1, 8):
        items = suggest(client, admin, "oak", limit=limit)
        assert [(item["type"], item["label"]) for item in items] == expected[:limit]
        addresses = [item["id"] for item in items if item["type"] == "address"]
        assert len(set(addresses)) == len(addresses)
        assert all(ids[item["label"]] == item["id"] for item in items if item["id"] is not None)
    # Two letters look up word prefixes (no contains): the same answer.
    assert [item["label"] for item in suggest(client, admin, "oa", limit=4)] == [
        label for _, label in expected[:4]
    ]


def test_suggestions_never_show_another_organization_or_archived_rows(
    client: TestClient, admin: Account, database: Database
) -> None:
    rival = register(client, "Rival Realty")
    # The rival's rows sort before mine in every tier, so a lookup that ignored the organization
    # would show them first.
    for address, city in (("Aspen Court 1", "Aspenhill"), ("1 Aspen Way", "Old Aspen")):
        add_property(database, rival, address, city=city)
    mine = add_property(database, admin, "Aspen Ridge 9", city="Aspenwood")
    word = add_property(database, admin, "9 Aspen Ln", city="West Aspen")
    gone = add_property(database, admin, "Aspen Archived 1", city="Aspen Park")
    archive(database, admin, Property, gone)

    items = suggest(client, admin, "asp", limit=20)
    assert [(item["type"], item["label"]) for item in items] == [
        ("city", "Aspenwood"),
        ("address", "Aspen Ridge 9"),
        ("city", "West Aspen"),
        ("address", "9 Aspen Ln"),
    ]
    assert {item["id"] for item in items if item["id"]} == {mine, word}
    assert {item["label"] for item in suggest(client, rival, "asp", limit=20)} == {
        "Aspenhill",
        "Aspen Court 1",
        "Old Aspen",
        "1 Aspen Way",
    }


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


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("leads", {"min_score": 101}, "body.min_score"),
        ("leads", {"status": "hot"}, "body.status"),
        ("leads", {"sort": "relevance", "q": " "}, "body.sort"),
        ("leads", {"geo": {"lat": 1, "lon": 1, "radius_km": 1}}, "body.geo"),
        ("campaigns", {"channel": "fax"}, "body.channel"),
        ("campaigns", {"status": "done"}, "body.status"),
        ("campaigns", {"page_size": 0}, "body.page_size"),
    ],
)
def test_bad_lead_and_campaign_search_input_is_a_422(
    client: TestClient, admin: Account, kind: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(f"{SEARCH}/{kind}", headers=admin.headers, json=body)
    assert response.status_code == 422, response.text
    assert field in field_errors(response)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "query.q"),
        ({"q": ""}, "query.q"),
        ({"q": "x" * 101}, "query.q"),
        ({"q": "a\x00b"}, "query.q"),
        ({"q": "a", "limit": 21}, "query.limit"),
        ({"q": "a", "limit": 0}, "query.limit"),
    ],
)
def test_bad_suggestion_input_is_a_422(
    client: TestClient, admin: Account, params: dict[str, Any], field: str
) -> None:
    response = client.get(f"{SEARCH}/suggestions", headers=admin.headers, params=params)
    assert response.status_code == 422, response.text
    assert field in field_errors(response)


def test_a_lone_surrogate_is_a_422_and_bad_json_a_400(client: TestClient, admin: Account) -> None:
    headers = {**admin.headers, "Content-Type": "application/json"}
    response = client.post(f"{SEARCH}/properties", headers=headers, content='{"q": "\\ud800"}')
    assert response.status_code == 422, response.text
    assert "body.q" in field_errors(response)
    response = client.post(f"{SEARCH}/leads", headers=headers, content='{"q": ')
    assert response.status_code == 400


ODD_QUERIES = [
    '"',
    '""',
    '"unterminated phrase',
    "AND(",
    "OR",
    "or or or",
    "NOT",
    "a AND NOT b",
    "-",
    "--",
    "-pool",
    "a -",
    "*",
    "pool*",
    "^pool",
    "NEAR(pool garden)",
    "{address}: pool",
    "address:pool",
    "!(&|):*<->",
    "'; DROP TABLE properties; --",
    "\\",
    "%",
    "_",
    "%_%\\%",
    "the",
    "café crème",
    "日本語の住所",
    "Ünïcödé ŁÓDŹ",
    "😀 🏠",
    "\u200b\u00a0",
    "a" * 100,
    "word " * 20,
    "(((((",
    "a:b:c",
    "+14155550100",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_query_text_never_fails(
    client: TestClient, admin: Account, database: Database, q: str
) -> None:
    add_property(database, admin, "1 Pool Rd", description="pool and garden", city="Café")
    add_lead(database, admin, "Pool", "Garden", notes=q)
    add_campaign(database, admin, "Pool party")
    for kind in ("properties", "leads", "campaigns"):
        search(client, admin, kind, q=q)
        search(client, admin, kind, q=q, sort="created_at")
    if len(q) <= 100:
        suggest(client, admin, q)


def test_fts5_queries_quote_every_word() -> None:
    assert fts5_query('pool "quiet garden" or -river loft') is not None
    assert fts5_query("pool garden") == '("pool" AND "garden")'
    assert fts5_query("pool or garden") == '("pool") OR ("garden")'
    assert fts5_query("garden -pool") == '(("garden") NOT "pool")'
    assert fts5_query('"quiet garden"') == '("quiet garden")'
    # Operators are words like any other ("and" a stop word at that); punctuation inside a
    # term makes a phrase of its words, as the tokenizer would.
    assert fts5_query('AND( NEAR" OR(x') == '("NEAR" AND "OR x")'
    for nothing in ('"', "-", "the", "-pool", "!@#$", ""):
        assert fts5_query(nothing) is None


# --- the index stays in sync --------------------------------------------------------------------


def test_the_text_index_follows_updates_and_deletes(
    client: TestClient, admin: Account, database: Database, owner_engine: Any
) -> None:
    home = add_property(database, admin, "8 Quartz Ln", description="marble kitchen")
    lead = add_lead(database, admin, "Quinn", "Marble")
    campaign = add_campaign(database, admin, "Marble promo")
    assert found(client, admin, "properties", "id", q="marble") == [home]

    with database.unit_of_work(org(admin)) as session:
        session.execute(
            update(Property)
            .where(Property.id == uuid.UUID(home))
            .values(description="granite kitchen", address="8 Onyx Ln")
        )
        session.execute(update(Lead).where(Lead.id == uuid.UUID(lead)).values(last_name="Slate"))
        session.execute(update(Campaign).values(name="Granite promo"))
    assert found(client, admin, "properties", "id", q="marble") == []
    assert found(client, admin, "properties", "id", q="quartz") == []
    assert found(client, admin, "properties", "id", q="granite onyx") == [home]
    assert found(client, admin, "leads", "id", q="slate") == [lead]
    assert found(client, admin, "leads", "id", q="marble") == []
    assert found(client, admin, "campaigns", "id", q="granite") == [campaign]
    assert [item["label"] for item in suggest(client, admin, "ony")] == ["8 Onyx Ln"]

    with database.unit_of_work(org(admin)) as session:
        session.execute(text("DELETE FROM properties"))
        session.execute(text("DELETE FROM leads"))
    assert found(client, admin, "properties", "id", q="granite") == []
    assert found(client, admin, "leads", "id", q="slate") == []
    assert suggest(client, admin, "ony") == []

    if owner_engine.dialect.name == "sqlite":
        with owner_engine.begin() as connection:
            for name in ("properties", "leads", "campaigns"):
                fts = f"{name}_fts"
                # Raises if the index and the table disagree.
                connection.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))
            indexed = connection.execute(text("SELECT count(*) FROM properties_fts_docsize"))
            assert indexed.scalar_one() == 0


# --- migration 0007 both ways -------------------------------------------------------------------

SQLITE_SEARCH_OBJECTS = {
    ("table", "properties_fts"),
    ("table", "leads_fts"),
    ("table", "campaigns_fts"),
    *(
        ("trigger", f"{table}_fts_{event}")
        for table in ("properties", "leads", "campaigns")
        for event in ("insert", "update", "delete")
    ),
}
PG_SEARCH_INDEXES = {
    "ix_properties_search_tsv",
    "ix_leads_search_tsv",
    "ix_campaigns_search_tsv",
    "ix_properties_address_trgm",
    "ix_properties_city_trgm",
    "ix_leads_first_name_trgm",
    "ix_leads_last_name_trgm",
}


def test_migration_0007_goes_down_and_up_on_sqlite_and_indexes_existing_rows(
    tmp_path: Path,
) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'search.db'}")
    migrations.upgrade(url, "0006")
    engine = create_db_engine(url)

    def objects() -> set[tuple[str, str]]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT type, name FROM sqlite_master"))
            return {(kind, name) for kind, name in rows} & SQLITE_SEARCH_OBJECTS

    try:
        assert objects() == set()
        org_id = uuid.uuid4().hex
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organizations (id, name, slug, plan, created_at, updated_at) "
                    "VALUES (:id, 'Old', 'old', 'demo', '2026-01-01', '2026-01-01')"
                ),
                {"id": org_id},
            )
            connection.execute(
                text(
                    "INSERT INTO properties (id, organization_id, address, city, state, "
                    "zip_code, property_type, status, normalized_address, created_at, "
                    "updated_at) VALUES (:id, :org, '1 Legacy Rd', 'Austin', 'TX', '78701', "
                    "'condo', 'active', 'legacy', '2026-01-01', '2026-01-01')"
                ),
                {"id": uuid.uuid4().hex, "org": org_id},
            )
        migrations.upgrade(url)
        assert objects() == SQLITE_SEARCH_OBJECTS
        with engine.connect() as connection:
            match = "SELECT count(*) FROM properties_fts WHERE properties_fts MATCH 'legacy'"
            assert connection.execute(text(match)).scalar_one() == 1
        migrations.downgrade(url, "0006")
        assert objects() == set()
        assert migrations.current(url) == "0006"
        migrations.upgrade(url)
        assert objects() == SQLITE_SEARCH_OBJECTS
    finally:
        engine.dispose()


@pytest.fixture
def empty_pg_url() -> Iterator[Any]:
    need_postgres()
    with empty_postgres(PG_ADMIN_DSN, "reos_search") as url:
        yield url


def test_migration_0007_goes_down_and_up_on_postgres(empty_pg_url: Any) -> None:
    def state() -> tuple[set[str], bool]:
        engine = create_db_engine(empty_pg_url)
        try:
            with engine.connect() as connection:
                names = connection.execute(text("SELECT indexname FROM pg_indexes")).scalars()
                trgm = connection.execute(
                    text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
                ).scalar_one()
                return set(names) & PG_SEARCH_INDEXES, bool(trgm)
        finally:
            engine.dispose()

    migrations.upgrade(empty_pg_url, "0008")
    assert state() == (PG_SEARCH_INDEXES, True)
    migrations.downgrade(empty_pg_url, "0006")
    assert state() == (set(), False)
    migrations.upgrade(empty_pg_url, "0008")
    assert state() == (PG_SEARCH_INDEXES, True)


# --- migration 0009 both ways -------------------------------------------------------------------

# What 0009 replaces 0007's trigram indexes with (and the btrees it adds).
PG_SUGGESTION_INDEXES = {
    "ix_properties_suggest_address",
    "ix_properties_suggest_city",
    "ix_properties_address_lower_trgm",
    "ix_leads_suggest_last_first",
    "ix_leads_suggest_first_last",
    "ix_leads_first_name_lower_trgm",
    "ix_leads_last_name_lower_trgm",
}
PG_REPLACED_INDEXES = {
    "ix_properties_address_trgm",
    "ix_properties_city_trgm",
    "ix_leads_first_name_trgm",
    "ix_leads_last_name_trgm",
}
SUGGESTION_SIGNATURES = (
    "reos_suggest_addresses(text, text, text, text, integer)",
    "reos_suggest_cities(text, text, text, text, integer)",
    "reos_suggest_leads(text, text, text, text, integer, text, text)",
)


def test_migration_0009_goes_down_and_up_on_postgres(empty_pg_url: Any) -> None:
    def state() -> tuple[set[str], set[int], bool]:
        """(search indexes, the look-ups' row estimates, whether the app role may call them)"""
        engine = create_db_engine(empty_pg_url)
        try:
            with engine.connect() as connection:
                names = connection.execute(text("SELECT indexname FROM pg_indexes")).scalars()
                rows = connection.execute(
                    text("SELECT prorows FROM pg_proc WHERE proname LIKE 'reos_suggest_%'")
                ).scalars()
                callable_ = all(
                    connection.execute(
                        text("SELECT has_function_privilege('reos_app', :f, 'EXECUTE')"),
                        {"f": signature},
                    ).scalar_one()
                    for signature in SUGGESTION_SIGNATURES
                )
                indexes = set(names) & (PG_SUGGESTION_INDEXES | PG_REPLACED_INDEXES)
                return indexes, {int(r) for r in rows}, callable_
        finally:
            engine.dispose()

    migrations.upgrade(empty_pg_url, "0009")
    assert state() == (PG_SUGGESTION_INDEXES, {20}, True)
    migrations.downgrade(empty_pg_url, "0008")
    assert state() == (PG_REPLACED_INDEXES, {1000}, True)
    migrations.upgrade(empty_pg_url, "0009")
    assert state() == (PG_SUGGESTION_INDEXES, {20}, True)


def test_migration_0009_leaves_sqlite_as_it_is(tmp_path: Path) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'suggest.db'}")
    migrations.upgrade(url, "0008")
    engine = create_db_engine(url)

    def schema() -> set[tuple[str, str]]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT type, name FROM sqlite_master"))
            return {(kind, name) for kind, name in rows}

    try:
        before = schema()
        migrations.upgrade(url, "0009")
        assert migrations.current(url) == "0009"
        assert schema() == before
        migrations.downgrade(url, "0008")
        assert schema() == before
    finally:
        engine.dispose()


# --- PostgreSQL: the queries use their indexes --------------------------------------------------


@pytest.fixture
def captured_sql(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", capture)
    yield statements
    event.remove(database.engine, "before_cursor_execute", capture)


def function_plans(owner_engine: Any, account: Account, call: str) -> str:
    """The plans of the statements a search function runs (auto_explain's nested statements:
    the very SQL, planned as in production), for the caller's organization, sequential scans
    off. Run as the owner, as SECURITY DEFINER runs them."""
    plans: list[str] = []
    connection = owner_engine.connect()
    try:
        driver = connection.connection.dbapi_connection
        driver.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
        connection.execute(
            text("SELECT set_config('app.org_id', :org, false)"), {"org": account.organization_id}
        )
        try:
            connection.exec_driver_sql("LOAD 'auto_explain'")
        except Exception:
            pytest.skip("auto_explain (PostgreSQL contrib) is not installed")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_nested_statements = on",
            "client_min_messages = log",
            "enable_seqscan = off",
        ):
            connection.exec_driver_sql(f"SET {setting}")
        connection.exec_driver_sql(call.replace("%", "%%")).all()
    finally:
        # The settings and the loaded module must not reach another test: drop the connection.
        connection.invalidate()
        connection.close()
    return "\n".join(plans)


def uses(plan_text: str, index: str) -> bool:
    """Whether a plan reads `index` (a bitmap, plain or index-only scan)."""
    return any(
        f"{scan} {index} " in plan_text or plan_text.endswith(f"{scan} {index}")
        for scan in ("Bitmap Index Scan on", "Index Scan using", "Index Only Scan using")
    )


def test_postgres_text_and_suggestion_queries_use_their_indexes(
    client: TestClient,
    admin: Account,
    database: Database,
    captured_sql: list[str],
    owner_engine: Any,
) -> None:
    if dialect(database) != "postgresql":
        pytest.skip("PostgreSQL only: run with DB_DSN=postgresql+psycopg://...")
    # Enough rows, and selective lookups, for an index to be worth it, as it is in production.
    rival = register(client, "Rival Realty")
    for account in (admin, rival):
        with database.unit_of_work(org(account)) as session:
            values = {"org": account.organization_id}
            session.execute(
                text(
                    "INSERT INTO properties (id, organization_id, address, city, state, zip_code, "
                    "property_type, status, normalized_address, description, created_at, "
                    "updated_at) SELECT gen_random_uuid(), CAST(:org AS uuid), n || ' Common St', "
                    "'Commonton ' || n % 20, 'TX', '78701', 'condo', 'active', 'n' || n, "
                    "'garden view', now(), now() FROM generate_series(1, 2000) AS n"
                ),
                values,
            )
            session.execute(
                text(
                    "INSERT INTO leads (id, organization_id, first_name, last_name, status, "
                    "created_at, updated_at) SELECT gen_random_uuid(), CAST(:org AS uuid), "
                    "'Common' || n, 'Person' || n, 'new', now(), now() "
                    "FROM generate_series(1, 2000) AS n"
                ),
                values,
            )
    add_property(database, admin, "7 Zephyr Way", city="Zermatt", description="pool")
    add_lead(database, admin, "Zelda", "Quartermaine")
    # Statistics, as autovacuum keeps them (only the owner may gather them).
    with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE properties, leads"))

    # The API goes through the functions ...
    assert len(found(client, admin, "properties", "id", q="zephyr pool")) == 1
    assert len(found(client, admin, "leads", "id", q="zelda")) == 1
    assert len(suggest(client, admin, "zep")) == 1
    assert len(suggest(client, admin, "ze")) == 3
    assert len(suggest(client, admin, "zelda qu")) == 1
    called = " ".join(captured_sql)
    for name in (
        "reos_search_properties",
        "reos_search_leads",
        "reos_suggest_addresses",
        "reos_suggest_cities",
        "reos_suggest_leads",
    ):
        assert f"{name}(" in called

    # ... and each function's SQL is answered from its indexes.
    plan = function_plans(owner_engine, admin, "SELECT * FROM reos_search_properties('zephyr')")
    assert uses(plan, "ix_properties_search_tsv"), plan
    plan = function_plans(owner_engine, admin, "SELECT * FROM reos_search_leads('zelda')")
    assert uses(plan, "ix_leads_search_tsv"), plan
    # The suggestions: what starts with the text from a btree range, the rest (nothing else
    # starts with "ze") from a trigram index; cities by skipping through their btree; leads
    # from the btree of each name, then a bounded walk in order, then the trigram indexes.
    for patterns in ("'zep%', NULL, NULL, '%zep%'", "'ze%', 'ze%', '% ze%', NULL"):
        call = f"SELECT * FROM reos_suggest_addresses({patterns}, 10)"
        plan = function_plans(owner_engine, admin, call)
        assert "Limit" in plan, plan
        assert uses(plan, "ix_properties_suggest_address"), plan
        assert uses(plan, "ix_properties_address_lower_trgm"), plan
        call = f"SELECT * FROM reos_suggest_cities({patterns}, 10)"
        plan = function_plans(owner_engine, admin, call)
        assert uses(plan, "ix_properties_suggest_city") and "Limit" in plan, plan
        assert "Seq Scan" not in plan and "Bitmap" not in plan, plan
        call = f"SELECT * FROM reos_suggest_leads({patterns}, 10, 'zelda%', 'qu%')"
        plan = function_plans(owner_engine, admin, call)
        for index in (
            "ix_leads_suggest_last_first",
            "ix_leads_suggest_first_last",
            "ix_leads_first_name_lower_trgm",
            "ix_leads_last_name_lower_trgm",
        ):
            assert uses(plan, index), plan
    # A common pattern ("common" in 2,000 addresses) is read in order and stops at the limit,
    # without sorting its matches.
    call = "SELECT * FROM reos_suggest_addresses('co%', 'co%', '% co%', NULL, 10)"
    plan = function_plans(owner_engine, admin, call)
    assert uses(plan, "ix_properties_suggest_address") and "Limit" in plan, plan
    assert "Sort" not in plan and "Bitmap" not in plan, plan


def lookup(owner_engine: Any, account: Account, call: str) -> list[tuple[str, bool]]:
    """(label, starts) of what a suggestion function answers for the caller's organization, in
    its order. Run as the owner, as SECURITY DEFINER runs it."""
    with owner_engine.connect() as connection:
        connection.execute(
            text("SELECT set_config('app.org_id', :org, false)"), {"org": account.organization_id}
        )
        rows = connection.exec_driver_sql(call.replace("%", "%%")).all()
        connection.rollback()
    return [(label, starts) for _, label, starts in rows]


def test_postgres_suggestion_lookups_answer_in_tiers_within_their_limit(
    client: TestClient, admin: Account, database: Database, owner_engine: Any
) -> None:
    if dialect(database) != "postgresql":
        pytest.skip("PostgreSQL only: run with DB_DSN=postgresql+psycopg://...")
    rival = register(client, "Rival Realty")
    for address, city in (
        ("Oak Plaza 1", "Oakland"),
        ("oak grove 2", "Oakland"),  # case does not matter, nor does it split a city's rows
        ("12 Oak St", "Royal Oak"),
        ("14 Oak Ave", "Soakton"),
        ("3 Oakley Rd", "Austin"),
        ("5 Cloak Ln", "Austin"),
    ):
        add_property(database, admin, address, city=city)
    add_property(database, rival, "Oak Rival 1", city="Oakton")
    gone = add_property(database, admin, "Oak Archived 1", city="Oak Park")
    archive(database, admin, Property, gone)

    addresses = [
        ("oak grove 2", True),
        ("Oak Plaza 1", True),
        ("12 Oak St", False),
        ("14 Oak Ave", False),
        ("3 Oakley Rd", False),
        ("5 Cloak Ln", False),  # three letters or more: what contains them too
    ]
    cities = [("Oakland", True), ("Royal Oak", False), ("Soakton", False)]
    for limit in range(1, 8):
        call = f"SELECT * FROM reos_suggest_addresses('oak%', NULL, NULL, '%oak%', {limit})"
        assert lookup(owner_engine, admin, call) == addresses[:limit]
        call = f"SELECT * FROM reos_suggest_cities('oak%', NULL, NULL, '%oak%', {limit})"
        assert lookup(owner_engine, admin, call) == cities[:limit]
    call = "SELECT * FROM reos_suggest_addresses('oa%', 'oa%', '% oa%', NULL, 10)"
    assert lookup(owner_engine, admin, call) == addresses[:5]
    call = "SELECT * FROM reos_suggest_cities('oa%', 'oa%', '% oa%', NULL, 10)"
    assert lookup(owner_engine, admin, call) == cities[:2]
    # A city's id is its first live property's, whichever of its rows matched.
    with owner_engine.connect() as connection:
        connection.execute(
            text("SELECT set_config('app.org_id', :org, false)"), {"org": admin.organization_id}
        )
        city_id = connection.exec_driver_sql(
            "SELECT id FROM reos_suggest_cities('oakl%%', NULL, NULL, '%%oakl%%', 1)"
        ).scalar_one()
        first = connection.execute(
            text(
                "SELECT min(id::text)::uuid FROM properties WHERE city = 'Oakland' "
                "AND organization_id = :org AND deleted_at IS NULL"
            ),
            {"org": admin.organization_id},
        ).scalar_one()
        connection.rollback()
    assert city_id == first

    # Leads: more of them than the second tier walks in order before it looks the rest up.
    for account in (admin, rival):
        with database.unit_of_work(org(account)) as session:
            session.execute(
                text(
                    "INSERT INTO leads (id, organization_id, first_name, last_name, status, "
                    "created_at, updated_at) SELECT gen_random_uuid(), CAST(:org AS uuid), "
                    "'Lead', 'Filler' || lpad(n::text, 4, '0'), 'new', now(), now() "
                    "FROM generate_series(1, 1200) AS n"
                ),
                {"org": account.organization_id},
            )
    for first in ("Ann", "Bo"):
        add_lead(database, admin, first, "Wyzowski")
    add_lead(database, rival, "Cy", "Wyzowski")
    gone = add_lead(database, admin, "Di", "Wyzowski")
    archive(database, admin, Lead, gone)
    add_lead(database, admin, "Illeana", "Zed")

    def leads(patterns: str, limit: int, pair: str = "NULL, NULL") -> list[tuple[str, bool]]:
        call = f"SELECT * FROM reos_suggest_leads({patterns}, {limit}, {pair})"
        return lookup(owner_engine, admin, call)

    # Found by the walk: the first by last name, then first name.
    assert leads("'ille%', NULL, NULL, '%ille%'", 3) == [
        ("Illeana Zed", True),
        ("Lead Filler0001", False),
        ("Lead Filler0002", False),
    ]
    # Found after it: what matches only where the walk does not reach.
    assert leads("'yzo%', NULL, NULL, '%yzo%'", 10) == [
        ("Ann Wyzowski", False),
        ("Bo Wyzowski", False),
    ]
    # A first and a last name: "bo wy".
    assert leads("'bo wy%', NULL, NULL, '%bo wy%'", 10, "'bo%', 'wy%'") == [("Bo Wyzowski", False)]
    assert leads("'wy%', 'wy%', '% wy%', NULL", 1) == [("Ann Wyzowski", True)]
