"""One Alembic chain that upgrades, downgrades and upgrades again cleanly on SQLite and
PostgreSQL, and leaves a schema identical to the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from reos.core import migrations
from reos.core.db import Base, create_db_engine
from reos.models import ALL_MODELS
from tests.conftest import empty_postgres
from tests.services import PG_ADMIN_DSN, need_postgres

HEAD = "0011"
MODEL_TABLES = {m.__tablename__ for m in ALL_MODELS}


def schema_drift(url: URL) -> list[object]:
    """What `alembic check` would report: every difference between the database and models."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": migrations.modelled}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def table_names(url: URL) -> set[str]:
    engine = create_db_engine(url)
    try:
        return {t for t in inspect(engine).get_table_names() if migrations.modelled(t, "table", {})}
    finally:
        engine.dispose()


def round_trip(url: URL) -> None:
    assert migrations.current(url) is None
    migrations.upgrade(url)
    assert table_names(url) >= MODEL_TABLES
    assert table_names(url) == set(Base.metadata.tables) | {"alembic_version"}
    assert migrations.current(url) == HEAD
    assert schema_drift(url) == []
    # And the real command agrees (it raises on any difference), search's objects included.
    command.check(migrations.alembic_config(url))

    migrations.downgrade(url, "base")
    assert table_names(url) <= {"alembic_version"}
    assert migrations.current(url) is None

    migrations.upgrade(url)
    assert migrations.current(url) == HEAD
    assert schema_drift(url) == []


@pytest.fixture
def pg_url() -> Iterator[URL]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    need_postgres()
    with empty_postgres(PG_ADMIN_DSN, "reos_mig") as url:
        yield url


def test_chain_round_trips_on_sqlite(tmp_path: Path) -> None:
    round_trip(make_url(f"sqlite:///{tmp_path / 'migrations.db'}"))


def test_chain_round_trips_on_postgres(pg_url: URL) -> None:
    round_trip(pg_url)


def rls_state(url: URL) -> tuple[int, int, int]:
    """(policies, tables with RLS forced, identify functions) in the database."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return (
                connection.execute(text("SELECT count(*) FROM pg_policies")).scalar_one(),
                connection.execute(
                    text("SELECT count(*) FROM pg_class WHERE relforcerowsecurity")
                ).scalar_one(),
                connection.execute(
                    text("SELECT count(*) FROM pg_proc WHERE proname = 'reos_identify_user'")
                ).scalar_one(),
            )
    finally:
        engine.dispose()


def test_row_level_security_revision_goes_down_and_up_on_postgres(pg_url: URL) -> None:
    migrations.upgrade(pg_url)
    tenant_tables = [t for t in Base.metadata.tables.values() if "organization_id" in t.c]
    # One policy per tenant table and organizations, plus the owner's look-ups: users (login),
    # organization ids (beat's fan-out), messages (provider callbacks, on two tables), search
    # (properties, leads, campaigns), the public listings view (listings, properties).
    assert rls_state(pg_url) == (len(tenant_tables) + 10, len(tenant_tables) + 1, 1)

    migrations.downgrade(pg_url, "0001")
    assert migrations.current(pg_url) == "0001"
    assert rls_state(pg_url) == (0, 0, 0)
    engine = create_db_engine(pg_url)
    try:
        with engine.connect() as connection:
            grants = connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.role_table_grants "
                    "WHERE grantee = 'reos_app'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert grants == 0

    migrations.upgrade(pg_url)  # the role already exists now: creating it again must be skipped
    assert rls_state(pg_url)[2] == 1
    assert schema_drift(pg_url) == []


def test_rls_revision_is_a_no_op_on_sqlite(tmp_path: Path) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'rls.db'}")
    migrations.upgrade(url, "0001")
    before = table_names(url)
    migrations.upgrade(url, "0002")
    assert migrations.current(url) == "0002"
    assert table_names(url) == before


def test_env_runs_on_a_connection_the_caller_gives(tmp_path: Path) -> None:
    engine = create_db_engine(make_url(f"sqlite:///{tmp_path / 'given.db'}"))
    try:
        with engine.begin() as connection:
            config = migrations.alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= MODEL_TABLES
    finally:
        engine.dispose()


def test_env_honours_a_sqlalchemy_url_set_in_code(tmp_path: Path) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'option.db'}")
    config = migrations.alembic_config()
    config.set_main_option("sqlalchemy.url", url.render_as_string(hide_password=False))
    command.upgrade(config, "head")
    assert migrations.current(url) == HEAD


def test_history_is_one_linear_chain() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_heads() == [HEAD]
    assert [rev.revision for rev in script.walk_revisions()] == [
        "0011",
        "0010",
        "0009",
        "0008",
        "0007",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]
    lines = migrations.history_lines()
    assert len(lines) == 11
    assert "(head)" in lines[0] and "role catalog" in lines[0]
    assert "<base>" in lines[-1] and "initial schema" in lines[-1]
