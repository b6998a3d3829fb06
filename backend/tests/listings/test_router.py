"""Listings: the organization's writes with snapshots, and the public read model of active
listings (no token, public fields only, across organizations)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from reos.core.db import Database
from reos.models import ListingSnapshot, PropertyHistory
from tests.conftest import Account, add_member, register

LISTINGS = "/api/v1/listings"
PROPERTIES = "/api/v1/properties"
PRIVATE_FIELDS = {"owner_name", "apn", "organization_id", "created_by_id", "status", "description"}


def new_property(client: TestClient, account: Account, n: int = 1, **overrides: Any) -> str:
    body = {
        "address": f"{n} Birch Lane",
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
        "property_type": "single_family",
        "price": 350_000,
        "bedrooms": 3,
        "bathrooms": 2.5,
        "square_feet": 1_700,
        "year_built": 2001,
        "latitude": 30.27,
        "longitude": -97.74,
        "apn": f"900-{n}",
        "owner_name": "Secret Owner",
        "description": "Private notes",
    }
    body.update(overrides)
    response = client.post(PROPERTIES, headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def new_listing(
    client: TestClient, account: Account, property_id: str, **overrides: Any
) -> dict[str, Any]:
    body = {
        "property_id": property_id,
        "asking_price": 365_000,
        "terms": {"financing": ["cash", "conventional"], "closing_days": 30},
        "status": "active",
        "public_remarks": "Sunny and quiet.",
    }
    body.update(overrides)
    response = client.post(LISTINGS, headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def snapshots(database: Database, account: Account, listing_id: str) -> list[ListingSnapshot]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return list(
            session.scalars(
                select(ListingSnapshot)
                .where(ListingSnapshot.listing_id == uuid.UUID(listing_id))
                .order_by(ListingSnapshot.captured_at)
            )
        )


# --- the organization's writes ------------------------------------------------------------------


def test_create_records_a_snapshot_and_a_listed_event(
    client: TestClient, database: Database, admin: Account
) -> None:
    property_id = new_property(client, admin)
    listing = new_listing(client, admin, property_id)
    assert listing["status"] == "active" and listing["asking_price"] == 365_000
    assert listing["listed_at"] is not None and listing["property_id"] == property_id
    (snapshot,) = snapshots(database, admin, listing["id"])
    assert (snapshot.status, snapshot.asking_price) == ("active", 365_000)
    assert snapshot.terms == {"financing": ["cash", "conventional"], "closing_days": 30}
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        listed = session.scalars(
            select(PropertyHistory).where(PropertyHistory.change_type == "listed")
        ).one()
        assert str(listed.property_id) == property_id


def test_every_change_is_snapshotted(
    client: TestClient, database: Database, admin: Account
) -> None:
    listing = new_listing(client, admin, new_property(client, admin), status="draft")
    assert listing["listed_at"] is None
    path = f"{LISTINGS}/{listing['id']}"
    update = {"asking_price": 359_000, "terms": {}, "status": "draft", "public_remarks": None}
    first = client.put(path, headers=admin.headers, json=update)
    assert first.status_code == 200 and first.json()["asking_price"] == 359_000
    assert client.put(path, headers=admin.headers, json=update).status_code == 200  # no change
    live = client.put(path, headers=admin.headers, json={**update, "status": "active"})
    assert live.json()["listed_at"] is not None
    history = [(s.status, s.asking_price) for s in snapshots(database, admin, listing["id"])]
    assert history == [("draft", 365_000), ("draft", 359_000), ("active", 359_000)]


def test_bad_listing_input_is_a_422_naming_the_field(client: TestClient, admin: Account) -> None:
    property_id = new_property(client, admin)
    for overrides, field in (
        ({"asking_price": -1}, "body.asking_price"),
        ({"status": "expired"}, "body.status"),
        ({"terms": "cash only"}, "body.terms"),
        ({"property_id": str(uuid.uuid4())}, "body.property_id"),
        ({"organization_id": str(uuid.uuid4())}, "body.organization_id"),
    ):
        body = {"property_id": property_id, "asking_price": 1, **overrides}
        response = client.post(LISTINGS, headers=admin.headers, json=body)
        assert response.status_code == 422, overrides
        assert response.json()["errors"][0]["field"] == field


def test_a_property_has_one_open_listing(client: TestClient, admin: Account) -> None:
    property_id = new_property(client, admin)
    first = new_listing(client, admin, property_id)
    response = client.post(
        LISTINGS, headers=admin.headers, json={"property_id": property_id, "asking_price": 1}
    )
    assert response.status_code == 409 and response.json()["existing_id"] == first["id"]
    body = {"asking_price": 1, "terms": {}, "status": "withdrawn"}
    client.put(f"{LISTINGS}/{first['id']}", headers=admin.headers, json=body)
    new_listing(client, admin, property_id)


def test_listing_writes_respect_tenancy_and_roles(client: TestClient, admin: Account) -> None:
    property_id = new_property(client, admin)
    listing = new_listing(client, admin, property_id)
    rival = register(client, "Rival Realty")
    update = {"asking_price": 1, "terms": {}, "status": "active"}
    path = f"{LISTINGS}/{listing['id']}"
    assert client.put(path, headers=rival.headers, json=update).status_code == 404
    foreign = client.post(
        LISTINGS, headers=rival.headers, json={"property_id": property_id, "asking_price": 1}
    )
    assert foreign.status_code == 422
    viewer = add_member(client, admin, "viewer")
    assert client.put(path, headers=viewer.headers, json=update).status_code == 403
    refused = client.post(
        LISTINGS, headers=viewer.headers, json={"property_id": property_id, "asking_price": 1}
    )
    assert refused.status_code == 403
    assert client.put(path, json=update).status_code == 401
    assert client.post(LISTINGS, json={}).status_code == 401


# --- the public read model ----------------------------------------------------------------------


def test_public_listings_show_only_public_fields(client: TestClient, admin: Account) -> None:
    listing = new_listing(client, admin, new_property(client, admin))
    response = client.get(LISTINGS)  # no token
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 1
    (item,) = page["items"]
    assert item["id"] == listing["id"]
    assert item["asking_price"] == 365_000 and item["public_remarks"] == "Sunny and quiet."
    assert item["terms"] == {"financing": ["cash", "conventional"], "closing_days": 30}
    assert item["property"] == {
        "address": "1 Birch Lane",
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
        "property_type": "single_family",
        "bedrooms": 3,
        "bathrooms": 2.5,
        "square_feet": 1_700,
        "year_built": 2001,
        "latitude": 30.27,
        "longitude": -97.74,
    }
    assert not PRIVATE_FIELDS & (set(item) | set(item["property"]))
    assert "Secret Owner" not in response.text and "900-1" not in response.text
    assert admin.organization_id not in response.text and admin.id not in response.text
    detail = client.get(f"{LISTINGS}/{listing['id']}")
    assert detail.status_code == 200 and detail.json() == item


def test_only_active_listings_of_live_properties_are_public(
    client: TestClient, admin: Account
) -> None:
    active = new_listing(client, admin, new_property(client, admin, 1))
    hidden = [
        new_listing(client, admin, new_property(client, admin, n), status=status)["id"]
        for n, status in enumerate(("draft", "pending", "sold", "withdrawn"), start=2)
    ]
    archived_property = new_property(client, admin, 9)
    archived = new_listing(client, admin, archived_property)
    client.delete(f"{PROPERTIES}/{archived_property}", headers=admin.headers)
    assert [i["id"] for i in client.get(LISTINGS).json()["items"]] == [active["id"]]
    for listing_id in [*hidden, archived["id"], str(uuid.uuid4())]:
        assert client.get(f"{LISTINGS}/{listing_id}").status_code == 404
    # Withdrawing it takes it down at once.
    body = {"asking_price": 1, "terms": {}, "status": "withdrawn"}
    client.put(f"{LISTINGS}/{active['id']}", headers=admin.headers, json=body)
    assert client.get(f"{LISTINGS}/{active['id']}").status_code == 404


def test_public_listings_span_organizations_with_filters_and_pages(
    client: TestClient, admin: Account
) -> None:
    rival = register(client, "Rival Realty")
    austin = new_listing(client, admin, new_property(client, admin, 1), asking_price=300_000)
    dallas = new_listing(
        client,
        rival,
        new_property(client, rival, 2, city="Dallas", zip_code="75201"),
        asking_price=500_000,
    )
    denver = new_listing(
        client,
        rival,
        new_property(client, rival, 3, city="Denver", state="CO", zip_code="80202"),
        asking_price=700_000,
    )

    def found(**params: Any) -> set[str]:
        response = client.get(LISTINGS, params=params)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    assert found() == {austin["id"], dallas["id"], denver["id"]}
    assert found(city="dallas") == {dallas["id"]}
    assert found(state="co") == {denver["id"]}
    assert found(min_price=400_000) == {dallas["id"], denver["id"]}
    assert found(max_price=500_000) == {austin["id"], dallas["id"]}
    assert found(state="TX", min_price=400_000) == {dallas["id"]}
    pages = [client.get(LISTINGS, params={"page": n, "page_size": 2}).json() for n in (1, 2)]
    assert [len(p["items"]) for p in pages] == [2, 1] and pages[0]["total"] == 3
    newest_first = [i["id"] for p in pages for i in p["items"]]
    assert newest_first == [denver["id"], dallas["id"], austin["id"]]
    bad = client.get(LISTINGS, params={"min_price": 5, "max_price": 1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.max_price"
    assert client.get(LISTINGS, params={"state": "Texas"}).status_code == 422


def test_public_reads_are_rate_limited_per_client_ip(
    settings: Any, database: Any, owner_engine: Any
) -> None:
    from tests.conftest import make_app

    with TestClient(make_app(settings, database, rate_limit_default="2/minute")) as client:
        assert client.get(LISTINGS).status_code == 200
        assert client.get(LISTINGS).status_code == 200
        limited = client.get(LISTINGS)
    assert limited.status_code == 429
    assert "retry-after" in limited.headers


def test_the_public_view_has_public_columns_only(database: Any, owner_engine: Any) -> None:
    """The app reaches listings without an organization through this view alone."""
    from sqlalchemy import text

    with database.unit_of_work() as session:  # bound to no organization, like a public route
        columns = set(session.execute(text("SELECT * FROM public_listings LIMIT 0")).keys())
    assert columns == {
        "id", "asking_price", "terms", "public_remarks", "listed_at", "address", "city",
        "state", "zip_code", "property_type", "bedrooms", "bathrooms", "square_feet",
        "year_built", "latitude", "longitude",
    }  # fmt: skip
    assert not columns & {"owner_name", "apn", "organization_id", "created_by_id", "price"}
