"""Sliding-window rate limits with IETF headers, per user or per client IP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reos.core.db import Database
from reos.core.settings import Settings
from tests.conftest import make_app, register
from tests.services import REDIS_URL, need_redis


def limited_client(settings: Settings, database: Database, **overrides: Any) -> TestClient:
    return TestClient(make_app(settings, database, **overrides))


def test_over_the_limit_is_a_429_with_retry_after_and_ratelimit_headers(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    with limited_client(settings, database, rate_limit_default="3/minute") as client:
        statuses = [client.get("/api/v1/auth/me").status_code for _ in range(4)]
        refused = client.get("/api/v1/auth/me")
    assert statuses == [401, 401, 401, 429]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Policy"] == '"default";q=3;w=60'
    assert refused.headers["RateLimit"].startswith('"default";r=0;t=')


def test_allowed_responses_count_down_remaining(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    with limited_client(settings, database, rate_limit_default="5/minute") as client:
        remaining = [client.get("/api/v1/users").headers["RateLimit"] for _ in range(3)]
    assert [r.split(";")[1] for r in remaining] == ["r=4", "r=3", "r=2"]


def test_each_user_has_a_bucket_of_their_own(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    with limited_client(settings, database, rate_limit_default="3/minute") as client:
        first, second = register(client, "One"), register(client, "Two")
        for _ in range(3):
            client.get("/api/v1/auth/me", headers=first.headers)
        assert client.get("/api/v1/auth/me", headers=first.headers).status_code == 429
        assert client.get("/api/v1/auth/me", headers=second.headers).status_code == 200


def test_auth_routes_have_their_own_tighter_limit(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    with limited_client(settings, database, rate_limit_auth="2/minute") as client:
        body = {"email": "x@example.com", "password": "whatever1"}
        statuses = [client.post("/api/v1/auth/login", json=body).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        assert client.get("/api/v1/healthz").status_code == 200


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    with limited_client(settings, database, rate_limit_default="1/minute") as client:
        client.get("/api/v1/users", headers={"X-Forwarded-For": "203.0.113.1"})
        spoofed = client.get("/api/v1/users", headers={"X-Forwarded-For": "203.0.113.2"})
    assert spoofed.status_code == 429  # same peer; a rotating header buys no fresh bucket


def test_client_address_walks_past_trusted_hops() -> None:
    from reos.core.http.ratelimit import ClientAddress

    address = ClientAddress(["10.0.0.0/8"])
    scope = {
        "client": ("10.0.0.5", 1),
        "headers": [(b"x-forwarded-for", b"198.51.100.7, 10.1.1.1")],
    }
    assert address(scope) == "198.51.100.7"
    untrusted_peer = {"client": ("198.51.100.9", 1), "headers": scope["headers"]}
    assert address(untrusted_peer) == "198.51.100.9"


def test_limits_are_shared_across_instances_through_redis(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    need_redis()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    namespace = uuid.uuid4().hex
    overrides = {"rate_limit_default": "3/minute", "redis_url": REDIS_URL}
    with (
        limited_client(settings, database, **overrides) as one,
        limited_client(settings, database, **overrides) as two,
    ):
        account = register(one, f"Shared {namespace}")
        statuses = [
            (one if i % 2 else two).get("/api/v1/auth/me", headers=account.headers).status_code
            for i in range(4)
        ]
    assert statuses == [200, 200, 200, 429]


def test_redis_down_fails_open_and_shows_in_readyz(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    with limited_client(
        settings, database, rate_limit_default="1/minute", redis_url="redis://127.0.0.1:1/0"
    ) as client:
        statuses = [client.get("/api/v1/auth/me").status_code for _ in range(3)]
        ready = client.get("/api/v1/readyz")
    assert statuses == [401, 401, 401]  # let through, not refused
    assert ready.status_code == 503
    assert "redis" in ready.json()["down"]


@pytest.mark.parametrize("limit", ["2/second", "120/minute"])
def test_policy_header_reflects_configuration(
    settings: Settings, database: Database, owner_engine: Any, limit: str
) -> None:
    with limited_client(settings, database, rate_limit_default=limit) as client:
        policy = client.get("/api/v1/auth/me").headers["RateLimit-Policy"]
    quota, window = (2, 1) if limit == "2/second" else (120, 60)
    assert policy == f'"default";q={quota};w={window}'
