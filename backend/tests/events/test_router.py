"""The event log as a feature: what a change records, what follows from it in the same
transaction, what a refusal leaves, and what a payload never holds."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from reos.core.db import Database
from reos.models import AuditLog, Event, PropertyHistory
from tests.conftest import DEMO_PASSWORD, Account, login, register

HOUSE = {
    "address": "12 Birch Ave",
    "city": "Austin",
    "state": "TX",
    "zip_code": "78702",
    "property_type": "single_family",
    "price": "500000",
}


def recorded(database: Database, account: Account) -> list[Event]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return list(session.scalars(select(Event).order_by(Event.id)))


def test_an_edit_records_one_event_with_its_audit_entry_and_history_rows(
    client: TestClient, admin: Account, database: Database
) -> None:
    created = client.post("/api/v1/properties", json=HOUSE, headers=admin.headers).json()
    body = {**HOUSE, "price": "510000", "bedrooms": 3}
    client.put(f"/api/v1/properties/{created['id']}", json=body, headers=admin.headers)

    (event,) = [e for e in recorded(database, admin) if e.type == "property.updated"]
    assert event.entity_type == "property" and event.entity_id == created["id"]
    assert str(event.actor_user_id) == admin.id
    assert event.payload["version"] == 1
    assert {c["field"]: (c["old"], c["new"]) for c in event.payload["changes"]} == {
        "price": ("500000.00", "510000.00"),
        "bedrooms": (None, "3"),
    }
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "property.updated"))
        assert [a.entity_id for a in audit] == [created["id"]]
        history = session.scalars(
            select(PropertyHistory).where(PropertyHistory.change_type == "updated")
        ).all()
        assert sorted(h.field or "" for h in history) == ["bedrooms", "price"]
        assert {h.changed_at for h in history} == {event.occurred_at}


def test_ids_grow_with_every_event_of_the_stream(
    client: TestClient, admin: Account, database: Database
) -> None:
    client.post("/api/v1/properties", json=HOUSE, headers=admin.headers)
    ids = [e.id for e in recorded(database, admin)]
    assert len(ids) >= 3 and ids == sorted(set(ids))


def test_a_refused_write_records_nothing(
    client: TestClient, admin: Account, database: Database
) -> None:
    client.post("/api/v1/properties", json=HOUSE, headers=admin.headers)
    before = len(recorded(database, admin))
    again = client.post("/api/v1/properties", json=HOUSE, headers=admin.headers)
    assert again.status_code == 409
    assert len(recorded(database, admin)) == before


def test_a_failed_login_is_recorded_despite_the_refusal(
    client: TestClient, admin: Account, database: Database
) -> None:
    wrong = {"email": admin.email, "password": "not-the-password-1"}
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    (failed,) = [e for e in recorded(database, admin) if e.type == "user.login_failed"]
    assert failed.entity_id == admin.id and failed.payload["failures"] == 1


def test_events_of_one_organization_are_invisible_to_another(
    client: TestClient, admin: Account, database: Database
) -> None:
    other = register(client, "Other Realty")
    client.post("/api/v1/properties", json=HOUSE, headers=admin.headers)
    assert not [e for e in recorded(database, other) if e.type == "property.created"]
    assert {str(e.organization_id) for e in recorded(database, other)} == {other.organization_id}


def test_no_recorded_payload_carries_a_password_a_hash_or_a_token(
    client: TestClient, admin: Account, database: Database
) -> None:
    new_password = "Another-Secret-42"
    changed = client.put(
        f"/api/v1/users/{admin.id}", json={"password": new_password}, headers=admin.headers
    )
    assert changed.status_code == 200, changed.text
    tokens = login(client, admin.email, new_password)
    client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    events = recorded(database, admin)
    types = {e.type for e in events}
    assert {"user.registered", "user.logged_in", "user.updated", "session.refreshed"} <= types
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        from reos.models import User

        password_hash = session.scalars(select(User.password_hash)).first()
    secrets: list[Any] = [DEMO_PASSWORD, new_password, password_hash, *tokens.values()]
    secrets += [admin.access_token, admin.refresh_token]
    for event in events:
        text = json.dumps(event.payload)
        assert not [s for s in secrets if isinstance(s, str) and s in text], event.type
    (update,) = [e for e in events if e.type == "user.updated"]
    assert update.payload["fields"] == ["password"]
