"""Registration, login, lockout, refresh rotation and logout through the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORD, Account, login, register

LOGIN = "/api/v1/auth/login"


def test_register_creates_organization_with_registrant_as_admin(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": "Founder@Example.com",
            "password": DEMO_PASSWORD,
            "full_name": "Fay Founder",
            "organization_name": "Founders Realty",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"id", "email", "full_name", "role", "organization_id"}
    assert body["role"] == "admin"
    assert body["email"] == "founder@example.com"


def test_registering_a_taken_email_is_a_conflict_naming_the_field(
    client: TestClient, admin: Account
) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": admin.email.upper(),
            "password": DEMO_PASSWORD,
            "full_name": "Copy Cat",
            "organization_name": "Other",
        },
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body.email"


def test_password_length_is_enforced_not_truncated(client: TestClient) -> None:
    def attempt(password: str) -> int:
        return client.post(
            "/api/v1/auth/register",
            json={
                "email": f"len{len(password)}@example.com",
                "password": password,
                "full_name": "Len",
                "organization_name": "Len Org",
            },
        ).status_code

    too_long = client.post(
        "/api/v1/auth/register",
        json={
            "email": "long@example.com",
            "password": "x" * 129,
            "full_name": "L",
            "organization_name": "L",
        },
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "body.password"
    assert attempt("short7!") == 422
    assert attempt("y" * 128) == 201
    # The 128th character counts: a 127-character prefix is a different password.
    client.post(LOGIN, json={"email": "len128@example.com", "password": "y" * 128})
    prefix = client.post(LOGIN, json={"email": "len128@example.com", "password": "y" * 127})
    assert prefix.status_code == 401


def test_login_returns_rs256_tokens_with_checked_claims(client: TestClient, admin: Account) -> None:
    response = client.post(LOGIN, json={"email": admin.email, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert 15 * 60 <= body["expires_in"] <= 30 * 60
    header = jwt.get_unverified_header(body["access_token"])
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert header["alg"] == "RS256" and header["kid"]
    assert {"exp", "iat", "iss", "aud", "jti", "sub"} <= set(claims)
    assert claims["sub"] == admin.id


def test_unknown_email_and_wrong_password_look_the_same(client: TestClient, admin: Account) -> None:
    wrong = client.post(LOGIN, json={"email": admin.email, "password": "wrong-password"})
    unknown = client.post(LOGIN, json={"email": "nobody@example.com", "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_five_failures_lock_the_account_with_retry_after(
    client: TestClient, admin: Account
) -> None:
    statuses = [
        client.post(LOGIN, json={"email": admin.email, "password": "nope-nope"}).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    locked = client.post(LOGIN, json={"email": admin.email, "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    assert locked.json()["status"] == 429


def test_second_lockout_lasts_twice_as_long(
    client: TestClient, admin: Account, owner_engine: object
) -> None:
    for _ in range(5):
        client.post(LOGIN, json={"email": admin.email, "password": "nope-nope"})
    # Let the first lockout run out.
    with owner_engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(
            text("UPDATE users SET locked_until = :past WHERE email = :email"),
            {"past": datetime.now(UTC) - timedelta(seconds=1), "email": admin.email},
        )
    statuses = [
        client.post(LOGIN, json={"email": admin.email, "password": "nope-nope"}).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    locked = client.post(LOGIN, json={"email": admin.email, "password": DEMO_PASSWORD})
    assert 60 < int(locked.headers["Retry-After"]) <= 120


def test_unknown_email_locks_out_like_a_real_account(client: TestClient) -> None:
    statuses = [
        client.post(LOGIN, json={"email": "ghost@example.com", "password": "x-x-x-x-x"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401, 401, 401, 401, 429, 429]


def test_successful_login_resets_the_failure_count(client: TestClient, admin: Account) -> None:
    for _ in range(4):
        client.post(LOGIN, json={"email": admin.email, "password": "nope-nope"})
    login(client, admin.email)
    for _ in range(4):
        assert (
            client.post(LOGIN, json={"email": admin.email, "password": "nope"}).status_code == 401
        )


def test_refresh_rotates_the_pair(client: TestClient, admin: Account) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh_token"] != admin.refresh_token
    me = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_family(
    client: TestClient, admin: Account
) -> None:
    rotated = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": admin.refresh_token}
    ).json()
    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert reuse.status_code == 401
    # The thief's reuse ends the legitimate holder's session too.
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401
    me = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.status_code == 401


def test_access_token_is_not_a_refresh_token(client: TestClient, admin: Account) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": admin.access_token})
    assert response.status_code == 401


def test_logout_stops_the_access_token_at_once(client: TestClient, admin: Account) -> None:
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=admin.headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert refresh.status_code == 401


def test_logout_ends_only_that_session(client: TestClient, admin: Account) -> None:
    other = login(client, admin.email)
    client.post("/api/v1/auth/logout", headers=admin.headers)
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other['access_token']}"})
    assert me.status_code == 200


def test_me_requires_a_valid_token(client: TestClient) -> None:
    assert client.get("/api/v1/auth/me").status_code == 401
    forged = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401
    assert forged.headers["content-type"] == "application/problem+json"


def test_register_refuses_unknown_fields(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": "x@example.com",
            "password": DEMO_PASSWORD,
            "full_name": "X",
            "organization_name": "X",
            "role": "admin",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.role"


def test_tokens_of_another_deployment_are_rejected(client: TestClient, admin: Account) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    claims = jwt.decode(admin.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(admin.access_token)["kid"]
    foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, foreign_key, algorithm="RS256", headers={"kid": kid})
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_second_registration_gets_its_own_organization(client: TestClient, admin: Account) -> None:
    other = register(client, "Other Realty")
    assert other.organization_id != admin.organization_id
