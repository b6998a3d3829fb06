"""Another organization's records are invisible: 404 on read, update and delete, absent from
lists, and no body field can move a row across organizations."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reos.core.db import Database, TenancyError
from reos.models import AuditLog, User
from tests.conftest import Account, add_member, register


def test_another_organizations_user_is_a_404(client: TestClient, admin: Account) -> None:
    rival = register(client, "Rival Realty")
    rival_member = add_member(client, rival, "agent")
    path = f"/api/v1/users/{rival_member.id}"
    assert client.get(path, headers=admin.headers).status_code == 404
    assert client.put(path, headers=admin.headers, json={"full_name": "X"}).status_code == 404
    assert client.delete(path, headers=admin.headers).status_code == 404
    # Nothing changed on the other side.
    assert client.get(path, headers=rival.headers).json()["full_name"] == "Agent Member"


def test_lists_never_show_another_organizations_rows(client: TestClient, admin: Account) -> None:
    rival = register(client, "Rival Realty")
    ids = {u["id"] for u in client.get("/api/v1/users", headers=admin.headers).json()["items"]}
    assert ids == {admin.id}
    assert rival.id not in ids


def test_a_missing_id_and_a_foreign_id_answer_alike(client: TestClient, admin: Account) -> None:
    rival = register(client, "Rival Realty")
    foreign = client.get(f"/api/v1/users/{rival.id}", headers=admin.headers)
    missing = client.get(f"/api/v1/users/{uuid.uuid4()}", headers=admin.headers)
    assert foreign.status_code == missing.status_code == 404


def test_organization_id_in_a_body_is_refused(client: TestClient, admin: Account) -> None:
    rival = register(client, "Rival Realty")
    response = client.put(
        f"/api/v1/users/{admin.id}",
        headers=admin.headers,
        json={"full_name": "Mover", "organization_id": rival.organization_id},
    )
    assert response.status_code == 422
    me = client.get("/api/v1/auth/me", headers=admin.headers).json()
    assert me["organization_id"] == admin.organization_id


def test_orm_queries_are_scoped_by_the_session(
    client: TestClient, database: Database, admin: Account
) -> None:
    rival = register(client, "Rival Realty")
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        emails = set(session.scalars(select(User.email)))
        assert emails == {admin.email}
    with database.unit_of_work(None) as session:
        assert session.scalars(select(User)).all() == []  # no tenant bound: fail closed
    with database.unit_of_work(uuid.UUID(rival.organization_id)) as session:
        assert set(session.scalars(select(User.email))) == {rival.email}


def test_a_row_cannot_be_written_into_another_organization(
    client: TestClient, database: Database, admin: Account
) -> None:
    rival = register(client, "Rival Realty")
    ours, theirs = uuid.UUID(admin.organization_id), uuid.UUID(rival.organization_id)
    with database.session(ours) as session:
        session.add(AuditLog(organization_id=theirs, action="x", entity_type="y"))
        with pytest.raises(TenancyError):
            session.flush()
        session.rollback()
    with database.session(ours) as session:
        me = session.get(User, uuid.UUID(admin.id))
        assert me is not None
        me.organization_id = theirs
        with pytest.raises(TenancyError):
            session.flush()
        session.rollback()
