"""Suggestions: typed, distinct, prefix first, within the limit, tenant- and archive-aware,
and the input they refuse."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from reos.core.db import Database
from reos.models import Property
from tests.builders import add_lead, add_property
from tests.conftest import Account, register
from tests.search.conftest import SEARCH, archive, field_errors, suggest

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
