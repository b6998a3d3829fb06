"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
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
    # The data provider's budget reads its ledger from the database, so it is down with it.
    assert set(response.json()["down"]) == {"database", "redis", "broker", "provider:data"}


def test_readyz_includes_every_provider(client: TestClient) -> None:
    checks = client.get("/api/v1/readyz").json()["checks"]
    kinds = {name.split(":", 1)[1] for name in checks if name.startswith("provider:")}
    assert kinds == {"data", "email", "sms", "webhook", "storage"}
    assert "(mock)" in checks["provider:email"]["detail"]


def test_production_start_without_credentials_lists_every_missing_setting(
    settings: Settings, database: Database
) -> None:
    from reos.core.providers import ConfigurationError

    production = settings.model_copy(update={"mode": "production", "db_dsn": ""})
    with pytest.raises(ConfigurationError) as refused:
        make_app(production, database)
    message = str(refused.value)
    for name in (
        "DB_DSN",
        "JWT_PRIVATE_KEY",
        "JWT_PUBLIC_KEY",
        "SENDGRID_API_KEY",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "MINIO_ENDPOINT",
        "MINIO_SECRET_KEY",
        "ATTOM_API_KEY",
    ):
        assert name in message, name


def test_per_kind_override_wins_over_production_mode(
    settings: Settings, database: Database
) -> None:
    from reos.core.providers import ConfigurationError

    production = settings.model_copy(
        update={
            "mode": "production",
            "email_provider": "mock",
            "sms_provider": "mock",
            "storage_provider": "memory",
            "webhook_provider": "mock",
            "data_provider": "mock",
            "storage_signing_key": SecretStr("k" * 32),
        }
    )
    with pytest.raises(ConfigurationError) as refused:
        make_app(production, database)
    # Only the core's own production settings remain missing.
    assert refused.value.missing == ["JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY"]
