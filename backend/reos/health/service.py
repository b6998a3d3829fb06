"""Readiness checks of everything the API depends on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from kombu import Connection
from sqlalchemy import text

from providers.factory import ProviderSet
from reos.core.db import Database
from reos.core.http.ratelimit import RateLimiter


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def check_database(database: Database) -> Check:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return Check("database", False, f"unreachable: {type(exc).__name__}")
    return Check("database", True, database.engine.dialect.name)


def check_redis(client: redis.Redis | None, limiter: RateLimiter) -> Check:
    if client is None:
        return Check("redis", True, "embedded (in-process cache and rate limits)")
    try:
        client.ping()
    except redis.RedisError as exc:
        return Check("redis", False, f"unreachable: {type(exc).__name__}; rate limits fail open")
    if not limiter.healthy:
        return Check("redis", False, "rate-limit store errored recently; failing open")
    return Check("redis", True, "connected")


def check_broker(broker_url: str) -> Check:
    if not broker_url:
        return Check("broker", True, "embedded (SQLite through kombu)")
    try:
        with Connection(broker_url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            transport = str(connection.transport_cls)
    except Exception as exc:
        return Check("broker", False, f"unreachable: {type(exc).__name__}")
    return Check("broker", True, transport)


def check_providers(provider_set: ProviderSet) -> list[Check]:
    checks = []
    for health in provider_set.health():
        detail = f"{health.name} ({health.mode})" + (f": {health.detail}" if health.detail else "")
        checks.append(Check(f"provider:{health.kind}", health.healthy, detail))
    return checks


def readiness(checks: list[Check]) -> tuple[bool, dict[str, Any]]:
    ready = all(c.ok for c in checks)
    down = [c.name for c in checks if not c.ok]
    body: dict[str, Any] = {
        "status": "ready" if ready else "unavailable",
        "checks": {c.name: c.as_dict() for c in checks},
    }
    if down:
        body["down"] = down
    return ready, body
