"""Where the real services for tests are, and the one rule for when they are missing.

A test that needs PostgreSQL, Redis or RabbitMQ skips with a clear reason when the service is
unreachable, unless REQUIRE_SERVICES=1 (set by .ci/run), which turns that skip into a failure.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

PG_ADMIN_DSN = os.environ.get(
    "TEST_PG_DSN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def need(service: str, url: str, default_port: int) -> None:
    """Skip (or, with REQUIRE_SERVICES=1, fail) the calling test when `service` is down."""
    if reachable(url, default_port):
        return
    message = f"{service} is not reachable at {url}"
    if services_required():
        pytest.fail(f"{message} and REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(f"{message}; start it or set REQUIRE_SERVICES=1 to make this a failure")


def need_postgres() -> None:
    need("PostgreSQL", PG_ADMIN_DSN, 5432)


def need_redis() -> None:
    need("Redis", REDIS_URL, 6379)


def need_rabbitmq() -> None:
    need("RabbitMQ", AMQP_URL, 5672)
