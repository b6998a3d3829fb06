"""Lead search: name, email, phone and notes, the filters, phone-like queries, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from reos.core.db import Database
from reos.search.service import phone_as_stored
from tests.builders import add_lead
from tests.conftest import Account
from tests.search.conftest import SEARCH, field_errors, found

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
