"""Row-Level Security on its own keeps organizations apart on PostgreSQL.

Everything here is plain SQL on the app role's connection, with no ORM and so no app-level
tenant filter: what holds, holds because of the policies the migrations install."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from reos.core import migrations
from reos.core.db import Base, utcnow
from tests.services import PG_ADMIN_DSN, need_postgres

APP_ROLE = os.environ.get("DB_APP_ROLE", "reos_app")
TENANT_TABLES = ("users", "teams", "audit_logs")


@dataclass
class Tenant:
    org_id: uuid.UUID
    user_id: uuid.UUID
    team_id: uuid.UUID
    email: str


@dataclass
class Cluster:
    owner: Engine  # the migrating superuser, past every policy
    app: Engine  # the application role, bound by them
    a: Tenant
    b: Tenant


@contextmanager
def fresh_database(owner: str | None = None) -> Iterator[URL]:
    """A new, empty database (owned by `owner` if given), dropped afterwards."""
    server = make_url(PG_ADMIN_DSN)
    name = f"reos_rls_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        owned_by = f' OWNER "{owner}"' if owner else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{owned_by}'))
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_tenant(connection: Connection, name: str, org_id: uuid.UUID | None = None) -> Tenant:
    """An organization with one user, one team and one audit entry."""
    now = utcnow()
    tenant = Tenant(org_id or uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), f"{name}@{name}.example")
    stamps = {"created_at": now, "updated_at": now}
    connection.execute(
        text(
            "INSERT INTO organizations (id, name, slug, plan, created_at, updated_at) "
            "VALUES (:id, :name, :name, 'demo', :created_at, :updated_at)"
        ),
        {"id": tenant.org_id, "name": name, **stamps},
    )
    connection.execute(
        text(
            "INSERT INTO users (id, organization_id, email, full_name, password_hash, role, "
            "status, failed_login_count, lockout_count, created_at, updated_at) "
            "VALUES (:id, :org, :email, :name, 'x', 'admin', 'active', 0, 0, "
            ":created_at, :updated_at)"
        ),
        {"id": tenant.user_id, "org": tenant.org_id, "email": tenant.email, "name": name, **stamps},
    )
    connection.execute(
        text(
            "INSERT INTO teams (id, organization_id, name, created_at, updated_at) "
            "VALUES (:id, :org, 'Sales', :created_at, :updated_at)"
        ),
        {"id": tenant.team_id, "org": tenant.org_id, **stamps},
    )
    connection.execute(
        text(
            "INSERT INTO audit_logs (id, organization_id, action, entity_type, created_at) "
            "VALUES (:id, :org, 'seeded', 'organization', :created_at)"
        ),
        {"id": uuid.uuid4(), "org": tenant.org_id, "created_at": now},
    )
    return tenant


def as_tenant(connection: Connection, org_id: uuid.UUID | str) -> None:
    """What the app does at the start of every transaction (the setting ends with it)."""
    connection.execute(text("SELECT set_config('app.org_id', :org, true)"), {"org": str(org_id)})


def count(connection: Connection, table: str) -> int:
    return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    need_postgres()
    with fresh_database() as url:
        migrations.upgrade(url)
        owner = create_engine(url)
        with owner.begin() as connection:
            a, b = add_tenant(connection, "alpha"), add_tenant(connection, "bravo")
        app = create_engine(url.set(username=APP_ROLE, password=None))
        try:
            yield Cluster(owner, app, a, b)
        finally:
            app.dispose()
            owner.dispose()


def test_without_a_tenant_nothing_is_visible(cluster: Cluster) -> None:
    with cluster.owner.connect() as connection:  # the rows are there...
        assert all(count(connection, t) == 2 for t in ("organizations", *TENANT_TABLES))
    with cluster.app.begin() as connection:  # ...but the app sees none of them
        assert [count(connection, t) for t in ("organizations", *TENANT_TABLES)] == [0, 0, 0, 0]
        as_tenant(connection, "")  # what a session bound to no organization sets
        assert [count(connection, t) for t in ("organizations", *TENANT_TABLES)] == [0, 0, 0, 0]


def test_a_tenant_sees_only_its_own_rows(cluster: Cluster) -> None:
    a = cluster.a
    with cluster.app.begin() as connection:
        as_tenant(connection, a.org_id)
        assert connection.execute(text("SELECT id FROM organizations")).scalars().all() == [
            a.org_id
        ]
        assert connection.execute(text("SELECT email FROM users")).scalars().all() == [a.email]
        for table in TENANT_TABLES:
            orgs = connection.execute(text(f"SELECT organization_id FROM {table}")).scalars()
            assert orgs.all() == [a.org_id], table
    # The setting is transaction-local: a pooled connection does not carry it to the next one.
    with cluster.app.begin() as connection:
        assert count(connection, "users") == 0


def test_writing_into_another_tenant_is_refused(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    insert_team = text(
        "INSERT INTO teams (id, organization_id, name, created_at, updated_at) "
        "VALUES (:id, :org, :name, now(), now())"
    )
    with cluster.app.connect() as connection, connection.begin() as transaction:
        as_tenant(connection, a.org_id)
        connection.execute(insert_team, {"id": uuid.uuid4(), "org": a.org_id, "name": "Own"})
        transaction.rollback()
    for statement, params in [
        (insert_team, {"id": uuid.uuid4(), "org": b.org_id, "name": "Planted"}),
        # Moving one's own row into another organization is the same violation.
        (
            text("UPDATE teams SET organization_id = :b WHERE id = :id"),
            {"b": b.org_id, "id": a.team_id},
        ),
        (
            text(
                "INSERT INTO organizations (id, name, slug, plan, created_at, updated_at) "
                "VALUES (:id, 'x', :slug, 'demo', now(), now())"
            ),
            {"id": uuid.uuid4(), "slug": uuid.uuid4().hex},
        ),
    ]:
        with cluster.app.begin() as connection:
            as_tenant(connection, a.org_id)
            with pytest.raises(DBAPIError, match="row-level security policy"):
                connection.execute(statement, params)


def test_another_tenants_rows_cannot_be_changed_or_deleted(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    with cluster.app.begin() as connection:
        as_tenant(connection, a.org_id)
        for statement in [
            "UPDATE teams SET name = 'Hijacked' WHERE organization_id = :b",
            "UPDATE users SET status = 'disabled' WHERE organization_id = :b",
            "DELETE FROM audit_logs WHERE organization_id = :b",
            "DELETE FROM organizations WHERE id = :b",
        ]:
            assert connection.execute(text(statement), {"b": b.org_id}).rowcount == 0, statement
    with cluster.owner.connect() as connection:
        untouched = connection.execute(
            text(
                "SELECT t.name, u.status, (SELECT count(*) FROM audit_logs WHERE organization_id "
                "= :b), (SELECT count(*) FROM organizations WHERE id = :b) FROM teams AS t "
                "JOIN users AS u USING (organization_id) WHERE t.organization_id = :b"
            ),
            {"b": b.org_id},
        ).one()
    assert tuple(untouched) == ("Sales", "active", 1, 1)


def test_the_app_role_cannot_escape_the_policies(cluster: Cluster) -> None:
    with cluster.app.connect() as connection:
        role = connection.execute(
            text("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = :r"),
            {"r": APP_ROLE},
        ).one()
        assert (role.rolsuper, role.rolbypassrls, role.rolcreaterole) == (False, False, False)
        assert connection.execute(text("SELECT current_user")).scalar_one() == APP_ROLE
        owned = connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE tableowner = :r"), {"r": APP_ROLE}
        )
        assert owned.scalar_one() == 0
        rights = connection.execute(
            text(
                "SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) "
                "AS p WHERE has_table_privilege(:r, 'alembic_version', p)"
            ),
            {"r": APP_ROLE},
        )
        assert rights.scalars().all() == ["SELECT"]
    with cluster.app.begin() as connection, pytest.raises(DBAPIError, match="must be owner"):
        connection.execute(text("ALTER TABLE users DISABLE ROW LEVEL SECURITY"))


def test_identify_user_finds_the_organization_before_the_tenant_is_known(
    cluster: Cluster,
) -> None:
    a, b = cluster.a, cluster.b
    identify = text("SELECT user_id, organization_id FROM reos_identify_user(:email)")
    with cluster.app.begin() as connection:  # no app.org_id: the state at login
        assert connection.execute(identify, {"email": b.email.upper()}).all() == [
            (b.user_id, b.org_id)
        ]
        assert connection.execute(identify, {"email": "nobody@nowhere.example"}).all() == []
        # It reveals which organization, nothing more: the user rows themselves stay hidden.
        assert count(connection, "users") == 0
    archive = text("UPDATE users SET deleted_at = :at WHERE id = :id")
    with cluster.owner.begin() as connection:
        connection.execute(archive, {"at": utcnow(), "id": a.user_id})
    try:
        with cluster.app.begin() as connection:  # an archived user cannot log in
            assert connection.execute(identify, {"email": a.email}).all() == []
    finally:
        with cluster.owner.begin() as connection:
            connection.execute(archive, {"at": None, "id": a.user_id})
    with cluster.owner.connect() as connection:
        function = connection.execute(
            text(
                "SELECT p.prosecdef, pg_get_userbyid(p.proowner) AS owner, p.proacl IS NULL AS "
                "default_acl, (SELECT count(*) FROM aclexplode(p.proacl) AS acl "
                "WHERE acl.grantee = 0) AS public_grants "
                "FROM pg_proc AS p WHERE p.proname = 'reos_identify_user'"
            )
        ).one()
    assert function.prosecdef
    assert function.owner == make_url(PG_ADMIN_DSN).username
    # A NULL acl would mean the default one, which lets PUBLIC execute.
    assert not function.default_acl and function.public_grants == 0


def test_every_tenant_table_has_rls_enabled_and_forced(cluster: Cluster) -> None:
    with cluster.owner.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "EXISTS (SELECT FROM pg_policies p WHERE p.tablename = c.relname "
                "AND p.policyname = 'tenant_isolation') AS isolated "
                "FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND (c.relname = 'organizations' "
                "OR EXISTS (SELECT FROM pg_attribute AS a WHERE a.attrelid = c.oid "
                "AND a.attname = 'organization_id' AND NOT a.attisdropped))"
            )
        ).all()
    expected = {t.name for t in Base.metadata.tables.values() if "organization_id" in t.c}
    assert {row.relname for row in rows} == expected | {"organizations"}
    unprotected = [r.relname for r in rows if not (r.relrowsecurity and r.relforcerowsecurity)]
    assert unprotected == []
    assert [r.relname for r in rows if not r.isolated] == []


@pytest.fixture
def plain_owner(cluster: Cluster) -> Iterator[str]:
    """A table owner that is no superuser, as in production (after `cluster` made the app role)."""
    name = f"reos_owner_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_ADMIN_DSN), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOBYPASSRLS'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def test_identify_user_works_when_the_owner_is_no_superuser(
    plain_owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DB_APP_PASSWORD", raising=False)  # setting it needs CREATEROLE
    with fresh_database(owner=plain_owner) as url:
        owner_url = url.set(username=plain_owner, password=None)
        migrations.upgrade(owner_url)
        owner = create_engine(owner_url)
        app = create_engine(url.set(username=APP_ROLE, password=None))
        try:
            org = uuid.uuid4()
            with owner.begin() as connection:
                # FORCE binds the owner too: it writes as a tenant like the app does.
                as_tenant(connection, org)
                tenant = add_tenant(connection, "charlie", org)
            with owner.begin() as connection:
                assert count(connection, "teams") == 0
            with app.begin() as connection:
                found = connection.execute(
                    text("SELECT user_id, organization_id FROM reos_identify_user(:email)"),
                    {"email": tenant.email},
                ).all()
            assert found == [(tenant.user_id, org)]
        finally:
            app.dispose()
            owner.dispose()


def test_the_event_log_is_append_only_and_tenant_scoped_for_the_app_role(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    insert = text(
        "INSERT INTO events (organization_id, type, entity_type, payload, occurred_at) "
        "VALUES (:org, 'test.recorded', 'test', '{}', now() - interval '200 days') RETURNING id"
    )
    with cluster.app.begin() as connection:
        as_tenant(connection, a.org_id)
        own = connection.execute(insert, {"org": a.org_id}).scalar_one()
    with cluster.app.begin() as connection:
        as_tenant(connection, b.org_id)
        with pytest.raises(DBAPIError, match="row-level security policy"):
            connection.execute(insert, {"org": a.org_id})
    for statement in ("UPDATE events SET type = 'test.forged'", "DELETE FROM events"):
        with cluster.app.begin() as connection:
            as_tenant(connection, a.org_id)
            with pytest.raises(DBAPIError, match="permission denied"):
                connection.execute(text(statement))
    # Retention deletes through the owner's function, and only for the calling organization.
    with cluster.owner.begin() as connection:
        connection.execute(insert, {"org": b.org_id})
    with cluster.app.begin() as connection:
        as_tenant(connection, a.org_id)
        purged = connection.execute(text("SELECT reos_purge_events(now() - interval '90 days')"))
        assert purged.scalar_one() == 1
    with cluster.owner.connect() as connection:
        left = connection.execute(text("SELECT organization_id, id FROM events")).all()
    assert [row.organization_id for row in left] == [b.org_id] and own not in [r.id for r in left]
