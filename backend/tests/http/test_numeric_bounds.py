"""Numbers a column cannot hold are a 422 naming the parameter, never a database error; the
largest value the column holds is accepted."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Account

INTEGER_MAX = 2_147_483_647


@pytest.mark.parametrize(
    ("path", "parameter", "too_big", "largest"),
    [
        ("/api/v1/properties", "max_sqft", 693_456_108_628, INTEGER_MAX),
        ("/api/v1/properties", "min_sqft", INTEGER_MAX + 1, INTEGER_MAX),
        ("/api/v1/properties", "min_bedrooms", 2**63, INTEGER_MAX),
        ("/api/v1/properties", "min_price", "1000000000000", "999999999999.99"),
        ("/api/v1/properties", "max_price", "1e400", "999999999999.99"),
        ("/api/v1/properties", "min_bathrooms", "1000", "999.9"),
        ("/api/v1/listings", "min_price", "1e400", "999999999999.99"),
        ("/api/v1/listings", "max_price", "1000000000000", "999999999999.99"),
    ],
)
def test_a_filter_beyond_its_column_is_a_422_and_its_largest_value_is_fine(
    client: TestClient,
    admin: Account,
    path: str,
    parameter: str,
    too_big: object,
    largest: object,
) -> None:
    refused = client.get(path, headers=admin.headers, params={parameter: too_big})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == f"query.{parameter}"
    accepted = client.get(path, headers=admin.headers, params={parameter: largest})
    assert accepted.status_code == 200, accepted.text
