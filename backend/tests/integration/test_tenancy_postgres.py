"""On PostgreSQL, Row-Level Security alone keeps organizations apart: with the ORM's tenant
filter switched off, the app's connection still sees and changes only its own rows.

These run against PostgreSQL whatever DB_DSN says (a database of their own when the suite runs
on SQLite), and skip or fail like every real-service test when PostgreSQL is absent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.engine import URL

from reos.core.db import Database
from reos.core.settings import Settings
from reos.models import AuditLog, User
from tests.conftest import Account, make_app, register

ALL_TENANTS = {"all_tenants": True}  # switches the app-level filter off


@pytest.fixture
def pg_database(settings: Settings, pg_owner_url: URL, pg_owner_engine: Any) -> Iterator[Database]:
    pg_settings = settings.model_copy(
        update={"db_dsn": pg_owner_url.render_as_string(hide_password=False)}
    )
    database = Database(pg_settings)
    yield database
    database.dispose()


@pytest.fixture
def pg_client(settings: Settings, pg_database: Database) -> Iterator[TestClient]:
    app = make_app(pg_database.settings, pg_database)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def pg_admin(pg_client: TestClient) -> Account:
    return register(pg_client, "Home Realty")


def test_the_app_connects_as_a_role_bound_by_rls(pg_database: Database) -> None:
    with pg_database.engine.connect() as connection:
        role = connection.execute(
            text(
                "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        owned = connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
        ).scalar()
    assert role.rolname == "reos_app"
    assert not role.rolsuper and not role.rolbypassrls
    assert owned == 0


def test_every_tenant_table_has_rls_enabled_and_forced(pg_database: Database) -> None:
    with pg_database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
                "JOIN information_schema.columns col ON col.table_name = c.relname "
                "AND col.column_name = 'organization_id' AND col.table_schema = 'public' "
                "WHERE c.relkind = 'r'"
            )
        ).all()
    assert len(rows) >= 30
    assert [r.relname for r in rows if not (r.relrowsecurity and r.relforcerowsecurity)] == []


def test_rls_alone_hides_other_organizations(
    pg_client: TestClient, pg_database: Database, pg_admin: Account
) -> None:
    rival = register(pg_client, "Rival Realty")
    with pg_database.unit_of_work(uuid.UUID(pg_admin.organization_id)) as session:
        emails = set(session.scalars(select(User.email), execution_options=ALL_TENANTS))
    assert emails == {pg_admin.email}
    assert rival.email not in emails


def test_rls_alone_refuses_cross_tenant_updates(
    pg_client: TestClient, pg_database: Database, pg_admin: Account
) -> None:
    rival = register(pg_client, "Rival Realty")
    with pg_database.unit_of_work(uuid.UUID(pg_admin.organization_id)) as session:
        result = session.execute(
            update(User)
            .where(User.id == uuid.UUID(rival.id))
            .values(full_name="Hijacked")
            .execution_options(**ALL_TENANTS)
        )
        assert result.rowcount == 0  # type: ignore[attr-defined]
    assert pg_client.get("/api/v1/auth/me", headers=rival.headers).json()["full_name"] == (
        "Olive Owner"
    )


def test_rls_alone_refuses_inserts_for_another_organization(
    pg_client: TestClient, pg_database: Database, pg_admin: Account
) -> None:
    rival = register(pg_client, "Rival Realty")
    with pg_database.engine.connect() as connection:
        connection.execute(
            text("SELECT set_config('app.org_id', :org, false)"), {"org": pg_admin.organization_id}
        )
        with pytest.raises(Exception, match="row-level security"):
            connection.execute(
                AuditLog.__table__.insert().values(
                    id=uuid.uuid4(),
                    organization_id=uuid.UUID(rival.organization_id),
                    action="forged",
                    entity_type="x",
                )
            )
        connection.rollback()


def test_without_a_tenant_nothing_is_visible(pg_client: TestClient, pg_database: Database) -> None:
    register(pg_client, "Some Realty")
    with pg_database.unit_of_work(None) as session:
        assert session.scalars(select(User), execution_options=ALL_TENANTS).all() == []


def test_tenant_isolation_through_the_api_on_postgres(
    pg_client: TestClient, pg_admin: Account
) -> None:
    rival = register(pg_client, "Rival Realty")
    path = f"/api/v1/users/{rival.id}"
    assert pg_client.get(path, headers=pg_admin.headers).status_code == 404
    assert pg_client.put(path, headers=pg_admin.headers, json={"full_name": "X"}).status_code == 404
    assert pg_client.delete(path, headers=pg_admin.headers).status_code == 404
    listed = pg_client.get("/api/v1/users", headers=pg_admin.headers).json()["items"]
    assert [u["id"] for u in listed] == [pg_admin.id]
