"""Members: list, add, update (admin vs self), soft delete."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import DEMO_PASSWORD, Account, add_member

USERS = "/api/v1/users"


def test_list_is_paginated(client: TestClient, accounts: dict[str, Account]) -> None:
    admin = accounts["admin"]
    first = client.get(USERS, params={"page": 1, "page_size": 3}, headers=admin.headers).json()
    second = client.get(USERS, params={"page": 2, "page_size": 3}, headers=admin.headers).json()
    assert first["total"] == second["total"] == 4
    assert (first["page"], first["page_size"], len(first["items"])) == (1, 3, 3)
    assert len(second["items"]) == 1
    ids = {u["id"] for u in first["items"]} | {u["id"] for u in second["items"]}
    assert ids == {a.id for a in accounts.values()}


def test_page_size_above_100_is_refused(client: TestClient, admin: Account) -> None:
    response = client.get(USERS, params={"page_size": 101}, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.page_size"


def test_admin_adds_a_member_who_can_log_in(client: TestClient, admin: Account) -> None:
    member = add_member(client, admin, "agent")
    assert member.user["role"] == "agent"
    assert member.user["organization_id"] == admin.organization_id
    me = client.get("/api/v1/auth/me", headers=member.headers).json()
    assert me["email"] == member.email


def test_member_email_must_be_unique(client: TestClient, admin: Account) -> None:
    response = client.post(
        USERS,
        headers=admin.headers,
        json={"email": admin.email, "full_name": "Dup", "role": "agent", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.email"


def test_unknown_role_is_a_field_error(client: TestClient, admin: Account) -> None:
    response = client.post(
        USERS,
        headers=admin.headers,
        json={
            "email": "r@example.com",
            "full_name": "R",
            "role": "owner",
            "password": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.role"


def test_members_update_their_own_name_and_password(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    agent = accounts["agent"]
    response = client.put(
        f"{USERS}/{agent.id}",
        headers=agent.headers,
        json={"full_name": "Renamed Agent", "password": "a-brand-new-pass"},
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Renamed Agent"
    relogin = client.post(
        "/api/v1/auth/login", json={"email": agent.email, "password": "a-brand-new-pass"}
    )
    assert relogin.status_code == 200


def test_members_cannot_change_their_own_role(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    agent = accounts["agent"]
    response = client.put(f"{USERS}/{agent.id}", headers=agent.headers, json={"role": "admin"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "body.role"
    assert client.get("/api/v1/auth/me", headers=agent.headers).json()["role"] == "agent"


def test_members_cannot_update_someone_else(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    response = client.put(
        f"{USERS}/{accounts['sales'].id}",
        headers=accounts["agent"].headers,
        json={"full_name": "Hijacked"},
    )
    assert response.status_code == 403


def test_admin_changes_role_and_it_applies_at_once(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    admin, viewer = accounts["admin"], accounts["viewer"]
    # Signed in and served once, so the session's role is in the principal cache.
    assert client.get("/api/v1/auth/me", headers=viewer.headers).json()["role"] == "viewer"
    response = client.put(f"{USERS}/{viewer.id}", headers=admin.headers, json={"role": "sales"})
    assert response.status_code == 200
    # The role is read per request, not from the token, so the same token now has it.
    assert client.get("/api/v1/auth/me", headers=viewer.headers).json()["role"] == "sales"


def test_disabling_a_member_ends_their_sessions(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    admin, sales = accounts["admin"], accounts["sales"]
    assert client.get("/api/v1/auth/me", headers=sales.headers).status_code == 200
    response = client.put(f"{USERS}/{sales.id}", headers=admin.headers, json={"status": "disabled"})
    assert response.status_code == 200
    assert client.get("/api/v1/auth/me", headers=sales.headers).status_code == 401
    relogin = client.post(
        "/api/v1/auth/login", json={"email": sales.email, "password": DEMO_PASSWORD}
    )
    assert relogin.status_code == 401


def test_the_last_admin_cannot_be_demoted(client: TestClient, admin: Account) -> None:
    response = client.put(f"{USERS}/{admin.id}", headers=admin.headers, json={"role": "viewer"})
    assert response.status_code == 409
    assert client.get("/api/v1/auth/me", headers=admin.headers).json()["role"] == "admin"


def test_soft_delete_hides_the_member_and_ends_sessions(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    admin, agent = accounts["admin"], accounts["agent"]
    assert client.get("/api/v1/auth/me", headers=agent.headers).status_code == 200
    assert client.delete(f"{USERS}/{agent.id}", headers=admin.headers).status_code == 204
    assert client.get(f"{USERS}/{agent.id}", headers=admin.headers).status_code == 404
    assert agent.id not in {
        u["id"] for u in client.get(USERS, headers=admin.headers).json()["items"]
    }
    assert client.get("/api/v1/auth/me", headers=agent.headers).status_code == 401
    assert client.delete(f"{USERS}/{agent.id}", headers=admin.headers).status_code == 404


def test_failed_write_leaves_the_database_unchanged(client: TestClient, admin: Account) -> None:
    before = client.get(USERS, headers=admin.headers).json()["total"]
    response = client.post(
        USERS,
        headers=admin.headers,
        json={
            "email": "not-an-email",
            "full_name": "X",
            "role": "agent",
            "password": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert client.get(USERS, headers=admin.headers).json()["total"] == before
