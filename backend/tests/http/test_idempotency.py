"""Idempotency-Key: replay, mismatch, in-flight and expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORD, Account, add_member

USERS = "/api/v1/users"


def member_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "email": f"m-{uuid.uuid4().hex[:8]}@acme.example",
        "full_name": "Idem Member",
        "role": "agent",
        "password": DEMO_PASSWORD,
    }
    body.update(overrides)
    return body


def total_users(client: TestClient, admin: Account) -> int:
    total: int = client.get(USERS, headers=admin.headers).json()["total"]
    return total


def test_same_key_and_body_replays_the_first_response(client: TestClient, admin: Account) -> None:
    body = member_body()
    headers = {**admin.headers, "Idempotency-Key": "create-member-1"}
    first = client.post(USERS, headers=headers, json=body)
    second = client.post(USERS, headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert total_users(client, admin) == 2  # the admin and one member, not two


def test_quoted_and_bare_keys_are_the_same_key(client: TestClient, admin: Account) -> None:
    body = member_body()
    first = client.post(USERS, headers={**admin.headers, "Idempotency-Key": "abc-123"}, json=body)
    second = client.post(
        USERS, headers={**admin.headers, "Idempotency-Key": '"abc-123"'}, json=body
    )
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.content == second.content


def test_same_key_with_another_body_is_refused(client: TestClient, admin: Account) -> None:
    headers = {**admin.headers, "Idempotency-Key": "create-member-2"}
    assert client.post(USERS, headers=headers, json=member_body()).status_code == 201
    other = client.post(USERS, headers=headers, json=member_body())
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert total_users(client, admin) == 2


def test_keys_are_scoped_per_user(client: TestClient, admin: Account) -> None:
    second_admin = add_member(client, admin, "admin")
    headers = {"Idempotency-Key": "shared"}
    first = client.post(USERS, headers={**admin.headers, **headers}, json=member_body())
    # Another user's same key is another key: a new request, neither a replay nor a mismatch.
    other = client.post(USERS, headers={**second_admin.headers, **headers}, json=member_body())
    assert first.status_code == other.status_code == 201
    assert "Idempotent-Replayed" not in other.headers
    assert other.json()["id"] != first.json()["id"]
    assert total_users(client, admin) == 4


def test_a_key_in_flight_is_a_conflict(client: TestClient, admin: Account) -> None:
    registry = client.app.state.container.inflight  # type: ignore[attr-defined]
    marker = f"{admin.organization_id}:{admin.id}:POST:{USERS}:busy-key"
    assert registry.acquire(marker, 60)
    response = client.post(
        USERS, headers={**admin.headers, "Idempotency-Key": "busy-key"}, json=member_body()
    )
    assert response.status_code == 409
    assert total_users(client, admin) == 1


def test_malformed_keys_are_refused(client: TestClient, admin: Account) -> None:
    for key in ("x" * 256, "has space", ""):
        response = client.post(
            USERS, headers={**admin.headers, "Idempotency-Key": key}, json=member_body()
        )
        assert response.status_code == 400, key
    assert total_users(client, admin) == 1


def test_a_failed_request_does_not_consume_its_key(client: TestClient, admin: Account) -> None:
    headers = {**admin.headers, "Idempotency-Key": "retry-after-fix"}
    failed = client.post(USERS, headers=headers, json=member_body(email=admin.email))
    assert failed.status_code == 409
    fixed = client.post(USERS, headers=headers, json=member_body())
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers


def test_an_expired_key_runs_the_request_again(
    client: TestClient, admin: Account, owner_engine: Any
) -> None:
    body = member_body()
    headers = {**admin.headers, "Idempotency-Key": "old-key"}
    assert client.post(USERS, headers=headers, json=body).status_code == 201
    with owner_engine.begin() as connection:
        connection.execute(
            text("UPDATE idempotency_keys SET expires_at = :past"),
            {"past": datetime.now(UTC) - timedelta(minutes=1)},
        )
    again = client.post(USERS, headers=headers, json=body)
    assert again.status_code == 409  # executed anew: the email now exists
    assert "Idempotent-Replayed" not in again.headers


def test_the_stored_key_holds_status_and_body(
    client: TestClient, admin: Account, owner_engine: Any
) -> None:
    response = client.post(
        USERS, headers={**admin.headers, "Idempotency-Key": "stored"}, json=member_body()
    )
    with owner_engine.connect() as connection:
        row = connection.execute(
            text("SELECT status_code, response_body, expires_at, created_at FROM idempotency_keys")
        ).one()
    assert row.status_code == 201
    assert bytes(row.response_body) == response.content
