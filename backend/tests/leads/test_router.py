"""Leads: create with normalization and dedupe, list filters and sorts, update, archive,
activities, notes, timeline, scores, tenancy, roles, and the CSV import use case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reos.core.db import Database
from reos.core.phones import to_e164
from reos.leads.importing import import_leads_csv
from reos.models import AuditLog, Lead, LeadActivity, LeadSource, Property
from tests.conftest import Account, add_member, register

LEADS = "/api/v1/leads"


def create(client: TestClient, account: Account, **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Ann", "last_name": "Lee", **fields}
    response = client.post(LEADS, headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    lead: dict[str, Any] = response.json()
    return lead


def listed(client: TestClient, account: Account, **params: Any) -> list[str]:
    response = client.get(LEADS, headers=account.headers, params=params)
    assert response.status_code == 200, response.text
    return [lead["last_name"] for lead in response.json()["items"]]


def field_errors(response: Any) -> set[str]:
    return {error["field"] for error in response.json().get("errors", [])}


def lead_count(database: Database, account: Account) -> int:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        query = select(func.count()).select_from(Lead).execution_options(include_archived=True)
        return session.scalar(query) or 0


# --- phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["(415) 555-0100", "415.555.0100", "415-555-0100", "1 415 555 0100", "+1 (415) 555-0100"],
)
def test_us_phone_spellings_become_one_e164_number(raw: str) -> None:
    assert to_e164(raw) == "+14155550100"


def test_international_numbers_keep_their_country_code() -> None:
    assert to_e164("+44 20 7946 0958") == "+442079460958"
    assert to_e164("0044 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    "raw", ["call me", "123", "555-0100", "(015) 555-0100", "+0 123 456 789", "415555010x", ""]
)
def test_garbage_is_not_a_phone_number(raw: str) -> None:
    assert to_e164(raw) is None


# --- create -------------------------------------------------------------------------------------


def test_create_normalizes_and_records_the_source(
    client: TestClient, admin: Account, database: Database
) -> None:
    lead = create(
        client,
        admin,
        first_name="  Ann ",
        email="Ann.Lee@Example.COM",
        phone="(415) 555-0100",
        source="Zillow",
        budget_min=250000,
        budget_max="400000.5",
    )
    assert (lead["first_name"], lead["email"], lead["phone"]) == (
        "Ann",
        "ann.lee@example.com",
        "+14155550100",
    )
    assert lead["status"] == "new"
    assert (lead["budget_min"], lead["budget_max"]) == ("250000.00", "400000.50")
    assert lead["source"] == "Zillow" and lead["source_id"]
    # The same source under another casing is the same row.
    other = create(client, admin, last_name="Kim", source="zillow")
    assert other["source_id"] == lead["source_id"] and other["source"] == "Zillow"
    assert client.get(f"{LEADS}/{lead['id']}", headers=admin.headers).json() == lead
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        assert session.scalar(select(func.count()).select_from(LeadSource)) == 1
        actions = session.scalars(select(AuditLog.action).where(AuditLog.entity_id == lead["id"]))
        assert list(actions) == ["lead.created"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "   "}, "body.first_name"),
        ({"last_name": None}, "body.last_name"),
        ({"email": "not-an-email"}, "body.email"),
        ({"phone": "call me maybe"}, "body.phone"),
        ({"status": "hot"}, "body.status"),
        ({"budget_min": -1}, "body.budget_min"),
        ({"budget_min": 500, "budget_max": 100}, "body.budget_max"),
        ({"organization_id": str(uuid.uuid4())}, "body.organization_id"),
        ({"assigned_to": str(uuid.uuid4())}, "body.assigned_to"),
        ({"property_id": str(uuid.uuid4())}, "body.property_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, admin: Account, database: Database, body: dict[str, Any], field: str
) -> None:
    response = client.post(
        LEADS, headers=admin.headers, json={"first_name": "Ann", "last_name": "Lee", **body}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in field_errors(response)
    assert lead_count(database, admin) == 0


def test_assignee_and_property_must_belong_to_the_organization(
    client: TestClient, admin: Account, database: Database
) -> None:
    agent = add_member(client, admin, "agent")
    rival = register(client, "Rival Realty")
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        home = Property(
            address="1 Main St",
            city="Austin",
            state="TX",
            zip_code="78701",
            property_type="condo",
            normalized_address="1 main st austin tx 78701",
        )
        session.add(home)
        session.flush()
        property_id = str(home.id)
    lead = create(client, admin, assigned_to=agent.id, property_id=property_id)
    assert (lead["assigned_to"], lead["property_id"]) == (agent.id, property_id)
    response = client.post(
        LEADS,
        headers=rival.headers,
        json={"first_name": "X", "last_name": "Y", "assigned_to": agent.id},
    )
    assert response.status_code == 422 and field_errors(response) == {"body.assigned_to"}
    response = client.post(
        LEADS,
        headers=rival.headers,
        json={"first_name": "X", "last_name": "Y", "property_id": property_id},
    )
    assert response.status_code == 422 and field_errors(response) == {"body.property_id"}


def test_duplicate_email_is_a_409_naming_the_existing_lead_whatever_the_case(
    client: TestClient, admin: Account, database: Database
) -> None:
    first = create(client, admin, email="ann@example.com")
    response = client.post(
        LEADS,
        headers=admin.headers,
        json={"first_name": "Other", "last_name": "Person", "email": "ANN@Example.com"},
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["existing_lead_id"] == first["id"]
    assert first["id"] in problem["detail"]
    assert field_errors(response) == {"body.email"}
    assert lead_count(database, admin) == 1


def test_duplicate_phone_is_a_409_however_it_is_written(client: TestClient, admin: Account) -> None:
    first = create(client, admin, phone="+14155550100")
    response = client.post(
        LEADS,
        headers=admin.headers,
        json={"first_name": "Other", "last_name": "Person", "phone": "(415) 555-0100"},
    )
    assert response.status_code == 409
    assert response.json()["existing_lead_id"] == first["id"]
    assert field_errors(response) == {"body.phone"}


def test_an_archived_lead_still_counts_as_a_duplicate(client: TestClient, admin: Account) -> None:
    first = create(client, admin, email="ann@example.com")
    assert client.delete(f"{LEADS}/{first['id']}", headers=admin.headers).status_code == 204
    response = client.post(
        LEADS,
        headers=admin.headers,
        json={"first_name": "A", "last_name": "L", "email": "ann@example.com"},
    )
    assert response.status_code == 409
    assert response.json()["existing_lead_id"] == first["id"]
    assert response.json()["existing_lead_archived"] is True


def test_another_organization_may_hold_the_same_email(client: TestClient, admin: Account) -> None:
    rival = register(client, "Rival Realty")
    create(client, admin, email="ann@example.com", phone="4155550100")
    create(client, rival, email="ann@example.com", phone="4155550100")


def test_a_retried_create_with_the_same_key_creates_one_lead(
    client: TestClient, admin: Account, database: Database
) -> None:
    headers = {**admin.headers, "Idempotency-Key": "lead-1"}
    body = {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}
    first = client.post(LEADS, headers=headers, json=body)
    again = client.post(LEADS, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert lead_count(database, admin) == 1


# --- list ---------------------------------------------------------------------------------------


@pytest.fixture
def roster(client: TestClient, admin: Account) -> dict[str, Any]:
    """Three leads with distinct values for every filter and sort."""
    agent = add_member(client, admin, "agent")
    adams = create(
        client,
        admin,
        first_name="Zoe",
        last_name="Adams",
        email="zoe@mail.example",
        source="Zillow",
    )
    baker = create(
        client,
        admin,
        first_name="Yan",
        last_name="baker",
        phone="(212) 555-0199",
        status="qualified",
        assigned_to=agent.id,
    )
    clark = create(
        client, admin, first_name="Xia", last_name="Clark", source="Referral", status="qualified"
    )
    # Scores: Baker has recent contact, Clark is only scored once with nothing; Adams unscored.
    client.post(
        f"{LEADS}/{baker['id']}/activities",
        headers=admin.headers,
        json={"activity_type": "showing", "summary": "Toured the loft"},
    )
    for lead in (baker, clark):
        assert client.post(f"{LEADS}/{lead['id']}/score", headers=admin.headers).status_code == 201
    return {"agent": agent, "adams": adams, "baker": baker, "clark": clark}


def test_each_filter_narrows_the_list(
    client: TestClient, admin: Account, roster: dict[str, Any]
) -> None:
    assert set(listed(client, admin, status="qualified")) == {"baker", "Clark"}
    assert listed(client, admin, source="zillow") == ["Adams"]
    assert listed(client, admin, assigned_to=roster["agent"].id) == ["baker"]
    baker_score = client.get(f"{LEADS}/{roster['baker']['id']}", headers=admin.headers).json()[
        "current_score"
    ]
    clark_score = client.get(f"{LEADS}/{roster['clark']['id']}", headers=admin.headers).json()[
        "current_score"
    ]
    assert baker_score > clark_score
    assert listed(client, admin, min_score=baker_score) == ["baker"]
    assert set(listed(client, admin, min_score=clark_score)) == {"baker", "Clark"}
    assert listed(client, admin, status="qualified", source="Referral") == ["Clark"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("zo", ["Adams"]), ("BAK", ["baker"]), ("MAIL.EX", ["Adams"]), ("(212) 555", ["baker"])],
)
def test_q_searches_names_email_and_phone(
    client: TestClient, admin: Account, roster: dict[str, Any], q: str, expected: list[str]
) -> None:
    assert listed(client, admin, q=q) == expected


def test_q_treats_wildcards_literally(
    client: TestClient, admin: Account, roster: dict[str, Any]
) -> None:
    assert listed(client, admin, q="%") == []
    assert listed(client, admin, q="_") == []


def test_sorts(client: TestClient, admin: Account, roster: dict[str, Any]) -> None:
    assert listed(client, admin) == ["Clark", "baker", "Adams"]  # newest first by default
    assert listed(client, admin, sort="created_at") == ["Adams", "baker", "Clark"]
    assert listed(client, admin, sort="last_name") == ["Adams", "baker", "Clark"]
    assert listed(client, admin, sort="-last_name") == ["Clark", "baker", "Adams"]
    # Unscored leads come last in both directions.
    assert listed(client, admin, sort="-current_score") == ["baker", "Clark", "Adams"]
    assert listed(client, admin, sort="current_score") == ["Clark", "baker", "Adams"]


def test_unknown_sort_or_status_is_a_422_naming_it(client: TestClient, admin: Account) -> None:
    response = client.get(LEADS, headers=admin.headers, params={"sort": "email"})
    assert response.status_code == 422 and field_errors(response) == {"query.sort"}
    response = client.get(LEADS, headers=admin.headers, params={"status": "hot"})
    assert response.status_code == 422 and field_errors(response) == {"query.status"}
    response = client.get(LEADS, headers=admin.headers, params={"min_score": 101})
    assert response.status_code == 422 and field_errors(response) == {"query.min_score"}


def test_list_is_paginated(client: TestClient, admin: Account) -> None:
    for index in range(5):
        create(client, admin, last_name=f"L{index}")
    pages = [
        client.get(
            LEADS, headers=admin.headers, params={"page": n, "page_size": 2, "sort": "last_name"}
        ).json()
        for n in (1, 2, 3)
    ]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [[lead["last_name"] for lead in p["items"]] for p in pages] == [
        ["L0", "L1"],
        ["L2", "L3"],
        ["L4"],
    ]


# --- update and archive -------------------------------------------------------------------------


def test_put_changes_only_the_fields_sent(client: TestClient, admin: Account) -> None:
    lead = create(client, admin, email="ann@example.com", budget_min=100, budget_max=200)
    response = client.put(
        f"{LEADS}/{lead['id']}",
        headers=admin.headers,
        json={"phone": "415 555 0100", "notes": "VIP"},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["phone"], updated["notes"], updated["email"]) == (
        "+14155550100",
        "VIP",
        "ann@example.com",
    )
    assert updated["budget_max"] == "200.00"
    cleared = client.put(f"{LEADS}/{lead['id']}", headers=admin.headers, json={"phone": None})
    assert cleared.json()["phone"] is None


def test_put_validates_the_lead_it_would_make(client: TestClient, admin: Account) -> None:
    lead = create(client, admin, budget_min=100, budget_max=200)
    path = f"{LEADS}/{lead['id']}"
    response = client.put(path, headers=admin.headers, json={"budget_min": 300})
    assert response.status_code == 422 and field_errors(response) == {"body.budget_max"}
    response = client.put(path, headers=admin.headers, json={"first_name": None})
    assert response.status_code == 422 and field_errors(response) == {"body.first_name"}
    response = client.put(path, headers=admin.headers, json={"phone": "nope"})
    assert response.status_code == 422 and field_errors(response) == {"body.phone"}
    assert client.get(path, headers=admin.headers).json()["budget_min"] == "100.00"


def test_put_dedupes_against_other_leads_only(client: TestClient, admin: Account) -> None:
    ann = create(client, admin, email="ann@example.com", phone="4155550100")
    bob = create(client, admin, first_name="Bob", email="bob@example.com")
    response = client.put(
        f"{LEADS}/{bob['id']}", headers=admin.headers, json={"phone": "+1 415-555-0100"}
    )
    assert response.status_code == 409
    assert response.json()["existing_lead_id"] == ann["id"]
    # Sending a lead's own email back is not a conflict.
    response = client.put(
        f"{LEADS}/{ann['id']}", headers=admin.headers, json={"email": "ANN@example.com"}
    )
    assert response.status_code == 200


def test_a_status_change_is_written_to_the_timeline(client: TestClient, admin: Account) -> None:
    lead = create(client, admin)
    path = f"{LEADS}/{lead['id']}"
    assert client.put(path, headers=admin.headers, json={"status": "contacted"}).status_code == 200
    # Unchanged status: nothing more on the timeline.
    assert client.put(path, headers=admin.headers, json={"status": "contacted"}).status_code == 200
    items = client.get(f"{path}/timeline", headers=admin.headers).json()["items"]
    assert [(i["type"], i["summary"]) for i in items] == [("status_change", "new → contacted")]
    assert items[0]["data"]["from"] == "new" and items[0]["data"]["to"] == "contacted"
    assert items[0]["data"]["actor_user_id"] == admin.id


def test_delete_archives_and_a_second_delete_is_a_404(
    client: TestClient, admin: Account, database: Database
) -> None:
    lead = create(client, admin)
    path = f"{LEADS}/{lead['id']}"
    assert client.delete(path, headers=admin.headers).status_code == 204
    assert client.get(path, headers=admin.headers).status_code == 404
    assert client.delete(path, headers=admin.headers).status_code == 404
    assert client.get(LEADS, headers=admin.headers).json()["total"] == 0
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        row = session.scalars(select(Lead).execution_options(include_archived=True)).one()
        assert row.deleted_at is not None


# --- activities, notes, timeline, scores --------------------------------------------------------


def test_contact_activities_move_last_contacted_at(client: TestClient, admin: Account) -> None:
    lead = create(client, admin)
    path = f"{LEADS}/{lead['id']}"
    response = client.post(
        f"{path}/activities", headers=admin.headers, json={"activity_type": "note", "summary": "x"}
    )
    assert response.status_code == 201
    assert client.get(path, headers=admin.headers).json()["last_contacted_at"] is None
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = client.post(
        f"{path}/activities",
        headers=admin.headers,
        json={"activity_type": "call", "summary": "Left a voicemail", "occurred_at": yesterday},
    )
    assert response.status_code == 201, response.text
    activity = response.json()
    assert activity["actor_user_id"] == admin.id and activity["activity_type"] == "call"
    contacted = client.get(path, headers=admin.headers).json()["last_contacted_at"]
    assert datetime.fromisoformat(contacted) == datetime.fromisoformat(yesterday)
    # A back-dated email does not move the last contact backwards.
    last_week = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    client.post(
        f"{path}/activities",
        headers=admin.headers,
        json={"activity_type": "email", "summary": "Old", "occurred_at": last_week},
    )
    assert client.get(path, headers=admin.headers).json()["last_contacted_at"] == contacted


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"activity_type": "call", "summary": "  "}, "body.summary"),
        ({"activity_type": "status_change", "summary": "x"}, "body.activity_type"),
        ({"activity_type": "fax", "summary": "x"}, "body.activity_type"),
        (
            {
                "activity_type": "call",
                "summary": "x",
                # Far ahead: the value is computed when the tests are collected, which can be
                # many minutes before this one runs.
                "occurred_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            },
            "body.occurred_at",
        ),
    ],
)
def test_bad_activity_is_a_422_naming_the_field(
    client: TestClient, admin: Account, body: dict[str, Any], field: str
) -> None:
    lead = create(client, admin)
    response = client.post(f"{LEADS}/{lead['id']}/activities", headers=admin.headers, json=body)
    assert response.status_code == 422 and field in field_errors(response)


def test_an_activity_within_the_clock_skew_is_accepted(client: TestClient, admin: Account) -> None:
    lead = create(client, admin)
    soon = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
    response = client.post(
        f"{LEADS}/{lead['id']}/activities",
        headers=admin.headers,
        json={"activity_type": "sms", "summary": "On my way", "occurred_at": soon},
    )
    assert response.status_code == 201


def test_notes(client: TestClient, admin: Account) -> None:
    lead = create(client, admin)
    path = f"{LEADS}/{lead['id']}/notes"
    response = client.post(path, headers=admin.headers, json={"body": " Prefers texts "})
    assert response.status_code == 201
    note = response.json()
    assert (note["body"], note["author_user_id"], note["lead_id"]) == (
        "Prefers texts",
        admin.id,
        lead["id"],
    )
    response = client.post(path, headers=admin.headers, json={"body": ""})
    assert response.status_code == 422 and field_errors(response) == {"body.body"}


def test_timeline_merges_everything_newest_first(client: TestClient, admin: Account) -> None:
    lead = create(client, admin, email="ann@example.com")
    path = f"{LEADS}/{lead['id']}"
    now = datetime.now(UTC)
    for days, summary in ((3, "First call"), (1, "Showing")):
        client.post(
            f"{path}/activities",
            headers=admin.headers,
            json={
                "activity_type": "call",
                "summary": summary,
                "occurred_at": (now - timedelta(days=days)).isoformat(),
            },
        )
    client.put(path, headers=admin.headers, json={"status": "contacted"})
    client.post(f"{path}/notes", headers=admin.headers, json={"body": "Wants a garden"})
    scored = client.post(f"{path}/score", headers=admin.headers).json()
    body = client.get(f"{path}/timeline", headers=admin.headers).json()
    assert body["total"] == 5
    assert [(i["type"], i["summary"]) for i in body["items"]] == [
        ("score", f"Scored {scored['score']} ({scored['model_version']})"),
        ("note", "Wants a garden"),
        ("status_change", "new → contacted"),
        ("activity", "Showing"),
        ("activity", "First call"),
    ]
    moments = [datetime.fromisoformat(i["at"]) for i in body["items"]]
    assert moments == sorted(moments, reverse=True)
    assert body["items"][0]["data"]["reason_codes"] == scored["reason_codes"]
    second = client.get(
        f"{path}/timeline", headers=admin.headers, params={"page": 2, "page_size": 2}
    ).json()
    assert [i["summary"] for i in second["items"]] == ["new → contacted", "Showing"]


def test_scoring_is_stored_explained_and_listed_newest_first(
    client: TestClient, admin: Account
) -> None:
    lead = create(client, admin, email="ann@example.com", budget_min=1, budget_max=2)
    path = f"{LEADS}/{lead['id']}"
    first = client.post(f"{path}/score", headers=admin.headers)
    assert first.status_code == 201
    explained = first.json()
    assert 0 <= explained["score"] <= 100
    assert set(explained["factors"]) == {
        "engagement",
        "recency",
        "budget_fit",
        "source_quality",
        "completeness",
    }
    assert sum(f["points"] for f in explained["factors"].values()) == explained["score"]
    assert sum(f["max"] for f in explained["factors"].values()) == 100
    assert {"budget_provided", "missing_phone", "never_contacted"} <= set(explained["reason_codes"])
    client.post(
        f"{path}/activities",
        headers=admin.headers,
        json={"activity_type": "meeting", "summary": "m"},
    )
    second = client.post(f"{path}/score", headers=admin.headers).json()
    assert second["score"] > explained["score"]
    assert client.get(path, headers=admin.headers).json()["current_score"] == second["score"]
    history = client.get(f"{path}/scores", headers=admin.headers).json()
    assert history["total"] == 2
    assert [s["id"] for s in history["items"]] == [second["id"], explained["id"]]


# --- tenancy and roles --------------------------------------------------------------------------


def _lead_routes(lead_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    path = f"{LEADS}/{lead_id}"
    return [
        ("GET", path, None),
        ("PUT", path, {"notes": "mine now"}),
        ("POST", f"{path}/activities", {"activity_type": "call", "summary": "x"}),
        ("POST", f"{path}/notes", {"body": "x"}),
        ("GET", f"{path}/timeline", None),
        ("POST", f"{path}/score", None),
        ("GET", f"{path}/scores", None),
        ("DELETE", path, None),
    ]


def test_another_organizations_lead_is_a_404_on_every_route(
    client: TestClient, admin: Account
) -> None:
    rival = register(client, "Rival Realty")
    theirs = create(client, rival, email="theirs@example.com")
    for method, path, body in _lead_routes(theirs["id"]):
        response = client.request(method, path, headers=admin.headers, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
    assert client.get(LEADS, headers=admin.headers).json()["total"] == 0
    untouched = client.get(f"{LEADS}/{theirs['id']}", headers=rival.headers).json()
    assert untouched == theirs
    timeline = client.get(f"{LEADS}/{theirs['id']}/timeline", headers=rival.headers).json()
    assert timeline["total"] == 0


def test_viewers_read_but_never_write(client: TestClient, admin: Account) -> None:
    viewer = add_member(client, admin, "viewer")
    lead = create(client, admin)
    assert client.get(LEADS, headers=viewer.headers).status_code == 200
    for method, path, body in _lead_routes(lead["id"]):
        response = client.request(method, path, headers=viewer.headers, json=body)
        expected = 200 if method == "GET" else 403
        assert response.status_code == expected, (method, path, response.status_code)
    response = client.post(
        LEADS, headers=viewer.headers, json={"first_name": "V", "last_name": "W"}
    )
    assert response.status_code == 403


def test_agents_write_leads(client: TestClient, admin: Account) -> None:
    agent = add_member(client, admin, "agent")
    lead = create(client, agent)
    for method, path, body in _lead_routes(lead["id"]):
        response = client.request(method, path, headers=agent.headers, json=body)
        assert response.status_code < 300, (method, path, response.text)


# --- CSV import ---------------------------------------------------------------------------------

GOOD_AND_BAD = (
    "first_name,last_name,email,phone,source,status,budget_min,budget_max,notes\n"  # row 1
    "Ann,Lee,ann@example.com,(415) 555-0100,Zillow,new,100000,200000,\n"  # row 2
    ",NoFirst,nofirst@example.com,,,,,,\n"  # row 3: first_name missing
    'Bob,Stone,BOB@example.com,,Referral,qualified,,,"Two\nlines"\n'  # rows 4-5
    "\n"  # row 6: blank
    "Cy,Bad,cy@example.com,12,,hot,500,100,\n"  # row 7: phone, status, budget_max
    "Ann,Again,ANN@example.com,,,,,,\n"  # row 8: same email as row 2
    "Dee,Phone,,+1 415 555 0100,,,,,\n"  # row 9: same phone as row 2
    "Eve,Valid,eve@example.com,212-555-0142,,contacted,,,\n"  # row 10
    "Fay,NoContact,,,,,,,\n"  # row 11: no email or phone
)


def _import(database: Database, account: Account, data: bytes, **kwargs: Any) -> Any:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return import_leads_csv(session, data, uuid.UUID(account.id), **kwargs)


def test_import_keeps_good_rows_and_reports_bad_ones_by_line(
    client: TestClient, admin: Account, database: Database
) -> None:
    calls: list[tuple[int, int]] = []
    result = _import(
        database,
        admin,
        GOOD_AND_BAD.encode(),
        progress=lambda d, t: calls.append((d, t)),
        batch_rows=3,  # row 8 repeats row 2's email in a later batch
    )
    assert (result["created"], result["duplicates"]) == (4, 2)
    assert sorted((e["row"], e["field"]) for e in result["errors"]) == [
        (3, "first_name"),
        (7, "budget_max"),
        (7, "phone"),
        (7, "status"),
    ]
    assert calls == [(3, 8), (6, 8), (8, 8)]
    names = listed(client, admin, sort="last_name", page_size=100)
    assert names == ["Lee", "NoContact", "Stone", "Valid"]
    bob = client.get(LEADS, headers=admin.headers, params={"q": "bob"}).json()["items"][0]
    assert (bob["email"], bob["status"], bob["notes"], bob["source"]) == (
        "bob@example.com",
        "qualified",
        "Two\nlines",
        "Referral",
    )


def test_reimporting_the_same_file_creates_nothing(
    client: TestClient, admin: Account, database: Database
) -> None:
    first = _import(database, admin, GOOD_AND_BAD.encode())
    again = _import(database, admin, GOOD_AND_BAD.encode())
    assert again["created"] == 0
    assert again["duplicates"] == first["created"] + first["duplicates"]
    assert again["errors"] == first["errors"]
    assert lead_count(database, admin) == first["created"]


def test_import_counts_leads_already_in_the_organization_as_duplicates(
    client: TestClient, admin: Account, database: Database
) -> None:
    existing = create(client, admin, email="eve@example.com")
    client.delete(f"{LEADS}/{existing['id']}", headers=admin.headers)  # archived still counts
    data = b"first_name,last_name,email\nEve,Valid,EVE@example.com\nGus,New,gus@example.com\n"
    result = _import(database, admin, data)
    assert (result["created"], result["duplicates"], result["errors"]) == (1, 1, [])


def test_import_checks_references_per_row(
    client: TestClient, admin: Account, database: Database
) -> None:
    rival = register(client, "Rival Realty")
    data = (
        "first_name,last_name,assigned_to\n"
        f"Ann,Lee,{rival.id}\n"
        f"Bob,Kim,{admin.id}\n"
        "Cy,Ng,not-a-uuid\n"
    ).encode()
    result = _import(database, admin, data)
    assert result["created"] == 1
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (2, "assigned_to"),
        (4, "assigned_to"),
    ]
    assert listed(client, admin, assigned_to=admin.id) == ["Kim"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"first_name,email\nA,a@example.com\n", "last_name"),
        (b"first_name,last_name,last_name\nA,B,C\n", "last_name"),
        (b"", "file"),
        (b"first_name,last_name\n", "file"),
        (b"\xff\xfe\x00bad", "file"),
    ],
)
def test_a_bad_header_imports_nothing(
    client: TestClient, admin: Account, database: Database, data: bytes, field: str
) -> None:
    result = _import(database, admin, data)
    assert result["created"] == 0
    assert (1, field) in [(e["row"], e["field"]) for e in result["errors"]]
    assert lead_count(database, admin) == 0


def test_an_unknown_column_is_ignored_and_listed_never_a_move_to_another_organization(
    client: TestClient, admin: Account, database: Database
) -> None:
    rival = register(client, "Rival Realty")
    data = f"First Name,Last Name,organization_id\nA,B,{rival.organization_id}\n".encode()
    result = _import(database, admin, data)
    assert (result["created"], result["errors"]) == (1, [])
    assert result["ignored_columns"] == ["organization_id"]
    assert listed(client, admin) == ["B"]
    assert listed(client, rival) == []


def test_import_reports_a_row_with_too_many_values(
    client: TestClient, admin: Account, database: Database
) -> None:
    data = b"\xef\xbb\xbffirst_name,last_name\nA,B,extra\nC,D\n"  # with a byte-order mark
    result = _import(database, admin, data)
    assert result["created"] == 1
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(2, "row")]


def test_import_writes_the_status_of_each_row_without_a_status_change(
    client: TestClient, admin: Account, database: Database
) -> None:
    _import(database, admin, b"first_name,last_name,status\nA,B,qualified\n")
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        assert session.scalar(select(Lead.status)) == "qualified"
        assert session.scalar(select(func.count()).select_from(LeadActivity)) == 0
