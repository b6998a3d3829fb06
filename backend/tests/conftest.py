"""Test fixtures: one migrated database per run (SQLite, or PostgreSQL when DB_DSN says so),
emptied after every test, and a fresh app per test."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from reos.core import migrations
from reos.core.db import Base, Database, create_db_engine
from reos.core.settings import Settings
from tests.services import PG_ADMIN_DSN, need_postgres

warnings.filterwarnings("ignore", message=".*httpx2.*")

DEMO_PASSWORD = "CorrectHorse9!"


def _test_dsn() -> str:
    return os.environ.get("DB_DSN", "")


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@contextmanager
def empty_postgres(server_dsn: str, prefix: str = "reos_test") -> Iterator[URL]:
    """A new, empty PostgreSQL database on `server_dsn`'s server, dropped afterwards."""
    server = make_url(server_dsn)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_postgres(server_dsn: str) -> Iterator[URL]:
    """A new PostgreSQL database on `server_dsn`'s server, migrated, dropped afterwards."""
    with empty_postgres(server_dsn) as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def owner_url(var_dir: Path) -> Iterator[URL]:
    """A freshly migrated database for this run: PostgreSQL when DB_DSN names one, else SQLite."""
    dsn = _test_dsn()
    if not dsn.startswith("postgresql"):
        url = make_url(f"sqlite:///{var_dir / 'test.db'}")
        migrations.upgrade(url)
        yield url
        return
    need_postgres()
    with migrated_postgres(dsn) as url:
        yield url


@pytest.fixture(scope="session")
def pg_owner_url(owner_url: URL) -> Iterator[URL]:
    """A migrated PostgreSQL database whatever DB_DSN says, for PostgreSQL-only behaviour."""
    if owner_url.get_backend_name() == "postgresql":
        yield owner_url
        return
    need_postgres()
    with migrated_postgres(PG_ADMIN_DSN) as url:
        yield url


@pytest.fixture(scope="session")
def settings(var_dir: Path, owner_url: URL) -> Settings:
    return Settings(
        mode="mock",
        var_dir=var_dir,
        db_dsn=owner_url.render_as_string(hide_password=False),
        redis_url="",
        celery_broker_url="",
        rate_limit_default="100000/minute",
        rate_limit_auth="100000/minute",
        log_json=True,
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def owner_engine(owner_url: URL) -> Iterator[Any]:
    engine = create_db_engine(owner_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_owner_engine(pg_owner_url: URL) -> Iterator[Any]:
    engine = create_db_engine(pg_owner_url)
    yield engine
    engine.dispose()


# Written by the migrations (the role catalog, migration 0010), never by the application.
MIGRATION_DATA = frozenset({"roles", "permissions", "role_permissions"})


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the database, remove every row (as the owner, past RLS), except
    the reference data the migrations write."""
    yield
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in MIGRATION_DATA]
    for name in ("owner_engine", "pg_owner_engine"):
        if name not in request.fixturenames:
            continue
        engine = request.getfixturevalue(name)
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f'DELETE FROM "{table}"'))


def make_app(settings: Settings, database: Database, **overrides: Any) -> Any:
    from reos.main import create_app

    return create_app(settings.model_copy(update=overrides), database)


@pytest.fixture
def app(settings: Settings, database: Database, owner_engine: Any) -> Any:
    return make_app(settings, database)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Account:
    """A registered user and a valid access token for them."""

    user: dict[str, Any]
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def organization_id(self) -> str:
        return str(self.user["organization_id"])


def login(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def register(client: TestClient, organization: str = "Acme Realty") -> Account:
    email = f"owner-{uuid.uuid4().hex[:8]}@acme.example"
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": DEMO_PASSWORD,
            "full_name": "Olive Owner",
            "organization_name": organization,
        },
    )
    assert response.status_code == 201, response.text
    tokens = login(client, email)
    return Account(
        response.json(), email, DEMO_PASSWORD, tokens["access_token"], tokens["refresh_token"]
    )


def add_member(client: TestClient, admin: Account, role: str) -> Account:
    email = f"{role}-{uuid.uuid4().hex[:8]}@acme.example"
    response = client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={
            "email": email,
            "full_name": f"{role.title()} Member",
            "role": role,
            "password": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 201, response.text
    tokens = login(client, email)
    return Account(
        response.json(), email, DEMO_PASSWORD, tokens["access_token"], tokens["refresh_token"]
    )


@pytest.fixture
def admin(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def accounts(client: TestClient, admin: Account) -> dict[str, Account]:
    """One account per role in the same organization."""
    members = {role: add_member(client, admin, role) for role in ("sales", "agent", "viewer")}
    return {"admin": admin, **members}
