"""The demo seed: deterministic from SEED, idempotent, usable logins, refused in production."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reos.core.db import Database
from reos.core.settings import Settings
from reos.models import (
    Campaign,
    EmailTemplate,
    Lead,
    LeadScore,
    Property,
    PropertyValuation,
    SMSTemplate,
    User,
)

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "seed_demo_data.py"


def load_seed_module() -> Any:
    spec = importlib.util.spec_from_file_location("seed_demo_data", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["seed_demo_data"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seeder() -> Any:
    return load_seed_module()


def counts(database: Database, org_id: uuid.UUID) -> dict[str, int]:
    with database.unit_of_work(org_id) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (
                User,
                Property,
                PropertyValuation,
                Lead,
                LeadScore,
                Campaign,
                EmailTemplate,
                SMSTemplate,
            )
        }


def snapshot(database: Database, org_id: uuid.UUID) -> list[tuple[Any, ...]]:
    with database.unit_of_work(org_id) as session:
        return [
            (str(p.id), p.address, p.city, str(p.price), p.apn, p.bedrooms)
            for p in session.scalars(select(Property).order_by(Property.id))
        ]


def test_seed_creates_the_demo_organization_once(
    seeder: Any, settings: Settings, database: Database, owner_engine: Any
) -> None:
    first = seeder.seed(settings)
    assert first.created["users"] == 4
    assert first.created["properties"] == 50
    assert first.created["leads"] == 20
    assert first.created["campaigns"] == 3
    # Every property shows up valued and every lead scored.
    assert first.created["property_valuations"] == 50
    assert first.created["lead_scores"] == 20
    assert first.created["email_templates"] >= 1 and first.created["sms_templates"] >= 1
    second = seeder.seed(settings)
    assert second.created == {}
    org_id = seeder.DemoSeeder(None, settings.seed).id_for("organization")
    assert counts(database, org_id) == {
        "users": 4,
        "properties": 50,
        "property_valuations": 50,
        "leads": 20,
        "lead_scores": 20,
        "campaigns": 3,
        "email_templates": 2,
        "sms_templates": 2,
    }


def test_same_seed_gives_the_same_data(
    seeder: Any, settings: Settings, database: Database, owner_engine: Any
) -> None:
    seeder.seed(settings)
    org_id = seeder.DemoSeeder(None, settings.seed).id_for("organization")
    before = snapshot(database, org_id)
    # Empty the tables and seed again: the same rows come back, byte for byte.
    with owner_engine.begin() as connection:
        connection.execute(Property.__table__.delete())
    seeder.seed(settings)
    assert snapshot(database, org_id) == before
    other = seeder.DemoSeeder(None, settings.seed + 1).id_for("organization")
    assert other != org_id


def test_demo_logins_work(
    seeder: Any, settings: Settings, client: TestClient, owner_engine: Any
) -> None:
    seeder.seed(settings)
    for role in ("admin", "sales", "agent", "viewer"):
        response = client.post(
            "/api/v1/auth/login",
            json={"email": f"{role}@demo.reos.example", "password": seeder.DEMO_PASSWORD},
        )
        assert response.status_code == 200, role
        me = client.get(
            "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {response.json()['access_token']}"},
        )
        assert me.json()["role"] == role


def test_seed_refuses_production_mode(seeder: Any, settings: Settings) -> None:
    production = settings.model_copy(update={"mode": "production"})
    with pytest.raises(SystemExit, match="MODE=mock"):
        seeder.seed(production)
