"""What search never shows and who may search: archived rows, another organization's rows,
and roles, across properties, leads, campaigns and suggestions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reos.core.db import Database
from reos.models import Campaign, Lead, Property
from tests.builders import add_campaign, add_lead, add_property
from tests.conftest import Account, add_member, register
from tests.search.conftest import SEARCH, archive, found, search, suggest

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
