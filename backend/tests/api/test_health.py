"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from reos.core.db import Database, create_db_engine
from reos.core.settings import Settings
from tests.conftest import make_app


def test_healthz_needs_nothing(client: TestClient) -> None:
    assert client.get("/api/v1/healthz").json() == {"status": "ok"}


def test_readyz_reports_each_dependency(client: TestClient) -> None:
    response = client.get("/api/v1/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert {"database", "redis", "broker"} <= set(checks)
    assert all(c["ok"] for c in checks.values())


def test_readyz_names_what_is_down(settings: Settings, owner_engine: Any) -> None:
    broken = Database(
        settings, engine=create_db_engine(make_url("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    )
    app = make_app(
        settings,
        broken,
        redis_url="redis://127.0.0.1:1/0",
        celery_broker_url="amqp://guest:guest@127.0.0.1:1//",
    )
    with TestClient(app) as client:
        response = client.get("/api/v1/readyz")
        assert client.get("/api/v1/healthz").status_code == 200
    assert response.status_code == 503
    assert set(response.json()["down"]) == {"database", "redis", "broker"}
