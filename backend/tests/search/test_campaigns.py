"""Campaign search: by name and filtered."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reos.core.db import Database
from tests.builders import add_campaign
from tests.conftest import Account
from tests.search.conftest import found


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
