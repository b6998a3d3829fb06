"""A NUL character anywhere in a request is a 422 naming where it was, never a 500 (PostgreSQL
text cannot hold one), checked once for every route."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import property_body
from tests.conftest import Account

PROPERTIES = "/api/v1/properties"
LEADS = "/api/v1/leads"


def refused_field(response: Any) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["type"] == "nul_character"
    field: str = error["field"]
    return field


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{PROPERTIES}?city=a%00", "query.city"),
        (f"{PROPERTIES}/search?q=oak%00", "query.q"),
        (f"{LEADS}?q=%00", "query.q"),
        ("/api/v1/search/suggestions?field=city&q=au%00", "query.q"),
        (f"{PROPERTIES}?sort=price&ci%00ty=x", "query.ci\\u0000ty"),
    ],
)
def test_a_nul_in_the_query_string_is_a_422_naming_the_parameter(
    client: TestClient, admin: Account, url: str, field: str
) -> None:
    assert refused_field(client.get(url, headers=admin.headers)) == field


def test_a_nul_in_a_lead_field_is_a_422_naming_the_field(
    client: TestClient, admin: Account
) -> None:
    response = client.post(
        LEADS, headers=admin.headers, json={"first_name": "A\u0000n", "last_name": "Lee"}
    )
    assert refused_field(response) == "body.first_name"
    assert client.get(LEADS, headers=admin.headers).json()["total"] == 0


def test_a_nul_in_a_property_field_is_a_422_naming_the_field(
    client: TestClient, admin: Account
) -> None:
    response = client.post(
        PROPERTIES, headers=admin.headers, json=property_body(city="Aus\u0000tin")
    )
    assert refused_field(response) == "body.city"


def test_a_nul_inside_a_nested_body_is_named_by_its_path(
    client: TestClient, admin: Account
) -> None:
    response = client.post(
        "/api/v1/search/properties",
        headers=admin.headers,
        json={"city": "Austin", "geo": {"lat": "\u0000", "lon": 0, "radius_km": 1}},
    )
    assert refused_field(response) == "body.geo.lat"


def test_a_nul_in_the_path_or_a_header_is_a_422(client: TestClient, admin: Account) -> None:
    assert refused_field(client.get(f"{PROPERTIES}/a%00b", headers=admin.headers)) == "path"
    response = client.get(PROPERTIES, headers={**admin.headers, "X-Note": "a\x00b"})
    assert refused_field(response) == "header.x-note"


def test_an_escaped_backslash_before_u0000_is_just_text(client: TestClient, admin: Account) -> None:
    # The JSON text "C:\\u0000" is the six characters C:\u0000, not a NUL.
    response = client.post(
        LEADS,
        headers={**admin.headers, "Content-Type": "application/json"},
        content=b'{"first_name": "C:\\\\u0000", "last_name": "Lee"}',
    )
    assert response.status_code == 201, response.text
    assert response.json()["first_name"] == "C:\\u0000"
